"""Loss spikes: excursions far above the local trend that come back to the earlier level.

The numbers below are fields of :class:`~lrkit.diagnostics.DiagnosePolicy` (``p``). A spike
starts with an *onset*: a run of consecutive steps (of any length up to the return window
below) whose robust z-score (:func:`lrkit.stats.spike_zscores`: height above the larger of the
medians of the ``2 p.spike_max_len`` points on each side, in units of the step noise) exceeds
``p.spike_z``, that undoes at least ``p.spike_rel`` of the run's progress, and that stands
``p.spike_tail`` times above the largest z-score the loss's own tail reaches in ``n`` steps
(:func:`~lrkit.diagnostics._stats.tail_max`). What makes it a spike is that it *comes back*:
with ``P`` the median of the ``m = 2 p.spike_max_len`` points before the onset and ``M_r`` the
median of the ``m + 1`` points from step ``r`` on, the excursion ends at the first ``r`` after
the onset with

    M_r - P <= p.return_rel * progress + p.return_z * se,   se = MEDIAN_SE sigma sqrt(1/m + 1/(m+1))

(back within a tenth of the run's progress, beyond the noise of the two medians) and that
``r`` must come within ``p.return_frac n`` steps of the onset. However long the loss stays up
in between (the kick a bad batch gives the weights can take tens of steps to decay, with
momentum longer), the excursion is one event, and the other onsets inside it belong to it.
More than ``max(p.min_spike_cap, p.spike_rate n / 100)`` events are the texture of the loss,
not events. A spike in the first level window of the run (``p.level_fraction``), before the
loss has made ``p.blowup_frac`` of its progress, is the first updates blowing up (too high a
rate), not a bad batch. All quantities are ratios of differences of the losses: invariant to
``y -> a y + b``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lrkit.diagnostics._policy import DiagnosePolicy
from lrkit.diagnostics._stats import running_median, spike_events, tail_max
from lrkit.stats import difference_noise, median_diff_se, spike_zscores

__all__ = ["SpikeScan", "find_spikes"]


@dataclass(frozen=True)
class SpikeScan:
    """What :func:`find_spikes` found: z-scores, candidate runs and their heights (in units of
    the run's progress), the events (``(onset, return)`` index pairs: the excursion), the early
    blow-ups among them, and the curve with each excursion replaced by a straight line."""

    z: np.ndarray
    candidates: list[tuple[int, int]]
    rel: list[float]
    events: list[tuple[int, int]]
    early: list[tuple[int, int]]
    clean: np.ndarray


def find_spikes(y: np.ndarray, floor: float | None = None,
                policy: DiagnosePolicy = DiagnosePolicy()) -> SpikeScan:
    """Find the spikes of a loss curve ``y`` (see the module docstring for the tests).

    Args:
        y: finite losses in step order (any units: every test is a ratio).
        floor: smallest step noise, in the units of ``y`` (a noiseless curve must not give
            infinite z-scores); ``None``: ``policy.noise_floor``.
        policy: the tuned numbers (:class:`~lrkit.diagnostics.DiagnosePolicy`).

    Returns:
        A :class:`SpikeScan`.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> y = 1 / np.sqrt(1 + np.arange(300)) + 0.01 * rng.normal(size=300)
        >>> y[[120, 200]] += 1.0  # two bad batches
        >>> find_spikes(y).events
        [(120, 121), (200, 201)]
        >>> y[240:270] += 2.0 * np.exp(-np.arange(30) / 4)  # a kick that decays over ~13 steps
        >>> find_spikes(y).events[-1]  # one event, onset to return
        (240, 253)
    """
    p = policy
    n = y.size
    m = 2 * p.spike_max_len  # the side windows of the z-score
    sigma = max(difference_noise(y), p.noise_floor if floor is None else floor)
    z = spike_zscores(y, sigma, m)
    # Runs above spike_z of any length up to the return window: duration does not decide, return does
    # (a kick's smooth decay keeps z above the bar for as long as it stays above both sides' medians).
    candidates = spike_events(z, p.spike_z, max(p.spike_max_len, int(p.return_frac * n)))
    # Height against the progress of the whole run: start level minus the best smoothed level.
    smooth = running_median(y, max(p.min_smooth_points, int(n * p.smooth_fraction)))
    first = max(p.min_level_points, int(n * p.level_fraction))  # the window of the start level
    progress_all = float(smooth[:first].max() - smooth.min())
    rel = [float((z[a:b].max() * sigma) / max(progress_all, sigma)) for a, b in candidates]
    # Onsets in order; a candidate inside the excursion of an earlier high one (before its return,
    # or its whole window when it never returns) is part of it, not an onset: its "earlier level"
    # would be the excursion itself.
    ends: list[int | None] = []
    inside = -1
    for (a, b), h in zip(candidates, rel):
        r = None if a < inside else _return(y, a, b, progress_all, sigma, p)
        ends.append(r)
        if a >= inside and h >= p.spike_rel:
            inside = r if r is not None else a + _return_window(n, p)
    # The loss's own tail: the points outside the candidates and outside runs of up to twice their
    # length (two bad batches a step or two apart merge into one run; it is no sample of the noise),
    # and outside the excursions of the onsets high enough to be spikes that come back (the decay of
    # a kick is the spike's own aftermath, not the noise it must beat). Runs that never come back stay.
    others = np.ones(n, dtype=bool)
    others[[0, -1]] = False
    for a, b in spike_events(z, p.spike_z, m):
        others[a:b] = False
    for (a, _), r, h in zip(candidates, ends, rel):
        if r is not None and h >= p.spike_rel:
            others[a:r] = False
    tail = tail_max(z[others], n) if others.any() else 1.0
    events: list[tuple[int, int]] = []
    for (a, b), r, h in zip(candidates, ends, rel):
        if events and a < events[-1][1]:
            continue  # inside the previous excursion: the same event (the kick's decay swings too)
        if r is not None and h >= p.spike_rel and z[a:b].max() >= p.spike_tail * tail:
            events.append((a, r))
    if len(events) > max(float(p.min_spike_cap), p.spike_rate * n / 100):
        events = []  # frequent "spikes" are the noise of this loss (or an oscillation), not events
    # A spike before the loss has made blowup_frac of the run's progress is the first updates
    # blowing up, not a bad batch: the initial rate is too high (what warmup is for). Levels use
    # only the points before the spike, so the spike cannot pass for the start level. "Early" also
    # means inside the start level's window: a noisy loss whose whole drop is within a few noise
    # units can look "not yet started" anywhere, and a bad batch late in such a run is still one.
    best = float(smooth.min())
    early = []
    for a, b in events:
        start = float(np.median(y[: min(p.min_level_points, a)]))
        pre = float(np.median(y[max(0, a - p.blowup_lookback) : a]))
        if a < first and start - pre <= p.blowup_frac * max(start - best, 0.0):
            early.append((a, b))
    # The trend tests see each excursion replaced by the straight line from the level before it to
    # the level after it: the kick's decay must not read as a swing or a rise.
    clean = y.copy()
    for a, r in events:
        before, after = float(np.median(y[max(0, a - m) : a])), float(np.median(y[r : r + m + 1]))
        clean[a:r] = np.linspace(before, after, r - a + 2)[1:-1]

    return SpikeScan(z, candidates, rel, events, early, clean)


def _return_window(n: int, p: DiagnosePolicy) -> int:
    """Steps after its onset within which an excursion of a run of ``n`` steps must come back."""
    return max(2 * p.spike_max_len, int(p.return_frac * n))


def _return(y: np.ndarray, a: int, b: int, progress: float, sigma: float,
            p: DiagnosePolicy = DiagnosePolicy()) -> int | None:
    """The step at which the excursion with onset ``y[a:b]`` is back at its earlier level, if it is.

    ``r`` is the first step in ``[b, a + return_frac n]`` whose forward median level (the
    ``m + 1`` points from ``r``, ``m = 2 spike_max_len``) is within ``return_rel * progress``
    plus ``return_z`` standard errors of the two medians of the median ``P`` of the ``m`` points
    before ``a``; ``None`` when there is none (a level change, or a rise the run never undoes).
    """
    m = 2 * p.spike_max_len
    if a == 0 or b >= y.size:
        return None
    pre = float(np.median(y[max(0, a - m) : a]))
    tol = p.return_rel * max(progress, sigma) + p.return_z * median_diff_se(sigma, m, m + 1)
    last = min(y.size - m - 1, a + _return_window(y.size, p))
    if last < b:
        return None
    ahead = np.lib.stride_tricks.sliding_window_view(y[b : last + m + 1], m + 1)
    back = np.flatnonzero(np.median(ahead, axis=1) - pre <= tol)
    return int(b + back[0]) if back.size else None
