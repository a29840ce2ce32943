"""``lrkit.torch.LRScheduler`` in plain training loops: values, groups, state, resume, errors, other keys."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from lrkit import LRKitError  # noqa: E402
from lrkit.schedules import constant, cosine, linear, parse, reduce_on_plateau, registry  # noqa: E402
from lrkit.torch import LRScheduler  # noqa: E402

# These tests drive every family from one optimizer built at an arbitrary rate; the rate rule and its
# RateConflictWarning have their own tests (test_rate_rule.py).
pytestmark = pytest.mark.filterwarnings("ignore::lrkit.errors.RateConflictWarning")

WARM_COS = linear(start=0.0, end=0.1, steps=20) >> cosine(lr=0.1, steps=80, min_lr=1e-3)


def _data(n: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(n, 3, generator=g)
    return x, x @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.1 * torch.randn(n, 1, generator=g)


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))


def _make_opt(kind: str, model: torch.nn.Module, lr: float = 0.1) -> torch.optim.Optimizer:
    first, second = list(model[0].parameters()), list(model[2].parameters())
    groups = [{"params": first}, {"params": second, "lr": lr * 0.25}]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=lr, momentum=0.9)
    return torch.optim.Adam(groups, lr=lr)


def _train_step(model: torch.nn.Module, opt: torch.optim.Optimizer, i: int) -> float:
    x, y = _data()
    batch = slice((8 * i) % 64, (8 * i) % 64 + 8)
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x[batch]), y[batch])
    loss.backward()
    opt.step()
    return loss.item()


def _lrs(opt: torch.optim.Optimizer) -> list[float]:
    return [g["lr"] for g in opt.param_groups]


# -- plain loops ------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_plain_loop_uses_schedule_of_t_and_matches_manual_lr_setting(kind: str) -> None:
    """The adapter equals the two-line loop that sets each group's lr by hand (nanoGPT style)."""
    model_a, model_b = _model(), _model()
    opt_a, opt_b = _make_opt(kind, model_a), _make_opt(kind, model_b)
    sched = LRScheduler(opt_a, WARM_COS)
    expected = WARM_COS(np.arange(120))
    for t in range(120):
        assert _lrs(opt_a) == [expected[t], expected[t] * 0.25], t  # first update uses schedule(0)
        for g, ratio in zip(opt_b.param_groups, (1.0, 0.25), strict=True):
            g["lr"] = float(expected[t]) * ratio
        _train_step(model_a, opt_a, t)
        _train_step(model_b, opt_b, t)
        sched.step()
    for pa, pb in zip(model_a.parameters(), model_b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert sched.t == 120 and sched.get_last_lr() == [1e-3, 1e-3 * 0.25]


@pytest.mark.parametrize("name", sorted(n for n, info in registry.items() if not info.stateful))
def test_every_registered_family_drives_an_optimizer_exactly(name: str) -> None:
    """Registry-wide: the adapter writes exactly ``s(t)`` for every family's example, across block edges."""
    s = parse(registry[name].example)
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = LRScheduler(opt, registry[name].example)
    seen = []
    for _ in range(2100):
        seen.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_array_equal(seen, s(np.arange(2100)))
    assert seen[:3] == [s(0), s(1), s(2)] and seen[-1] == s(2099)  # scalar calls agree too


def test_is_a_torch_lr_scheduler_with_its_api() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.5)
    sched = LRScheduler(opt, cosine(lr=0.1, steps=10))
    assert isinstance(sched, torch.optim.lr_scheduler.LRScheduler)
    for _ in range(3):
        opt.step()
        sched.step()
    assert sched.last_epoch == sched.t == 3
    assert sched.get_last_lr() == sched.get_lr() == [cosine(lr=0.1, steps=10)(3)]
    assert sched.key == "lr" and sched.plateau is None and sched.group_scales == (1.0,)


def test_groups_keep_their_initial_ratio_and_group_zero_follows_exactly() -> None:
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in range(4)]
    lrs = [0.2, 0.02, 0.6, 0.2]
    opt = torch.optim.SGD([{"params": [p], "lr": lr} for p, lr in zip(params, lrs, strict=True)])
    s = cosine(lr=1.0, steps=50, min_lr=0.1)
    sched = LRScheduler(opt, s)
    assert sched.group_scales == pytest.approx((1.0, 0.1, 3.0, 1.0))
    for t in range(60):
        got = _lrs(opt)
        assert got[0] == s(t) == got[3]
        assert got[1] == pytest.approx(s(t) * 0.1, rel=1e-15) and got[2] == pytest.approx(
            s(t) * 3.0, rel=1e-15
        )
        sched.step()


