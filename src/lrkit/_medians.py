"""Medians over many windows of one array in O(n log n): the running median of long histories.

The kernel under :mod:`lrkit.stats` (spike z-scores) and :mod:`lrkit.diagnostics` (the smoothers).

``diagnose`` smooths a history with centred running medians as wide as a tenth of the run. The
readable way, :func:`running_median_reference` (``np.nanmedian`` over a sliding window view),
costs ``O(n * w)`` time: quadratic when ``w = n / 10`` (100k rows: 20 s; a million: hours).
:func:`window_medians` answers every window at once with a *wavelet matrix*, a standard exact
order-statistic structure, built and queried level by level in NumPy:

1. Replace each value by its rank ``r_t`` in the sorted array (ties by position, NaN last), so
   the ``k``-th smallest value of a window is the value of its ``k``-th smallest rank.
2. Read the ranks bit by bit, most significant first (``L = ceil(log2 n)`` levels). At each
   level the sequence is stably split into the values whose bit is 0, then those whose bit is 1;
   ``Z[j]`` counts the zeros among the first ``j``. A window ``[lo, hi)`` looking for its ``k``-th
   smallest rank holds ``z = Z[hi] - Z[lo]`` zeros: if ``k < z`` the answer's bit is 0 and the
   window continues as ``[Z[lo], Z[hi])`` among the zeros, else its bit is 1, ``k -= z``, and it
   continues among the ones at ``[nz + lo - Z[lo], nz + hi - Z[hi])`` (``nz`` zeros in all).
3. After ``L`` levels each window holds its answer's rank, bit by bit.

Each level is a handful of vectorised passes over ``n`` elements, so all ``n`` windows cost
``O(n log n)`` time and ``O(n)`` memory, whatever their width. The result is exact: the same
numbers as the reference, bit for bit (``tests/diagnostics/test_running_median.py``).
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["window_medians", "running_median", "running_median_reference"]


def _index_dtype(n: int) -> type:
    return np.int32 if n < 2**31 - 1 else np.int64


def _kth_ranks(ranks: np.ndarray, lo: np.ndarray, hi: np.ndarray, k: np.ndarray) -> np.ndarray:
    """The ``k``-th smallest (0-based) of ``ranks[lo:hi]`` for every query, by the wavelet matrix.

    ``ranks`` is a permutation of ``0 .. n-1``; every query needs ``0 <= k < hi - lo``.
    """
    n = ranks.size
    dt = _index_dtype(n + 1)
    cur = ranks.astype(dt)
    lo, hi, k = lo.astype(dt), hi.astype(dt), k.astype(dt)
    answer = np.zeros(lo.size, dtype=dt)
    zeros = np.empty(n + 1, dtype=dt)
    zeros[0] = 0
    for level in range(max(1, int(n - 1).bit_length()) - 1, -1, -1):
        bit = (cur >> level) & 1
        np.cumsum(bit == 0, out=zeros[1:])  # zeros[j]: zeros among cur[:j]
        nz = zeros[n]
        z_lo, z_hi = zeros[lo], zeros[hi]
        go_one = k >= z_hi - z_lo
        k -= np.where(go_one, z_hi - z_lo, 0).astype(dt)
        lo = np.where(go_one, nz + lo - z_lo, z_lo).astype(dt)
        hi = np.where(go_one, nz + hi - z_hi, z_hi).astype(dt)
        answer |= go_one.astype(dt) << level
        cur = np.concatenate([cur[bit == 0], cur[bit == 1]])  # stable split: zeros, then ones
    return answer


#: Windows at most this wide on NaN-free data are answered by sorting each window's copy
#: (``np.median`` over a sliding view: ``O(n w log w)``, faster than the ``O(n log n)`` wavelet
#: matrix while ``log w < log n / 3``, e.g. the 6-point side windows of the spike test).
NARROW_WINDOW = 16
#: Rows of a sliding view copied at once by the narrow path (bounds its memory to ~100 MB).
_CHUNK_ROWS = 1 << 20


def _narrow_medians(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``np.median(y[lo:hi])`` per window, grouped by width, for narrow windows on finite data."""
    out = np.full(lo.shape, np.nan)
    width = hi - lo
    for w in np.unique(width[width > 0]).tolist():
        rows = np.flatnonzero(width == w)
        view = np.lib.stride_tricks.sliding_window_view(y, w)
        for a in range(0, rows.size, _CHUNK_ROWS):
            part = rows[a:a + _CHUNK_ROWS]
            out[part] = np.median(view[lo[part]], axis=1)
    return out


