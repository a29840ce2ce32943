"""The batch-noise scale of a growing curve, updated per loss instead of recomputed.

:func:`~lrkit.finder.noise_scale` of the losses so far,
:math:`\\hat\\sigma = 1.4826\\,\\operatorname{MAD}(\\Delta^2 y) / \\sqrt 6`, costs a pass
over the whole curve (two medians). The divergence monitor needs it for the
curve *so far*, at any step, so recomputing it would make a sweep quadratic.
:class:`RunningNoise` keeps the second differences sorted instead: each new
loss adds one of them by binary insertion, the median is read off the middle,
and the MAD, the median of :math:`|d_j - m|`, is a selection from two sorted
runs (the points below the median, read downwards, and those above it, read
upwards), found by bisection. Every number is computed with the same float
operations as ``noise_scale``, so the result is bit-for-bit the same.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

__all__ = ["RunningNoise"]


class RunningNoise:
    """Exact :func:`~lrkit.finder.noise_scale` of a growing sequence of losses.

    Losses are taken lazily from the list passed to :meth:`scale` (the caller
    appends to it), so a step that never asks for the noise costs nothing here;
    each loss is inserted once, in :math:`O(\\log n)` comparisons, and a query
    costs :math:`O(\\log n)`.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import noise_scale
        >>> y = list(np.random.default_rng(0).normal(size=50))
        >>> noise = RunningNoise()
        >>> noise.scale(y[:20]) == noise_scale(y[:20]), noise.scale(y) == noise_scale(y)
        (True, True)
    """

    def __init__(self) -> None:
        self._sorted: list[float] = []  # the second differences seen so far, ascending
        self._seen = 0  # losses consumed
        self._y1 = 0.0  # the last loss consumed
        self._d1 = 0.0  # the last first difference

    def _consume(self, losses: Sequence[float]) -> None:
        for i in range(self._seen, len(losses)):
            y = float(losses[i])
            if i >= 1:
                d1 = y - self._y1
                if i >= 2:
                    # np.diff(y, n=2) is diff(diff(y)): (y2 - y1) - (y1 - y0), in that order.
                    bisect.insort(self._sorted, d1 - self._d1)
                self._d1 = d1
            self._y1 = y
        self._seen = len(losses)

    def scale(self, losses: Sequence[float]) -> float:
        """``noise_scale(losses)`` where ``losses`` extends the sequence of every earlier call.

        Args:
            losses: the losses so far (the same growing list each time).

        Returns:
            :math:`\\hat\\sigma`, equal to ``noise_scale(losses)`` (0.0 below 3 points).
        """
        self._consume(losses)
        s = self._sorted
        n = len(s)
        if n == 0:
            return 0.0
        med = _middle(s[(n - 1) // 2], s[n // 2], n)
        # Deviations from the median: med - s[p-1-k] for the p points below it
        # (ascending in k), s[p+k] - med for the rest. |fl(s - m)| = fl(m - s)
        # since rounding is symmetric, so these are exactly np.abs(d2 - med).
        p = bisect.bisect_left(s, med)
        lo = _kth_deviation(s, med, p, (n - 1) // 2)
        hi = lo if n % 2 else _kth_deviation(s, med, p, n // 2)
        mad = _middle(lo, hi, n)
        return 1.4826 * mad / math.sqrt(6.0)


def _middle(lo: float, hi: float, n: int) -> float:
    """np.median's middle: the middle element, or the mean of the two middle ones as np.mean takes it."""
    return lo if n % 2 else (lo + hi) / 2


def _kth_deviation(s: list[float], med: float, p: int, k: int) -> float:
    """The ``k``-th smallest (0-based) of ``|s_j - med|`` over the sorted ``s``, ``s[:p] < med <= s[p:]``.

    The deviations form two ascending runs, ``a_i = med - s[p-1-i]`` (``p`` of
    them) and ``b_j = s[p+j] - med``; the ``k``-th smallest of their merge takes
    some ``i`` from the first and ``k + 1 - i`` from the second, and the right
    ``i`` is the first one with ``a_i >= b_{k-i}``, found by bisection.
    """
    na, nb = p, len(s) - p

    def a(i: int) -> float:
        return med - s[p - 1 - i]

    def b(j: int) -> float:
        return s[p + j] - med

    lo, hi = max(0, k + 1 - nb), min(k + 1, na)
    while lo < hi:
        i = (lo + hi) // 2
        if a(i) < b(k - i):
            lo = i + 1
        else:
            hi = i
    j = k + 1 - lo
    if lo == 0:
        return b(j - 1)
    if j == 0:
        return a(lo - 1)
    return max(a(lo - 1), b(j - 1))
