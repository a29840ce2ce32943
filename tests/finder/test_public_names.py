"""Public names of ``lrkit.finder`` that no other test reached, against independent references.

The valley's landmarks against level crossings computed with ``np.interp`` on a noise-free curve;
the two valley rules against the formula their docstrings state; the seed widening against its
closed form; the stop reasons, limits and byte cost by driving ``range_test`` and ``Sweep`` into
each; the advice and next schedule against the spec grammar's own parser; the synthetic problem's
step against gradient descent written out.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.errors import available_memory
from lrkit.finder import (
    MIN_POINTS,
    MIN_STEPS,
    STOP_REASONS,
    SWEEP_BYTES_PER_STEP,
    VALLEY_RULES,
    Advice,
    FinderPolicy,
    Sweep,
    Valley,
    advise,
    falling_half_depth,
    half_depth,
    interval_covers,
    next_schedule,
    range_test,
    rules,
    seed_widened,
    synthetic,
    valley_geometry,
)
from lrkit.finder.synthetic import Problem
from lrkit.schedules import parse

LRS = np.logspace(-6, 0, 121)
CURVE = synthetic.curve(LRS, lr_fast=1e-3, lr_blow=1e-1, noise=0.0)
NO_ANCHOR = FinderPolicy(anchor_weight=0.0)


def test_valley_landmarks_are_the_curves_half_depth_crossings() -> None:
    v = valley_geometry(LRS, CURVE, policy=NO_ANCHOR)
    assert isinstance(v, Valley) and v.edge_seen
    x = np.log10(LRS)
    assert v.bottom == pytest.approx(CURVE.min(), rel=0.03)  # of the smoothed curve: a little above
    assert x[np.argmin(CURVE)] == pytest.approx(v.x_min, abs=0.1)
    half = (v.top + v.bottom) / 2
    falling = int(np.argmax(CURVE < half))  # the first point below half depth
    x_fast = np.interp(half, CURVE[falling - 1:falling + 1][::-1], x[falling - 1:falling + 1][::-1])
    assert v.x_fast == pytest.approx(x_fast, abs=0.05)
    assert v.x_fast < v.x_min < v.x_edge


def test_the_valley_rules_follow_their_stated_formula() -> None:
    assert set(VALLEY_RULES) <= set(rules) and VALLEY_RULES == ("default", "falling")
    v = valley_geometry(LRS, CURVE, policy=NO_ANCHOR)
    w = NO_ANCHOR.edge_weight
    third_across = 10 ** (v.x_fast + w * (v.x_edge - v.x_fast))
    assert half_depth(LRS, CURVE, policy=NO_ANCHOR).lr == pytest.approx(third_across)
    assert falling_half_depth(LRS, CURVE, policy=NO_ANCHOR).lr == pytest.approx(10**v.x_fast)
    few = half_depth(LRS[: MIN_POINTS - 1], CURVE[: MIN_POINTS - 1])
    assert few.lr is None and f"need {MIN_POINTS}" in few.reason
    for rule in VALLEY_RULES:
        assert range_test(synthetic.logistic(seed=0).step, rule=rule).rule == rule


@pytest.mark.parametrize("lo, hi, spread", [(0.009, 0.011, 0.3), (1e-4, 1e-2, 0.5), (0.5, 0.6, 0.0)])
def test_seed_widened_adds_spread_in_quadrature(lo: float, hi: float, spread: float) -> None:
    s = math.sqrt(lo * hi)
    x, below, above = math.log10(s), math.log10(s / lo), math.log10(hi / s)
    got = seed_widened((lo, hi), s, spread)
    assert got[0] == pytest.approx(10 ** (x - math.hypot(below, spread)))
    assert got[1] == pytest.approx(10 ** (x + math.hypot(above, spread)))
    assert seed_widened(None, s, spread) is None


def test_interval_covers_is_what_a_result_reports() -> None:
    for policy in (FinderPolicy(), FinderPolicy(seed_spread=0.0)):
        r = range_test(synthetic.logistic(seed=0).step, policy=policy)
        assert r.meta["interval_covers"] == interval_covers(policy)
    assert interval_covers(FinderPolicy()) != interval_covers(FinderPolicy(seed_spread=0.0))


def test_each_stop_reason_is_reached() -> None:
    quad = synthetic.quadratic
    seen = {
        range_test(quad().step, sweep=Sweep(start=1e-4, end=1e-2, num_steps=20)).stop_reason,
        range_test(quad().step, sweep=Sweep(start=1e-3, end=10.0, num_steps=50)).stop_reason,
        range_test(lambda lr: math.nan if lr > 1e-2 else 1.0,
                   sweep=Sweep(start=1e-3, end=10.0, num_steps=50)).stop_reason,
        range_test(quad().step, on_step=lambda t, lr, loss: t >= 12).stop_reason,
    }
    assert seen == set(STOP_REASONS)


def test_sweep_length_limits() -> None:
    assert Sweep(start=1e-4, end=1.0, num_steps=MIN_STEPS).num_steps == MIN_STEPS
    with pytest.raises(LRKitError, match=f"`num_steps` of Sweep must be an integer .*{MIN_STEPS}"):
        Sweep(start=1e-4, end=1.0, num_steps=MIN_STEPS - 1)
    too_many = 2 * available_memory() // SWEEP_BYTES_PER_STEP
    with pytest.raises(LRKitError, match=f"at {SWEEP_BYTES_PER_STEP} bytes each"):
        Sweep(start=1e-4, end=1.0, num_steps=too_many)


def test_advice_and_next_schedule_agree_with_the_spec_parser() -> None:
    r = range_test(synthetic.logistic(seed=0).step, sweep=Sweep(start=1e-5, end=1e4, num_steps=60))
    for budget in (20, 500, 5000):
        a = advise(r, budget=budget)
        assert isinstance(a, Advice) and a.budget == budget
        assert a.lr == pytest.approx(r.suggestion, rel=1e-3)  # written to 4 significant digits
        sched = next_schedule(a.lr, budget)
        assert parse(a.schedule_spec) == sched
        assert max(float(sched(t)) for t in range(budget)) == pytest.approx(a.lr)  # peaks at the rate
        json.dumps(a.to_dict())
    with pytest.raises(LRKitError):
        next_schedule(-1.0, 100)


def test_synthetic_problem_steps_gradient_descent() -> None:
    p = synthetic.quadratic(dim=5, lipschitz=4.0, condition=10.0, seed=3)
    assert isinstance(p, Problem) and p.stability_limit == pytest.approx(2 / 4.0)
    lam = 4.0 / np.logspace(0, 1, 5)
    w = p.weights.copy()
    assert p.step(0.1) == pytest.approx(0.5 * np.sum(lam * w * w))
    np.testing.assert_allclose(p.weights, w - 0.1 * lam * w)
    assert p.objective() == pytest.approx(0.5 * np.sum(lam * p.weights**2))
