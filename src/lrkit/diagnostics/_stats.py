"""Shape statistics of a loss curve for ``diagnose``: running median, isotonic fit, levels, tails.

Every statistic here is unchanged when the losses are replaced by ``a * y + b``
with ``a > 0`` (a change of units or an additive constant such as an entropy
floor), so one set of thresholds serves a cross-entropy near 2.3, a regression
loss near 3e4 and a negative log-likelihood below zero alike. The noise scales,
standard errors of medians and spike z-scores that the finder and the Autopilot
share are in :mod:`lrkit.stats`.

Notation used in the docstrings: ``y_0 .. y_{n-1}`` the finite losses in step
order, ``med`` the median, ``MAD(x) = med|x - med(x)|``.
"""

from __future__ import annotations

import numpy as np

from lrkit._medians import running_median
from lrkit.stats import mad

__all__ = [
    "running_median",
    "isotonic_decreasing",
    "level",
    "spike_events",
    "zigzag_ratio",
    "tail_max",
    "extreme_of_windows",
]


def isotonic_decreasing(y: np.ndarray) -> np.ndarray:
    """Least-squares non-increasing fit (pool-adjacent-violators algorithm).

    Returns ``m`` minimising ``sum (y_t - m_t)^2`` subject to
    ``m_0 >= m_1 >= ... >= m_{n-1}``. A healthy loss curve is "noise around a
    non-increasing trend", so the residuals ``y - m`` are noise; rises and slow
    swings that no decreasing curve can follow show up as excess residual
    variance (the oscillation statistic of :func:`lrkit.diagnose`).

    Example:
        >>> isotonic_decreasing(np.array([3.0, 1.0, 2.0, 0.0])).tolist()
        [3.0, 1.5, 1.5, 0.0]
    """
    y = np.asarray(y, dtype=np.float64)
    # Stack of blocks (mean, weight); merge while the new block is above the previous one.
    means: list[float] = []
    weights: list[int] = []
    for v in y.tolist():
        m, w = v, 1
        while means and means[-1] < m:
            pm, pw = means.pop(), weights.pop()
            m, w = (pm * pw + m * w) / (pw + w), pw + w
        means.append(m)
        weights.append(w)
    return np.repeat(np.array(means), np.array(weights))


def level(y: np.ndarray, lo: float, hi: float) -> float:
    """Median of ``y`` over the fraction ``[lo, hi)`` of its length (at least 3 points).

    Example:
        >>> level(np.arange(100.0), 0.9, 1.0)
        94.5
    """
    n = len(y)
    a = int(np.floor(lo * n))
    b = max(int(np.ceil(hi * n)), a + 3)
    a = max(0, min(a, n - 3))
    return float(np.median(y[a : min(b, n)]))


def spike_events(z: np.ndarray, threshold: float, max_len: int) -> list[tuple[int, int]]:
    """Runs of consecutive indices with ``z > threshold`` no longer than ``max_len``.

    Returns ``(start, stop)`` index pairs (``stop`` exclusive). Longer runs are
    a level change, not a spike, and are left to the trend statistics.

    Example:
        >>> spike_events(np.array([0, 9, 0, 9, 9, 9, 0.0]), 5.0, 2)
        [(1, 2)]
    """
    above = np.concatenate([[False], np.asarray(z) > threshold, [False]])
    edges = np.flatnonzero(np.diff(above.astype(np.int8)))
    runs = list(zip(edges[0::2].tolist(), edges[1::2].tolist()))
    return [(a, b) for a, b in runs if b - a <= max_len]


def tail_max(z: np.ndarray, n: int) -> float:
    """The largest of ``n`` draws from the upper tail of ``z``, extrapolated from its quantiles.

    A heavy-tailed loss (minibatch squared errors) has a maximum far above its 99th
    percentile, and the further the more steps there are. With ``q90``, ``q99`` the 90th and
    99th percentiles (each at least 1, one noise unit), the tail's growth per decade of
    exceedance probability is ``g = q99 / q90`` (exact for a power-law tail
    ``P(Z > z) ~ z^-alpha``, where ``g = 10^(1/alpha)``; conservative for a Gaussian one), and
    the expected largest of ``n`` draws sits at exceedance ``1/n``, ``log10(n/100)`` decades
    past ``q99``:

        z_max(n) = q99 * g^max(0, log10(n / 100)).

    Example:
        >>> rng = np.random.default_rng(0)
        >>> def ratio(blocks):  # the median over blocks of tail_max / the block's real maximum
        ...     return round(float(np.median([tail_max(b, b.size) / b.max() for b in blocks])), 1)
        >>> ratio(rng.pareto(2.0, (200, 1000)) + 1), ratio(rng.normal(size=(200, 1000)))
        (0.8, 1.3)
    """
    z = np.asarray(z, dtype=np.float64)
    z = z[np.isfinite(z)]
    if z.size == 0:
        return 1.0
    q90, q99 = (max(float(v), 1.0) for v in np.percentile(z, [90, 99]))
    g = max(q99 / q90, 1.0)
    return q99 * g ** max(0.0, float(np.log10(max(n, 1) / 100)))


def extreme_of_windows(n: int, width: int) -> float:
    """How far, in standard errors of one window's median, the lowest (or highest) of the ``N = n / width``
    window medians of a curve of ``n`` points strays from the level by chance: ``sqrt(2 ln N)``.

    The expected extreme of ``N`` independent standard normals grows like ``sqrt(2 ln N)`` (the
    Gumbel limit; an upper bound for moderate ``N``), so a level chosen as the best (or the worst) of
    ``N`` windows is biased by about that many of their standard errors. A claim measured from such
    a level ("the loss rose above its best", "it peaked above its start") discounts that much, or
    noise alone makes it.

    Example:
        >>> round(extreme_of_windows(500, 25), 2), extreme_of_windows(10, 25)  # 20 windows; fewer than 1
        (2.45, 0.0)
    """
    return float(np.sqrt(2.0 * np.log(max(n / width, 1.0))))


def zigzag_ratio(y: np.ndarray, floor: float = 0.0) -> float:
    """``MAD(y_{t+1} - y_t) / MAD(y_{t+2} - y_t)``: step-to-step alternation against noise.

    For i.i.d. noise both differences have the same distribution (ratio 1); a
    smooth trend or slow drift makes lag-2 differences larger (ratio < 1); a
    period-2 zig-zag of amplitude ``A`` adds ``+-2A`` to every lag-1 difference
    and cancels in every lag-2 difference (ratio >> 1): the loss jumping up and
    down on alternate steps, the signature of a rate just past the edge of
    stability. Unlike an autocorrelation of detrended residuals it needs no
    detrending filter (every high-pass filter makes white noise look anti-correlated).

    Both MADs are read as at least ``floor`` (the noise floor of the caller's units): a
    noise-free line has MADs of rounding error only, whose ratio is meaningless (one of them
    exactly 0 made it infinite), so below the floor the ratio is 1, no evidence either way.

    Example:
        >>> zigzag_ratio(np.array([1.0, -1.0] * 50) + np.linspace(0, 0.1, 100)) > 10
        True
        >>> zigzag_ratio(0.1 - 0.37 * np.arange(50) / 18.5, floor=1e-3)  # a line, in spread units
        1.0
    """
    y = np.asarray(y, dtype=np.float64)
    if y.size < 4:
        return 1.0
    m1, m2 = max(mad(np.diff(y)), floor), max(mad(y[2:] - y[:-2]), floor)
    if m2 == 0.0:
        return 1.0 if m1 == 0.0 else np.inf
    return m1 / m2