def window_medians(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Median of the non-NaN values of ``y[lo[i]:hi[i]]`` for every ``i`` (NaN for none).

    An even count averages its two middle values, as :func:`numpy.nanmedian` does.

    Example:
        >>> y = np.array([5.0, 1.0, np.nan, 3.0, 2.0])
        >>> window_medians(y, np.array([0, 1, 2, 2]), np.array([5, 4, 3, 5])).tolist()
        [2.5, 2.0, nan, 2.5]
    """
    y = np.asarray(y, dtype=np.float64)
    lo, hi = np.asarray(lo), np.asarray(hi)
    out = np.full(lo.shape, np.nan)
    if y.size == 0 or lo.size == 0:
        return out
    if int(np.max(hi - lo)) <= NARROW_WINDOW and not np.isnan(y).any():
        return _narrow_medians(y, lo, hi)
    order = np.argsort(y, kind="stable")  # NaN sorts last, so a finite k-th rank is a finite value
    ranks = np.empty(y.size, dtype=_index_dtype(y.size + 1))
    ranks[order] = np.arange(y.size)
    finite = np.concatenate([[0], np.cumsum(~np.isnan(y))])
    count = finite[hi] - finite[lo]
    has = np.flatnonzero(count > 0)
    c = count[has]
    lower, upper = (c - 1) // 2, c // 2  # equal for an odd count
    even = np.flatnonzero(lower != upper)
    queries = np.concatenate([has, has[even]])
    k = np.concatenate([lower, upper[even]])
    picked = y[order[_kth_ranks(ranks, lo[queries], hi[queries], k)]]
    med = picked[: has.size].copy()
    med[even] = (med[even] + picked[has.size:]) / 2
    out[has] = med
    return out


def running_median(y: np.ndarray, window: int) -> np.ndarray:
    """Centered running median with an odd ``window``; edges use a shrunken window; NaNs are skipped.

    ``m_t = median{y_s : |s - t| <= window // 2, 0 <= s < n, y_s not NaN}``, by
    :func:`window_medians` in ``O(n log n)``. A median smoother follows the trend but ignores
    isolated outliers (a spike of fewer than ``window // 2`` points leaves it unchanged), which is
    why it is the reference curve for spike detection.

    Example:
        >>> running_median(np.array([1.0, 1.0, 9.0, 1.0, 1.0]), 3).tolist()
        [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    y = np.asarray(y, dtype=np.float64)
    window = max(1, int(window) | 1)  # force odd so the window is centered
    half = window // 2
    if y.size == 0 or half == 0:
        return y.copy()
    t = np.arange(y.size)
    return window_medians(y, np.maximum(t - half, 0), np.minimum(t + half + 1, y.size))


def running_median_reference(y: np.ndarray, window: int) -> np.ndarray:
    """The readable definition of :func:`running_median`: ``np.nanmedian`` over each window, O(n * w).

    Example:
        >>> running_median_reference(np.array([1.0, 1.0, 9.0, 1.0, 1.0]), 3).tolist()
        [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    y = np.asarray(y, dtype=np.float64)
    window = max(1, int(window) | 1)
    half = window // 2
    if y.size == 0 or half == 0:
        return y.copy()
    # Pad with NaN and take nanmedian so edge windows shrink instead of repeating edge values.
    padded = np.concatenate([np.full(half, np.nan), y, np.full(half, np.nan)])
    view = np.lib.stride_tricks.sliding_window_view(padded, window)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN window is NaN, said once
        return np.nanmedian(view, axis=1)
