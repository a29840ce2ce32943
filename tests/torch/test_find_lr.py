"""``lrkit.torch.find_lr``: the updates it performs, the state it restores, the inputs it rejects.

Oracles: a hand-written torch loop at the same rates (bitwise equal losses), optimizer
step hooks (the rate each real update used), the closed-form stability limit of
least squares, and ``state_dict()`` / RNG getters compared bitwise.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.finder import FinderPolicy, Sweep
from lrkit.torch import Update, Validation, find_lr


def regression_data(n: int = 4096, batch: int = 32, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, list]:
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 5, generator=g) * torch.tensor([3.0, 1.0, 1.0, 0.5, 0.2])
    y = X @ torch.tensor([1.0, -2.0, 0.5, 0.0, 3.0]) + 0.1 * torch.randn(n, generator=g)
    return X, y, [(X[i : i + batch], y[i : i + batch]) for i in range(0, n, batch)]


def mse(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return ((out.squeeze(-1) - target) ** 2).mean()


class Classifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(8, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 3)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def class_data(n: int = 2048, batch: int = 32) -> list:
    g = torch.Generator().manual_seed(1)
    X = torch.randn(n, 8, generator=g)
    y = (X[:, 0] > 0).long() + (X[:, 1] > 0.5).long()
    return [(X[i : i + batch], y[i : i + batch]) for i in range(0, n, batch)]




def trained_classifier() -> tuple[nn.Module, torch.optim.Optimizer, list]:
    """A model with BatchNorm buffers, dropout and non-empty Adam state, as after some training."""
    model = Classifier()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = class_data()
    for x, y in data[:3]:
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return model, opt, data


def record_step_lrs(opt: torch.optim.Optimizer) -> list[list[float]]:
    """The rates of every group at each *real* optimizer.step() call."""
    seen: list[list[float]] = []
    opt.register_step_pre_hook(lambda o, args, kwargs: seen.append([g["lr"] for g in o.param_groups]))
    return seen


# ---------------------------------------------------------------- the updates


def test_losses_equal_a_hand_written_loop_at_the_same_rates() -> None:
    X, y, data = regression_data()
    model = nn.Linear(5, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ref_model = copy.deepcopy(model)
    res = find_lr(model, opt, mse, data, sweep=Sweep(start=1e-5, end=1.0, num_steps=30), interval=False)
    assert res.stop_reason in ("completed", "diverged")
    ref_opt = torch.optim.SGD(ref_model.parameters(), lr=0.1, momentum=0.9)
    expected = []
    for i, lr in enumerate(res.lrs):
        x, t = data[i % len(data)]
        ref_opt.param_groups[0]["lr"] = float(lr)
        ref_opt.zero_grad()
        loss = mse(ref_model(x), t)
        loss.backward()
        ref_opt.step()
        expected.append(loss.item())
    assert list(res.losses) == expected
    assert res.lrs[0] == pytest.approx(1e-5)


def test_one_rate_per_real_optimizer_step_and_groups_keep_their_ratio() -> None:
    model = Classifier()
    opt = torch.optim.SGD(
        [{"params": model.net[0].parameters(), "lr": 0.1}, {"params": model.net[4].parameters(), "lr": 0.01}],
        lr=0.05,
        momentum=0.9,
    )
    opt.add_param_group({"params": model.net[1].parameters(), "lr": 0.2})
    seen = record_step_lrs(opt)
    res = find_lr(model, opt, nn.functional.cross_entropy, class_data(),
                  sweep=Sweep(start=1e-4, end=1.0, num_steps=25))
    assert len(seen) == res.steps == len(res.lrs)
    for (g0, g1, g2), lr in zip(seen, res.lrs):
        assert g0 == pytest.approx(lr, rel=1e-12)
        assert g1 == pytest.approx(0.1 * lr, rel=1e-12) and g2 == pytest.approx(2.0 * lr, rel=1e-12)
    assert res.meta["group_scales"] == pytest.approx([1.0, 0.1, 2.0])
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01, 0.2]  # restored


def test_gradient_accumulation_steps_once_per_k_micro_batches() -> None:
    X, y, small = regression_data(batch=8)
    big = [(X[i : i + 32], y[i : i + 32]) for i in range(0, len(X), 32)]
    m1, m2 = nn.Linear(5, 1), nn.Linear(5, 1)
    m2.load_state_dict(m1.state_dict())
    o1, o2 = torch.optim.SGD(m1.parameters(), lr=0.1), torch.optim.SGD(m2.parameters(), lr=0.1)
    seen = record_step_lrs(o1)
    acc = find_lr(m1, o1, mse, small, sweep=Sweep(start=1e-4, end=0.3, num_steps=15),
                  update=Update(accumulation_steps=4), interval=False)
    ref = find_lr(m2, o2, mse, big, sweep=Sweep(start=1e-4, end=0.3, num_steps=15), interval=False)
    assert len(seen) == acc.steps == 15 and acc.meta["batches_used"] == 60
    # Mean of 4 micro-batch means of 8 = mean over 32 rows: the same curve up to rounding.
    np.testing.assert_allclose(acc.losses, ref.losses, rtol=1e-5)
    assert [s[0] for s in seen] == pytest.approx(list(acc.lrs), rel=1e-12)


def test_amp_skipped_update_retries_the_same_rate() -> None:
    X, y, data = regression_data()
    model = nn.Linear(5, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    seen = record_step_lrs(opt)
    # A scale of 3e38 overflows float32 on the first backward: that update is skipped and the
    # scale drops by the backoff factor to ~3e8, after which updates go through.
    scaler = torch.amp.GradScaler("cpu", init_scale=3e38, backoff_factor=1e-30, growth_interval=10**6)
    res = find_lr(model, opt, mse, data, sweep=Sweep(start=1e-5, end=0.1, num_steps=12),
                  update=Update(scaler=scaler))
    assert res.meta["amp_skipped_steps"] == 1
    assert res.meta["batches_used"] == res.steps + 1
    # The first rate is used once, by a real step.
    assert [s[0] for s in seen] == pytest.approx(list(res.lrs), rel=1e-12)
    assert scaler.get_scale() == pytest.approx(3e38)  # the caller's scaler is restored


def test_amp_autocast_on_cpu_runs_and_restores(
    fingerprint: Callable[..., dict], assert_same: Callable[..., None]
) -> None:
    model, opt, data = trained_classifier()
    before = fingerprint(model, opt)
    res = find_lr(model, opt, nn.functional.cross_entropy, data, sweep=Sweep(num_steps=20, start=1e-4,
                                                                             end=1.0),
                  update=Update(amp=True))
    assert res.steps > 0 and res.meta["amp"] is True
    assert_same(before, fingerprint(model, opt))


def test_dict_batches_custom_forward_and_step_hook() -> None:
    X, y, data = regression_data()
    dict_data = [{"input": a, "target": b} for a, b in data]
    torch.manual_seed(3)  # one Linear for model and optimizer (find_lr refuses another's parameters: ux13 L3)
    net = nn.Linear(5, 1)
    r_dict = find_lr(net, torch.optim.SGD(net.parameters(), lr=0.1), mse, dict_data,
                     sweep=Sweep(start=1e-4, end=1.0, num_steps=10))
    hf_style = [{"features": a, "labels": b} for a, b in data]
    torch.manual_seed(3)
    model = nn.Linear(5, 1)
    r_fwd = find_lr(model, torch.optim.SGD(model.parameters(), lr=0.1), mse, hf_style,
                    sweep=Sweep(start=1e-4, end=1.0, num_steps=10),
                    update=Update(forward=lambda m, b: (m(b["features"]), b["labels"])))
    assert r_dict.steps == r_fwd.steps == 10

    calls = []

    def clipped_step(m: nn.Module, o: torch.optim.Optimizer, batch: tuple, loss_fn) -> torch.Tensor:
        loss = loss_fn(m(batch[0]), batch[1])
        loss.backward()
        calls.append(nn.utils.clip_grad_norm_(m.parameters(), 1.0).item())
        o.step()
        return loss

    res = find_lr(model, torch.optim.SGD(model.parameters(), lr=0.1), mse, data,
                  sweep=Sweep(start=1e-4, end=1.0, num_steps=12), update=Update(step=clipped_step))
    assert len(calls) == res.steps == 12


def test_validation_mode_matches_an_independent_evaluation_and_holds_between() -> None:
    X, y, data = regression_data()
    val = [(X[i : i + 64] + 0.01, y[i : i + 64]) for i in range(0, 256, 64)]
    model = nn.Linear(5, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    ref = copy.deepcopy(model)
    res = find_lr(model, opt, mse, data, validation=Validation(val, every=3, batches=2),
                  sweep=Sweep(start=1e-4, end=1.0, num_steps=20))
    assert res.meta["loss"] == "val" and res.meta["val_steps"][:4] == [0, 3, 6, 9]
    assert res.losses[1] == res.losses[0] and res.losses[2] == res.losses[0]  # held between evaluations
    ref_opt = torch.optim.SGD(ref.parameters(), lr=float(res.lrs[0]))
    mse(ref(data[0][0]), data[0][1]).backward()
    ref_opt.step()
    with torch.no_grad():
        expected = (mse(ref(val[0][0]), val[0][1]).item() + mse(ref(val[1][0]), val[1][1]).item()) / 2
    assert res.losses[0] == pytest.approx(expected, rel=1e-12)
    assert len(res.meta["train_losses"]) == res.steps


def test_suggestion_lies_below_the_least_squares_stability_limit() -> None:
    X, y, data = regression_data()
    Xb = torch.cat([X, torch.ones(len(X), 1)], 1).double()
    # MSE = mean (x.w - y)^2 has Hessian 2 X^T X / n; plain GD diverges above 2 / lambda_max.
    limit = 2.0 / torch.linalg.eigvalsh(2 * Xb.T @ Xb / len(X)).max().item()
    model = nn.Linear(5, 1)
    res = find_lr(model, torch.optim.SGD(model.parameters(), lr=0.1), mse, data,
                  sweep=Sweep(start=1e-5, end=10.0, num_steps=80))
    assert res.suggestion is not None
    assert limit / 100 < res.suggestion < limit


def test_repeats_combine_sweeps_over_fresh_batches(
    fingerprint: Callable[..., dict], assert_same: Callable[..., None]
) -> None:
    model, opt, data = _linear()
    model.weight.grad = torch.ones_like(model.weight)  # must come back too
    before = fingerprint(model, opt)
    seen = record_step_lrs(opt)
    res = find_lr(model, opt, mse, data, sweep=Sweep(start=1e-5, end=10.0, num_steps=40), repeats=3)
    # Three sweeps, each restarting at `start` from the caller's state, on successive batches.
    starts = [i for i, s in enumerate(seen) if s[0] == pytest.approx(1e-5)]
    assert len(starts) == 3 and res.meta["repeats"] == 3
    assert res.meta["batches_used"] == len(seen) and len(res.meta["repeat_suggestions"]) == 3
    assert res.interval is not None and res.interval[0] <= res.suggestion <= res.interval[1]
    assert_same(before, fingerprint(model, opt))


def test_same_call_twice_gives_the_same_result() -> None:
    model, opt, data = trained_classifier()
    a = find_lr(model, opt, nn.functional.cross_entropy, data, sweep=Sweep(start=1e-4, end=3.0, num_steps=25))
    b = find_lr(model, opt, nn.functional.cross_entropy, data, sweep=Sweep(start=1e-4, end=3.0, num_steps=25))
    assert list(a.losses) == list(b.losses) and a.suggestion == b.suggestion


# ---------------------------------------------------------------- state restore


@pytest.mark.parametrize("storage", ["memory", "disk"])
def test_state_is_bitwise_equal_after_find_lr(
    storage: str, fingerprint: Callable[..., dict], assert_same: Callable[..., None]
) -> None:
    model, opt, data = trained_classifier()
    model.eval()
    before = fingerprint(model, opt)
    res = find_lr(model, opt, nn.functional.cross_entropy, data, sweep=Sweep(start=1e-5, end=10.0,
                                                                             num_steps=40),
                  snapshot=storage, progress=True, interval=False)
    assert res.steps > 5 and res.meta["snapshot"] == storage
    assert_same(before, fingerprint(model, opt))


@pytest.mark.parametrize("exc", [RuntimeError("loss exploded"), KeyboardInterrupt()])
def test_state_is_restored_when_the_loss_raises_mid_sweep(
    exc: BaseException, fingerprint: Callable[..., dict], assert_same: Callable[..., None]
) -> None:
    model, opt, data = trained_classifier()
    before = fingerprint(model, opt)
    calls = []

    def flaky(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        if len(calls) == 15:
            raise exc
        return nn.functional.cross_entropy(out, target)

    with pytest.raises(type(exc)):
        find_lr(model, opt, flaky, data, sweep=Sweep(num_steps=40))
    assert len(calls) == 15
    assert_same(before, fingerprint(model, opt))


def test_loader_generator_is_restored() -> None:
    X, y, _ = regression_data()
    gen = torch.Generator().manual_seed(7)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=32, shuffle=True,
                                         generator=gen)
    state = gen.get_state()
    model = nn.Linear(5, 1)
    find_lr(model, torch.optim.SGD(model.parameters(), lr=0.1), mse, loader, sweep=Sweep(num_steps=30))
    assert torch.equal(gen.get_state(), state)


# ---------------------------------------------------------------- bad input


def _linear() -> tuple[nn.Module, torch.optim.Optimizer, list]:
    model = nn.Linear(5, 1)
    return model, torch.optim.SGD(model.parameters(), lr=0.1), regression_data()[2]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (lambda: {"sweep": Sweep(start=0.0)}, "start"),
        (lambda: {"sweep": Sweep(start=-1e-3)}, "start"),
        (lambda: {"sweep": Sweep(start=1.0, end=1.0)}, "end"),
        (lambda: {"sweep": Sweep(start=1.0, end=0.5)}, "end"),
        (lambda: {"update": Update(accumulation_steps=0)},
         "`accumulation_steps` of Update must be a positive integer; got 0."),
        (lambda: {"repeats": -1}, "`repeats` of find_lr must be a positive integer; got -1."),
        (lambda: {"snapshot": "gpu"}, "`snapshot` of find_lr must be one of 'memory', 'disk'; got 'gpu'."),
        (lambda: {"update": Update(step=lambda *a: 0.0, accumulation_steps=2)},
         "`step` of Update must be None"),
        (lambda: {"seed": -1}, "`seed` of find_lr must be an integer >= 0; got -1."),
        (lambda: {"on_step": 3}, "`on_step` of find_lr must be callable or None; got 3."),
        (lambda: {"policy": {"replicates": 10}}, "`policy` of find_lr must be a FinderPolicy"),
        (lambda: {"policy": FinderPolicy(replicates=10)},
         "`replicates` of FinderPolicy must be an integer >= 20"),
        (lambda: {"sweep": (1e-5, 1.0)}, "`sweep` of find_lr must be a Sweep"),
        (lambda: {"validation": Validation([(0, 0)], every=0)},
         "`every` of Validation must be a positive integer"),
    ],
)
def test_bad_arguments_raise_before_any_update(kwargs: Callable[[], dict], match: str) -> None:
    """Every argument is checked before the snapshot, the loader or the optimizer is touched."""
    model, opt, data = _linear()
    w = model.weight.clone()
    with pytest.raises(LRKitError, match=match):
        find_lr(model, opt, mse, iter(data), **kwargs())
    assert torch.equal(model.weight, w) and opt.state_dict()["state"] == {}


def test_empty_and_one_shot_loaders_are_rejected() -> None:
    model, opt, _ = _linear()
    with pytest.raises(LRKitError, match="`train_loader` of find_lr must yield at least one batch; got an"):
        find_lr(model, opt, mse, [])
    with pytest.raises(LRKitError, match="at least one batch per pass"):
        find_lr(model, opt, mse, iter(regression_data()[2][:3]), sweep=Sweep(num_steps=10))
    with pytest.raises(LRKitError, match="`validation.loader` of find_lr"):
        find_lr(model, opt, mse, regression_data()[2], validation=Validation([]))


def test_short_loader_is_cycled_quietly_and_counted(caplog) -> None:
    # Regression (issue 18): cycling a loader shorter than the sweep is the normal case (any data set of
    # ~1,400 samples), not a warning on every first run; it is counted in meta and logged at INFO only.
    import logging
    import warnings

    model, opt, data = _linear()
    with warnings.catch_warnings(), caplog.at_level(logging.INFO, logger="lrkit"):
        warnings.simplefilter("error")
        res = find_lr(model, opt, mse, data[:4], sweep=Sweep(start=1e-5, end=0.01, num_steps=30))
    assert res.meta["cycled"] and res.meta["loader_passes"] == 7 and res.meta["batches_used"] == 30
    assert [r.levelname for r in caplog.records] == ["INFO"]
    assert "train_loader has 4 batches but the sweep needs 30; cycling it" in caplog.records[0].getMessage()


def test_non_scalar_and_non_finite_first_losses_are_rejected() -> None:
    model, opt, data = _linear()
    w = model.weight.clone()
    with pytest.raises(LRKitError, match=r"`loss_fn` of find_lr must return a scalar tensor; got \(32,\)"):
        find_lr(model, opt, lambda o, t: (o.squeeze(1) - t) ** 2, data)
    with pytest.raises(LRKitError, match="the first loss of find_lr must be finite; got nan"):
        find_lr(model, opt, lambda o, t: mse(o, t) * math.nan, data)
    assert torch.equal(model.weight, w)


def test_optimizer_group_without_lr_is_rejected() -> None:
    model, opt, data = _linear()
    del opt.param_groups[0]["lr"]
    with pytest.raises(LRKitError, match="must have an 'lr' in every param group; group 0 has"):
        find_lr(model, opt, mse, data)


def test_batch_on_another_device_than_the_model_is_rejected() -> None:
    # CPU-only stand-in for "model on cuda, batch on cpu": a model on the meta device.
    model = nn.Linear(5, 1).to("meta")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(LRKitError, match="must yield tensors on the model's device meta; got a batch on cpu"):
        find_lr(model, opt, mse, regression_data()[2])


def test_unsupported_batch_layout_names_the_forward_hook() -> None:
    model, opt, _ = _linear()
    with pytest.raises(LRKitError, match=r"Pass update=Update\(forward="):
        find_lr(model, opt, mse, [{"x": torch.ones(2, 5)}] * 10, sweep=Sweep(num_steps=10))


def test_a_stateful_task_loader_replays_the_same_batches_after_find_lr() -> None:
    # Regression: ArrayLoader's epoch counter (its shuffling state) is saved and restored,
    # so training after the finder sees the batches it would have seen without it.
    from lrkit.tasks import get_task

    parts = get_task("digits-mlp").build(0)
    loader = parts["train_loader"]
    expected = [x.clone() for x, _ in loader]
    loader.load_state_dict({"epoch": 0})
    find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], loader, sweep=Sweep(num_steps=60),
            interval=False)
    assert loader.state_dict() == {"epoch": 0}
    assert all(torch.equal(a, x) for a, (x, _) in zip(expected, loader))


def test_docs_examples_run() -> None:
    """docs/find.md's ``>>>`` examples are executed, so the guide cannot drift from the code."""
    import doctest
    from pathlib import Path

    docs = Path(__file__).resolve().parents[2] / "docs" / "find.md"
    result = doctest.testfile(str(docs), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 30 and result.failed == 0, result


def test_the_result_names_the_optimizer_and_batch_size_it_is_for() -> None:
    # The suggestion is a rate *for* an optimizer: the report and the JSON name it (issue 18 item 2).
    X, y, _ = regression_data(512)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=64)
    model = nn.Linear(X.shape[1], 1)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    res = find_lr(model, opt, mse, loader, sweep=Sweep(start=1e-5, end=1.0, num_steps=20), interval=False)
    d = res.meta["optimizer"]
    assert d["name"] == "AdamW" and d["adaptive"] and d["param_groups"] == 1
    assert d["hyperparameters"]["betas"] == [0.9, 0.95] and d["hyperparameters"]["weight_decay"] == 0.1
    assert "lr" not in d["hyperparameters"] and "foreach" not in d["hyperparameters"]
    assert d["constructor"] == ("torch.optim.AdamW(model.parameters(), lr={lr}, betas=(0.9, 0.95), "
                                "weight_decay=0.1)")
    assert res.meta["batch_size"] == 64
    assert res.to_json()  # plain data
    two = torch.optim.SGD([{"params": [model.weight]}, {"params": [model.bias], "lr": 0.1}], lr=0.01)
    res2 = find_lr(model, two, mse, loader, sweep=Sweep(start=1e-5, end=1.0, num_steps=20), interval=False)
    assert res2.meta["optimizer"]["constructor"] is None and res2.meta["optimizer"]["param_groups"] == 2


