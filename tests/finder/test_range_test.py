"""range_test: the sweep, its stop rules, the record it returns, and bad input."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import lrkit
from lrkit import LRKitError
from lrkit.finder import FinderPolicy, FinderResult, Sweep, range_test, rules, synthetic
from lrkit.schedules import parse


def _curve_step(fn):
    """A step function that returns fn(lr) and records the rates it was given."""
    seen = []

    def step(lr):
        seen.append(lr)
        return fn(lr)

    return step, seen


def test_sweep_uses_the_exp_sweep_schedule_one_rate_per_step():
    step, seen = _curve_step(lambda lr: 1.0)
    r = range_test(step, sweep=Sweep(start=1e-6, end=1.0, num_steps=25), interval=False)
    expected = parse("exp_sweep(start=1e-06, end=1.0, steps=25)")(np.arange(25))
    assert seen == pytest.approx(expected.tolist(), rel=1e-14)
    assert r.lrs.tolist() == seen and r.steps == 25 and r.stop_reason == "completed"
    assert r.meta["schedule"].startswith("exp_sweep(")
    assert seen[0] == 1e-6 and seen[-1] == 1.0


def test_linear_mode_uses_the_linear_sweep():
    step, seen = _curve_step(lambda lr: 1.0)
    range_test(step, sweep=Sweep(start=0.1, end=1.0, num_steps=10, mode="linear"), interval=False)
    assert seen == pytest.approx(np.linspace(0.1, 1.0, 10).tolist(), rel=1e-14)


def test_nan_stops_at_once_and_is_recorded():
    step, seen = _curve_step(lambda lr: float("nan") if lr > 1e-3 else 1.0)
    r = range_test(step, sweep=Sweep(start=1e-6, end=1.0, num_steps=40), interval=False)
    assert r.stop_reason == "nan"
    assert math.isnan(r.losses[-1]) and np.all(np.isfinite(r.losses[:-1]))
    assert r.lrs[-1] > 1e-3 >= r.lrs[-2] and len(seen) == r.steps


def test_inf_counts_as_nan():
    step = lambda lr: math.inf if lr > 1e-2 else 2.0  # noqa: E731
    r = range_test(step, sweep=Sweep(start=1e-5, end=1.0, num_steps=30), interval=False)
    assert r.stop_reason == "nan" and math.isinf(r.losses[-1])


@pytest.mark.parametrize("scale, offset", [(1.0, 0.0), (1e-4, 0.0), (1e4, 0.0), (1.0, -50.0), (3.0, 1e3)])
def test_divergence_stop_is_the_same_for_any_loss_scale_and_sign(scale, offset):
    """Negative losses and large offsets stop where the plain curve stops (affine invariance)."""
    lrs = np.geomspace(1e-6, 10.0, 120)

    def run(a, c):
        return range_test(lambda lr: float(c + a * synthetic.curve(np.array([lr]), noise=0.0)[0]),
                          sweep=Sweep(start=1e-6, end=10.0, num_steps=120), interval=False)

    base, moved = run(1.0, 0.0), run(scale, offset)
    assert base.stop_reason == moved.stop_reason == "diverged"
    assert base.steps == moved.steps
    # It stops past the minimum, within a few tenths of a decade of the blow-up.
    assert 1e-1 < base.lrs[-1] < 1.0 and base.steps < lrs.size


def test_torch_lr_finder_ratio_rule_fails_on_negative_losses_where_lrkit_does_not():
    """The 5 x best rule of other finders stops a negative-loss curve at once; lrkit does not."""
    y = synthetic.curve(np.geomspace(1e-6, 10.0, 120), noise=0.0) - 5.0
    best = np.minimum.accumulate(y)
    assert np.argmax(y > 5 * best) < 3  # the ratio rule would "diverge" at the start
    r = range_test(lambda lr: float(synthetic.curve(np.array([lr]), noise=0.0)[0] - 5.0),
                   sweep=Sweep(start=1e-6, end=10.0, num_steps=120), interval=False)
    assert r.lrs[-1] > 1e-1


def test_callback_sees_every_step_and_can_stop():
    calls = []

    def on_step(i, lr, loss):
        calls.append((i, lr, loss))
        return i == 11

    r = range_test(lambda lr: 1.0, sweep=Sweep(start=1e-4, end=1.0, num_steps=30), on_step=on_step,
                   interval=False)
    assert r.stop_reason == "callback" and r.steps == 12
    assert [c[0] for c in calls] == list(range(12)) and calls[3][1] == r.lrs[3]


def test_allreduce_is_applied_before_recording_and_deciding():
    """What DDP needs: the reduced loss is recorded, and a NaN on another rank stops this one too."""
    reduced = iter([2.0] * 5 + [float("nan")])  # the cross-rank mean turns NaN at step 5
    calls = []

    def allreduce(loss):
        calls.append(loss)
        return next(reduced)

    r = range_test(lambda lr: 1.0, sweep=Sweep(start=1e-4, end=1.0, num_steps=30), interval=False,
                   allreduce=allreduce)
    assert calls == [1.0] * 6  # this rank's own losses were all finite
    assert r.stop_reason == "nan" and r.steps == 6
    assert r.losses[:5].tolist() == [2.0] * 5 and np.isnan(r.losses[5])


def test_exceptions_from_step_fn_propagate():
    def boom(lr):
        if lr > 1e-3:
            raise KeyboardInterrupt
        return 1.0

    with pytest.raises(KeyboardInterrupt):
        range_test(boom, sweep=Sweep(start=1e-5, end=1.0, num_steps=20))


def test_quadratic_gradient_descent_suggestion_is_below_two_over_L_within_a_decade():
    for lipschitz in (0.1, 4.0, 100.0):
        for condition in (1.0, 30.0, 1000.0):
            p = synthetic.quadratic(lipschitz=lipschitz, condition=condition)
            r = range_test(p.step, sweep=Sweep(start=1e-7, end=1e4, num_steps=100), interval=False)
            assert r.stop_reason in ("diverged", "nan")
            assert p.stability_limit / 10 < r.suggestion < p.stability_limit, (lipschitz, condition, r)


def _final_objective(seed, lr, steps=2000):
    p = synthetic.logistic(seed=seed)
    for _ in range(steps):
        p.step(lr)
    return p.objective()


#: The default rule's slack on a convex problem: the blow-up anchor pulls the valley's reading about a
#: decade below a short sweep's blow-up, which on a problem whose best rate sits at the stability limit
#: (no sharpening, no noise floor) costs up to ~11% of the loss after 2000 steps (the valley alone: 1%).
ANCHORED_SLACK = 1.15


@pytest.mark.parametrize("policy, slack", [(FinderPolicy(anchor_weight=0.0), 1.05),
                                           (FinderPolicy(), ANCHORED_SLACK)])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_logistic_regression_suggestion_trains_as_well_as_the_grid_best(seed, policy, slack):
    """Mini-batch SGD on logistic regression, judged by training at every rate of a grid.

    2/L bounds the stable rates from below here (L is the largest curvature
    anywhere, reached at the start): the suggestion must be within a decade
    of it, and 2000 steps at it (enough to converge) must reach within 5% of
    the grid-best loss for the valley reading, within ``ANCHORED_SLACK`` for the
    default (anchored) rule.
    """
    p = synthetic.logistic(seed=seed)
    r = range_test(p.step, sweep=Sweep(start=1e-5, end=1e4, num_steps=100), interval=False, policy=policy)
    assert p.stability_limit / 10 < r.suggestion < p.stability_limit * 10, r
    grid = p.stability_limit * np.logspace(-2, 1.5, 15)
    best = min(_final_objective(seed, lr) for lr in grid)
    assert _final_objective(seed, r.suggestion) < slack * best


def test_result_record_round_trips_through_json():
    r = range_test(synthetic.logistic(seed=3).step, sweep=Sweep(start=1e-5, end=1e4, num_steps=60),
                   policy=FinderPolicy(replicates=30))
    data = json.loads(r.to_json())
    assert isinstance(data["suggestion"], float) and len(data["interval"]) == 2
    back = FinderResult.from_dict(data)
    assert back.to_dict() == r.to_dict()
    assert np.array_equal(back.losses, r.losses, equal_nan=True)
    assert set(r.suggestions) == set(rules)
    assert r.wall_time > 0 and r.steps == len(r.lrs) == len(r.losses) == len(r.smoothed)


def test_nan_loss_round_trips_as_null():
    step = lambda lr: float("nan") if lr > 0.1 else 1.0  # noqa: E731
    r = range_test(step, sweep=Sweep(start=1e-3, end=1.0, num_steps=12), interval=False)
    d = json.loads(r.to_json())
    assert d["losses"][-1] is None and d["stop_reason"] == "nan" and d["suggestion"] is None
    assert math.isnan(FinderResult.from_dict(d).losses[-1])


def test_top_level_lazy_names():
    assert lrkit.range_test is range_test and lrkit.FinderResult is FinderResult


@pytest.mark.parametrize(
    "make, pattern",
    [
        (lambda: Sweep(start=0.0), r"`start` of Sweep must be a finite number > 0; got 0.0."),
        (lambda: Sweep(start=-1e-3), r"`start` of Sweep must be a finite number > 0; got -0.001."),
        (lambda: Sweep(start=1.0, end=0.5), r"`end` of Sweep must be > start=1; got 0.5."),
        (lambda: Sweep(end=1e-7), r"`end` of Sweep must be > start"),
        (lambda: Sweep(num_steps=4), r"`num_steps` of Sweep must be an integer >= 10; got 4."),
        (lambda: Sweep(num_steps=50.5), r"`num_steps` of Sweep must be an integer >= 10"),
        (lambda: Sweep(mode="log"), r"`mode` of Sweep must be one of 'exp', 'linear'; got 'log'."),
        (lambda: range_test(lambda lr: 1.0, rule="steep"),
         r"unknown rule 'steep'; did you mean 'steepest'\? "
         r"Valid: default, falling, minimum/10, steepest, valley."),
        (lambda: FinderPolicy(diverge_threshold=0),
         r"`diverge_threshold` of FinderPolicy must be a finite number > 0"),
        (lambda: FinderPolicy(smooth_window=-1.0),
         r"`smooth_window` of FinderPolicy must be a finite number > 0"),
        (lambda: range_test(lambda lr: 1.0, on_step=3),
         r"`on_step` of range_test must be callable or None; got 3."),
        (lambda: range_test(lambda lr: 1.0, allreduce="mean"),
         r"`allreduce` of range_test must be callable or None; got 'mean'."),
        (lambda: range_test(lambda lr: 1.0, seed=-1),
         r"`seed` of range_test must be an integer >= 0; got -1."),
        (lambda: FinderPolicy(replicates=10),
         r"`replicates` of FinderPolicy must be an integer >= 20; got 10."),
        (lambda: range_test(lambda lr: 1.0, sweep={"start": 1e-5}), r"`sweep` of range_test must be a Sweep"),
        (lambda: range_test(lambda lr: 1.0, policy=None), r"`policy` of range_test must be a FinderPolicy"),
    ],
)
def test_bad_arguments_raise_lrkit_error(make, pattern):
    with pytest.raises(LRKitError, match=pattern):
        make()


def test_step_fn_must_be_callable():
    with pytest.raises(LRKitError, match=r"`step_fn` of range_test must be callable"):
        range_test(3.0)


@pytest.mark.parametrize("first", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_first_loss_is_an_error(first):
    with pytest.raises(LRKitError, match=r"the first loss of range_test must be finite; got"):
        range_test(lambda lr: first)


def test_non_scalar_loss_is_an_error():
    pattern = r"`step_fn` of range_test must return a scalar loss; got \[1.0, 2.0\]"
    with pytest.raises(LRKitError, match=pattern):
        range_test(lambda lr: [1.0, 2.0])


@pytest.mark.parametrize("condition", [1.0, 100.0])
@pytest.mark.parametrize("policy, decades", [(FinderPolicy(anchor_weight=0.0), 1.0), (FinderPolicy(), 1.5)])
def test_linear_sweep_on_a_quadratic_also_lands_below_two_over_L(condition, policy, decades):
    """Below 2/L: within a decade for the valley reading, 1.5 for the default, which the blow-up anchor moves
    about a decade below the sweep's blow-up."""
    p = synthetic.quadratic(lipschitz=4.0, condition=condition)
    r = range_test(p.step, sweep=Sweep(start=1e-3, end=2.0, num_steps=100, mode="linear"), policy=policy)
    assert r.stop_reason == "diverged" and r.meta["schedule"].startswith("linear_sweep(")
    assert p.stability_limit / 10**decades < r.suggestion < p.stability_limit
    assert r.interval[0] <= r.suggestion <= r.interval[1]


