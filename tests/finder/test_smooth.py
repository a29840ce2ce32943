"""smooth and noise_scale: lag-free local regression, checked against an independent weighted polyfit."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.finder import FinderPolicy, noise_scale, smooth

MIN_NEIGHBOURS = FinderPolicy().min_neighbours


def _reference_loess(x, y, h):
    """Non-robust local-linear fit at each point, by numpy.polyfit with tricube weights, held within the
    range of the losses with a positive weight."""
    out = []
    for xi in x:
        d = np.sort(np.abs(x - xi))
        hi = max(h, 1.25 * d[min(MIN_NEIGHBOURS, x.size - 1)])
        w = np.clip(1 - np.abs((x - xi) / hi) ** 3, 0, None) ** 3
        keep = w > 0
        # polyfit weights multiply the residuals, so pass sqrt(w) for weighted least squares.
        coef = np.polyfit(x[keep] - xi, y[keep], 1, w=np.sqrt(w[keep]))
        out.append(np.clip(coef[-1], y[keep].min(), y[keep].max()))  # held within the data it fits
    return np.array(out)


@pytest.mark.parametrize("n, h", [(60, 0.3), (200, 0.1), (25, 0.3), (12, 1.0)])
def test_matches_weighted_polyfit_reference(n, h):
    rng = np.random.default_rng(n)
    lrs = np.geomspace(1e-6, 1.0, n)
    y = np.sin(np.log10(lrs)) + 0.1 * rng.standard_normal(n)
    got = smooth(lrs, y, window=h, robust=False)
    np.testing.assert_allclose(got, _reference_loess(np.log10(lrs), y, h), rtol=1e-9, atol=1e-12)


def test_reproduces_straight_lines_exactly_even_at_the_ends():
    lrs = np.geomspace(1e-5, 1e-1, 50)
    line = 3.0 - 0.7 * np.log10(lrs)
    np.testing.assert_allclose(smooth(lrs, line), line, rtol=1e-12)


def test_no_lag_the_midpoint_of_a_sigmoid_stays_put_while_an_ema_moves_it():
    lrs = np.geomspace(1e-6, 1.0, 121)
    x = np.log10(lrs)
    y = 1.0 - 1.0 / (1.0 + np.exp(-(x + 3.0) / 0.3))
    s = smooth(lrs, y)
    assert np.interp(0.5, s[::-1], x[::-1]) == pytest.approx(-3.0, abs=0.01)
    ema = np.empty_like(y)
    ema[0] = y[0]
    for i in range(1, y.size):
        ema[i] = 0.95 * ema[i - 1] + 0.05 * y[i]
    assert np.interp(0.5, ema[::-1], x[::-1]) > -3.0 + 0.5  # the EMA lags by > 0.5 decades


def test_robust_to_a_single_spike():
    lrs = np.geomspace(1e-4, 1.0, 80)
    y = np.full(80, 2.0)
    y[40] = 50.0
    s = smooth(lrs, y)
    assert np.max(np.abs(s - 2.0)) < 1e-9
    assert np.max(np.abs(smooth(lrs, y, robust=False) - 2.0)) > 1.0  # robustness is what removes it


def test_window_is_in_decades_so_the_grid_density_does_not_change_the_curve():
    coarse, fine = np.geomspace(1e-6, 1.0, 121), np.geomspace(1e-6, 1.0, 481)
    f = lambda lr: 1.0 - 1.0 / (1.0 + np.exp(-(np.log10(lr) + 3.0) / 0.4))  # noqa: E731
    np.testing.assert_allclose(smooth(coarse, f(coarse)), smooth(fine, f(fine))[::4], atol=5e-3)


def test_short_curves_are_returned_unchanged():
    assert smooth([1e-3, 1e-2], [1.0, 0.5]).tolist() == [1.0, 0.5]
    assert smooth([], []).tolist() == []


@pytest.mark.parametrize(
    "lrs, losses, pattern",
    [
        ([1e-3, 1e-2], [1.0], r"must be 1-D of the same length"),
        ([1e-2, 1e-3, 1e-1], [1.0, 1.0, 1.0], r"`lrs` of smooth must be strictly increasing"),
        ([0.0, 1e-3, 1e-1], [1.0, 1.0, 1.0], r"`lrs` of smooth must be finite and > 0; got 0.0"),
        ([1e-3, 1e-2, 1e-1], [1.0, np.nan, 1.0], r"`losses` of smooth must be finite"),
    ],
)
def test_bad_input(lrs, losses, pattern):
    with pytest.raises(LRKitError, match=pattern):
        smooth(lrs, losses)


def test_bad_window():
    with pytest.raises(LRKitError, match=r"`window` of smooth must be a finite number > 0; got 0"):
        smooth([1e-3, 1e-2, 1e-1], [1.0, 1.0, 1.0], window=0)


@pytest.mark.parametrize("sigma", [1e-3, 0.1, 5.0])
def test_noise_scale_recovers_the_sd_on_a_trend_with_outliers(sigma):
    rng = np.random.default_rng(1)
    n = 4000
    y = np.linspace(10, -10, n) ** 2 / 10 + sigma * rng.standard_normal(n)
    y[::97] += 1e3 * sigma  # occasional bad batches
    assert noise_scale(y) == pytest.approx(sigma, rel=0.08)


def test_noise_scale_degenerate_cases():
    assert noise_scale([1.0, 2.0]) == 0.0
    assert noise_scale(np.arange(10.0)) == 0.0
