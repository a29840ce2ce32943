"""The stop rule on many curves at once: where the monitor stops each row, and each row's cut.

:func:`monitor_rows` and :func:`divergence_rows` are :class:`~lrkit.finder.DivergenceMonitor` and
:func:`~lrkit.finder.divergence_index` for every row of an ``(r, n)`` array of finite losses: the
bootstrap and the batched rules read hundreds of replicate curves, and a loop of monitors over them
costs 7x more. The arithmetic is the monitor's, operation for operation (the levels of
:mod:`lrkit.finder._levels`), so the indices are the same (``tests/finder/test_parity.py``).
"""

from __future__ import annotations

import numpy as np

from lrkit.finder._levels import cut_back, levels_rows, noise_rows
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._rebound import rebound_rows

__all__ = ["divergence_rows", "monitor_rows"]


def monitor_rows(
    losses: np.ndarray, *, policy: FinderPolicy = FinderPolicy()
) -> tuple[np.ndarray, np.ndarray]:
    """Where :class:`DivergenceMonitor` stops each row of a finite ``(r, n)`` array, and its flags.

    Returns ``(stops, above)``: the index of the loss at which ``update`` first returns True
    (``-1`` where it never does) and the ``(r, n)`` flags of the losses above their bars up to
    there, as ``DivergenceMonitor.above``. The arithmetic is the monitor's, operation for
    operation (see :func:`divergence_rows`).

    Example:
        >>> y = np.array([[5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 9, 12, 30.0]])
        >>> monitor_rows(y)[0].tolist()
        [11]
    """
    y = np.asarray(losses, dtype=np.float64)
    r, n = y.shape
    out = np.full(r, -1, dtype=np.int64)
    above = np.zeros((r, n), dtype=bool)
    warmup, sigmas = policy.stop_warmup, policy.noise_sigmas
    if n <= warmup:  # a stop needs two judged losses, the first at index warmup - 1
        return out, above
    tau = policy.diverge_threshold
    best, start, plateau, floor, d2 = levels_rows(y, policy)
    cheap = best + tau * np.maximum(np.maximum(start - best, sigmas * plateau), floor)

    def full_bar(rows: np.ndarray, j: int) -> np.ndarray:
        sigma = np.maximum(noise_rows(y[rows, : j + 1], d2[rows, : j - 1]), plateau[rows, 0])
        scale = np.maximum(np.maximum(start[rows, 0] - best[rows, j], sigmas * sigma), floor[rows, j])
        return best[rows, j] + tau * scale

    every = np.arange(r)
    first = full_bar(every, warmup - 1)  # the warm-up losses are flagged against the first bar
    above[:, : warmup - 1] = y[:, : warmup - 1] > first[:, None]
    above[:, warmup - 1] = (y[:, warmup - 1] > cheap[:, warmup - 1]) & (y[:, warmup - 1] > first)
    candidate = y > cheap
    running = np.ones(r, dtype=bool)
    for j in range(warmup, n):
        rows = np.flatnonzero(running & candidate[:, j])
        if rows.size == 0:
            continue
        above[rows, j] = y[rows, j] > full_bar(rows, j)
        stopped = rows[above[rows, j] & above[rows, j - 1]]
        out[stopped] = j
        running[stopped] = False
        if not running.any():
            break
    return out, above


def divergence_rows(losses: np.ndarray, *, policy: FinderPolicy = FinderPolicy()) -> np.ndarray:
    """:func:`divergence_index` of every row of a finite ``(r, n)`` array at once (-1 for None).

    The monitor's quantities are computed for all rows and steps together:
    the running median of three and its running minimum :math:`b_i`, the
    starting level and plateau noise, and the cheap bar (the bar without the
    whole-curve noise term, a lower bound of it). Only where a loss clears the
    cheap bar is the full bar needed; those few points are settled column by
    column with the noise of each row's prefix, for the rows still running.
    The arithmetic is the monitor's, operation for operation, so the indices
    are those of :func:`divergence_index` (a test replays both).

    Args:
        losses: an ``(r, n)`` array of finite losses, one curve per row.
        policy: the tuned numbers, as for :func:`divergence_index`.

    Returns:
        An ``int64`` array of ``r`` cut indices, ``-1`` where a row did not diverge.

    Example:
        >>> y = np.array([[5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 9, 12, 30.0],
        ...               [5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 1, 1, 1.0]])
        >>> divergence_rows(y).tolist()
        [10, -1]
    """
    y = np.asarray(losses, dtype=np.float64)
    n = y.shape[1]
    stops, above = monitor_rows(y, policy=policy)
    out = np.array([-1 if j < 0 else cut_back(j - 1, above[i]) for i, j in enumerate(stops.tolist())],
                   dtype=np.int64)
    # The curve before each stop ends earlier still at its first rebound (rows grouped by length).
    lengths = np.where(out >= 0, out, n)
    for m in np.unique(lengths).tolist():
        rows = np.flatnonzero(lengths == m)
        rebound = rebound_rows(y[rows, :m], policy=policy)
        out[rows] = np.where(rebound >= 0, rebound, out[rows])
    return out
