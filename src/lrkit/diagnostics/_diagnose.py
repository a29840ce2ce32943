"""``diagnose``: name what a learning rate is doing to a loss curve, and what to do about it.

The tests run in a fixed order; the first that fires decides the verdict:

1. ``nan``: a loss is NaN or infinite.
2. ``too_high_diverging`` (early blow-up): a spike in the first 10% of the run, before
   the loss made a tenth of its progress: the first updates blew up.
3. ``too_high_diverging``: the end of the run sits well above its best level (it did
   not come back; tested before spikes, which are excursions that do).
4. ``loss_spikes``: a few excursions that start with a jump far above the local trend and
   the loss's own tail, each undoing a good part of the progress made, and come back to the
   earlier level within a fifth of the run (tested before oscillation: the kicks they give
   the weights would otherwise read as swings).
5. ``too_high_oscillating``: the curve swings in ways no decreasing curve explains.
6. ``too_low_slow``: still descending steadily at the end (the last decade of log-time
   gained at least 0.8x the previous one's per decade, beyond noise) with most of the drop
   not yet made early, or no significant progress at all (unless the little drop there
   was came early: converged, then noise).
7. ``plateau``: no significant drop over the last decade or the last half of the run, at
   an undecayed rate.
8. ``healthy``.

Every statistic is invariant to ``y -> a y + b`` (``a > 0``). Thresholds and
their derivations are in ``docs/diagnostics.md``; the numbers are module
constants below.
"""

from __future__ import annotations

import math

from collections.abc import Sequence

import numpy as np

from lrkit.diagnostics._advice import advise
from lrkit.diagnostics._record import Diagnosis, Evidence, strength
from lrkit.diagnostics._spikes import BLOWUP_FRAC, SPIKE_REL, SPIKE_Z, find_spikes
from lrkit.diagnostics._stats import isotonic_decreasing, level, running_median, zigzag_ratio
from lrkit.diagnostics._timescale import decade_slopes, effective_time, half_drop_z, log_time_levels
from lrkit.errors import LRKitError
from lrkit.stats import MAD_TO_SIGMA, difference_noise, difference_scale, median_diff_se, median_se

__all__ = ["diagnose", "MIN_POINTS"]

#: Fewest finite losses the trend tests need (a ``nan`` verdict needs none).
MIN_POINTS = 10
#: Diverging: end level above the best level by this fraction of the progress made ...
RISE_FRAC = 0.5
#: ... and by this many standard errors of that difference (end level and best level: both medians).
RISE_Z = 4.0
#: Oscillating: mean squared residual of the best non-increasing fit, in units of local step noise,
#: each term clipped at ``OSC_CLIP^2`` so the rare outliers of a heavy-tailed loss cannot carry it
#: (Gaussian noise gives 0.97; sustained swings of 2+ noise units give 4 or more).
OSC_Q = 2.5
OSC_CLIP = 3.0
#: Oscillating (zig-zag): lag-1 over lag-2 difference spread above this (1 for i.i.d. noise).
ZIGZAG = 1.5
#: Too slow: drop per decade over the last decade of (rate-weighted) time over the drop per decade of
#: the decade before; a power law ``t^-a`` has ratio ``10^-a``, so 0.8 means "slower than ``t^-0.1``".
SLOW_RATIO = 0.8
#: Too slow needs most of the drop still to come: a run that made at least this fraction of its total
#: drop by 10-20% of its steps (median level there) has realised most of it and is noise-dominated
#: since, which is not a crawl (a too-low rate spreads its drop over the run: 0.1-0.7 in practice).
EARLY_FRAC = 0.8
#: ... where the total drop is not significant, only when it is at least this many standard errors (short
#: of ``PROGRESS_Z``, yet unlikely from noise alone: below it the fraction is a ratio of two noise terms).
EARLY_Z = 2.0
#: Plateau: the drop over the last decade, or over the last half, of (effective) time is below this many
#: standard errors: no significant descent recently. A run still falling significantly over both is no
#: plateau, however small that fall is next to its first decade's.
PLATEAU_Z = 2.0
#: Noise at the end below this fraction of the progress counts as none (an exact optimum, not a plateau).
NOISELESS = 1e-4
#: Significance needed for "progress was made" (z-score of a level difference).
PROGRESS_Z = 3.0
#: A rate counts as decayed when its mean over the last 30% is below this fraction of its peak.
DECAYED = 0.5


def _decade_words(ratio: float) -> str:
    """The last decade's progress relative to the one before, in words (the ratio can be 0 or infinite)."""
    if math.isinf(ratio):
        return "made progress where the decade before made none"
    if ratio == 0:
        return "made no progress, nor did the decade before"
    return f"gained {ratio:.2g}x as much per decade as the decade before"


