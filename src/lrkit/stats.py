"""Robust statistics of a loss curve: noise scales, standard errors of medians, spike scores.

The finder, ``diagnose`` and the Autopilot all ask the same few questions of a noisy loss
curve: how large is its batch-to-batch noise, how sure is a median level, and does a point
stand out from its neighbours. This module answers them once, with NumPy only (it sits below
:mod:`lrkit.finder` and :mod:`lrkit.diagnostics` in the layer table of
``docs/architecture.md``). Every statistic is a median or a median absolute deviation, so a
spike or a blow-up cannot move it, and every one scales with the losses: for ``a * y + b``
(``a > 0``) a scale is multiplied by ``a`` and a z-score is unchanged.

**Notation.** ``MAD(x) = med|x - med(x)|``; for Gaussian noise of standard deviation ``s``,
``MAD_TO_SIGMA * MAD`` estimates ``s``, and the median of ``m`` points has standard error
``MEDIAN_SE * s / sqrt(m)``.

**Noise.** :func:`difference_noise` of order ``k`` estimates the noise from the ``k``-th
differences, which remove a polynomial trend of degree ``k - 1`` (the finder uses order 2: a
sweep's descent is steep, so only a locally linear trend may be assumed; ``diagnose`` uses
order 1: a training curve moves little per step). :func:`robust_sigma` is the spread of the
values themselves around their median, for a window with no trend (a sweep's starting plateau,
the Autopilot's recent losses).

**Spikes.** Three tests, because they answer three questions:

=====================================  ==========================================================
``lrkit.finder.smooth``'s weights      an isolated bad batch in a sweep, judged against the
                                       running 3-point median (two-sided, offline): weight 0 at
                                       ``FinderPolicy.spike_cut`` noise SDs; a run of rising
                                       points (the blow-up) is not a spike
:func:`spike_zscores` (``diagnose``)   a spike in a history, judged against the medians on *both*
                                       sides (offline: the future is known): ``(y - max(L, R)) / s``
``AutopilotPolicy``'s spike test       a spike in the next loss of a run, judged against the
                                       recent past only (online): above the median by ``z``
                                       robust SDs and by a multiple of the recent tail
=====================================  ==========================================================

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.linspace(5, 1, 4000) + rng.normal(0, 0.1, 4000)
    >>> round(difference_noise(y), 2), round(difference_noise(y, order=2), 2)
    (0.1, 0.1)
    >>> round(float(median_se(0.1, 100)), 4)
    0.0125
"""

from __future__ import annotations

import math

import numpy as np

from lrkit._medians import window_medians

__all__ = [
    "MAD_TO_SIGMA",
    "MEDIAN_SE",
    "mad",
    "robust_sigma",
    "difference_noise",
    "difference_scale",
    "median_se",
    "median_diff_se",
    "spike_zscores",
]

#: ``MAD_TO_SIGMA * MAD`` is a consistent estimate of the standard deviation of Gaussian noise
#: (``1 / Phi^-1(3/4)``).
MAD_TO_SIGMA = 1.4826

#: The median of ``m`` Gaussian points has standard error ``MEDIAN_SE * sigma / sqrt(m)``
#: (``sqrt(pi / 2)`` for large ``m``, rounded down: the medians here are of a few to a few
#: hundred points).
MEDIAN_SE = 1.25


def mad(x: np.ndarray) -> float:
    """The median absolute deviation ``med|x - med(x)|``.

    Example:
        >>> mad(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
        1.0
    """
    x = np.asarray(x, dtype=np.float64)
    return float(np.median(np.abs(x - np.median(x))))


def robust_sigma(x: np.ndarray) -> float:
    """``MAD_TO_SIGMA * MAD(x)``: the spread of values with no trend, immune to outliers.

    Example:
        >>> robust_sigma(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
        1.4826
    """
    return MAD_TO_SIGMA * mad(x)