def test_explicit_group_scales() -> None:
    opt = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.1} for _ in range(2)])
    sched = LRScheduler(opt, "constant(lr=0.5)", group_scales=[2.0, 0.0])
    assert _lrs(opt) == [1.0, 0.0]
    assert sched.group_scales == (2.0, 0.0)


def test_recomputes_after_manual_edit_and_jumps_with_epoch() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = LRScheduler(opt, WARM_COS)
    sched.step()
    opt.param_groups[0]["lr"] = (
        123.0  # a manual edit (or a skipped AMP step) does not leak into the next value
    )
    sched.step()
    assert _lrs(opt) == [WARM_COS(2)]
    sched.step(epoch=3000)  # far past the cached block: exact, not accumulated
    assert _lrs(opt) == [WARM_COS(3000)] and sched.t == 3000


def test_blocks_are_aligned_so_values_do_not_depend_on_the_start() -> None:
    s = parse("cosine(lr=1.0, steps=5000)")
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = LRScheduler(opt, s, last_step=1000)  # starts at t = 1001, inside the first block
    seen = []
    for _ in range(100):  # crosses the block boundary at t = 1024
        seen.append(opt.param_groups[0]["lr"])
        sched.step()
    np.testing.assert_array_equal(seen, s(np.arange(2048))[1001:1101])


def test_last_step_starts_after_it() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = LRScheduler(opt, cosine(lr=0.1, steps=100), last_step=9)
    assert sched.t == 10 and _lrs(opt) == [cosine(lr=0.1, steps=100)(10)]


def test_spec_string_accepted() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = LRScheduler(opt, "linear(start=0, end=0.1, steps=20) >> cosine(lr=0.1, steps=80, min_lr=0.001)")
    assert sched.schedule == WARM_COS


def test_tensor_lr_is_filled_in_place() -> None:
    lr = torch.tensor(0.01)
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=lr)
    held = opt.param_groups[0]["lr"]
    sched = LRScheduler(opt, cosine(lr=0.01, steps=10))
    for _ in range(4):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] is held
    assert float(held) == pytest.approx(cosine(lr=0.01, steps=10)(4), rel=1e-6)  # float32 tensor


# -- state ---------------------------------------------------------------------------------
def _plain(value: object) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool))


def test_state_dict_is_json_plain_data_and_round_trips() -> None:
    opt = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in (0.1, 0.05)])
    sched = LRScheduler(opt, WARM_COS, plateau=reduce_on_plateau(lr=1.0, patience=0))
    for m in (1.0, 1.0, 1.0):
        sched.observe(m)
        sched.step()
    state = sched.state_dict()
    assert _plain(state)
    assert set(state) == {"t", "step_count", "key", "group_scales", "schedule", "plateau"}
    assert state["t"] == 3 and state["group_scales"] == [1.0, 0.5] and state["schedule"] == WARM_COS.to_dict()
    restored = json.loads(json.dumps(state))
    opt2 = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in (0.1, 0.05)])
    sched2 = LRScheduler(opt2, constant(lr=9.0), plateau=reduce_on_plateau(lr=1.0, patience=0))
    sched2.load_state_dict(restored)
    assert sched2.schedule == WARM_COS  # the saved schedule wins: resume continues the saved run
    assert _lrs(opt2) == _lrs(opt) and sched2.state_dict() == state


ORDERS = ("scheduler-first", "optimizer-first", "scheduler-built-after-optimizer-load")