def _as_array(name: str, values: Sequence[float] | np.ndarray, n: int | None) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise LRKitError(f"`{name}` of diagnose must be a sequence of numbers; got {values!r}.") from None
    if arr.ndim != 1:
        raise LRKitError(f"`{name}` of diagnose must be one-dimensional; got shape {arr.shape}.")
    if n is not None and arr.size != n:
        raise LRKitError(f"`{name}` of diagnose must have one value per loss ({n}); got {arr.size}.")
    return arr


def diagnose(
    losses: Sequence[float] | np.ndarray,
    lrs: Sequence[float] | np.ndarray | None = None,
    *,
    grad_norms: Sequence[float] | np.ndarray | None = None,
    steps: Sequence[int] | np.ndarray | None = None,
) -> Diagnosis:
    """Diagnose a training-loss history: is the learning rate too high, too low, or fine?

    The curve ``y_t`` is modelled as a non-increasing trend plus noise. With the
    robust step noise ``sigma`` (``MAD_TO_SIGMA MAD(diff y) / sqrt 2``, :mod:`lrkit.stats`, computed
    locally so noise that shrinks with the loss is handled) the statistics are:

    * spike z-score ``z_t = (y_t - max(L_t, R_t)) / sigma`` (``L_t``, ``R_t``: medians of
      the 6 points before and after); a spike's onset is a run of steps with ``z > 8``,
      at least half the run's progress high and 10x the largest ``z`` the other points'
      tail reaches in ``n`` steps, ``q99 (q99/q90)^log10(n/100)`` (heavy-tailed minibatch
      losses), and it must come back: the median of the 7 points from some step ``r`` within
      ``0.2 n`` of the onset is within a tenth of the progress (plus 3 s.e.) of the median of
      the 6 points before it; the excursion up to ``r`` is one event, however long, and is
      replaced by a straight line before the trend tests (:mod:`._spikes`);
    * rise ``(y_end - y_min) / (y_start - y_min)`` with ``y_end`` the median of the
      last 10%, ``y_min`` the minimum of a running median of width ``w = n/20``; it must
      also be 4 s.e. of the difference, ``1.25 sigma sqrt(1/(n/10) + 1/w)``;
    * oscillation ``Q = mean(min(((y - iso(y)) / sigma_t)^2, 9))``, ``iso`` the least-squares
      non-increasing fit: about 1 for noise around a decreasing trend; and the zig-zag
      ratio ``MAD(y_{t+1} - y_t) / MAD(y_{t+2} - y_t)`` (1 for noise);
    * decade ratio ``R = ((L_1 - L_0) / w_last) / ((L_2 - L_1) / w_prev)``, ``L_k`` the loss
      level near effective time ``tau = 10^-k tau_end``, ``tau_t = sum_{s<=t} lr_s / max lr``,
      and ``w`` the decades between the bands' actual centres (a short run's earliest band
      sits late): a linear (too slow) descent has ``R ~ 10``, a power law ``t^-a`` has
      ``R = 10^-a``, a converged run ``R ~ 0``; with ``z_last`` the last decade's drop in
      standard errors, the run is too slow when ``R > 0.8``, ``z_last > 3`` and ``f < 0.8``;
    * total progress ``z_total = (y_start - y_end) / (1.25 sigma sqrt(1/3 + 1/(n/10)))`` and the
      early-drop fraction ``f = (y_start - L_early) / (y_start - y_end)``, ``L_early`` the median
      over 10-20% of the run (the share of the drop already made there): with ``z_total < 3``
      the run is too slow unless ``f >= 0.8`` and ``z_total >= 2`` (a fast drop then a flat
      noisy tail: converged early, not crawling);
    * plateau: ``min(z_last, z_half) < 2`` at an undecayed rate, ``z_half`` the drop from the
      middle 10% of effective time to its last 10% in standard errors.

    Args:
        losses: training losses in step order (NaN/inf allowed: they give ``nan``).
        lrs: the rate each step used (optional); enables the decay-aware tests and
            rate-specific advice.
        grad_norms: gradient norms per step (optional); used to size clipping advice.
        steps: the step number of each loss (default ``0 .. n-1``), for the evidence.

    Returns:
        A :class:`~lrkit.diagnostics.Diagnosis`.

    Raises:
        LRKitError: for non-numeric or mismatched inputs, non-increasing ``steps``, or
            fewer than 10 finite losses without any NaN.

    Example:
        >>> import numpy as np
        >>> t = np.arange(300)
        >>> diagnose(np.exp(0.02 * t)).verdict
        'too_high_diverging'
        >>> diagnose(10 - 0.001 * t).verdict
        'too_low_slow'
    """
    y_all = _as_array("losses", losses, None)
    n_all = y_all.size
    lr = None if lrs is None else _as_array("lrs", lrs, n_all)
    gn = None if grad_norms is None else _as_array("grad_norms", grad_norms, n_all)
    st = np.arange(n_all) if steps is None else _as_array("steps", steps, n_all)
    if n_all and (np.any(np.diff(st) <= 0) or not np.all(np.isfinite(st))):
        raise LRKitError("`steps` of diagnose must be strictly increasing finite numbers.")
    st = st.astype(np.int64)
    bad = np.flatnonzero(~np.isfinite(y_all))
    if bad.size:
        return advise("nan", y=y_all, lrs=lr, grad_norms=gn, steps=st, first_bad=int(bad[0]))
    if n_all < MIN_POINTS:
        raise LRKitError(f"`losses` of diagnose must hold at least {MIN_POINTS} finite values; got {n_all}.")
    return _diagnose_finite(y_all, lr, gn, st)


