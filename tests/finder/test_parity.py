"""The fast paths give the answers of the straightforward code, exactly (not approximately).

The divergence monitor, the offline cut, the smoother, the half-depth rules and
the bootstrap each have a fast form (incremental or batched over rows). The
straightforward forms are kept here as references - the monitor as it was
written before it was made incremental, the bootstrap as one replicate at a
time - and every fast form is compared with them for equality on recorded
sweeps, synthetic curves and Hypothesis-generated ones.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrkit.finder import (
    DivergenceMonitor, FinderPolicy, bootstrap_interval, divergence_index, noise_scale, suggest, synthetic,
)
from lrkit.finder._batch import half_depth_rows, smooth_rows
from lrkit.finder._running import RunningNoise
from lrkit.finder._smooth import _check_curve, _smooth_fit
from lrkit.finder._stop import divergence_rows

WARMUP, NOISE_SIGMAS, DEFAULT_WINDOW = (getattr(FinderPolicy(), k) for k in ("stop_warmup", "noise_sigmas",
                                                                             "smooth_window"))

RECORDED = json.loads((Path(__file__).parent / "data" / "recorded_sweeps.json").read_text())
SWEEPS = {name: np.array(s["losses"]) for name, s in RECORDED["sweeps"].items()}
LRS = {name: np.array(s["lrs"]) for name, s in RECORDED["sweeps"].items()}


class ReferenceMonitor:
    """The divergence monitor as first written: each full bar recomputes the noise of the whole curve."""

    def __init__(self, threshold: float = 2.0) -> None:
        self.threshold = threshold
        self.losses: list[float] = []
        self.best = np.inf
        self.above_before = False
        self.above: list[bool] = []

    def levels(self) -> tuple[float, float, float]:
        head = np.asarray(self.losses[:WARMUP])
        start = float(np.median(head))
        plateau = 1.4826 * float(np.median(np.abs(head - start)))
        return start, plateau, 1e-6 * max(abs(start), abs(self.best))

    def bar(self) -> float:
        if len(self.losses) < WARMUP:
            return float("inf")
        start, plateau, floor = self.levels()
        sigma = max(noise_scale(np.asarray(self.losses)), plateau)
        return float(self.best + self.threshold * max(start - self.best, NOISE_SIGMAS * sigma, floor))

    def update(self, loss: float) -> bool:
        self.losses.append(float(loss))
        self.best = min(self.best, statistics.median(self.losses[-3:]))
        above = False
        if len(self.losses) == WARMUP:
            first = self.bar()
            self.above = [v > first for v in self.losses[:-1]]
        if len(self.losses) >= WARMUP:
            above = loss > self.bar()
        self.above.append(bool(above))
        diverged = above and self.above_before
        self.above_before = above
        return bool(diverged)


def reference_bootstrap(lrs, losses, rule, replicates, seed, window=None):
    """bootstrap_interval as first written: one replicate at a time, each through ``suggest``."""
    policy = FinderPolicy() if window is None else FinderPolicy(smooth_window=window)
    point = suggest(lrs, losses, rule, policy=policy)
    if point.lr is None:
        return None
    x, y = _check_curve(lrs, losses, "bootstrap_interval")
    bad = np.flatnonzero(~np.isfinite(y))
    n = int(bad[0]) if bad.size else y.size
    lr = 10.0 ** x[:n]
    rng = np.random.default_rng(seed)
    pilot = 0.5 * (DEFAULT_WINDOW if window is None else window)
    draws = []
    for _ in range(replicates):
        base = y[:n]
        m = divergence_index(base) or n
        fit, lev = _smooth_fit(lr[:m], base[:m], window=pilot)
        resid = (base[:m] - fit) / np.sqrt(1.0 - np.clip(lev, 0.0, 0.9))
        star = base.copy()
        star[:m] = fit + rng.choice((-1.0, 1.0), size=m) * resid
        s = suggest(lr, star, rule, policy=policy)
        if s.lr is not None:
            draws.append(np.log10(s.lr))
    if len(draws) < replicates // 2:
        return None
    lo, hi = np.percentile(draws, [5.0, 95.0])
    return (min(float(10.0**lo), point.lr), max(float(10.0**hi), point.lr))


def _replay(curve, threshold=2.0):
    fast = DivergenceMonitor(policy=FinderPolicy(diverge_threshold=threshold))
    ref = ReferenceMonitor(threshold)
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


@given(values=curves_strategy, cuts=st.lists(st.integers(0, 60), max_size=8))
def test_running_noise_equals_noise_scale_at_every_query(values, cuts):
    noise, seen = RunningNoise(), []
    for k in sorted(cuts) + [len(values)]:
        seen.extend(values[len(seen): k])
        assert noise.scale(seen) == noise_scale(np.asarray(seen))


def test_batched_divergence_equals_one_curve_at_a_time():
    _, curves = _synthetic_curves(120)
    for n in (100, 40, 12, 11, 10, 3):
        rows = curves[:, :n]
        expected = [-1 if (i := divergence_index(r)) is None else i for r in rows]
        assert divergence_rows(rows).tolist() == expected


@given(rows=st.integers(1, 4).flatmap(
    lambda r: st.lists(st.lists(st.floats(-50, 50, allow_nan=False), min_size=24, max_size=24),
                       min_size=r, max_size=r)))
def test_batched_divergence_equals_one_curve_at_a_time_on_any_rows(rows):
    y = np.array(rows)
    assert divergence_rows(y).tolist() == [-1 if (i := divergence_index(r)) is None else i for r in y]


@pytest.mark.parametrize("window", [None, 0.1, 0.6])
def test_batched_smooth_equals_smooth_bit_for_bit(window):
    lrs, curves = _synthetic_curves(60)
    for n in (100, 37, 3):
        fit, lev = smooth_rows(np.log10(lrs[:n]), curves[:, :n], window=window)
        for i, row in enumerate(curves[:, :n]):
            one_fit, one_lev = _smooth_fit(lrs[:n], row, window=window)
            assert np.array_equal(fit[i], one_fit) and np.array_equal(lev[i], one_lev)


@pytest.mark.parametrize("rule", ["default", "falling"])
def test_batched_rule_equals_suggest_bit_for_bit(rule):
    lrs, curves = _synthetic_curves(120)
    expected = [suggest(lrs, row, rule).lr for row in curves]
    assert half_depth_rows(lrs, curves, rule) == expected
    # Both kinds of row are covered: with and without a suggestion.
    assert any(v is None for v in expected) and any(v is not None for v in expected)


@pytest.mark.parametrize("name", sorted(SWEEPS))
@pytest.mark.parametrize("rule", ["default", "falling", "steepest"])
def test_bootstrap_equals_the_one_replicate_at_a_time_reference(name, rule):
    got = bootstrap_interval(LRS[name], SWEEPS[name], rule=rule, policy=FinderPolicy(replicates=40), seed=5)
    assert got == reference_bootstrap(LRS[name], SWEEPS[name], rule, 40, 5)


def test_bootstrap_gives_the_intervals_recorded_before_it_was_batched():
    for key, expected in RECORDED["intervals"].items():
        name, rule, seed = key.split("|")
        got = bootstrap_interval(LRS[name], SWEEPS[name], rule=rule, seed=int(seed),
                                 policy=FinderPolicy(replicates=200 if seed == "0" else 60))
        assert (got if got is None else list(got)) == expected, key


def test_bootstrap_of_repeated_sweeps_is_unchanged_by_batching():
    lrs = np.geomspace(1e-6, 10.0, 100)
    sweeps = np.stack([synthetic.curve(lrs, noise=0.05, seed=10 + k) for k in range(3)])
    # Recorded with the one-replicate-at-a-time implementation (commit 9d6dcfa).
    expected = {"default": (0.003777086430384132, 0.004296009783033678),
                "falling": (0.0009013855325021021, 0.0011091992250332576)}
    for rule, interval in expected.items():
        got = bootstrap_interval(lrs, sweeps.mean(axis=0), rule=rule, seed=1,
                                 policy=FinderPolicy(replicates=80), repeats=sweeps)
        assert got == interval
