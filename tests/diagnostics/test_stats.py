"""The robust statistics against independent references (loops, scikit-learn, NumPy)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.isotonic import IsotonicRegression

from lrkit.diagnostics._stats import (
    isotonic_decreasing,
    level,
    running_median,
    spike_events,
    tail_max,
    zigzag_ratio,
)
from lrkit.stats import difference_noise as noise_sigma
from lrkit.stats import spike_zscores
from lrkit.diagnostics._timescale import decade_slopes, effective_time, half_drop_z, log_time_levels


@pytest.mark.parametrize("window", [1, 3, 5, 8, 21])
def test_running_median_matches_a_loop_with_shrinking_edges(window):
    y = np.random.default_rng(1).normal(size=50)
    half = (window | 1) // 2
    expected = [np.median(y[max(0, i - half) : i + half + 1]) for i in range(50)]
    np.testing.assert_allclose(running_median(y, window), expected)


def test_running_median_ignores_a_short_outlier():
    y = np.ones(20)
    y[10] = 100.0
    assert np.all(running_median(y, 5) == 1.0)


@pytest.mark.parametrize("sigma", [0.01, 1.0, 300.0])
def test_noise_sigma_estimates_gaussian_noise_under_a_trend(sigma):
    rng = np.random.default_rng(2)
    y = np.linspace(10, 0, 20000) + rng.normal(0, sigma, 20000)
    assert noise_sigma(y) == pytest.approx(sigma, rel=0.05)


def test_noise_sigma_is_robust_to_spikes():
    rng = np.random.default_rng(3)
    y = rng.normal(0, 1, 5000)
    clean = noise_sigma(y)
    y[::100] += 1e6
    assert noise_sigma(y) == pytest.approx(clean, rel=0.05)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=60))
def test_isotonic_decreasing_equals_scikit_learn(values):
    y = np.array(values)
    ref = IsotonicRegression(increasing=False).fit_transform(np.arange(len(y)), y)
    np.testing.assert_allclose(isotonic_decreasing(y), ref, rtol=1e-9, atol=1e-6)


def test_isotonic_fit_of_a_decreasing_curve_is_the_curve():
    y = np.exp(-np.arange(30) / 5.0)
    np.testing.assert_array_equal(isotonic_decreasing(y), y)


def test_level_is_the_median_of_the_fraction():
    y = np.arange(1000.0)
    assert level(y, 0.0, 0.1) == np.median(y[:100])
    assert level(y, 0.9, 1.0) == np.median(y[900:])
    assert level(y[:5], 0.9, 1.0) == np.median(y[2:5])  # at least three points


def test_spike_zscores_flag_spikes_but_not_monotone_stretches():
    t = np.arange(300.0)
    y = np.exp(-t / 30) + np.exp((t - 250) / 10) * (t > 250)  # fast drop, then a blow-up
    assert spike_zscores(y, 1e-3).max() <= 0.0
    y2 = y.copy()
    y2[[100, 101, 180]] += 5.0
    z = spike_zscores(y2, 0.01)
    assert spike_events(z, 8.0, 3) == [(100, 102), (180, 181)]


def test_spike_events_drop_long_runs():
    z = np.array([0, 9, 9, 9, 9, 0, 9, 0.0])
    assert spike_events(z, 5.0, 3) == [(6, 7)]


def test_zigzag_ratio_is_one_for_noise_and_large_for_alternation():
    rng = np.random.default_rng(4)
    noise = rng.normal(size=4000)
    assert zigzag_ratio(noise) == pytest.approx(1.0, abs=0.05)
    assert zigzag_ratio(noise + 2.0 * (-1.0) ** np.arange(4000)) > 2.0
    assert zigzag_ratio(np.cumsum(noise)) < 0.8  # a random walk drifts: lag-2 changes are larger
    assert zigzag_ratio(np.ones(10)) == 1.0


def test_effective_time_is_the_cumulative_rate_in_peak_steps():
    lrs = np.concatenate([np.linspace(0.0, 0.1, 11)[1:], np.full(20, 0.1)])
    ref = [sum(lrs[: t + 1]) / 0.1 for t in range(lrs.size)]  # a plain loop
    assert effective_time(lrs, lrs.size) == pytest.approx(ref)
    assert effective_time(None, 5).tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert effective_time(np.array([0.1, np.nan, 0.1]), 3).tolist() == [1.0, 2.0, 3.0]  # unusable rates


@pytest.mark.parametrize("a", [0.5, 1.0, 2.0])
def test_log_time_levels_are_band_medians_of_a_power_law(a):
    # y = tau^-a on a log-spaced clock ending at T = 10^4: a band median is the value at the band's
    # middle in u = log10(tau / T): u = -2 and -1 for the full bands, -0.075 for the last (one-sided) one.
    tau = np.logspace(0, 4, 4001)
    l2, l1, l0, n1, n0 = log_time_levels(tau**-a, tau)
    ref = [(1e4 * 10.0**u) ** -a for u in (-2.0, -1.0, -0.075)]
    assert [l2, l1, l0] == pytest.approx(ref, rel=1e-2)
    assert (n1, n0) == (301, 151)


@pytest.mark.parametrize("alpha", [1.5, 2.0, 3.0])
@pytest.mark.parametrize("n", [300, 3000])
def test_tail_max_is_the_exceedance_one_over_n_quantile_of_a_power_law(alpha, n):
    # Exact quantiles of a Pareto(alpha) tail, P(Z > z) = z^-alpha: Q(1 - p) = p^(-1/alpha). The
    # largest of n draws sits at exceedance 1/n, z = n^(1/alpha); the extrapolation is exact there.
    z = (1.0 - (np.arange(200_000) + 0.5) / 200_000) ** (-1.0 / alpha)
    assert tail_max(z, n) == pytest.approx(n ** (1.0 / alpha), rel=0.01)
    assert tail_max(z, 50) == pytest.approx(100 ** (1.0 / alpha), rel=0.01)  # never below q99


def test_tail_max_floors_a_light_tail_at_one_noise_unit():
    assert tail_max(np.zeros(1000), 1000) == 1.0
    assert tail_max(np.array([]), 10) == 1.0


def test_half_drop_z_of_a_linear_descent_matches_the_closed_form():
    # y = -t on a clock ending at T = 1000: the middle band (|t/T - 0.5| <= 0.05, ~100 points) has
    # median ~500, the last (t/T >= 0.9, ~100 points) ~950; with noise s, se = 1.25 s sqrt(2/100).
    # (On a discrete clock a band edge can gain or lose a point: 0.5% at most here.)
    t = np.arange(1.0, 1001.0)
    s = 0.5
    ref = (950 - 500) / (1.25 * s * np.sqrt(2 / 100))
    assert half_drop_z(-t, t, np.full(1000, s)) == pytest.approx(ref, rel=5e-3)
    assert half_drop_z(np.zeros(1000), t, np.full(1000, s)) == 0.0  # flat: no drop


def test_decade_slopes_of_a_power_law_are_ten_to_minus_a_apart():
    t = np.arange(1.0, 10001.0)
    for a in (0.25, 0.5, 1.0):
        s_prev, s_last = decade_slopes(t**-a, t)
        assert s_last / s_prev == pytest.approx(10**-a, rel=0.1)  # secants between band medians