def _run(n: int, stop: int | None, order: str, kind: str) -> tuple[list[list[float]], list[torch.Tensor]]:
    """Train n steps with a warmup-cosine and a plateau controller fed every 10 steps.

    If ``stop`` is given, checkpoint there, rebuild model, optimizer and scheduler
    and load them in the given ``order``, then continue.
    """

    def build_scheduler(opt: torch.optim.Optimizer) -> LRScheduler:
        return LRScheduler(opt, WARM_COS, plateau=reduce_on_plateau(lr=1.0, factor=0.5, patience=1))

    model = _model()
    opt = _make_opt(kind, model)
    sched = build_scheduler(opt)
    seen = []
    for i in range(n):
        if i == stop:
            buf = io.BytesIO()
            torch.save({"model": model.state_dict(), "opt": opt.state_dict()}, buf)
            sched_state = json.dumps(sched.state_dict())  # through JSON: nothing but plain data
            buf.seek(0)
            ckpt = torch.load(buf)
            model = _model()
            with torch.no_grad():  # the rebuilt model starts elsewhere; loading must fix that
                for p in model.parameters():
                    p.add_(1.0)
            model.load_state_dict(ckpt["model"])
            opt = _make_opt(kind, model)
            if order == "scheduler-first":
                sched = build_scheduler(opt)
                sched.load_state_dict(json.loads(sched_state))
                opt.load_state_dict(ckpt["opt"])
            elif order == "optimizer-first":
                sched = build_scheduler(opt)
                opt.load_state_dict(ckpt["opt"])
                sched.load_state_dict(json.loads(sched_state))
            else:  # the groups now hold the checkpoint's (scheduled) rates when the scheduler is built
                opt.load_state_dict(ckpt["opt"])
                sched = build_scheduler(opt)
                sched.load_state_dict(json.loads(sched_state))
        seen.append(_lrs(opt))
        loss = _train_step(model, opt, i)
        if i % 10 == 9:
            sched.observe(loss)
        sched.step()
    return seen, [p.detach().clone() for p in model.parameters()]


@settings(max_examples=20)
@given(stop=st.integers(0, 110), order=st.sampled_from(ORDERS), kind=st.sampled_from(["sgd", "adam"]))
def test_resume_at_any_step_is_bit_identical(stop: int, order: str, kind: str) -> None:
    lrs_ref, params_ref = _run(110, None, order, kind)
    lrs, params = _run(110, stop, order, kind)
    assert lrs == lrs_ref
    assert len(set(map(tuple, lrs_ref))) > 50  # the schedule (and the plateau cuts) really move the rates
    for a, b in zip(params, params_ref, strict=True):
        assert torch.equal(a, b)


def test_the_resume_run_has_plateau_cuts() -> None:
    """The resume property also covers the plateau controller's state: the reference run does cut."""
    lrs, _ = _run(110, None, ORDERS[0], "sgd")
    expected = WARM_COS(np.arange(110))
    assert any(got[0] < want for got, want in zip(lrs, expected, strict=True))


# -- plateau -------------------------------------------------------------------------------------
def test_observe_cuts_immediately_and_combines_with_the_schedule() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    plateau = reduce_on_plateau(lr=1.0, factor=0.5, patience=1)
    s = cosine(lr=0.1, steps=100)
    sched = LRScheduler(opt, s, plateau=plateau)
    assert sched.plateau is plateau
    cuts = []
    for t, metric in enumerate([1.0, 0.9, 0.9, 0.9, 0.9, 0.9]):
        cuts.append(sched.observe(metric))
        assert _lrs(opt) == [plateau.apply(s(t))]
        opt.step()
        sched.step()
    assert cuts == [False, False, False, True, False, True]
    assert plateau.multiplier == 0.25 and _lrs(opt) == [s(6) * 0.25]


def test_a_bare_controller_is_torchs_reduce_lr_on_plateau() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.5)
    sched = LRScheduler(opt, "reduce_on_plateau(lr=0.1, factor=0.5, patience=0)")
    assert sched.schedule == constant(lr=0.1) and sched.plateau.factor == 0.5
    assert [sched.observe(m) for m in (1.0, 1.0, 1.0)] == [False, True, True]
    assert _lrs(opt) == [0.025] and sched.state_dict()["plateau"]["cuts"] == 2


def test_plateau_given_as_a_spec_string() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = LRScheduler(opt, "cosine(lr=0.1, steps=10)", plateau="reduce_on_plateau(lr=0.1, patience=0)")
    sched.observe(2.0)
    assert sched.observe(3.0) and _lrs(opt) == [pytest.approx(0.01, rel=1e-15)]


def test_observe_without_plateau_raises() -> None:
    sched = LRScheduler(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1), "constant(lr=0.1)")
    with pytest.raises(LRKitError, match="`plateau` of LRScheduler must be given"):
        sched.observe(1.0)


# -- other keys ------------------------------------------------------------------------------------
def test_schedules_sgd_momentum_and_leaves_lr_alone() -> None:
    model = _model()
    opt = _make_opt("sgd", model)
    s = linear(start=0.95, end=0.85, steps=10)
    sched = LRScheduler(opt, s, key="momentum")
    for t in range(15):
        assert [g["momentum"] for g in opt.param_groups] == [s(t), s(t)]
        assert _lrs(opt) == [0.1, 0.025]
        _train_step(model, opt, t)
        sched.step()
    assert opt.param_groups[0]["initial_momentum"] == 0.9


