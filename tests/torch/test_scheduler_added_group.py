"""``LRScheduler`` built mid-run (``last_step``) over a param group added later, against torch's rule.

torch's schedulers take each group's base rate from ``group["initial_lr"]``; built with
``last_epoch >= 0`` they refuse (``KeyError``) a group without one, since its ``lr`` is then a
mid-run value, not a base. The adapter follows: where the added group carries ``initial_lr`` it
writes exactly torch's closed-form rates; where it does not, it refuses in one ``LRKitError`` and
changes nothing (it used to take the added group's rate *now* as its base, so 1e-5 given at a
cosine's midpoint ran at once at 5e-6).
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")
from torch.optim.lr_scheduler import LambdaLR  # noqa: E402

from lrkit import LRKitError  # noqa: E402
from lrkit.torch import LRScheduler  # noqa: E402

SPEC = "cosine(lr=0.1, steps=20)"


def _shape(t: int) -> float:
    """``cosine(lr=0.1, steps=20)(t) / 0.1``, written out: the oracle's factor for torch's LambdaLR."""
    return 0.5 * (1.0 + math.cos(math.pi * min(t, 20) / 20))


def _run_then_add(make_scheduler, added: dict) -> torch.optim.Optimizer:
    """Group 0 at 0.1 driven 8 updates by ``make_scheduler(opt)``, then a group added: ``added``."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = make_scheduler(opt)
    for _ in range(8):
        opt.step()
        sched.step()
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))], **added})
    return opt


def _rates(opt: torch.optim.Optimizer, sched, n: int = 15) -> list[list[float]]:
    seen = []
    for _ in range(n):
        seen.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    return seen


def _assert_same_rates(ours: list[list[float]], theirs: list[list[float]]) -> None:
    assert len(ours) == len(theirs)
    for t, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), (t, a, b)


def test_an_added_group_with_its_initial_lr_resumes_as_torch_does() -> None:
    added = {"lr": 0.004, "initial_lr": 0.01}  # its rate now, and its base (what step 0 would give it)
    ours = _run_then_add(lambda o: LRScheduler(o, SPEC), added)
    theirs = _run_then_add(lambda o: LambdaLR(o, _shape), added)
    mine, oracle = LRScheduler(ours, SPEC, last_step=7), LambdaLR(theirs, _shape, last_epoch=7)
    assert mine.group_scales == pytest.approx((1.0, 0.1), rel=1e-15)
    _assert_same_rates(_rates(ours, mine), _rates(theirs, oracle))


def _assert_same_rates(ours: list[list[float]], theirs: list[list[float]]) -> None:
    assert len(ours) == len(theirs)
    for t, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert a == pytest.approx(b, rel=1e-12, abs=1e-15), (t, a, b)


def test_an_added_group_without_its_initial_lr_is_refused_as_torch_refuses_it() -> None:
    theirs = _run_then_add(lambda o: LambdaLR(o, _shape), {"lr": 1e-5})
    with pytest.raises(KeyError, match=r"initial_lr' is not specified in param_groups\[1\]"):
        LambdaLR(theirs, _shape, last_epoch=7)
    ours = _run_then_add(lambda o: LRScheduler(o, SPEC), {"lr": 1e-5})
    before = [dict(g, params=None) for g in ours.param_groups]
    with pytest.raises(
        LRKitError,
        match=r"`last_step` of LRScheduler must come with every param group's base value when some group "
        r"has one; got last_step=7, but param group 1 has no 'initial_lr' \(added after a scheduler "
        r"recorded group 0's\), so its lr=1e-05 is a mid-run value.*initial_lr.*group_scales=",
    ):
        LRScheduler(ours, SPEC, last_step=7)
    assert [dict(g, params=None) for g in ours.param_groups] == before  # nothing recorded, nothing written


def test_explicit_group_scales_need_no_initial_lr() -> None:
    opt = _run_then_add(lambda o: LRScheduler(o, SPEC), {"lr": 1e-5})
    sched = LRScheduler(opt, SPEC, last_step=7, group_scales=[1.0, 1e-4])
    assert sched.get_last_lr() == pytest.approx([0.1 * _shape(8), 1e-5 * _shape(8)], rel=1e-12)


def test_a_fresh_scheduler_over_an_added_group_takes_its_rate_as_base_as_torch_does() -> None:
    # last_step=-1 declares a fresh run: torch's setdefault("initial_lr", lr) takes the added group's
    # rate now as its base, and so does the adapter.
    ours = _run_then_add(lambda o: LRScheduler(o, SPEC), {"lr": 0.02})
    theirs = _run_then_add(lambda o: LambdaLR(o, _shape), {"lr": 0.02})
    mine, oracle = LRScheduler(ours, SPEC), LambdaLR(theirs, _shape)
    _assert_same_rates(_rates(ours, mine), _rates(theirs, oracle))


def test_a_fresh_optimizer_resumed_with_last_step_keeps_its_ratios() -> None:
    # No group carries initial_lr (no scheduler ever ran on it): every rate was set at one moment, so
    # their ratios are the run's whichever step they belong to; torch refuses, lrkit takes the ratios.
    w, b = torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1)
    sched = LRScheduler(opt, SPEC, last_step=7)
    assert sched.group_scales == (1.0, pytest.approx(0.1))
    assert sched.get_last_lr() == pytest.approx([0.1 * _shape(8), 0.01 * _shape(8)], rel=1e-12)


def test_other_keys_follow_the_same_rule() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    LRScheduler(opt, "constant(lr=0.9)", key="momentum")
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))], "momentum": 0.5})
    with pytest.raises(LRKitError, match=r"param group 1 has no 'initial_momentum'"):
        LRScheduler(opt, "constant(lr=0.9)", key="momentum", last_step=3)


def test_the_refused_step_says_how_to_rebuild() -> None:
    opt = _run_then_add(lambda o: LRScheduler(o, SPEC), {})
    sched = LRScheduler(opt, SPEC, group_scales=[1.0, 1.0])
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))]})
    with pytest.raises(LRKitError, match=r"must keep its 2 groups; got 3.*'initial_lr'.*group_scales="):
        sched.step()
