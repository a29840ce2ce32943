"""The measurements ``diagnose`` makes of a finite history, one documented step each.

:func:`robust_units` maps the losses to the units every threshold is written in; then, on the
curve with its spike excursions replaced by straight lines (``_spikes.find_spikes``),
:func:`levels` reads where the run started, its best and its end; :func:`swings` how far it
strays from the best non-increasing curve; :func:`pace` how fast it still falls, on the clock
of effective time. ``_diagnose.py`` turns these numbers into evidence and a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lrkit.diagnostics._policy import DiagnosePolicy
from lrkit.diagnostics._stats import (extreme_of_windows, isotonic_decreasing, level, running_median,
                                      zigzag_ratio)
from lrkit.diagnostics._timescale import decade_slopes, effective_time, half_drop_z, log_time_levels
from lrkit.stats import MAD_TO_SIGMA, difference_noise, difference_scale, median_diff_se, median_se

__all__ = ["Levels", "Swings", "Pace", "robust_units", "levels", "swings", "pace", "wide_window",
           "onset_wait"]

#: The percentiles whose difference is the unit of the robust units (any spread would do: every
#: statistic is a ratio; this one ignores the 5% most extreme losses at either end).
SPREAD_PERCENTILES = (95, 5)


def robust_units(y: np.ndarray) -> np.ndarray:
    """``(y - median) / spread``, the spread the 5-95% range of the losses.

    Every threshold of ``diagnose`` is a ratio of two quantities in the same units, so this
    changes no verdict; it keeps the squares of a blow-up's huge losses from overflowing, and
    gives ``DiagnosePolicy.noise_floor`` a meaning (a fraction of the spread).

    Example:
        >>> robust_units(np.arange(11.0) * 4 + 7)[[0, 5, 10]].round(3).tolist()  # the 5-95% range is 36
        [-0.556, 0.0, 0.556]
    """
    spread = float(np.subtract(*np.percentile(y, SPREAD_PERCENTILES))) or float(np.abs(y).max()) or 1.0
    return (y - np.median(y)) / spread


@dataclass(frozen=True)
class Levels:
    """Where the run started, its best level and where it ended, and the rise from the best.

    Attributes:
        wide: the running median over ``smooth_fraction`` of the run the best level is read from.
        i_min: the index of the best level.
        start: the highest level of the start window (the larger of the median of the first
            ``min_level_points`` and the maximum of ``wide`` there: a fast first drop, or a
            warmup's rise, happens inside it).
        best, end: the best level and the median of the last ``level_fraction`` of the run.
        sigma: the step noise of the whole run (:func:`lrkit.stats.difference_noise`, floored).
        rise: ``(end - best) / (start - best)``, the share of the progress lost again.
        rise_z: ``end - best`` in standard errors of the difference of the two medians.
        rise_z_chance: the same beyond chance: ``end - best``, less the ``sqrt(2 ln N)`` standard errors
            of one window's median by which the lowest of the ``N = n / width`` window medians falls
            below a flat level under noise alone (:func:`~lrkit.diagnostics._stats.extreme_of_windows`),
            in the same standard errors. A flat plateau of noise has ``rise_z`` of 2-3.5 and
            ``rise_z_chance`` near 0.
    """

    wide: np.ndarray
    i_min: int
    start: float
    best: float
    end: float
    sigma: float
    rise: float
    rise_z: float
    rise_z_chance: float


def wide_window(n: int, p: DiagnosePolicy) -> int:
    """The odd window of :attr:`Levels.wide`'s running median over ``n`` points: ``smooth_fraction`` of
    the run, at least ``min_smooth_points``.

    Example:
        >>> wide_window(1000, DiagnosePolicy(smooth_fraction=0.1)), wide_window(10, DiagnosePolicy())
        (101, 5)
    """
    return max(p.min_smooth_points, int(n * p.smooth_fraction)) | 1


def levels(clean: np.ndarray, floor: float, p: DiagnosePolicy) -> Levels:
    """Measure the :class:`Levels` of a curve (spike excursions already replaced)."""
    n = clean.size
    width = wide_window(n, p)
    wide = running_median(clean, width)
    i_min = int(np.argmin(wide))
    m = max(p.min_level_points, int(n * p.level_fraction))  # points in the start and end levels
    start = max(float(np.median(clean[: p.min_level_points])), float(wide[:m].max()))
    best, end = float(wide[i_min]), level(clean, 1.0 - p.level_fraction, 1.0)
    sigma = max(difference_noise(clean), floor)
    se_end = median_se(sigma, m)
    rise = (end - best) / max(start - best, se_end)
    # best is itself a median of `width` points (and the lowest of many): its error counts too.
    se_best = median_se(sigma, width)
    se_rise = float(np.hypot(se_end, se_best))
    rise_z = (end - best) / se_rise
    rise_z_chance = (end - best - extreme_of_windows(n, width) * se_best) / se_rise
    return Levels(wide, i_min, start, best, end, sigma, rise, rise_z, rise_z_chance)


@dataclass(frozen=True)
class Swings:
    """How the curve strays from a decreasing one.

    Attributes:
        local: the local step noise at each step (a running median of ``|y_{t+1} - y_t|``
            over ``local_fraction`` of the run, as a standard deviation; at least
            ``local_noise_min`` of the whole run's).
        q: the mean squared residual of the best non-increasing fit, in local noise units,
            each term clipped at ``osc_clip`` squared.
        zigzag: ``MAD(y_{t+1} - y_t) / MAD(y_{t+2} - y_t)`` (1 for noise).
    """

    local: np.ndarray
    q: float
    zigzag: float


def swings(clean: np.ndarray, sigma: float, floor: float, p: DiagnosePolicy) -> Swings:
    """Measure the :class:`Swings` of a curve against the noise ``sigma`` of the whole run."""
    n = clean.size
    steps_abs = np.abs(np.diff(clean, prepend=clean[0]))
    window = max(p.min_smooth_points, int(n * p.local_fraction))
    local = running_median(steps_abs, window) * MAD_TO_SIGMA / difference_scale(1)
    local = np.maximum(local, max(sigma, floor) * p.local_noise_min)
    resid = clean - isotonic_decreasing(clean)
    q = float(np.mean(np.minimum((resid / local) ** 2, p.osc_clip**2)))
    return Swings(local, q, zigzag_ratio(clean, floor))


@dataclass(frozen=True)
class Pace:
    """How fast the run still falls, on the clock of effective time.

    Attributes:
        ratio: the decade ratio, the last decade's drop per decade over the one before's.
        z_last: the last decade's drop in standard errors.
        z_half: the drop over the last half of the time in standard errors.
        z_total: the whole run's drop (start to end) in standard errors.
        early_frac: the share of the drop made by the early window (``-inf`` without a drop).
        noise_end: the local noise over the end window.
        converged_early: the drop was made early and is beyond noise (not a crawl).
        converged: the end has no noise to speak of (an exact optimum, not a plateau).
        wait: the share of the history before its descent began (:func:`onset_wait`).
    """

    ratio: float
    z_last: float
    z_half: float
    z_total: float
    early_frac: float
    noise_end: float
    converged_early: bool
    converged: bool
    wait: float


def pace(clean: np.ndarray, lrs: np.ndarray | None, lv: Levels, local: np.ndarray, floor: float,
         p: DiagnosePolicy) -> Pace:
    """Measure the :class:`Pace` of a curve from its levels and local noise."""
    n = clean.size
    tau = effective_time(lrs, n)
    l2, l1, l0, n1, n0 = log_time_levels(clean, tau, p)
    d_prev, d_last = l2 - l1, l1 - l0
    m = max(p.min_level_points, int(n * p.level_fraction))
    noise_end = float(np.median(local[-m:]))
    se_last = median_diff_se(max(noise_end, floor), n1, n0)
    # Drops per decade between the bands' actual centres (a short run's earliest band sits late).
    s_prev, s_last = decade_slopes(clean, tau, p)
    ratio = s_last / s_prev if d_prev > se_last else (np.inf if d_last > 0 else 0.0)
    z_total = (lv.start - lv.end) / median_diff_se(lv.sigma, p.min_level_points, m)
    # Share of the total drop already made by the early window (1 = converged early, then flat).
    early = level(clean, *p.early_window)
    early_frac = (lv.start - early) / (lv.start - lv.end) if lv.start > lv.end else -np.inf
    # No significant total progress reads as a crawl unless the drop there was came early (and is
    # itself not noise): a fast initial drop then a flat noisy tail is converged, not too slow.
    converged_early = bool(early_frac >= p.early_frac and z_total >= p.early_z)
    # A flat end without noise is an exact optimum (full-batch descent): nothing left to gain by decaying.
    converged = noise_end <= p.noiseless * max(lv.start - lv.end, floor)
    return Pace(float(ratio), float(d_last / se_last), half_drop_z(clean, tau, local, p), float(z_total),
                float(early_frac), noise_end, converged_early, bool(converged), onset_wait(lv, p))


def onset_wait(lv: Levels, p: DiagnosePolicy) -> float:
    """The share of the history before its descent began: the first step at which the smoothed loss
    (:attr:`Levels.wide`) fell below its start level by ``onset_drop`` of its drop ``start - end``, over the
    number of steps (0 for a history with no drop).

    A rate too low crawls from its first update: a linear crawl makes its first tenth in the first tenth of
    its time, a bending one sooner. A loss that sat near its start and then fell waited.

    Example:
        >>> import numpy as np
        >>> crawl, wait = 2.0 - 0.01 * np.arange(100), np.r_[np.full(40, 2.0), 2.0 - 0.02 * np.arange(60)]
        >>> p = DiagnosePolicy()
        >>> [round(onset_wait(levels(y, 1e-9, p), p), 2) for y in (crawl, wait)]
        [0.11, 0.46]
    """
    drop = lv.start - lv.end
    if not drop > 0:
        return 0.0
    below = np.flatnonzero(lv.wide < lv.start - p.onset_drop * drop)
    return float(below[0]) / lv.wide.size if below.size else 1.0