def _diagnose_finite(
    y: np.ndarray, lr: np.ndarray | None, gn: np.ndarray | None, st: np.ndarray
) -> Diagnosis:
    n = y.size
    # Work in robust units: (y - median) / spread, so huge losses of a blow-up cannot overflow squares.
    spread = float(np.subtract(*np.percentile(y, [95, 5]))) or float(np.abs(y).max()) or 1.0
    y = (y - np.median(y)) / spread
    floor = 1e-3  # noise floor in spread units: a noiseless curve must not give infinite z-scores

    # -- 1. spikes (found first so the trend tests see the cleaned curve) --------------------
    sp = find_spikes(y, floor)
    z, candidates, rel, events, early, clean = sp.z, sp.candidates, sp.rel, sp.events, sp.early, sp.clean

    # -- 2. levels and progress --------------------------------------------------------------
    width = max(5, n // 20) | 1
    wide = running_median(clean, width)
    i_min = int(np.argmin(wide))
    # The start level is the highest smoothed level of the first 10%: a fast initial drop (or a
    # warmup's rise) happens inside it, and a median over all of it would hide the drop.
    # The median of the first three points catches a drop over in a handful of steps (a high rate).
    y_start = max(float(np.median(clean[:3])), float(wide[: max(3, n // 10)].max()))
    y_min, y_end = float(wide[i_min]), level(clean, 0.9, 1.0)
    sigma_c = max(difference_noise(clean), floor)
    se_end = median_se(sigma_c, max(3, n // 10))  # the end level is a median of n/10 points
    progress = y_start - y_min
    rise = (y_end - y_min) / max(progress, se_end)
    # y_min is itself a median of `width` points (and the lowest of many): its error counts too.
    se_min = median_se(sigma_c, width)
    rise_z = (y_end - y_min) / np.hypot(se_end, se_min)

    # -- 3. oscillation: residuals of the best non-increasing fit vs local noise ------------
    steps_abs = np.abs(np.diff(clean, prepend=clean[0]))
    local = running_median(steps_abs, max(5, n // 10)) * MAD_TO_SIGMA / difference_scale(1)
    local = np.maximum(local, max(sigma_c, floor) * 0.1)
    resid = clean - isotonic_decreasing(clean)
    q = float(np.mean(np.minimum((resid / local) ** 2, OSC_CLIP**2)))
    zz = zigzag_ratio(clean)

    # -- 4. decade ratio in effective time, significance against the noise at the end -------
    tau = effective_time(lr, n)
    l2, l1, l0, n1, n0 = log_time_levels(clean, tau)
    d_prev, d_last = l2 - l1, l1 - l0
    noise_end = float(np.median(local[-max(3, n // 10):]))
    se_last = median_diff_se(max(noise_end, floor), n1, n0)
    # Drops per decade between the bands' actual centres (a short run's earliest band sits late).
    s_prev, s_last = decade_slopes(clean, tau)
    ratio = s_last / s_prev if d_prev > se_last else (np.inf if d_last > 0 else 0.0)
    z_last = d_last / se_last
    z_half = half_drop_z(clean, tau, local)
    z_total = (y_start - y_end) / median_diff_se(sigma_c, 3, max(3, n // 10))
    # Share of the total drop already made by 10-20% of the run (1 = converged early, then flat).
    early_frac = (y_start - level(clean, 0.1, 0.2)) / (y_start - y_end) if y_start > y_end else -np.inf
    # No significant total progress reads as a crawl unless the drop there was came early (and is
    # itself not noise): a fast initial drop then a flat noisy tail is converged, not too slow.
    converged_early = bool(early_frac >= EARLY_FRAC and z_total >= EARLY_Z)
    decayed = lr is not None and float(np.mean(lr[int(0.7 * n):])) < DECAYED * float(np.max(lr))
    # A flat end without noise is an exact optimum (full-batch descent): nothing left to gain by decaying.
    converged = noise_end <= NOISELESS * max(y_start - y_end, floor)

    s = st.tolist()
    span = (s[0], s[-1])
    ev = {
        "rise": Evidence("rise", rise, RISE_FRAC, bool(rise > RISE_FRAC and rise_z > RISE_Z),
                         strength(min(rise / RISE_FRAC, rise_z / RISE_Z), 1.0), (s[i_min], s[-1]),
                         f"the loss ended {rise:.2f}x its earlier progress above its best level "
                         f"(step {s[i_min]}), {rise_z:.1f} standard errors"),
        "oscillation": Evidence("oscillation_q", q, OSC_Q, bool(q > OSC_Q), strength(q, OSC_Q), span,
                                f"residuals from the best non-increasing curve are {q:.1f}x the step noise "
                                f"(about 1 for noise around a decreasing trend)"),
        "zigzag": Evidence("zigzag_ratio", zz, ZIGZAG, bool(zz > ZIGZAG), strength(zz, ZIGZAG), span,
                           f"step-to-step changes are {zz:.2f}x the two-step changes (1 for noise; "
                           f"a zig-zag above {ZIGZAG:g})"),
        "blowup": Evidence("early_spikes", float(len(early)), 0.0, bool(early),
                           1.0 if early else 0.0, tuple(s[a] for a, _ in early),
                           f"{len(early)} spike(s) before the loss made {BLOWUP_FRAC:g} of its progress"),
        "spikes": Evidence("spike_height", max(rel, default=0.0), SPIKE_REL, bool(events),
                           strength(max(rel, default=0.0), SPIKE_REL), tuple(s[a] for a, _ in events),
                           f"{len(events)} spike(s) above {SPIKE_Z:g} robust SDs of the local trend "
                           f"and {SPIKE_REL:g}x the progress made (highest: {max(rel, default=0.0):.2g}x; "
                           f"{len(candidates)} candidate(s))"),
        "slow": Evidence("decade_ratio", float(ratio), SLOW_RATIO,
                         bool((ratio > SLOW_RATIO and z_last > PROGRESS_Z and early_frac < EARLY_FRAC)
                              or (z_total < PROGRESS_Z and not converged_early)),
                         1.0 if z_total < PROGRESS_Z else strength(float(ratio), SLOW_RATIO), span,
                         f"the last decade of {'rate-weighted ' if lr is not None else ''}time "
                         f"{_decade_words(float(ratio))} ({z_last:.1f} s.e.; "
                         f"total progress {z_total:.1f} s.e., {max(early_frac, -9.99):.2f} of it "
                         f"made by 10-20% of the run)"),
        "plateau": Evidence("last_decade_z", float(z_last), PLATEAU_Z,
                            bool(min(z_last, z_half) < PLATEAU_Z and not decayed and not converged),
                            strength(float(z_last), PLATEAU_Z, above=False), span,
                            f"the last decade gained {z_last:.1f} s.e., the last half {z_half:.1f} s.e."
                            + ("; the rate is decayed" if decayed else "; the rate is not decayed")),
    }
    stats = {"rise": rise, "rise_z": rise_z, "oscillation_q": q, "zigzag_ratio": zz,
             "spike_count": float(len(events)), "max_spike_z": float(z.max()),
             "max_spike_height": max(rel, default=0.0), "decade_ratio": float(ratio),
             "last_decade_z": float(z_last), "last_half_z": float(z_half),
             "total_progress_z": float(z_total),
             "early_drop_fraction": float(max(early_frac, -1e300)), "noise_to_spread": sigma_c,
             "end_noise_to_spread": noise_end}
    order = [("too_high_diverging", "blowup"), ("too_high_diverging", "rise"), ("loss_spikes", "spikes"),
             ("too_high_oscillating", "oscillation"), ("too_high_oscillating", "zigzag"),
             ("too_low_slow", "slow"),
             ("plateau", "plateau")]
    fired = tuple(dict.fromkeys(verdict for verdict, key in order if ev[key].fired))
    for verdict, key in order:
        if ev[key].fired:
            return advise(verdict, y=y, lrs=lr, grad_norms=gn, steps=st, evidence=ev, key=key, stats=stats,
                          i_min=i_min, events=events, wide=wide, fired=fired)
    return advise("healthy", y=y, lrs=lr, grad_norms=gn, steps=st, evidence=ev, key=None, stats=stats,
                  i_min=i_min, events=events, wide=wide, fired=fired)
