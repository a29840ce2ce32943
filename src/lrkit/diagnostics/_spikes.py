"""Loss spikes: isolated excursions far above the local trend that come back.

A spike is a run of at most ``SPIKE_MAX_LEN`` steps whose robust z-score
(:func:`~lrkit.diagnostics._stats.spike_zscores`: height above the larger of the
medians of the ``2 SPIKE_MAX_LEN`` points on each side, in units of the step
noise) exceeds ``SPIKE_Z``, that undoes at least ``SPIKE_REL`` of the run's
progress, and that stands ``SPIKE_TAIL`` times above the largest z-score the
loss's own tail reaches in ``n`` steps (:func:`~lrkit.diagnostics._stats.tail_max`).
More than ``max(3, SPIKE_RATE n / 100)`` of them are the texture of the loss,
not events. A spike in the first 10% of the run, before the loss has made
``BLOWUP_FRAC`` of its progress, is the first updates blowing up (too high a
rate), not a bad batch. All quantities are ratios of differences of the losses:
invariant to ``y -> a y + b``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lrkit.diagnostics._stats import noise_sigma, running_median, spike_events, spike_zscores, tail_max

__all__ = ["SpikeScan", "find_spikes"]

#: Spike: robust z-score of a point above the medians of the 6 points on each side.
SPIKE_Z = 8.0
#: Spike: at most this many consecutive points (longer is a level change).
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


@dataclass(frozen=True)
class SpikeScan:
    """What :func:`find_spikes` found: z-scores, candidate runs and their heights (in units of
    the run's progress), the events (``(start, stop)`` index pairs), the early blow-ups among
    them, and the curve with the events replaced by a running median."""

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
    """
    n = y.size
    sigma = max(noise_sigma(y), floor)
    z = spike_zscores(y, sigma, 2 * SPIKE_MAX_LEN)
    candidates = spike_events(z, SPIKE_Z, SPIKE_MAX_LEN)
    # Height against the progress of the whole run: start level minus the best smoothed level.
    smooth = running_median(y, max(5, n // 20))
    progress_all = float(smooth[: max(3, n // 10)].max() - smooth.min())
    rel = [float((z[a:b].max() * sigma) / max(progress_all, sigma)) for a, b in candidates]
    # The loss's own tail: the points outside the candidates and outside runs of up to twice their
    # length (two bad batches a step or two apart merge into one run; it is no sample of the noise).
    # Longer runs stay: they are the loss's texture (a slow swing, the kick's decay) a spike must beat.
    others = np.ones(n, dtype=bool)
    others[[0, -1]] = False
    for a, b in spike_events(z, SPIKE_Z, 2 * SPIKE_MAX_LEN):
        others[a:b] = False
    tail = tail_max(z[others], n)
    events = [
        e for e, r in zip(candidates, rel) if r >= SPIKE_REL and z[e[0] : e[1]].max() >= SPIKE_TAIL * tail
    ]
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
    clean = y.copy()
    med = running_median(y, 4 * SPIKE_MAX_LEN + 1)
    for a, b in events:
        clean[a:b] = med[a:b]

    return SpikeScan(z, candidates, rel, events, early, clean)