def test_the_new_user_digits_sweep_suggests_below_its_first_blow_up() -> None:
    """Issue 13: every default on an MLP 64-128-10 on load_digits with Adam suggested 0.168, past the
    spike that starts near 0.07, and the smoothed cross-entropy went down to -0.27."""
    from sklearn.datasets import load_digits

    torch.manual_seed(0)
    X, y = load_digits(return_X_y=True)
    data = torch.utils.data.TensorDataset(torch.tensor(X / 16, dtype=torch.float32), torch.tensor(y))
    loader = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    res = find_lr(model, torch.optim.Adam(model.parameters()), nn.functional.cross_entropy, loader)
    finite = np.isfinite(res.smoothed)
    assert res.smoothed[finite].min() >= res.losses[np.isfinite(res.losses)].min()
    assert res.suggestion < 0.05
    assert "-0." not in res.reason


def test_a_sweep_without_signal_is_retried_and_answered_with_a_stated_guess() -> None:
    """Targets that are pure noise: nothing to learn, so no descent, but the loss still blows up."""
    g = torch.Generator().manual_seed(3)
    X, y = torch.randn(2048, 16, generator=g), torch.randn(2048, generator=g)
    data = [(X[i : i + 64], y[i : i + 64]) for i in range(0, 2048, 64)]
    model = nn.Linear(16, 1)
    with torch.no_grad():
        model.weight.zero_(), model.bias.zero_()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before = copy.deepcopy(model.state_dict())
    res = find_lr(model, opt, mse, data, sweep=Sweep(num_steps=60))
    assert res.meta["source"] == "blow-up fallback" and res.suggestion is not None
    assert len(res.meta["passes"]) == 2 and res.meta["updates"] > 60
    assert res.meta["updates"] == sum(p["steps"] for p in res.meta["passes"])
    assert res.reason.startswith("a guess, not a measurement")
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    plain = find_lr(model, opt, mse, data, sweep=Sweep(num_steps=60), retry=False)
    assert plain.suggestion is None and plain.meta["source"] is None and plain.meta["updates"] <= 60


