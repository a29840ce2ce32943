"""Loss spikes: excursions far above the local trend that come back to the earlier level.

A spike starts with an *onset*: a run of consecutive steps (of any length up to the
return window below) whose robust z-score (:func:`lrkit.stats.spike_zscores`:
height above the larger of the medians of the ``2 SPIKE_MAX_LEN`` points on each side, in
units of the step noise) exceeds ``SPIKE_Z``, that undoes at least ``SPIKE_REL`` of the run's progress, and that
stands ``SPIKE_TAIL`` times above the largest z-score the loss's own tail reaches in ``n``
steps (:func:`~lrkit.diagnostics._stats.tail_max`). What makes it a spike is that it
*comes back*: with ``P`` the median of the ``2 SPIKE_MAX_LEN`` points before the onset and
``M_r`` the median of the ``2 SPIKE_MAX_LEN + 1`` points from step ``r`` on, the excursion
ends at the first ``r`` after the onset with

    M_r - P <= RETURN_REL * progress + 3 se,   se = MEDIAN_SE sigma sqrt(1/6 + 1/7)

(back within a tenth of the run's progress, beyond the noise of the two medians) and
that ``r`` must come within ``RETURN_FRAC n`` steps of the onset. However long the loss
stays up in between (the kick a bad batch gives the weights can take tens of steps to
decay, with momentum longer), the excursion is one event, and the other onsets inside
it belong to it. More than ``max(3, SPIKE_RATE n / 100)`` events are the texture of the
loss, not events. A spike in the first 10% of the run, before the loss has made
``BLOWUP_FRAC`` of its progress, is the first updates blowing up (too high a rate), not a
bad batch. All quantities are ratios of differences of the losses: invariant to
``y -> a y + b``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lrkit.diagnostics._stats import running_median, spike_events, tail_max
from lrkit.stats import MEDIAN_SE, difference_noise, spike_zscores

__all__ = ["SpikeScan", "find_spikes"]

#: Spike: robust z-score of a point above the medians of the 6 points on each side.
SPIKE_Z = 8.0
#: Spike: the z-score compares a point with the medians of ``2 SPIKE_MAX_LEN`` points on each side,
#: which a run of up to this many points cannot move (the fourth revision's length limit of a spike;
#: since the fifth, return decides, not length).
SPIKE_MAX_LEN = 3
#: Spike: height above the local trend of at least this fraction of the progress made so far
#: (minibatch losses have heavy right tails; a spike worth acting on undoes real progress).
SPIKE_REL = 0.5
#: Spike: z-score at least this multiple of the largest z-score the other points' own tail would reach in
#: n steps (:func:`tail_max`; heavy-tailed minibatch losses, e.g. squared errors, have natural outliers,
#: more of them the longer the run, and a spike must stand out from them).
SPIKE_TAIL = 10.0
#: Spike: at most this many events per 100 steps, and never more than 3 below 300 steps
#: (more is an oscillating or heavy-tailed loss, not a few bad batches).
SPIKE_RATE = 1.0
#: Diverging (early blow-up): a spike while the loss is within this fraction of the run's progress
#: from its start level.
BLOWUP_FRAC = 0.1
#: Spike: the excursion must come back within this many steps per step of the run. A kick that undoes
#: half the progress is re-learnt on the time scale of the initial drop, which a run that converges
#: makes within its first 10-20% (the window of ``EARLY_FRAC`` in :mod:`._diagnose`).
RETURN_FRAC = 0.2
#: Spike: "back" means within this fraction of the run's progress of the level before the onset
#: (plus the noise of the two medians): the same tenth that separates a blow-up from progress.
RETURN_REL = 0.1


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


def find_spikes(y: np.ndarray, floor: float = 1e-3) -> SpikeScan:
    """Find the spikes of a loss curve ``y`` (see the module docstring for the tests).

    Args:
        y: finite losses in step order (any units: every test is a ratio).
        floor: smallest step noise, in the units of ``y`` (a noiseless curve must not give
            infinite z-scores).

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
    n = y.size
    sigma = max(difference_noise(y), floor)
    z = spike_zscores(y, sigma, 2 * SPIKE_MAX_LEN)
    # Runs above SPIKE_Z of any length up to the return window: duration does not decide, return does
    # (a kick's smooth decay keeps z above the bar for as long as it stays above both sides' medians).
    candidates = spike_events(z, SPIKE_Z, max(SPIKE_MAX_LEN, int(RETURN_FRAC * n)))
    # Height against the progress of the whole run: start level minus the best smoothed level.
    smooth = running_median(y, max(5, n // 20))
    progress_all = float(smooth[: max(3, n // 10)].max() - smooth.min())
    rel = [float((z[a:b].max() * sigma) / max(progress_all, sigma)) for a, b in candidates]
    # Onsets in order; a candidate inside the excursion of an earlier high one (before its return,
    # or its whole window when it never returns) is part of it, not an onset: its "earlier level"
    # would be the excursion itself.
    ends: list[int | None] = []
    inside = -1
    for (a, b), h in zip(candidates, rel):
        r = None if a < inside else _return(y, a, b, progress_all, sigma)
        ends.append(r)
        if a >= inside and h >= SPIKE_REL:
            inside = r if r is not None else a + _return_window(n)
    # The loss's own tail: the points outside the candidates and outside runs of up to twice their
    # length (two bad batches a step or two apart merge into one run; it is no sample of the noise),
    # and outside the excursions of the onsets high enough to be spikes that come back (the decay of
    # a kick is the spike's own aftermath, not the noise it must beat). Runs that never come back stay.
    others = np.ones(n, dtype=bool)
    others[[0, -1]] = False
    for a, b in spike_events(z, SPIKE_Z, 2 * SPIKE_MAX_LEN):
        others[a:b] = False
    for (a, _), r, h in zip(candidates, ends, rel):
        if r is not None and h >= SPIKE_REL:
            others[a:r] = False
    tail = tail_max(z[others], n) if others.any() else 1.0
    events: list[tuple[int, int]] = []
    for (a, b), r, h in zip(candidates, ends, rel):
        if events and a < events[-1][1]:
            continue  # inside the previous excursion: the same event (the kick's decay swings too)
        if r is not None and h >= SPIKE_REL and z[a:b].max() >= SPIKE_TAIL * tail:
            events.append((a, r))
    if len(events) > max(3.0, SPIKE_RATE * n / 100):
        events = []  # frequent "spikes" are the noise of this loss (or an oscillation), not events
    # A spike before the loss has made a tenth of the run's progress is the first updates blowing
    # up, not a bad batch: the initial rate is too high (what warmup is for). Levels use only the
    # points before the spike, so the spike cannot pass for the start level.
    best = float(smooth.min())
    # "Early" also means inside the first 10% of the run, the window that defines the start level:
    # a noisy loss whose whole drop is within a few noise units can look "not yet started" anywhere,
    # and a bad batch late in such a run is still a bad batch.
    early = []
    for a, b in events:
        start = float(np.median(y[: min(3, a)]))
        pre = float(np.median(y[max(0, a - 10) : a]))
        if a < max(3, n // 10) and start - pre <= BLOWUP_FRAC * max(start - best, 0.0):
            early.append((a, b))
    # The trend tests see each excursion replaced by the straight line from the level before it to
    # the level after it: the kick's decay must not read as a swing or a rise.
    clean = y.copy()
    m = 2 * SPIKE_MAX_LEN
    for a, r in events:
        before, after = float(np.median(y[max(0, a - m) : a])), float(np.median(y[r : r + m + 1]))
        clean[a:r] = np.linspace(before, after, r - a + 2)[1:-1]

    return SpikeScan(z, candidates, rel, events, early, clean)


def _return_window(n: int) -> int:
    """Steps after its onset within which an excursion of a run of ``n`` steps must come back."""
    return max(2 * SPIKE_MAX_LEN, int(RETURN_FRAC * n))


def _return(y: np.ndarray, a: int, b: int, progress: float, sigma: float) -> int | None:
    """The step at which the excursion with onset ``y[a:b]`` is back at its earlier level, if it is.

    ``r`` is the first step in ``[b, a + RETURN_FRAC n]`` whose forward median level (the
    ``2 SPIKE_MAX_LEN + 1`` points from ``r``) is within ``RETURN_REL progress`` plus three
    standard errors of the two medians of the median ``P`` of the ``2 SPIKE_MAX_LEN`` points
    before ``a``; ``None`` when there is none (a level change, or a rise the run never undoes).
    """
    m = 2 * SPIKE_MAX_LEN
    if a == 0 or b >= y.size:
        return None
    pre = float(np.median(y[max(0, a - m) : a]))
    tol = RETURN_REL * max(progress, sigma) + 3 * MEDIAN_SE * sigma * np.sqrt(1 / m + 1 / (m + 1))
    last = min(y.size - m - 1, a + _return_window(y.size))
    if last < b:
        return None
    ahead = np.lib.stride_tricks.sliding_window_view(y[b : last + m + 1], m + 1)
    back = np.flatnonzero(np.median(ahead, axis=1) - pre <= tol)
    return int(b + back[0]) if back.size else None