def difference_scale(order: int) -> float:
    """``sqrt(C(2k, k))``: the standard deviation of the ``k``-th difference of unit i.i.d. noise.

    ``Var(Delta^k e) = sum_j C(k, j)^2 s^2 = C(2k, k) s^2``: 2 for first differences, 6 for
    second differences.

    Example:
        >>> round(difference_scale(1) ** 2, 12), round(difference_scale(2) ** 2, 12)
        (2.0, 6.0)
    """
    return math.sqrt(math.comb(2 * order, order))


def difference_noise(y: np.ndarray, order: int = 1) -> float:
    """Robust standard deviation of the step-to-step noise, from the ``order``-th differences.

    For ``y_t = trend_t + e_t`` with i.i.d. noise of standard deviation ``s`` and a trend that
    is a polynomial of degree below ``order`` over a few steps,

    .. math::  \\hat s = \\mathrm{MAD\\_TO\\_SIGMA} \\cdot \\mathrm{MAD}(\\Delta^k y) / \\sqrt{C(2k, k)}

    The MAD makes it ignore spikes, a blow-up and the few large steps of a fast drop.

    Args:
        y: finite losses in step order.
        order: ``k``, 1 (first differences) or more.

    Returns:
        :math:`\\hat s` (0.0 for ``order`` or fewer points, or a curve without noise).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> round(difference_noise(rng.normal(0, 2.0, 20000)), 1)
        2.0
    """
    y = np.asarray(y, dtype=np.float64)
    if y.size <= order:
        return 0.0
    return MAD_TO_SIGMA * mad(np.diff(y, n=order)) / difference_scale(order)


def median_se(sigma: float, m: float) -> float:
    """Standard error of a median of ``m`` points of noise ``sigma``: ``MEDIAN_SE * sigma / sqrt(m)``.

    Example:
        >>> float(median_se(2.0, 4))
        1.25
    """
    return MEDIAN_SE * sigma / np.sqrt(m)


def median_diff_se(sigma: float, m1: float, m2: float) -> float:
    """Standard error of the difference of two medians, of ``m1`` and ``m2`` points of noise ``sigma``.

    ``MEDIAN_SE * sigma * sqrt(1/m1 + 1/m2)``.

    Example:
        >>> float(median_diff_se(2.0, 8, 8))
        1.25
    """
    return MEDIAN_SE * sigma * np.sqrt(1.0 / m1 + 1.0 / m2)


def spike_zscores(y: np.ndarray, sigma: float, side: int = 6) -> np.ndarray:
    """Spike z-scores ``z_t = (y_t - max(L_t, R_t)) / sigma``, judged against both sides.

    ``L_t`` and ``R_t`` are the medians of the ``side`` points before and after ``t``. A
    spike must stand above the curve on *both* sides, so a steep but monotone stretch (the
    fast initial drop, an exponential blow-up) never counts, and the first and last point (one
    side missing) never do either. A spike of up to ``side // 2`` points cannot move either
    median, because at most half of each side window is inside it.

    Example:
        >>> y = np.array([5.0, 4, 3, 2, 1, 1, 1, 9, 1, 1, 1, 1, 1])
        >>> int(np.argmax(spike_zscores(y, 1.0, side=3))), float(spike_zscores(y, 1.0, side=3).max())
        (7, 8.0)
    """
    y = np.asarray(y, dtype=np.float64)
    n = y.size
    if n < 3:
        return np.full(n, -np.inf)
    t = np.arange(n)
    left = window_medians(y, np.maximum(t - side, 0), t)  # y[t-side .. t-1]; NaN (none) at t = 0
    right = window_medians(y, np.minimum(t + 1, n), np.minimum(t + side + 1, n))  # y[t+1 .. t+side]
    ref = np.fmax(left, right)
    z = (y - ref) / sigma
    z[0] = z[-1] = -np.inf
    return np.where(np.isnan(z), -np.inf, z)
