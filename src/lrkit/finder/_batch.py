"""The smoother and the half-depth rules applied to many curves on one grid at once.

The bootstrap re-applies a rule to a few hundred resampled curves that share
their learning rates. Curve by curve, each one pays for its own divergence cut,
kernel weights, local fits and landmark search in small NumPy calls, and that
per-call overhead, not arithmetic, is most of the cost. Here the curves are the
rows of one array: the kernel geometry, which depends only on the grid, is
built once per curve length, and every other step runs on all rows together.
Each operation is the one-curve code's operation, in the same order, so every
row's answer is the one :func:`~lrkit.finder.smooth` and
:func:`~lrkit.finder.suggest` give for it alone (the tests compare them for
equality, not closeness).
"""

from __future__ import annotations

import numpy as np

from lrkit.errors import LRKitError
from lrkit.finder._anchor import blend
from lrkit.finder._default import weak_reading
from lrkit.finder._descent import descent_case
from lrkit.finder._valley import VALLEY_RULES, edge_weight
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._smooth import (
    _SINGULAR, _kernel_geometry, _solve_line, _support_range, _tricube, bandwidths,
)
from lrkit.finder._levels import median_of_three, noise_rows
from lrkit.finder._stop_rows import divergence_rows, monitor_rows
from lrkit.finder._suggestion import MIN_POINTS, ROUNDING_ULPS

__all__ = ["smooth_rows", "half_depth_rows"]

#: Elements of one (rows, n, width) temporary of the batched local fits (smaller blocks
#: measured faster: the temporaries then stay in the core's cache).
_BLOCK_ELEMENTS = 1 << 15


def _middle3(y: np.ndarray) -> np.ndarray:
    """The median of each point and its two neighbours (the end points are kept)."""
    med = y.copy()
    med[:, 1:-1] = median_of_three(y[:, :-2], y[:, 1:-1], y[:, 2:])
    return med