def test_schedules_adam_beta1_inside_the_betas_tuple() -> None:
    opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(2))], lr=1e-3, betas=(0.9, 0.99))
    s = cosine(lr=0.95, steps=5, min_lr=0.85)
    sched = LRScheduler(opt, s, key="betas[0]")
    for t in range(7):
        assert opt.param_groups[0]["betas"] == (s(t), 0.99)
        opt.step()
        sched.step()
    assert sched.state_dict()["key"] == "betas[0]"


def test_schedules_weight_decay_with_a_no_decay_group() -> None:
    a, b = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([{"params": [a], "weight_decay": 0.1}, {"params": [b], "weight_decay": 0.0}])
    LRScheduler(opt, "constant(lr=0.05)", key="weight_decay")
    assert [g["weight_decay"] for g in opt.param_groups] == [0.05, 0.0]


# -- bad inputs ------------------------------------------------------------------------------------
def _opt(**kw: object) -> torch.optim.Optimizer:
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, **kw)


@pytest.mark.parametrize(
    ("make", "pattern"),
    [
        (
            lambda: LRScheduler(_opt(), 0.1),
            r"`schedule` of LRScheduler must be an lrkit Schedule or a spec string",
        ),
        (lambda: LRScheduler(_opt(), lambda t: 0.1), r"`schedule` of LRScheduler must be an lrkit Schedule"),
        (
            lambda: LRScheduler(_opt(), "cosin(lr=0.1, steps=5)"),
            r"unknown schedule 'cosin'; did you mean 'cosine'",
        ),
        (
            lambda: LRScheduler(_opt(), "cosine(lr=0.1, steps=-5)"),
            r"`steps` of cosine must be a positive integer",
        ),
        (
            lambda: LRScheduler("sgd", "constant(lr=0.1)"),
            r"`optimizer` of LRScheduler must be a torch.optim.Optimizer",
        ),
        (
            lambda: LRScheduler(
                torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))]), "constant(lr=0.9)", key="momentum"
            ),
            r"`key` of LRScheduler must name a value of every optimizer param group; "
            r"got 'momentum', which param group 0 lacks \(its keys: .*betas",
        ),
        (
            lambda: LRScheduler(_opt(), "constant(lr=0.9)", key="lr[0]"),
            r"`key` of LRScheduler must index into a tuple",
        ),
        (
            lambda: LRScheduler(_opt(), "constant(lr=0.9)", key="my lr"),
            r"`key` of LRScheduler must be a param-group key",
        ),
        (
            lambda: LRScheduler(_opt(), "constant(lr=0.9)", key="nesterov"),
            r"must name a finite number in param group 0",
        ),
        (
            lambda: LRScheduler(_opt(), "constant(lr=0.1)", last_step=-2),
            r"`last_step` of LRScheduler must be an integer in \[-1, 9223372036854775806\]; got -2\.",
        ),
        (
            lambda: LRScheduler(_opt(), "constant(lr=0.1)", last_step=1.5),
            r"`last_step` of LRScheduler must be an integer",
        ),
        (
            lambda: LRScheduler(_opt(), "constant(lr=0.1)", group_scales=[1.0, 2.0]),
            r"`group_scales` of LRScheduler must be a list of 1 finite numbers >= 0",
        ),
        (
            lambda: LRScheduler(_opt(), "constant(lr=0.1)", group_scales=[-1.0]),
            r"`group_scales` of LRScheduler",
        ),
        (
            lambda: LRScheduler(_opt(), "constant(lr=0.1)", plateau=0.5),
            r"`plateau` of LRScheduler must be an lrkit",
        ),
        (
            lambda: LRScheduler(_opt(), "constant(lr=0.1)", plateau="cosine(lr=0.1, steps=5)"),
            r"`plateau` of LRScheduler must be an lrkit reduce_on_plateau controller",
        ),
        (
            lambda: LRScheduler(_opt(), "reduce_on_plateau(lr=0.1)", plateau="reduce_on_plateau(lr=0.1)"),
            r"`schedule` of LRScheduler must be a schedule when `plateau` is given",
        ),
    ],
)
def test_bad_inputs_raise_lrkit_error(make, pattern: str) -> None:
    with pytest.raises(LRKitError, match=pattern):
        make()


