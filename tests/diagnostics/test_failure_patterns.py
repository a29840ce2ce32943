"""Regression tests for the failure groups of the diagnose corpus fixed by the fourth revision.

Each test is a small synthetic history that reproduces one group of misclassified corpus
histories (``benchmarks/diagnose_accuracy.py``); each was checked to fail with the previous
rules. The mechanism is named in each test.
"""

from __future__ import annotations

import numpy as np
import pytest

from lrkit.diagnostics import diagnose
from lrkit.diagnostics._spikes import find_spikes
from lrkit.diagnostics.synthetic import Quadratic, sgd_history
from lrkit.diagnostics._timescale import decade_slopes

T = np.arange(300)


# -- too_low_slow: "still descending, most of the drop still to come" ---------------------------
def test_a_short_run_at_the_largest_safe_rate_is_mostly_not_too_slow():
    # SGD at eta = 1/L (tripling it would cross 2/L) for 1.5 slowest time constants: 20-60 steps.
    # Such a run spans under two decades of time, so its earliest log-time band is its first
    # three points (tau ~ 2), not tau = T/100; counting that short stretch as a whole decade
    # inflated the decade ratio (the old rules called 19 of these 24 runs too_low_slow).
    verdicts = []
    for kappa in (20.0, 30.0, 40.0):
        for seed in range(8):
            rng = np.random.default_rng(seed)
            p = Quadratic.random(rng, kappa=kappa)
            lrs = np.full(int(1.5 * kappa), 1.0)
            verdicts.append(diagnose(sgd_history(p, lrs, rng), lrs).verdict)
    assert sum(v == "too_low_slow" for v in verdicts) <= 6, verdicts  # 5 of 24 now
    # At most one flat tail read as drift (drift_z = 2 s.e. fires on chance now and then: 1 of 24 here).
    assert sum(v.startswith("too_high") for v in verdicts) <= 1, verdicts


def test_the_decade_ratio_is_per_decade_between_the_bands_actual_centres():
    for n in (30, 44, 300, 3000):
        t = np.arange(1.0, n + 1)
        s_prev, s_last = decade_slopes(-np.log10(t), t)  # log-linear: the same gain every decade
        assert s_last / s_prev == pytest.approx(1.0, abs=0.05)
        s_prev, s_last = decade_slopes(-t, t)  # linear: the last decade gains ~10x the one before
        assert s_last / s_prev > 3


def test_a_drop_made_early_then_a_small_late_descent_is_not_too_slow():
    # The loss falls by 0.5 within two steps, then descends by 0.03 (6% of the total) late in the
    # run. The last decade's drop is significant and the one before it nil (ratio > 0.8), which
    # used to read as "still speeding up"; but 94% of the drop was made by 10-20% of the run.
    y = 0.5 + 0.5 * (T < 2) - 0.03 * np.clip((T - 30) / 270, 0, 1)
    y = y + 0.005 * np.random.default_rng(0).normal(size=300)
    d = diagnose(y, np.full(300, 0.1))
    assert d.statistics["decade_ratio"] > 0.8 and d.statistics["last_decade_z"] > 3
    assert d.statistics["early_drop_fraction"] >= 0.8
    # 6% of the drop in the second half: healthy by the old rules, a plateau by stall_share = 0.05 on
    # some noise draws (the corpus's outcome rule); either way the rate is not raised.
    assert "too_low_slow" not in d.fired and d.verdict in ("healthy", "plateau")


# -- plateau: "no significant descent recently" -------------------------------------------------
@pytest.mark.parametrize("seed", range(3))
def test_a_steep_power_law_is_a_plateau_by_the_share_of_its_drop_not_by_its_significance(seed):
    # y = t^-1.2 is still falling by many standard errors over its second half, but that half brings
    # under 1% of its drop: by the corpus's outcome rule (stall_share) a decay, not more steps, helps.
    t = np.arange(1, 801)
    y = t**-1.2 + 0.002 * np.random.default_rng(seed).normal(size=800) * t**-0.5
    d = diagnose(y, np.full(800, 0.1))
    assert d.statistics["last_half_z"] > 2 and d.statistics["late_share"] < 0.01
    assert d.verdict == "plateau" and d.direction == "decay"