def _spike_rows(y: np.ndarray, cut: float) -> np.ndarray:
    """``_spike_weights`` of each row (see :mod:`lrkit.finder._smooth`)."""
    e = y - _middle3(y)
    tiny = _SINGULAR * np.maximum(np.max(np.abs(y), axis=1), 1e-300)
    quiet = np.max(np.abs(e), axis=1) <= tiny
    s = noise_rows(y)
    s = np.where(s > tiny, s, np.mean(np.abs(e), axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):  # the quiet rows' s may be 0; they get ones
        u = e / (cut * s)[:, None]
        weights = np.clip(1.0 - u * u, 0.0, None) ** 2
    weights[quiet] = 1.0
    return weights


def smooth_rows(
    x: np.ndarray, y: np.ndarray, *, window: float | None = None, robust: bool = True,
    policy: FinderPolicy = FinderPolicy(),
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~lrkit.finder.smooth` of every row of ``y`` over one grid, and each point's leverage.

    Args:
        x: the grid in decades, :math:`\\log_{10}\\eta` (what ``smooth`` computes from its rates).
        y: an ``(r, n)`` array of finite losses.
        window: the half-width :math:`h` in decades (``None``: ``policy.smooth_window``).
        robust: down-weight isolated spikes, as ``smooth`` does.
        policy: the tuned numbers, as for ``smooth``.

    Returns:
        ``(fit, leverage)``, two ``(r, n)`` arrays.

    Example:
        >>> lrs = np.logspace(-4, 0, 41)
        >>> x = np.log10(lrs)
        >>> fit, _ = smooth_rows(x, np.stack([2.0 - 0.5 * x, 1.0 + 3.0 * x]))
        >>> bool(np.allclose(fit[0], 2.0 - 0.5 * x) and np.allclose(fit[1], 1.0 + 3.0 * x))
        True
    """
    y = np.asarray(y, dtype=np.float64)
    n = x.size
    if n < 3:
        return y.copy(), np.ones(y.shape)
    h = bandwidths(x, policy.smooth_window if window is None else float(window), policy)
    robust_w = _spike_rows(y, policy.spike_cut) if robust else np.ones(y.shape)
    # The kernel's geometry depends on the grid only: one (n, width) table for every row.
    idx, inside, dx = _kernel_geometry(x, h)
    width = idx.shape[1]
    # The 1-D code's (kernel * robust) * inside equals (kernel * inside) * robust exactly (the
    # weights are finite and >= 0, inside is 0 or 1), and the first product is per grid.
    kernel = _tricube(dx / h[:, None]) * inside
    sums = np.empty((5,) + y.shape)
    lo, hi = np.empty(y.shape), np.empty(y.shape)
    # Blocks of rows whose (rows, n, width) temporaries stay cache-sized (256 KiB each).
    step = max(1, _BLOCK_ELEMENTS // (n * width))
    for a in range(0, y.shape[0], step):
        block = slice(a, a + step)
        # np.take keeps the gathered arrays C-ordered: NumPy's sums over the last axis
        # associate differently on other strides, and must sum as the 1-D code does.
        w = kernel * np.take(robust_w[block], idx, axis=1)
        yy = np.take(y[block], idx, axis=1)
        wdx = w * dx  # the 1-D code's w * dx * dx and w * dx * yy are (w * dx) * ...
        sums[:, block] = (w.sum(axis=-1), wdx.sum(axis=-1), (wdx * dx).sum(axis=-1),
                          (w * yy).sum(axis=-1), (wdx * yy).sum(axis=-1))
        lo[block], hi[block] = _support_range(w, yy)
    return _solve_line(*sums, robust_w, y, lo, hi)


def half_depth_rows(
    lrs: np.ndarray, losses: np.ndarray, rule: str, *, policy: FinderPolicy = FinderPolicy()
) -> list[float | None]:
    """``suggest(lrs, row, rule).lr`` for every row of a finite ``(r, n)`` array, for ``default``/``falling``.

    Per row, as :func:`~lrkit.finder.valley_geometry`: cut at the divergence
    index, smooth, and read the valley at half depth; rows that get no
    suggestion (too few points, flat, rising from the start, no descent) give
    ``None``. Rows with the same cut share one batched smooth.

    Args:
        lrs: the rates (positive, increasing), shared by all rows.
        losses: ``(r, n)`` finite losses.
        rule: ``"default"`` or ``"falling"`` (one of ``VALLEY_RULES``).
        policy: the tuned numbers, as for ``suggest``.

    Returns:
        A list of ``r`` suggested rates (``float``) or ``None``.

    Example:
        >>> from lrkit.finder import suggest, synthetic
        >>> lrs = np.logspace(-6, 0, 61)
        >>> y = np.stack([synthetic.curve(lrs, seed=s) for s in range(3)])
        >>> half_depth_rows(lrs, y, "default") == [suggest(lrs, row).lr for row in y]
        True
    """
    if rule not in VALLEY_RULES:
        raise LRKitError(f"`rule` of half_depth_rows must be one of {VALLEY_RULES}; got {rule!r}.")
    w = edge_weight(rule, policy)
    y = np.asarray(losses, dtype=np.float64)
    # The one-curve rule reads log10(lrs) and smooths on log10(10 ** that): keep both, as it does.
    x = np.log10(np.asarray(lrs, dtype=np.float64))
    x_smooth = np.log10(10.0**x)
    stops = divergence_rows(y, policy=policy)
    lengths = np.where(stops >= 0, stops, y.shape[1])
    out: list[float | None] = [None] * y.shape[0]
    valley: list[tuple[float, float]] = [(np.nan, np.nan)] * y.shape[0]
    for m in np.unique(lengths).tolist():
        if m < MIN_POINTS:
            continue
        rows = np.flatnonzero(lengths == m)
        fit = smooth_rows(x_smooth[:m], y[rows, :m], policy=policy)[0]
        x_star, signal, x_fast, x_edge = _half_depth(x[:m], y[rows, :m], fit, w, policy)
        for i, v, sig in zip(rows.tolist(), x_star.tolist(), signal.tolist()):
            if v != v:  # NaN marks a row without a suggestion
                continue
            valley[i] = (float(x_fast[i == rows][0]), float(x_edge[i == rows][0]))
            weak = None
            if sig < policy.weak_rule_sigmas and policy.weak_rule != "none":  # as the one-curve rule does
                weak = weak_reading(lrs, y[i], sig, policy.weak_rule)
            out[i] = float(10.0**v) if weak is None else weak.lr
    if policy.anchor_weight != 0:
        # The blow-up anchor (lrkit.finder._anchor): each row is finite, so where the stop rule fires or
        # the last rate; the same arithmetic as the one-curve rule's.
        blown = monitor_rows(y, policy=policy)[0]
        x_blow = np.where(blown >= 0, x[np.maximum(blown, 0)], x[-1])
        out = [None if v is None else float(10.0 ** blend(float(np.log10(v)), float(xb), policy))
               for v, xb in zip(out, x_blow.tolist())]
    return [None if v is None else _floored(v, *valley[i], w, policy) for i, v in enumerate(out)]


def _floored(lr: float, x_fast: float, x_edge: float, w: float, policy: FinderPolicy) -> float:
    """:func:`~lrkit.finder._descent.at_the_descent`'s rate for one row whose valley spans
    ``x_fast .. x_edge``."""
    if descent_case(float(np.log10(lr)), x_fast, x_edge, policy) != "raise":
        return lr
    to = x_fast + w * (x_edge - x_fast) if policy.descent_floor_reading == "valley" else x_fast
    return float(10.0**to)


def _crossing(x: np.ndarray, ys: np.ndarray, j: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Row-wise ``_crossing``: where segment ``j -> j+1`` of each row meets its ``level``."""
    rows = np.arange(ys.shape[0])
    yj, yk = ys[rows, j], ys[rows, j + 1]
    return x[j] + (yj - level) / (yj - yk) * (x[j + 1] - x[j])


def _first(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of each row's first True, and whether it has one."""
    return np.argmax(mask, axis=1), mask.any(axis=1)


def _half_depth(
    x: np.ndarray, y: np.ndarray, ys: np.ndarray, w: float, policy: FinderPolicy
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x_fast + w (x_edge - x_fast)`` per row of smoothed curves ``ys`` (raw ``y``), NaN for none,
    each row's signal (the drop in noise SDs, as :func:`~lrkit.finder.valley_geometry` computes it) and
    its ``x_fast`` and ``x_edge``."""
    r, m = ys.shape
    cols = np.arange(m)[None, :]
    rows = np.arange(r)
    i_min = np.argmin(ys, axis=1)
    sigma = noise_rows(y)
    tiny = ROUNDING_ULPS * np.spacing(np.max(np.abs(ys), axis=1))
    gate = np.maximum(policy.flat_sigmas * sigma, tiny)
    bottom = ys[rows, i_min]
    pre = cols <= i_min[:, None]
    drop0 = np.max(np.where(pre, ys, -np.inf), axis=1) - bottom
    ok = (np.ptp(ys, axis=1) > gate) & (i_min > 0) & (drop0 > gate)
    # The starting level: the median of the band, the points before the minimum in the top of the drop.
    band = pre & (ys >= (bottom + policy.top_band * drop0)[:, None])
    count = band.sum(axis=1)
    ranked = np.sort(np.where(band, ys, np.inf), axis=1)
    upper = ranked[rows, count // 2]
    lower = ranked[rows, np.maximum(count // 2 - 1, 0)]
    top = np.where(count % 2 == 1, upper, (lower + upper) / 2)
    half = 0.5 * (top + bottom)
    left_top = m - 1 - np.argmax(band[:, ::-1], axis=1)
    falls = (ys[:, :-1] >= half[:, None]) & (ys[:, 1:] < half[:, None]) & (cols[:, :-1] >= left_top[:, None])
    falls &= cols[:, :-1] < i_min[:, None]
    j_fast, has_fast = _first(falls)
    rises = (ys[:, :-1] < half[:, None]) & (ys[:, 1:] >= half[:, None]) & (cols[:, :-1] >= i_min[:, None])
    j_edge, edge_seen = _first(rises)
    ok &= has_fast
    with np.errstate(divide="ignore", invalid="ignore"):  # rows that are not ok are discarded below
        x_fast = _crossing(x, ys, np.where(ok, j_fast, 0), half)
        x_edge = np.where(edge_seen, _crossing(x, ys, j_edge, half), x[-1])
        x_star = x_fast + w * (x_edge - x_fast)
    return np.where(ok, x_star, np.nan), drop0 / np.maximum(sigma, tiny), x_fast, x_edge
