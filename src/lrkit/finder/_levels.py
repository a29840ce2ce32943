"""The stop rule's quantities for many curves at once: the building blocks of its array forms.

:class:`~lrkit.finder.DivergenceMonitor` keeps, loss by loss, a running median of three, its running
minimum (the best level), the starting level and its plateau noise. The array forms of the rule
(:mod:`lrkit.finder._stop_rows`, :mod:`lrkit.finder._rebound`) compute the same quantities for every
row and step of an ``(r, n)`` array at once, with the monitor's arithmetic operation for operation,
so their decisions are the monitor's bit for bit (``tests/finder/test_parity.py`` replays both).
"""

from __future__ import annotations

import numpy as np

from lrkit.finder._policy import FinderPolicy
from lrkit.stats import MAD_TO_SIGMA, difference_scale

__all__ = ["cut_back", "levels_rows", "median_of_three", "median_rows", "noise_rows"]


def cut_back(end: int, above: list[bool] | np.ndarray) -> int:
    """Move the cut back over the run of losses above the bar (gaps of one point allowed)."""
    while True:
        if end >= 1 and above[end - 1]:
            end -= 1
        elif end >= 2 and above[end - 2]:
            end -= 2
        else:
            return end


def median_of_three(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The element-wise median of three arrays (a selection, so exactly one of the values)."""
    return np.maximum(np.minimum(a, b), np.minimum(np.maximum(a, b), c))


def median_rows(a: np.ndarray) -> np.ndarray:
    """``np.median(a, axis=1)`` with its arithmetic (the middle order statistic, or the mean of two)."""
    n = a.shape[1]
    k = n // 2
    if n % 2:
        return np.partition(a, k, axis=1)[:, k]
    part = np.partition(a, (k - 1, k), axis=1)
    return (part[:, k - 1] + part[:, k]) / 2


def noise_rows(y: np.ndarray, d2: np.ndarray | None = None) -> np.ndarray:
    """:func:`~lrkit.finder.noise_scale` of each row of a 2-D array (at least 3 columns).

    ``d2``, the rows' second differences, may be passed when already at hand.
    """
    d2 = np.diff(y, n=2, axis=1) if d2 is None else d2
    mad = median_rows(np.abs(d2 - median_rows(d2)[:, None]))
    return MAD_TO_SIGMA * mad / difference_scale(2)


def levels_rows(
    y: np.ndarray, policy: FinderPolicy
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The monitor's levels for every row and step: ``(best, start, plateau, floor, d2)``.

    ``best`` is the running minimum of the running median of three, ``start`` and ``plateau``
    the median and MAD-scale of the first ``stop_warmup`` losses (columns), ``floor`` the
    level floor, and ``d2`` the rows' second differences (a prefix's are a prefix of these).
    """
    med = y.copy()
    med[:, 1] = (y[:, 0] + y[:, 1]) / 2
    med[:, 2:] = median_of_three(y[:, :-2], y[:, 1:-1], y[:, 2:])
    best = np.minimum.accumulate(med, axis=1)
    head = y[:, : policy.stop_warmup]
    start = median_rows(head)[:, None]
    plateau = (MAD_TO_SIGMA * median_rows(np.abs(head - start)))[:, None]
    floor = policy.level_floor * np.maximum(np.abs(start), np.abs(best))
    return best, start, plateau, floor, np.diff(y, n=2, axis=1)