def test_a_flat_second_half_at_a_constant_rate_is_still_a_plateau():
    y = 1 + np.exp(-T / 15) + 0.01 * np.random.default_rng(3).normal(size=300)
    d = diagnose(y, np.full(300, 0.1))
    assert abs(d.statistics["last_half_z"]) < 2 and d.verdict == "plateau"


# -- too_high_diverging: the rise and the early blow-up ----------------------------------------
def test_a_long_flat_heavy_tailed_tail_does_not_rise():
    # 900 steps of Student-t noise at a constant level: the best level is the minimum of ~20
    # running medians, biased low by about 2.5 of their standard errors; with only the end
    # level's error in the denominator, the rise test fired on pure noise (2 of these 12 seeds).
    # The peak test (a rise above the first loss by more than the whole descent) still fires on one of
    # the 12: with a descent this small against the noise, a heavy-tailed window median can pass it.
    fired = []
    for seed in range(12):
        rng = np.random.default_rng(seed)
        t = np.arange(900)
        y = 0.5 + 0.3 * np.exp(-t / 2) + 0.1 * rng.standard_t(3, 900)
        d = diagnose(y, np.full(900, 0.03))
        fired.append("too_high_diverging" in d.fired)
        assert d.direction != "raise", seed
    assert sum(fired) <= 1, fired


def test_a_bad_batch_at_30_percent_of_a_run_that_barely_moved_is_a_spike():
    # With no measurable progress, "before a tenth of the progress" holds anywhere; a blow-up of
    # the first updates must also be in the first 10% of the run (4 of these 8 were blow-ups).
    # Nothing measurable moved, so the run ends within noise of its start: the spike or an honest
    # unknown is right. The tests against the first loss (ended above it by 1 s.e.; rose above it
    # by more than the descent) still call 2 of the 8 a blow-up: noise against a descent of ~0.
    blowups = 0
    for seed in range(8):
        y = 0.5 + 0.15 * np.random.default_rng(seed).normal(size=300)
        y[90:94] += [300, 6, 3, 1.5]  # the bad batch and the decay of its kick
        d = diagnose(y, np.full(300, 0.01))
        assert "loss_spikes" in d.fired and d.direction != "raise", d
        blowups += d.verdict == "too_high_diverging"
        if d.verdict == "loss_spikes":
            assert d.evidence[0].steps == (90,)
    assert blowups <= 2


@pytest.mark.parametrize("seed", range(3))
def test_a_run_that_ends_above_its_best_diverges_even_with_spikes(seed):
    # Spikes are excursions that come back; a run whose level ends far above its best did not.
    rng = np.random.default_rng(seed)
    y = np.exp(-T / 40) + 0.01 * rng.normal(size=300)
    y[250:] += np.linspace(0, 1.5, 50)
    y[[120, 160, 200]] += 3
    d = diagnose(y, np.full(300, 0.1))
    assert d.verdict == "too_high_diverging" and "loss_spikes" in d.fired


# -- loss_spikes: the loss's own tail --------------------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_a_double_bad_batch_does_not_hide_a_single_one(seed):
    # Two bad batches two steps apart make one 5-step excursion (too long to be a spike itself);
    # counted as the loss's own tail it raised the bar above the single spike, and the kicks then
    # read as swings (too_high_oscillating in all 6 seeds).
    y = 1 / np.sqrt(1 + T) + 0.005 * np.random.default_rng(seed).normal(size=300)
    y[100] += 1.0
    y[200:205] += [1.2, 0.6, 1.1, 0.7, 1.0]
    d = diagnose(y, np.full(300, 0.1))
    # Since the fifth revision (a spike is an excursion that comes back, whatever its length) the
    # 5-step excursion is itself a spike; the single one must still be found.
    assert d.verdict == "loss_spikes" and d.evidence[0].steps == (100, 200)


def test_natural_outliers_of_a_heavy_tailed_loss_are_not_spikes_but_bad_batches_are():
    # Student-t(3) noise over 900 steps: its largest values stand 10x above its 99th percentile
    # more often the longer the run; the bar is the extrapolated largest of n draws (tail_max).
    natural = injected = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        t = np.arange(900)
        y = 0.5 + 0.3 * np.exp(-t / 2) + 0.1 * rng.standard_t(3, 900)
        natural += bool(find_spikes(y).events)
        y[[300, 600]] += 100.0
        injected += [a for a, _ in find_spikes(y).events] == [300, 600]
    assert natural == 0 and injected == 20