def test_zero_group_zero_needs_explicit_scales() -> None:
    opt = torch.optim.SGD([{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in (0.0, 0.1)])
    with pytest.raises(
        LRKitError, match=r"`group_scales` of LRScheduler must be given when param group 0 has lr = 0"
    ):
        LRScheduler(opt, "constant(lr=0.1)")
    assert LRScheduler(opt, "constant(lr=0.1)", group_scales=[0.0, 1.0]).get_last_lr() == [0.0, 0.1]


def test_adding_a_param_group_later_is_reported() -> None:
    opt = _opt()
    sched = LRScheduler(opt, "constant(lr=0.1)")
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))]})
    with pytest.raises(LRKitError, match=r"must keep its 1 groups; got 2"):
        sched.step()


def test_a_step_refused_for_an_added_group_changes_nothing() -> None:
    # Regression (ux8): the refused step had already advanced t and the step count, so a caught error
    # left the scheduler one update ahead of the rates it had written.
    opt = _opt()
    sched = LRScheduler(opt, "cosine(lr=0.1, steps=10)")
    for _ in range(3):
        opt.step()
        sched.step()
    before = (sched.t, sched.state_dict(), [dict(g, params=None) for g in opt.param_groups])
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))]})
    for call in (sched.step, lambda: sched.step(7)):
        with pytest.raises(LRKitError, match=r"must keep its 1 groups; got 2"):
            call()
        assert (sched.t, sched.state_dict()) == before[:2]
        assert [dict(g, params=None) for g in opt.param_groups[:1]] == before[2]
    opt.param_groups.pop()
    with pytest.raises(LRKitError, match=r"`epoch` of LRScheduler.step must be an integer in \[0, "):
        sched.step(-1)
    assert (sched.t, sched.state_dict()) == before[:2]


@pytest.mark.parametrize(
    ("mutate", "pattern"),
    [
        (lambda s: s.pop("t"), r"`state_dict` of LRScheduler must be a dict with keys"),
        (lambda s: s.update(key="momentum"), r"must be saved for key 'lr'; got 'momentum'"),
        (lambda s: s.update(t=-1), r"`t` of LRScheduler.load_state_dict must be an integer >= 0"),
        (lambda s: s.update(group_scales=[1.0, 1.0]), r"`group_scales` of LRScheduler must be a list of 1"),
        (lambda s: s.update(plateau={"multiplier": 1.0}), r"must match the plateau= setting"),
        (lambda s: s.update(schedule={"name": "nope"}), r"unknown schedule 'nope'"),
    ],
)
def test_bad_state_raises(mutate, pattern: str) -> None:
    opt = _opt()
    sched = LRScheduler(opt, "cosine(lr=0.1, steps=10)")
    sched.step()
    before, lrs = sched.state_dict(), _lrs(opt)
    state = sched.state_dict()
    mutate(state)
    with pytest.raises(LRKitError, match=pattern):
        sched.load_state_dict(state)
    assert sched.state_dict() == before and _lrs(opt) == lrs  # a failed load changes nothing


def test_torchs_last_epoch_is_refused_naming_last_step_which_counts_the_same():
    """ux14 L4: ``last_epoch=9`` (torch's name) was a bare ``TypeError``; it counts as ``last_step`` does."""
    import lrkit.torch._scheduler_inputs as inputs

    w = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([w], lr=1.0)
    opt.param_groups[0]["initial_lr"] = 1.0
    with pytest.raises(LRKitError, match=r"`last_epoch` of LRScheduler is torch's name for lrkit's "
                                         r"`last_step`.*got last_epoch=9\. Pass last_step="):
        LRScheduler(opt, "linear(start=0, end=1, steps=100)", last_epoch=9)
    with pytest.raises(LRKitError, match=r"unknown argument of LRScheduler 'group_scale'; did you mean "
                                         r"'group_scales'\? Valid: " + ", ".join(sorted(inputs.ARGUMENTS))):
        LRScheduler(opt, "constant(lr=1.0)", group_scale=[1.0])
    assert opt.param_groups[0]["lr"] == 1.0  # refused before the optimizer was touched
    # the same count: torch's last_epoch=9 and lrkit's last_step=9 both write the rate of update 10
    theirs = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: t / 100, last_epoch=9)
    torch_rate = opt.param_groups[0]["lr"]
    ours = LRScheduler(opt, "linear(start=0, end=1, steps=100)", last_step=9)
    assert (theirs.last_epoch, torch_rate) == (ours.t, opt.param_groups[0]["lr"]) == (10, 0.1)
    inputs.check_keywords({})
