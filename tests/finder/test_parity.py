"""The fast paths give the answers of the straightforward code, exactly (not approximately).

The divergence monitor, the offline cut, the smoother, the half-depth rules and the
bootstrap each have a fast form (incremental, or batched over rows). The straightforward
forms live beside them in ``lrkit.finder._reference``; every fast form is compared with its
reference for equality on recorded sweeps, synthetic curves and Hypothesis-generated ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrkit.finder import DivergenceMonitor, FinderPolicy, bootstrap_interval, synthetic
from lrkit.finder._batch import half_depth_rows, smooth_rows
from lrkit.finder._reference import (
    ReferenceMonitor, reference_bootstrap, reference_divergence_rows, reference_half_depth_rows,
    reference_smooth_rows,
)
from lrkit.finder._stop_rows import divergence_rows, monitor_rows

RECORDED = json.loads((Path(__file__).parent / "data" / "recorded_sweeps.json").read_text())
SWEEPS = {name: np.array(s["losses"]) for name, s in RECORDED["sweeps"].items()}
LRS = {name: np.array(s["lrs"]) for name, s in RECORDED["sweeps"].items()}


def _replay(curve, threshold=2.0):
    policy = FinderPolicy(diverge_threshold=threshold)
    fast, ref = DivergenceMonitor(policy=policy), ReferenceMonitor(policy)
    for i, v in enumerate(curve):
        assert fast.update(v) == ref.update(v), f"step {i}"
        assert fast.bar() == ref.bar(), f"step {i}"
    assert fast.above == ref.above


def _synthetic_curves(count, n=100, seed=0):
    rng = np.random.default_rng(seed)
    lrs = np.geomspace(1e-6, 10.0, n)
    curves = [synthetic.curve(lrs, noise=rng.uniform(0.0, 0.3), lr_fast=10 ** rng.uniform(-5, -1),
                              lr_blow=10 ** rng.uniform(-3, 1), seed=s) for s in range(count)]
    curves += [np.cumsum(rng.standard_normal(n)) * rng.uniform(0.01, 10) for _ in range(count // 4)]
    curves += [rng.integers(0, 3, n).astype(float) for _ in range(count // 4)]  # ties everywhere
    return lrs, np.stack(curves)


# Any finite values, with repeated ones mixed in (ties in the medians).
curves_strategy = st.lists(
    st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.sampled_from([0.0, 1.0, 2.5])),
    min_size=1, max_size=60,
)


@pytest.mark.parametrize("name", sorted(SWEEPS))
def test_monitor_replays_recorded_sweeps_like_the_reference(name):
    _replay([v for v in SWEEPS[name] if np.isfinite(v)])


def test_monitor_replays_synthetic_curves_like_the_reference():
    for curve in _synthetic_curves(40)[1]:
        for threshold in (1.0, 2.0):
            _replay(curve, threshold)


@given(curve=curves_strategy)
def test_monitor_replays_any_curve_like_the_reference(curve):
    _replay(curve)


def test_batched_divergence_equals_one_curve_at_a_time():
    _, curves = _synthetic_curves(120)
    for n in (100, 40, 12, 11, 10, 3):
        rows = curves[:, :n]
        assert divergence_rows(rows).tolist() == reference_divergence_rows(rows).tolist()


@given(rows=st.integers(1, 4).flatmap(
    lambda r: st.lists(st.lists(st.floats(-50, 50, allow_nan=False), min_size=24, max_size=24),
                       min_size=r, max_size=r)))
def test_batched_divergence_equals_one_curve_at_a_time_on_any_rows(rows):
    y = np.array(rows)
    assert divergence_rows(y).tolist() == reference_divergence_rows(y).tolist()


def test_monitor_rows_stop_where_the_monitor_stops():
    lrs, curves = _synthetic_curves(40)
    stops, _ = monitor_rows(curves)
    for row, stop in zip(curves, stops.tolist()):
        monitor = DivergenceMonitor()
        fired = next((i for i, v in enumerate(row.tolist()) if monitor.update(v)), -1)
        assert stop == fired
    assert (stops >= 0).any() and (stops < 0).any()


@pytest.mark.parametrize("window", [None, 0.1, 0.6])
def test_batched_smooth_equals_smooth_bit_for_bit(window):
    lrs, curves = _synthetic_curves(60)
    for n in (100, 37, 3):
        fit, lev = smooth_rows(np.log10(lrs[:n]), curves[:, :n], window=window)
        one_fit, one_lev = reference_smooth_rows(lrs[:n], curves[:, :n], window=window)
        assert np.array_equal(fit, one_fit) and np.array_equal(lev, one_lev)


@pytest.mark.parametrize("rule", ["default", "falling"])
@pytest.mark.parametrize("policy", [FinderPolicy(weak_rule="none"), FinderPolicy(),
                                    FinderPolicy(anchor_weight=0.0), FinderPolicy(anchor_weight=1.0)])
def test_batched_rule_equals_suggest_bit_for_bit(rule, policy):
    lrs, curves = _synthetic_curves(120)
    expected = reference_half_depth_rows(lrs, curves, rule, policy=policy)
    assert half_depth_rows(lrs, curves, rule, policy=policy) == expected
    # Both kinds of row are covered: with and without a suggestion.
    assert any(v is None for v in expected) and any(v is not None for v in expected)


@pytest.mark.parametrize("name", sorted(SWEEPS))
@pytest.mark.parametrize("rule", ["default", "falling", "steepest"])
def test_bootstrap_equals_the_one_replicate_at_a_time_reference(name, rule):
    policy = FinderPolicy(replicates=40)
    got = bootstrap_interval(LRS[name], SWEEPS[name], rule=rule, seed=5, policy=policy)
    assert got == reference_bootstrap(LRS[name], SWEEPS[name], rule, seed=5, policy=policy)


def test_bootstrap_gives_the_intervals_of_the_one_replicate_at_a_time_reference():
    for key, expected in RECORDED["intervals"].items():
        name, rule, seed = key.split("|")
        # Recorded before the blow-up anchor and the descent floor: the valley reading's own intervals.
        policy = FinderPolicy(replicates=200 if seed == "0" else 60, anchor_weight=0.0, descent_floor=0.0)
        got = bootstrap_interval(LRS[name], SWEEPS[name], rule=rule, seed=int(seed), policy=policy)
        assert (got if got is None else list(got)) == expected, key


def test_bootstrap_of_repeated_sweeps_is_unchanged_by_batching():
    lrs = np.geomspace(1e-6, 10.0, 100)
    sweeps = np.stack([synthetic.curve(lrs, noise=0.05, seed=10 + k) for k in range(3)])
    # Recorded with the one-replicate-at-a-time implementation (commit 9d6dcfa), and again when the
    # smooth was held within its data and the curve made to end at a rebound (issue 13).
    expected = {"default": (0.00376869600666752, 0.004375464336857365),
                "falling": (0.0008973661445737446, 0.0011277277471606671)}
    for rule, interval in expected.items():
        got = bootstrap_interval(lrs, sweeps.mean(axis=0), rule=rule, seed=1, repeats=sweeps,
                                 policy=FinderPolicy(replicates=80, anchor_weight=0.0))
        assert got == interval
