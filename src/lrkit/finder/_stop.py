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

where :math:`y_0` is the median of the first ``stop_warmup`` losses (the
starting level), :math:`b_i` the running minimum of the 3-point running median
(the best level so far, immune to one lucky batch), :math:`\\hat\\sigma_i` the
batch noise (the larger of :func:`~lrkit.finder.noise_scale` of the losses so
far and the MAD of the starting plateau) and :math:`\\tau` the
``diverge_threshold`` (default 2; the numbers are fields of
:class:`~lrkit.finder.FinderPolicy`). With :math:`\\tau = 2` the bar is the
starting level plus the whole improvement: the loss now sits as far above
where it began as it ever got below it. Before the loss has fallen by more
than the noise, a rise must clear :math:`4\\tau` noise SDs. The sweep stops
when **two consecutive** losses exceed their bars (one bad batch is not a
trend); no check is made during the first ``stop_warmup`` losses. Every term
but the last moves with an affine change :math:`y \\mapsto a y + c`
(:math:`a > 0`), so the decision does not; the last is a floor for noiseless
curves that have not moved yet, far below any real curve's variation. On
400 pure-noise sweeps of 100 steps (Gaussian and t(3) noise) it never stopped.
NaN and infinite losses stop the sweep at once; that check is elsewhere.
"""

from __future__ import annotations

import math

import numpy as np

from lrkit.errors import check_instance
from lrkit.finder._levels import cut_back
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._rebound import rebound_rows
from lrkit.finder._smooth import noise_scale
from lrkit.stats import MAD_TO_SIGMA

__all__ = ["DivergenceMonitor", "divergence_index"]


class DivergenceMonitor:
    """Online form of the stop rule: feed losses one by one with :meth:`update`.

    An update costs :math:`O(1)`: the running median of three and the running
    minimum are kept as numbers, and the bar's one costly term, the noise of the
    whole curve so far (:func:`~lrkit.finder.noise_scale`, :math:`O(n)`), is
    computed only when a loss clears the bar that leaves it out, a lower bound
    of the bar: in a sweep, a handful of times near the blow-up.
    :class:`~lrkit.finder._reference.ReferenceMonitor` is the same rule written
    plainly (every bar in full); a test replays both and compares every decision.

    Args:
        policy: the tuned numbers; :math:`\\tau` is ``policy.diverge_threshold``, the rise
            above the best level, in units of the improvement so far, that counts as divergence.

    Example:
        >>> m = DivergenceMonitor()
        >>> [m.update(v) for v in [5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 9, 12]][-3:]
        [False, False, True]
    """

    def __init__(self, *, policy: FinderPolicy = FinderPolicy()) -> None:
        self.policy = check_instance("policy", policy, "DivergenceMonitor", FinderPolicy)
        # Read once: update() runs once per optimizer update.
        self.threshold = policy.diverge_threshold
        self._warmup, self._sigmas, self._floor = policy.stop_warmup, policy.noise_sigmas, policy.level_floor
        self._losses: list[float] = []
        self._best = math.inf
        self._above_before = False
        self._start: float | None = None
        self._plateau = 0.0
        self._fixed = (0.0, 0.0, 0.0)  # start, |start|, noise_sigmas * plateau once warmed up
        #: Whether each loss so far was above its bar.
        self.above: list[bool] = []

    def _levels(self) -> tuple[float, float, float]:
        """``(start, plateau noise, floor)``, the first two fixed once the warm-up is over."""
        if self._start is None:
            head = self._losses[: self._warmup]
            start = _median(head)
            # Early in a sweep few points make any one scale estimate unreliable
            # (the MAD of ten second differences can come out 4x too small); the
            # spread of the starting plateau is a second estimate, and the bar
            # uses the larger. Overestimating only delays the stop by a step or
            # two, as a blow-up soon dwarfs the noise.
            self._plateau = MAD_TO_SIGMA * _median([abs(v - start) for v in head])
            self._start = start
        # A noiseless curve that has not moved yet has no scale of its own; the
        # floor (a millionth of the loss level) keeps a drift of 1e-9 on such a
        # plateau from counting as divergence. It only matters while the curve's
        # own variation is below it, so the invariance to adding a constant holds
        # for offsets up to ~1e5 times the loss's variation.
        floor = self._floor * max(abs(self._start), abs(self._best))
        return self._start, self._plateau, floor

    def bar(self) -> float:
        """The current bar :math:`\\text{bar}_i` (``inf`` during the warm-up)."""
        if len(self._losses) < self._warmup:
            return float("inf")
        start, plateau, floor = self._levels()
        sigma = max(noise_scale(self._losses), plateau)
        scale = max(start - self._best, self._sigmas * sigma, floor)
        return float(self._best + self.threshold * scale)

    def update(self, loss: float) -> bool:
        """Record one finite loss; return True when the sweep has diverged."""
        losses = self._losses
        value = float(loss)
        losses.append(value)
        n = len(losses)
        # The running median of the last three (statistics.median's arithmetic:
        # the middle of the sorted values, or the mean of two).
        if n >= 3:
            med = sorted((losses[-3], losses[-2], value))[1]
        elif n == 2:
            med = (losses[0] + value) / 2
        else:
            med = value
        best = self._best = min(self._best, med)
        above = False
        warmup = self._warmup
        if n >= warmup:
            if n == warmup:
                # The warm-up losses were not judged as they came; flag them against
                # the first bar now, so that the offline cut can see a blow-up that
                # began inside the warm-up (the stop decisions are unchanged).
                first = self.bar()
                self.above = [v > first for v in losses[:-1]]
                self._fixed = (self._start, abs(self._start), self._sigmas * self._plateau)
            # The bar without the whole-curve noise term is a lower bound of the
            # bar; only a loss above it needs the full bar. (The terms are those of
            # _levels() and bar(), written out: this runs once per update.)
            start, abs_start, noise_floor = self._fixed
            floor = self._floor * max(abs_start, abs(best))
            cheap = best + self.threshold * max(start - best, noise_floor, floor)
            above = value > cheap and value > self.bar()
        self.above.append(above)
        diverged = above and self._above_before
        self._above_before = above
        return diverged


def _median(values: list[float]) -> float:
    """``np.median`` of a few finite floats, with its arithmetic, in plain Python (no array round trip)."""
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def divergence_index(losses: np.ndarray, *, policy: FinderPolicy = FinderPolicy()) -> int | None:
    """Where the unstable end of a sweep begins, or None if it never diverged.

    The offline twin of :class:`DivergenceMonitor`, used by the suggestion rules
    to drop the blow-up: points from the returned index on are past divergence.
    The sweep ends at the stop of the monitor or at the first non-finite loss;
    from there the cut moves back over the run of losses above the bar (gaps of
    one point allowed), because an unstable loss oscillates - a step far above
    the bar is often followed by one far *below* the true curve, which must
    not be read as the minimum. The curve before that ends earlier still at its
    first *rebound* (:func:`~lrkit.finder._rebound.rebound_rows`): a blow-up that the loss recovers from
    before the stop rule fires. Past a blow-up the weights and the optimizer's
    state (momentum, Adam's moments) are damaged, so a recovery at a higher rate
    is a recovery from that damage, not evidence that a constant run at that rate
    trains well, and a deeper second valley there must never be read as the minimum.

    Args:
        losses: the sweep's losses (a non-finite one ends the sweep).
        policy: the tuned numbers of the stop rule (:class:`~lrkit.finder.FinderPolicy`).

    Example:
        >>> divergence_index([5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 9, 12, 30])
        10
        >>> divergence_index([5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 1, 9, 0.01, 12, 30])
        11
        >>> divergence_index([-5, -5, -6, -7, -8, -8]) is None
        True
        >>> divergence_index([5] * 10 + [4, 3, 2, 1, 1, 1, 3.5, 3.5, 1, 0.5, 0.5, 0.5])  # a rebound
        16
    """
    y = np.asarray(losses, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(y))
    monitor = DivergenceMonitor(policy=policy)
    end = int(bad[0]) if bad.size else None
    for i, v in enumerate(y[:end].tolist()):
        if monitor.update(v):
            end = i - 1
            break
    cut = None if end is None else cut_back(end, monitor.above)
    rebound = int(rebound_rows(y[None, : y.size if cut is None else cut], policy=policy)[0])
    return cut if rebound < 0 else rebound
