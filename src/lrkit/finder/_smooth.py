"""Lag-free smoothing of a range-test curve and a robust noise estimate.

The finders in common use smooth the loss with an exponential moving average
while they record it. An EMA is causal: its value at step ``i`` is a weighted
mean of the *past*, so on a falling curve it sits above the truth and every
feature (steepest point, minimum) appears several steps, i.e. a fraction of a
decade of learning rate, *later* than it is. lrkit keeps the raw losses and
smooths after the sweep with a centred local-linear regression (LOESS), which
has no lag: it reproduces any straight line exactly, and on a curve its bias is
of second order in the bandwidth and symmetric.
"""

from __future__ import annotations

import numpy as np

from lrkit.errors import LRKitError, check_positive
from lrkit.finder._policy import FinderPolicy
from lrkit.stats import difference_noise

__all__ = ["smooth", "noise_scale"]

#: A local fit whose determinant is below this fraction of ``S_0 S_2`` has no slope to fit
#: (float rounding, not a loss scale).
_SINGULAR = 1e-12


def _tricube(u: np.ndarray) -> np.ndarray:
    a = np.clip(1.0 - np.abs(u) ** 3, 0.0, None)
    return a * a * a


def _kernel_geometry(x: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The windows of the local fits, which depend on the grid only: ``(idx, inside, dx)``.

    Row ``i`` lists the points within ``h_i`` of ``x_i``: their indices ``idx`` (padded to one
    width with the last index), whether each is really inside, and ``dx = x_j - x_i``.
    """
    n = x.size
    lo = np.searchsorted(x, x - h, side="left")
    hi = np.searchsorted(x, x + h, side="right")
    width = int(np.max(hi - lo))
    idx = lo[:, None] + np.arange(width)[None, :]
    inside = idx < hi[:, None]
    idx = np.minimum(idx, n - 1)
    return idx, inside, x[idx] - x[:, None]


def _solve_line(
    s0: np.ndarray, s1: np.ndarray, s2: np.ndarray, t0: np.ndarray, t1: np.ndarray,
    robust: np.ndarray, y: np.ndarray, lo: np.ndarray, hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Each local line's intercept, kept within its data, and its point's leverage, from the weighted sums.

    ``s_k = sum_j w_j dx_j^k`` and ``t_k = sum_j w_j dx_j^k y_j``; ``lo`` and ``hi`` are the least
    and greatest loss with a positive weight in each fit. Element-wise, so it serves one curve
    (:func:`_local_linear`) and many rows (``lrkit.finder._batch``) alike.
    """
    det = s0 * s2 - s1 * s1
    # A window whose points all share one x (or carry one point's weight) has no
    # slope to fit: fall back to the weighted mean there.
    well_posed = det > _SINGULAR * np.maximum(s0 * s2, 1e-300)
    safe_det = np.where(well_posed, det, 1.0)
    line = (s2 * t0 - s1 * t1) / safe_det
    mean = t0 / np.where(s0 > 0, s0, 1.0)
    # A line fitted to lopsided weights (a spike's neighbours down-weighted on one side) can
    # extrapolate beyond every loss it was fitted to: a smoothed cross-entropy below zero. The
    # fit is a weighted average of those losses in spirit, so it is held within their range.
    out = np.clip(np.where(well_posed, line, mean), lo, hi)
    safe_s0 = np.where(s0 > 0, s0, 1.0)
    lev = np.where(well_posed, robust * s2 / safe_det, robust / safe_s0)
    return np.where(s0 > 0, out, y), np.where(s0 > 0, lev, 1.0)


def _local_linear(
    x: np.ndarray, y: np.ndarray, h: np.ndarray, robust: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One LOESS pass: the value at each ``x_i`` of a weighted line fit around it, and its leverage.

    The leverage :math:`H_{ii}` is the weight of :math:`y_i` in its own fitted value
    (:math:`w_{ii} S_2 / (S_0 S_2 - S_1^2)` for a line); the bootstrap uses it to undo
    the shrinkage of residuals about a smooth.
    """
    idx, inside, dx = _kernel_geometry(x, h)
    w = _tricube(dx / h[:, None]) * robust[idx] * inside
    yy = y[idx]
    s0 = w.sum(axis=1)
    s1 = (w * dx).sum(axis=1)
    s2 = (w * dx * dx).sum(axis=1)
    t0 = (w * yy).sum(axis=1)
    t1 = (w * dx * yy).sum(axis=1)
    lo, hi = _support_range(w, yy)
    return _solve_line(s0, s1, s2, t0, t1, robust, y, lo, hi)


def _support_range(w: np.ndarray, yy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The least and greatest loss with a positive weight in each fit (last axis); inf, -inf for none."""
    held = w > 0
    return np.where(held, yy, np.inf).min(axis=-1), np.where(held, yy, -np.inf).max(axis=-1)


def _spike_weights(y: np.ndarray, cut: float) -> np.ndarray:
    """Bisquare weights that remove isolated spikes (one bad batch) but keep trends.

    A spike is a point far from *both* neighbours on the same side, so its
    residual about the running 3-point median :math:`e_i = y_i - \\mathrm{med}(y_{i-1}, y_i, y_{i+1})`
    is large; on any monotone run, such as the blow-up, :math:`e_i = 0`. The
    weight is :math:`(1 - (e_i / c s)^2)_+^2` with :math:`c` the policy's ``spike_cut`` and
    :math:`s` the batch noise
    :func:`noise_scale` (or the mean :math:`|e_i|` on a noiseless curve with a
    spike). Cleveland's refits, which judge residuals about the smooth itself,
    would instead treat a sharp blow-up, which no local line can follow, as a
    run of outliers and flatten it away.
    """
    n = y.size
    med = y.copy()
    med[1:-1] = np.median(np.stack([y[:-2], y[1:-1], y[2:]]), axis=0)
    e = y - med
    tiny = _SINGULAR * max(float(np.max(np.abs(y))), 1e-300)
    if float(np.max(np.abs(e))) <= tiny:
        return np.ones(n)
    # The scale is the batch noise (a third of the e_i are exactly 0, so their
    # own median would be far too small and cut honest points).
    s = noise_scale(y)
    s = s if s > tiny else float(np.mean(np.abs(e)))
    u = e / (cut * s)
    return np.clip(1.0 - u * u, 0.0, None) ** 2


def _kth_neighbour_distance(x: np.ndarray, k: int) -> np.ndarray:
    """Distance from each sorted ``x_i`` to its ``k``-th nearest neighbour.

    On a sorted grid the ``k`` nearest neighbours of ``x_i`` fill a window
    ``[i - s, i - s + k]`` for some shift ``s`` in ``0..k``; take the tightest.
    """
    n = x.size
    i = np.arange(n)
    best = np.full(n, np.inf)
    for s in range(k + 1):
        left, right = i - s, i - s + k
        ok = (left >= 0) & (right < n)
        span = np.maximum(x[np.clip(right, 0, n - 1)] - x, x - x[np.clip(left, 0, n - 1)])
        best = np.where(ok, np.minimum(best, span), best)
    return best


def bandwidths(x: np.ndarray, window: float, policy: FinderPolicy) -> np.ndarray:
    """Each point's kernel half-width :math:`h_i = \\max(h, r\\,d_i)` on the grid ``x`` (decades).

    :math:`d_i` is the distance to the ``policy.min_neighbours``-th nearest point and
    :math:`r` is ``policy.neighbour_reach``, so a sparse grid still gives each fit its neighbours.
    """
    k = min(policy.min_neighbours, x.size - 1)
    return np.maximum(window, policy.neighbour_reach * _kth_neighbour_distance(x, k))


def smooth(
    lrs: np.ndarray, losses: np.ndarray, *, window: float | None = None, robust: bool = True,
    policy: FinderPolicy = FinderPolicy(),
) -> np.ndarray:
    """Smooth a range-test curve without lag: robust local-linear regression in log-LR.

    At each point :math:`x_i = \\log_{10} \\eta_i` the smoothed value is the
    intercept :math:`a_i` of the weighted least-squares line

    .. math::

        (a_i, b_i) = \\arg\\min_{a,b} \\sum_j w_{ij}\\,\\delta_j\\,(y_j - a - b(x_j - x_i))^2,
        \\qquad w_{ij} = \\Bigl(1 - \\bigl|\\tfrac{x_j - x_i}{h_i}\\bigr|^3\\Bigr)_+^3

    where :math:`h_i = \\max(h, r\\,d_i)` (:func:`bandwidths`), :math:`h` is ``window``
    (decades), :math:`d_i` the distance to the ``policy.min_neighbours``-th nearest point and
    :math:`r` the policy's ``neighbour_reach``, so sparse grids still get a real fit.
    :math:`\\delta_j` are bisquare
    robustness weights (Cleveland 1979) judged against a running 3-point
    median, so a single bad batch does not bend the curve while the blow-up, a
    run of rising points, is kept. Each fitted value is held within the least and
    greatest loss that carries weight in its fit: where the robustness weights leave
    a lopsided window (an oscillating blow-up), a line could otherwise extrapolate past
    every loss it saw, and the smooth of a non-negative loss would go below zero. The window
    is centred, so a straight line is reproduced exactly and a feature is never shifted to later steps, unlike
    the EMA of other finders. The bandwidth is in decades, not points, so the
    smoothed curve does not change when the sweep is made longer or starts
    lower.

    Args:
        lrs: learning rates, positive and strictly increasing (a sweep).
        losses: finite losses, same length.
        window: kernel half-width :math:`h` in decades (> 0); ``None``: ``policy.smooth_window``.
        robust: down-weight isolated spikes.
        policy: the tuned numbers (:class:`~lrkit.finder.FinderPolicy`).

    Returns:
        The smoothed losses, same length (a copy of ``losses`` when it has
        fewer than 3 points).

    Raises:
        LRKitError: for mismatched lengths, non-positive or non-increasing
            ``lrs``, non-finite losses or a bad ``window``.

    Example:
        >>> import numpy as np
        >>> lrs = np.logspace(-4, 0, 41)
        >>> line = 2.0 - 0.5 * np.log10(lrs)        # a straight line is kept exactly
        >>> bool(np.allclose(smooth(lrs, line), line))
        True

    References:
        W. S. Cleveland, "Robust locally weighted regression and smoothing
        scatterplots", JASA 74 (1979).
    """
    return _smooth_fit(lrs, losses, window=window, robust=robust, policy=policy)[0]


def _smooth_fit(
    lrs: object, losses: object, *, window: float | None = None, robust: bool = True,
    policy: FinderPolicy = FinderPolicy(),
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`smooth`, also returning each point's leverage (1.0 for curves under 3 points)."""
    x, y = _check_curve(lrs, losses, "smooth")
    if not np.all(np.isfinite(y)):
        raise LRKitError("`losses` of smooth must be finite; got a NaN or infinite value.")
    h0 = policy.smooth_window if window is None else check_positive("window", window, "smooth")
    n = x.size
    if n < 3:
        return y.copy(), np.ones(n)
    weights = _spike_weights(y, policy.spike_cut) if robust else np.ones(n)
    return _local_linear(x, y, bandwidths(x, h0, policy), weights)


def noise_scale(losses: np.ndarray) -> float:
    """Robust standard deviation of a sweep's batch noise (:func:`lrkit.stats.difference_noise`, order 2).

    Second differences remove any locally linear trend, which is all a sweep's steep descent
    allows (first differences would read the descent itself as noise), and for independent
    noise of variance :math:`\\sigma^2`, :math:`\\operatorname{Var}(\\Delta^2 y) = 6\\sigma^2`;
    the median absolute deviation makes it immune to the blow-up and to spikes:

    .. math::  \\hat\\sigma = c\\,\\operatorname{MAD}(\\Delta^2 y) / \\sqrt 6

    with :math:`c` = ``lrkit.stats.MAD_TO_SIGMA``.

    Args:
        losses: finite losses (at least 3 for a non-zero answer).

    Returns:
        :math:`\\hat\\sigma` (0.0 for fewer than 3 points or a noiseless line).

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> y = np.linspace(5, 1, 2000) + rng.normal(0, 0.1, 2000)
        >>> round(noise_scale(y), 1)
        0.1
    """
    return difference_noise(losses, order=2)


def _check_curve(lrs: object, losses: object, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate a curve's shape and grid; return ``(log10 lrs, losses)`` as float arrays."""
    try:
        lr = np.asarray(lrs, dtype=np.float64)
        y = np.asarray(losses, dtype=np.float64)
    except (TypeError, ValueError):
        message = f"`lrs` and `losses` of {owner} must be sequences of numbers; got {lrs!r}, {losses!r}."
        raise LRKitError(message) from None
    if lr.ndim != 1 or y.ndim != 1 or lr.shape != y.shape:
        raise LRKitError(
            f"`lrs` and `losses` of {owner} must be 1-D of the same length; "
            f"got shapes {lr.shape} and {y.shape}."
        )
    if lr.size and (not np.all(np.isfinite(lr)) or np.any(lr <= 0)):
        bad = float(lr[~(np.isfinite(lr) & (lr > 0))][0])
        raise LRKitError(f"`lrs` of {owner} must be finite and > 0; got {bad!r}.")
    if lr.size > 1 and np.any(np.diff(lr) <= 0):
        raise LRKitError(f"`lrs` of {owner} must be strictly increasing (a sweep); got {lr.tolist()[:6]}...")
    return np.log10(lr) if lr.size else lr, y
