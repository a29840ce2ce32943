"""When a range test has diverged: a stop rule that is affine-invariant in the loss.

torch-lr-finder stops when ``loss > 5 * best`` and fastai when ``loss > 4 * best``.
Both compare the loss with a multiple of itself, which means nothing for a loss
that can be negative (a log-likelihood, a reward) or that sits on a large
offset (a loss with a constant term): with ``best = -3`` the bar ``-15`` is
passed at once, with ``best = 1000`` it is never reached. lrkit measures the
rise against the curve's own scale instead:

.. math::

    \\text{bar}_i = b_i + \\tau \\max\\bigl(y_0 - b_i,\\; 4\\hat\\sigma_i,\\;
                                          10^{-6}\\max(|y_0|, |b_i|)\\bigr)

where :math:`y_0` is the median of the first :data:`WARMUP` losses (the
starting level), :math:`b_i` the running minimum of the 3-point running median
(the best level so far, immune to one lucky batch), :math:`\\hat\\sigma_i` the
batch noise (the larger of :func:`~lrkit.finder.noise_scale` of the losses so
far and the MAD of the starting plateau) and :math:`\\tau` the
``diverge_threshold`` (default 2). With :math:`\\tau = 2` the bar is the
starting level plus the whole improvement: the loss now sits as far above
where it began as it ever got below it. Before the loss has fallen by more
than the noise, a rise must clear :math:`4\\tau` noise SDs. The sweep stops
when **two consecutive** losses exceed their bars (one bad batch is not a
trend); no check is made during the first :data:`WARMUP` losses. Every term
but the last moves with an affine change :math:`y \\mapsto a y + c`
(:math:`a > 0`), so the decision does not; the last is a floor for noiseless
curves that have not moved yet, far below any real curve's variation. On
400 pure-noise sweeps of 100 steps (Gaussian and t(3) noise) it never stopped.
NaN and infinite losses stop the sweep at once; that check is elsewhere.
"""

from __future__ import annotations

import statistics

import numpy as np

from lrkit.errors import check_positive
from lrkit.finder._smooth import noise_scale

__all__ = ["DivergenceMonitor", "divergence_index", "DEFAULT_THRESHOLD", "WARMUP"]

#: Default :math:`\\tau`.
DEFAULT_THRESHOLD = 2.0

#: Losses seen before the first divergence check (they define the starting level).
WARMUP = 10

#: The noise floor of the scale, in noise SDs: before the loss has fallen by
#: more than this, a rise must exceed :math:`\\tau` times it to count.
NOISE_SIGMAS = 4.0


class DivergenceMonitor:
    """Online form of the stop rule: feed losses one by one with :meth:`update`.

    Args:
        threshold: :math:`\\tau` (> 0), the rise above the best level, in units
            of the improvement so far, that counts as divergence.

    Example:
        >>> m = DivergenceMonitor(threshold=2.0)
        >>> [m.update(v) for v in [5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 9, 12]][-3:]
        [False, False, True]
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD) -> None:
        self.threshold = check_positive("diverge_threshold", threshold, "range_test")
        self._losses: list[float] = []
        self._best = np.inf
        self._above_before = False
        self._start: float | None = None
        self._plateau = 0.0
        #: Whether each loss so far was above its bar.
        self.above: list[bool] = []

    def _levels(self) -> tuple[float, float, float]:
        """``(start, plateau noise, floor)``, fixed once the warm-up is over."""
        if self._start is None:
            head = np.asarray(self._losses[:WARMUP])
            start = float(np.median(head))
            # Early in a sweep few points make any one scale estimate unreliable
            # (the MAD of ten second differences can come out 4x too small); the
            # spread of the starting plateau is a second estimate, and the bar
            # uses the larger. Overestimating only delays the stop by a step or
            # two, as a blow-up soon dwarfs the noise.
            self._plateau = 1.4826 * float(np.median(np.abs(head - start)))
            self._start = start
        # A noiseless curve that has not moved yet has no scale of its own; the
        # floor (a millionth of the loss level) keeps a drift of 1e-9 on such a
        # plateau from counting as divergence. It only matters while the curve's
        # own variation is below it, so the invariance to adding a constant holds
        # for offsets up to ~1e5 times the loss's variation.
        floor = 1e-6 * max(abs(self._start), abs(self._best))
        return self._start, self._plateau, floor

    def bar(self) -> float:
        """The current bar :math:`\\text{bar}_i` (``inf`` during the warm-up)."""
        if len(self._losses) < WARMUP:
            return float("inf")
        start, plateau, floor = self._levels()
        sigma = max(noise_scale(np.asarray(self._losses)), plateau)
        scale = max(start - self._best, NOISE_SIGMAS * sigma, floor)
        return float(self._best + self.threshold * scale)

    def update(self, loss: float) -> bool:
        """Record one finite loss; return True when the sweep has diverged."""
        self._losses.append(float(loss))
        self._best = min(self._best, statistics.median(self._losses[-3:]))
        above = False
        if len(self._losses) == WARMUP:
            # The warm-up losses were not judged as they came; flag them against
            # the first bar now, so that the offline cut can see a blow-up that
            # began inside the warm-up (the stop decisions are unchanged).
            first = self.bar()
            self.above = [v > first for v in self._losses[:-1]]
        if len(self._losses) >= WARMUP:
            # The bar without the whole-curve noise term is a lower bound of the
            # bar; only a loss above it needs the (costlier) full bar.
            start, plateau, floor = self._levels()
            cheap = self._best + self.threshold * max(start - self._best, NOISE_SIGMAS * plateau, floor)
            above = loss > cheap and loss > self.bar()
        self.above.append(bool(above))
        diverged = above and self._above_before
        self._above_before = above
        return bool(diverged)


def divergence_index(losses: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> int | None:
    """Where the unstable end of a sweep begins, or None if it never diverged.

    The offline twin of :class:`DivergenceMonitor`, used by the suggestion rules
    to drop the blow-up: points from the returned index on are past divergence.
    The sweep ends at the stop of the monitor or at the first non-finite loss;
    from there the cut moves back over the run of losses above the bar (gaps of
    one point allowed), because an unstable loss oscillates - a step far above
    the bar is often followed by one far *below* the true curve, which must
    not be read as the minimum.

    Example:
        >>> divergence_index([5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 9, 12, 30])
        10
        >>> divergence_index([5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 1, 9, 0.01, 12, 30])
        11
        >>> divergence_index([-5, -5, -6, -7, -8, -8]) is None
        True
    """
    monitor = DivergenceMonitor(threshold)
    end = None
    for i, v in enumerate(np.asarray(losses, dtype=np.float64)):
        if not np.isfinite(v):
            end = i
            break
        if monitor.update(float(v)):
            end = i - 1
            break
    if end is None:
        return None
    above = monitor.above
    while True:
        if end >= 1 and above[end - 1]:
            end -= 1
        elif end >= 2 and above[end - 2]:
            end -= 2
        else:
            return end
