"""lrkit.stats against independent references: SciPy's MAD, simulation, closed forms, loops."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sp

from lrkit.stats import (
    MAD_TO_SIGMA, MEDIAN_SE, difference_noise, difference_scale, mad, median_diff_se, median_se, robust_sigma,
    spike_zscores,
)


def test_mad_to_sigma_is_the_gaussian_consistency_factor():
    assert MAD_TO_SIGMA == pytest.approx(1.0 / sp.norm.ppf(0.75), rel=1e-4)


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50))
def test_mad_and_robust_sigma_equal_scipy(values):
    x = np.array(values)
    assert mad(x) == pytest.approx(sp.median_abs_deviation(x), rel=1e-12, abs=1e-9)
    assert robust_sigma(x) == pytest.approx(MAD_TO_SIGMA * sp.median_abs_deviation(x), rel=1e-12, abs=1e-9)


def test_median_se_matches_simulated_medians():
    rng = np.random.default_rng(0)
    for m in (7, 31, 101):
        medians = np.median(rng.normal(0.0, 2.0, (20000, m)), axis=1)
        assert float(median_se(2.0, m)) == pytest.approx(medians.std(), rel=0.06)
    assert MEDIAN_SE == pytest.approx(math.sqrt(math.pi / 2), abs=0.01)  # the large-m limit


def test_median_diff_se_is_the_quadrature_sum():
    assert float(median_diff_se(3.0, 5, 20)) == pytest.approx(math.hypot(median_se(3.0, 5), median_se(3.0,
                                                                                                      20)))


@pytest.mark.parametrize("order", [1, 2, 3])
def test_difference_scale_is_the_sd_of_differenced_unit_noise(order):
    e = np.random.default_rng(order).normal(size=400000)
    assert difference_scale(order) == pytest.approx(np.diff(e, n=order).std(), rel=0.01)


@pytest.mark.parametrize("order, trend", [(1, np.linspace(10, 0, 20000)), (2, 50 * np.linspace(0, 1,
                                                                                               20000) ** 2)])
def test_difference_noise_recovers_gaussian_noise_under_a_trend_of_lower_degree(order, trend):
    y = trend + np.random.default_rng(5).normal(0.0, 0.3, trend.size)
    assert difference_noise(y, order=order) == pytest.approx(0.3, rel=0.05)


def test_difference_noise_ignores_spikes_and_needs_more_points_than_its_order():
    rng = np.random.default_rng(6)
    y = rng.normal(0, 1, 5000)
    clean = difference_noise(y, order=2)
    y[::100] += 1e6
    assert difference_noise(y, order=2) == pytest.approx(clean, rel=0.05)
    assert difference_noise([1.0, 2.0], order=2) == 0.0 and difference_noise([1.0], order=1) == 0.0


def test_spike_zscores_equal_a_loop():
    rng = np.random.default_rng(7)
    y = rng.normal(size=40)
    y[[10, 25]] += 8.0
    side, sigma = 4, 0.5
    z = spike_zscores(y, sigma, side)
    for t in range(1, 39):
        left, right = np.median(y[max(0, t - side):t]), np.median(y[t + 1:t + 1 + side])
        assert z[t] == pytest.approx((y[t] - max(left, right)) / sigma)
    assert z[0] == z[-1] == -np.inf and int(np.argmax(z)) in (10, 25)
