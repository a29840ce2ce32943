"""The straightforward forms of the finder's fast paths, kept beside them as their specification.

Three pieces of the finder run often enough to have fast forms: the divergence monitor
(once per optimizer update), and the bootstrap with its batched kernels (a few hundred
resampled curves per range test). Each fast form repeats the float operations of the plain
form below, in the same order, so the two agree exactly, not approximately;
``tests/finder/test_parity.py`` checks that on recorded sweeps, synthetic curves and
Hypothesis-generated ones. Read these to learn what is computed; read the fast forms to
learn how it is made cheap. Measured on this project's machine (CPU time, 100-step sweeps):

====================================  ============  ==========  =========================
fast form                             plain form    fast        what makes it fast
====================================  ============  ==========  =========================
``DivergenceMonitor``                 2.6 ms/sweep  0.07 ms     the bar without its noise
                                                                term bounds it from below
``_stop_rows.divergence_rows``        13 ms         1.8 ms      all rows at once, the full
                                                                bar only where needed
``_batch.smooth_rows``                37 ms         4.2 ms      the kernel built once per
                                                                grid, rows as one array
``_batch.half_depth_rows``            78 ms         5.3 ms      the same, for the landmarks
``bootstrap_interval`` (200 reps)     138 ms        7.1 ms      all of the above
====================================  ============  ==========  =========================

(The plain-form cost of the monitor is per sweep of 100 losses; a small model's update takes
about 0.2 ms, so the plain monitor would add about 13% to a sweep, the fast one 0.3%.)
"""

from __future__ import annotations

import statistics

import numpy as np

from lrkit.finder._policy import FinderPolicy
from lrkit.finder._rules import suggest
from lrkit.finder._smooth import _check_curve, _smooth_fit, noise_scale
from lrkit.finder._stop import divergence_index
from lrkit.stats import robust_sigma

__all__ = ["ReferenceMonitor", "reference_divergence_rows", "reference_smooth_rows",
           "reference_half_depth_rows", "reference_bootstrap"]


class ReferenceMonitor:
    """The stop rule of :class:`~lrkit.finder.DivergenceMonitor`, every bar computed in full.

    Example:
        >>> m = ReferenceMonitor()
        >>> [m.update(v) for v in [5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 9, 12]][-3:]
        [False, False, True]
    """

    def __init__(self, policy: FinderPolicy = FinderPolicy()) -> None:
        self.policy = policy
        self.losses: list[float] = []
        self.best = np.inf
        self.above_before = False
        self.above: list[bool] = []

    def levels(self) -> tuple[float, float, float]:
        """``(starting level, plateau noise, floor)``."""
        head = np.asarray(self.losses[: self.policy.stop_warmup])
        start = float(np.median(head))
        plateau = robust_sigma(head)
        return start, plateau, self.policy.level_floor * max(abs(start), abs(self.best))

    def bar(self) -> float:
        """The bar the next loss is judged against (``inf`` during the warm-up)."""
        p = self.policy
        if len(self.losses) < p.stop_warmup:
            return float("inf")
        start, plateau, floor = self.levels()
        sigma = max(noise_scale(np.asarray(self.losses)), plateau)
        return float(self.best + p.diverge_threshold * max(start - self.best, p.noise_sigmas * sigma, floor))

    def update(self, loss: float) -> bool:
        """Record one finite loss; True when this and the previous loss are above their bars."""
        self.losses.append(float(loss))
        self.best = min(self.best, statistics.median(self.losses[-3:]))
        above = False
        if len(self.losses) == self.policy.stop_warmup:
            first = self.bar()
            self.above = [v > first for v in self.losses[:-1]]
        if len(self.losses) >= self.policy.stop_warmup:
            above = loss > self.bar()
        self.above.append(bool(above))
        diverged = above and self.above_before
        self.above_before = above
        return bool(diverged)


def reference_divergence_rows(losses: np.ndarray, policy: FinderPolicy = FinderPolicy()) -> np.ndarray:
    """``_stop_rows.divergence_rows``: :func:`~lrkit.finder.divergence_index` of each row (-1 for None)."""
    cuts = [divergence_index(row, policy=policy) for row in np.asarray(losses, dtype=np.float64)]
    return np.array([-1 if c is None else c for c in cuts], dtype=np.int64)


def reference_smooth_rows(lrs: np.ndarray, y: np.ndarray, *, window: float | None = None,
                          policy: FinderPolicy = FinderPolicy()) -> tuple[np.ndarray, np.ndarray]:
    """``_batch.smooth_rows`` (which takes ``log10(lrs)``): each row's smooth and leverage, one at a time."""
    fits = [_smooth_fit(lrs, row, window=window, policy=policy) for row in np.asarray(y, dtype=np.float64)]
    return np.array([f for f, _ in fits]), np.array([lev for _, lev in fits])


def reference_half_depth_rows(lrs: np.ndarray, losses: np.ndarray, rule: str,
                              policy: FinderPolicy = FinderPolicy()) -> list[float | None]:
    """``_batch.half_depth_rows``: ``suggest(lrs, row, rule).lr`` of each row."""
    return [suggest(lrs, row, rule, policy=policy).lr for row in np.asarray(losses, dtype=np.float64)]


def reference_bootstrap(lrs: object, losses: object, rule: str = "default", *, seed: int = 0,
                        policy: FinderPolicy = FinderPolicy()) -> tuple[float, float] | None:
    """:func:`~lrkit.finder.bootstrap_interval` of one sweep, one replicate at a time through ``suggest``."""
    point = suggest(lrs, losses, rule, policy=policy)
    if point.lr is None:
        return None
    x, y = _check_curve(lrs, losses, "bootstrap_interval")
    bad = np.flatnonzero(~np.isfinite(y))
    n = int(bad[0]) if bad.size else y.size
    lr = 10.0 ** x[:n]
    rng = np.random.default_rng(seed)
    pilot = policy.pilot_ratio * policy.smooth_window
    draws = []
    for _ in range(policy.replicates):
        base = y[:n]
        m = divergence_index(base, policy=policy) or n
        fit, lev = _smooth_fit(lr[:m], base[:m], window=pilot, policy=policy)
        resid = (base[:m] - fit) / np.sqrt(1.0 - np.clip(lev, 0.0, policy.max_leverage))
        star = base.copy()
        star[:m] = fit + rng.choice((-1.0, 1.0), size=m) * resid
        s = suggest(lr, star, rule, policy=policy)
        if s.lr is not None:
            draws.append(np.log10(s.lr))
    if len(draws) < int(policy.replicates * policy.min_answered):
        return None
    tail = 50.0 * (1.0 - policy.level)
    lo, hi = np.percentile(draws, [tail, 100.0 - tail])
    return (min(float(10.0**lo), point.lr), max(float(10.0**hi), point.lr))