def test_a_second_pass_that_blows_up_at_its_first_rates_is_not_read_as_a_valley() -> None:
    """Issue 13: zoo regression-huber-adam, seed 2 (grid-best constant rate 0.002). The first sweep never
    blew up (a Huber loss's gradient is bounded), so the second pass swept 1 to 10 from the starting state;
    Adam's first update there moved every weight by the rate, the loss jumped 1,000-fold and recovered,
    and the recovery was read as a valley: 0.26. The jump is a blow-up at the pass's first rates."""
    from lrkit import zoo

    torch.manual_seed(0)
    parts = zoo.get("regression-huber-adam").build(2)
    res = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"], interval=False)
    assert [p["start"] for p in res.meta["passes"]] == [1e-7, pytest.approx(1.0)]
    assert res.meta["source"] == "blow-up fallback" and "blew up in the second sweep" in res.reason
    assert res.suggestion < 0.02


@pytest.mark.parametrize("bad", ["features", "classes"])
def test_batches_that_do_not_fit_the_model_are_one_line_and_change_nothing(bad: str) -> None:
    model, opt, data = trained_classifier()
    x, y = data[0]
    batches = [(x[:, :5], y)] * 4 if bad == "features" else [(x, y + 7)] * 4
    before, opt_before = copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict())
    rng = torch.get_rng_state()
    with pytest.raises(LRKitError, match=r"^the first update of find_lr failed \((RuntimeError|IndexError): "
                                         r"[^\n]*fit the model and `loss_fn`[^\n]*unchanged\.$"):
        find_lr(model, opt, nn.functional.cross_entropy, batches, sweep=Sweep(num_steps=10))
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert opt.state_dict()["param_groups"] == opt_before["param_groups"]
    assert all(torch.equal(opt_before["state"][0][k], v) for k, v in opt.state_dict()["state"][0].items())
    assert torch.equal(torch.get_rng_state(), rng)