def test_losses_of_any_numeric_type_are_recorded_as_floats_and_non_scalars_fail_late_too():
    values = iter([np.float32(2.0), 2, np.float64(1.5)] + [1.0] * 20 + [[1.0, 2.0]])
    with pytest.raises(LRKitError, match=r"must return a scalar loss; got \[1.0, 2.0\] at step 23"):
        range_test(lambda lr: next(values), sweep=Sweep(start=1e-4, end=1.0, num_steps=30), interval=False)
    values = iter([np.float32(2.0), 2, np.float64(1.5)] + [1.0] * 30)
    r = range_test(lambda lr: next(values), sweep=Sweep(start=1e-4, end=1.0, num_steps=30), interval=False)
    assert r.losses[:4].tolist() == [2.0, 2.0, 1.5, 1.0] and r.losses.dtype == np.float64


def test_the_loop_cpu_time_is_recorded_and_combined_results_add_it_up():
    from lrkit.finder import combine

    runs = [range_test(synthetic.quadratic(lipschitz=4.0).step, sweep=Sweep(start=1e-4, end=10.0,
                                                                            num_steps=40),
                       interval=False) for _ in range(2)]
    assert all(0.0 <= r.meta["loop_cpu_time"] < 60.0 for r in runs)
    pooled = combine(runs, interval=False)
    assert pooled.meta["loop_cpu_time"] == runs[0].meta["loop_cpu_time"] + runs[1].meta["loop_cpu_time"]
