"""Where the run stands against its first loss, and where its drop happened.

The levels of :mod:`._measure` read the start of a run as the highest level of its first tenth,
so that a warmup's rise or a fast first drop happens inside it. That start is blind to a run
that blew up in its first updates: the highest early level is then the blow-up, and the slow
fall from it reads as progress (a run that went 1.5 -> 7 -> 4 "made progress"). The measurements
here are anchored at the **first loss**, the untrained model's, which no rate has touched yet:

* ``first = min(y_0, median(y_0, y_1, y_2))`` (the lower of the two, so that a noisy first batch
  cannot make a run look as if it descended);
* ``peak``: the highest level of a running median of ``peak_points`` points (a single bad batch
  cannot make it), and how far it rose above ``first``, in units of the run's whole descent
  (``peak_excess``) and in standard errors beyond chance (``peak_z``: measured from ``y_0`` itself, as
  ``above_z`` below, less the ``sqrt(2 ln N)`` standard errors that the highest of ``N = n / peak_points``
  window medians reaches by chance under noise alone; the hard fact ``spiked_over_descent`` below
  discounts it too);
* ``jump_excess``: how far that peak rose above the first loss ``y_0`` itself, in units of the
  descent. ``first`` is the lower start reading so that a noisy first batch cannot make a run look
  as if it descended; a jump is the opposite claim, so it is measured from the higher one: a hard
  first batch lifts ``y_0``, and the noisy fall after it is no jump above the untrained loss;
* ``end_z``: the end level (median of the last ``level_fraction``) against ``first``, in standard
  errors: positive when the run ended above where it started;
* ``above_z``: the end level against the untrained loss ``y_0`` itself, in standard errors of one
  batch against a median (:func:`one_batch_se`). A claim that the loss *rose* above its start is the
  opposite claim to "it descended", so it is not measured from ``first``, the reading biased low on
  purpose: a first batch easier than the mean (one noise SD below it, say) must not make a run in
  which nothing moved read as one that ended above its start, or blew up. Nor from the median of
  the first three, which a rate too high has already moved;
* ``rise``: the end above the best level, as a share of the descent from ``first`` to the best;
* ``giveback``: the most the smoothed curve (``Levels.wide``) ever rose back above its lowest level so
  far, less the ``2 sqrt(2 ln N)`` standard errors of a window median by which the highest and lowest of
  its ``N`` window medians stray apart under noise alone, as a share of the same descent: ground lost on
  the way down, recovered or not (``rise`` is the part still lost at the end);
* ``late_share``: the share of the whole drop (``first`` to the end) made over the second half of
  the run (from the median around its middle to the end). A good constant rate makes most of its
  drop early and then refines; a rate too low spreads its drop over the whole run; a run that has
  stalled makes none of it late;
* ``skew``: the skewness of the residuals from a running median of ``skew_points`` points. A rate
  near its best makes the loss jump up now and then (a step that overshoots; a hard batch of a
  model that fits most batches well): right-skewed noise. A rate far too low gives the symmetric
  noise of the batches alone.

The two hard facts of the advice guard are here too: ``ended_above_start`` (the end level at or
above ``first``) and ``spiked_over_descent`` (the highest level of the raw losses, spikes included,
above ``first`` by more than the descent and by ``blowup_z`` standard errors). ``peak`` itself is
read from the curve with its spikes removed: a bad batch that comes back is a spike, not a blow-up.
Everything is a ratio of differences of losses: invariant to ``y -> a y + b`` (``a > 0``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lrkit.diagnostics._measure import Levels, wide_window
from lrkit.diagnostics._policy import DiagnosePolicy
from lrkit.diagnostics._stats import extreme_of_windows, level, running_median
from lrkit.stats import MEDIAN_SE, median_diff_se, median_se

__all__ = ["Shape", "shape", "one_batch_se"]


@dataclass(frozen=True)
class Shape:
    """The run against its first loss (see the module docstring); levels in robust units."""

    first: float
    peak: float
    peak_excess: float
    jump_excess: float
    peak_z: float
    end_z: float
    above_z: float
    rise: float
    rise_z: float
    giveback: float
    late_share: float
    skew: float
    ended_above_start: bool
    spiked_over_descent: bool


def one_batch_se(sigma: float, points: int) -> float:
    """Standard error of the difference between one loss (a single batch: noise ``sigma``) and a median
    of ``points`` losses: ``sqrt(sigma^2 + (MEDIAN_SE sigma)^2 / points)``.

    Example:
        >>> round(one_batch_se(1.0, 5), 3)
        1.146
    """
    return float(np.hypot(sigma, MEDIAN_SE * sigma / np.sqrt(points)))


def shape(y: np.ndarray, clean: np.ndarray, lv: Levels, p: DiagnosePolicy) -> Shape:
    """Measure the :class:`Shape` of a run: ``y`` the losses and ``clean`` the curve with its spike
    excursions replaced (both in robust units), ``lv`` its levels.

    Example:
        >>> from lrkit.diagnostics._measure import levels
        >>> y = np.concatenate([[1.0, 1.2, 3.0], np.linspace(3.0, 1.6, 197)])  # blew up, then "fell"
        >>> s = shape(y, y, levels(y, 1e-3, DiagnosePolicy()), DiagnosePolicy())
        >>> s.ended_above_start, s.spiked_over_descent, round(s.end_z) > 0
        (True, True, True)
    """
    n = y.size
    m = max(p.min_level_points, int(n * p.level_fraction))
    first = min(float(y[0]), float(np.median(y[: p.min_level_points])))
    se_end = median_diff_se(lv.sigma, p.min_level_points, m)  # first (3 points) against the end level
    descent = max(first - lv.best, se_end)
    raw_peak = float(running_median(y, p.peak_points)[1:].max())
    peak = float(running_median(clean, p.peak_points)[1:].max())
    se_peak = median_diff_se(lv.sigma, p.peak_points, p.min_level_points)
    # The peak is the highest of about n / peak_points independent window medians: under noise alone
    # it stands about sqrt(2 ln N) of their standard errors above the level, so that much is discounted.
    chance = extreme_of_windows(n, p.peak_points)
    y0 = float(y[0])  # claims of a rise are measured from the untrained loss itself, one batch
    peak_z = (peak - y0) / one_batch_se(lv.sigma, p.peak_points) - chance
    middle = level(clean, 0.5 - p.middle_band, 0.5 + p.middle_band)
    drop = first - lv.end
    resid = clean - running_median(clean, p.skew_points)
    var = float(np.mean(resid**2))
    skew = float(np.mean(resid**3) / var**1.5) if var > 0 else 0.0
    # Under noise alone the highest and lowest of N window medians stray apart by about twice
    # sqrt(2 ln N) of their standard errors: only the give-back beyond that is ground lost.
    width = wide_window(n, p)  # the window Levels.wide was read with
    chance_gap = 2.0 * extreme_of_windows(n, width) * median_se(lv.sigma, width)
    giveback = max(float(np.max(lv.wide - np.minimum.accumulate(lv.wide))) - chance_gap, 0.0) / descent
    return Shape(first, peak, (peak - first) / descent, (peak - float(y[0])) / descent,
                 peak_z, (lv.end - first) / se_end, (lv.end - y0) / one_batch_se(lv.sigma, m),
                 (lv.end - lv.best) / descent, lv.rise_z, giveback, (middle - lv.end) / max(drop, se_end),
                 skew,
                 bool(lv.end >= first),
                 bool(raw_peak - first > first - lv.best
                      and (raw_peak - first) / se_peak - chance > p.blowup_z))