# ---------------------------------------------------------------- optimizer-only parameters (issue 19)


class TemperedLoss:
    """Cross-entropy with a learnable temperature: a parameter the optimizer holds and the model does not."""

    def __init__(self) -> None:
        self.log_t = nn.Parameter(torch.tensor(0.3))

    def __call__(self, out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(out / self.log_t.exp(), target)


@pytest.mark.parametrize("storage", ["memory", "disk"])
@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("fault", [None, RuntimeError("boom"), KeyboardInterrupt()])
def test_optimizer_only_parameters_are_restored_bitwise(
    storage: str, kind: str, fault: BaseException | None, fingerprint: Callable[..., dict],
    assert_same: Callable[..., None]
) -> None:
    model, _, data = trained_classifier()
    loss = TemperedLoss()
    groups = [{"params": model.parameters()}, {"params": [loss.log_t], "lr": 0.05}]
    opt = (torch.optim.SGD(groups, lr=0.1, momentum=0.9) if kind == "sgd"
           else torch.optim.Adam(groups, lr=1e-3))
    loss(model(data[0][0]), data[0][1]).backward()  # a gradient on the temperature before the sweep
    opt.step()
    before = fingerprint(model, opt)
    t_before = loss.log_t.detach().clone()
    calls = []

    def loss_fn(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        calls.append(1)
        if fault is not None and len(calls) == 12:
            raise fault
        return loss(out, target)

    if fault is None:
        find_lr(model, opt, loss_fn, data, sweep=Sweep(num_steps=30), snapshot=storage, interval=False)
    else:
        with pytest.raises(type(fault)):
            find_lr(model, opt, loss_fn, data, sweep=Sweep(num_steps=30), snapshot=storage, interval=False)
    assert len(calls) >= 12  # the sweep did move the temperature
    assert torch.equal(loss.log_t.detach(), t_before)
    assert_same(before, fingerprint(model, opt))


def test_the_second_pass_has_its_own_descent_floor() -> None:
    """``FinderPolicy.retry_descent_floor`` is the second pass's ``descent_floor`` (0, off, by default): on
    zoo tabular-friedman-rmsprop seed 2 the second pass answers with a weak reading below its valley, and
    floored it is raised to the valley's own reading (benchmarks/finder_second_pass.py)."""
    from lrkit import zoo

    found = {}
    for k in (0.0, 2.0):
        parts = zoo.get("tabular-friedman-rmsprop").build(2)
        found[k] = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                           interval=False, policy=FinderPolicy(retry_descent_floor=k))
    assert FinderPolicy().retry_descent_floor == 0.0
    assert all(r.meta["source"] == "second sweep" for r in found.values())
    assert [r.meta["policy"]["descent_floor"] for r in found.values()] == [0.0, 2.0]
    assert "raised to the valley's own reading" in found[2.0].reason
    assert "raised to" not in found[0.0].reason.split("; the first sweep")[0]
    assert found[2.0].suggestion > 3 * found[0.0].suggestion
