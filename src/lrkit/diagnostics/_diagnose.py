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
5. ``too_high_oscillating``: the curve swings in ways no decreasing curve explains, or stalled and
   drifted back above its best beyond chance. Swings alone commit only past ``swing_commit`` times
   their threshold: short of it they are as often the loss's own texture at a good rate, and the
   reading is ``uncertain``, naming ``too_high_oscillating`` as runner-up (``Diagnosis.fired``
   unchanged).
6. ``too_low_slow``: still descending steadily at the end (the last decade of log-time
   gained at least 0.8x the previous one's per decade, beyond noise) with most of the drop
   not yet made early, or no significant progress at all (unless the little drop there
   was came early: converged, then noise).
7. ``plateau``: no significant drop over the last decade or the last half of the run, at
   an undecayed rate.
8. ``healthy``.

A rate range test at the head of the history (the rate rising geometrically over decades, then
going on well below where it stopped, as the Autopilot's probe does; ``_probe.py``) is left out
first: its losses are the search, not training at a rate.

Every statistic is invariant to ``y -> a y + b`` (``a > 0``). The measurements are in
``_measure.py``, the spikes in ``_spikes.py``, the recommendations in ``_advice.py``, the checks of
the inputs in ``_inputs.py``; every
number they use is a field of :class:`~lrkit.diagnostics.DiagnosePolicy` (its reasons and
evidence: ``docs/evidence.md``). The statistics are explained in ``docs/watch.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lrkit.diagnostics._advice import Context, advise, advise_nan
from lrkit.diagnostics._skipped import said_skipped, skipped_rows
from lrkit.diagnostics._confidence import calibrated, raw_score, runner_up
from lrkit.diagnostics._decide import (ORDER, Measurements, decide_verdict, evidence, first_loss_alone,
                                      measure_finite, recovered)
from lrkit.diagnostics._inputs import (as_array, as_grad_norms, as_momentum, as_rates, as_steps,
                                      as_weight_norms)
from lrkit.diagnostics._policy import DiagnosePolicy
from lrkit.diagnostics._probe import probe_rows, said_probe
from lrkit.diagnostics._rate_column import never_positive, said_zero_rates
from lrkit.diagnostics._record import AT_THRESHOLD, DIRECTIONS, Diagnosis
from lrkit.errors import LRKitError, check_instance

__all__ = ["diagnose", "decide", "measure", "Measurements", "MIN_POINTS", "ORDER"]

#: Fewest finite losses the trend tests need (a ``nan`` verdict needs none): a start level, an end
#: level and a running median need a few points each.
MIN_POINTS = 10


def diagnose(
    losses: Sequence[float] | np.ndarray,
    lrs: Sequence[float] | np.ndarray | None = None,
    *,
    grad_norms: Sequence[float] | np.ndarray | None = None,
    weight_norms: Sequence[float] | np.ndarray | None = None,
    steps: Sequence[int] | np.ndarray | None = None,
    val_losses: Sequence[float] | np.ndarray | None = None,
    val_steps: Sequence[int] | np.ndarray | None = None,
    momentum: float | None = None,
    policy: DiagnosePolicy = DiagnosePolicy(),
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
        losses: training losses in step order (NaN/inf allowed: they give ``nan``, unless each lies
            between finite losses: batches the run skipped, read without them and said,
            ``statistics["skipped_non_finite"]``); numbers, an array, a tensor or a list of loss tensors
            (their values are read, with or without their graph).
        lrs: the rate each step used (optional); enables the decay-aware tests and
            rate-specific advice, and finds a range test at the head of the history, whose rows are
            left out (``statistics["probe_rows"]``; the recommendation says so). A column that is 0 at
            every step is no rate that trained (a frozen group logged): it is read as no rates, and the
            recommendation says so (``statistics["zero_lrs"]``).
        grad_norms: gradient norms per step (optional); used to size clipping advice.
        weight_norms: the norm of the trained weights ``|w|`` per step (optional; NaN where not
            measured): their growth ``|w_last| / |w_first|`` (first and last measured) is reported
            (``statistics["weight_growth"]``) and, with ``policy.weight_growth_hold`` above 0, a "lower
            the rate" reading whose weights grew by at most that factor is ``uncertain``, naming the
            verdict: a rate too high inflates the weights, a catapult or a drift at a workable rate
            does not.
        steps: the step number of each loss (default ``0 .. n-1``), for the evidence.
        val_losses: validation losses (optional), at ``val_steps``; reported in the statistics and
            read by the guard (a validation loss that turned up is never answered "raise the rate").
        val_steps: the step after which each validation loss was measured.
        momentum: the optimizer's momentum (SGD's ``momentum``, Adam's ``beta1``), when known: the
            pace is read ("raise the rate") only on a history spanning ``slow_transients`` of its
            transients ``1/(1 - momentum)`` updates, and never fewer than ``slow_min_updates`` (the span
            assumed when it is not given, right for 0.9). The Watchdog passes its optimizer's.
        policy: the tuned numbers (:class:`~lrkit.diagnostics.DiagnosePolicy`; the numbers
            quoted above are its defaults).

    Returns:
        A :class:`~lrkit.diagnostics.Diagnosis`.

    Raises:
        LRKitError: for non-numeric or mismatched inputs, a negative rate, non-increasing ``steps``,
            a ``momentum`` outside [0, 1), or fewer than 10 finite losses without any NaN.

    Example:
        >>> import numpy as np
        >>> t = np.arange(300)
        >>> diagnose(np.exp(0.02 * t)).verdict
        'too_high_diverging'
        >>> diagnose(10 - 0.001 * t).verdict
        'too_low_slow'
    """
    check_instance("policy", policy, "diagnose", DiagnosePolicy)
    mom = as_momentum(momentum, "diagnose")
    y_all = as_array("losses", losses, None)
    n_all = y_all.size
    lr = None if lrs is None else as_rates(lrs, n_all)
    zero = never_positive(lr)
    lr = None if zero else lr
    gn = None if grad_norms is None else as_grad_norms(grad_norms, n_all)
    wn = None if weight_norms is None else as_weight_norms(weight_norms, n_all)
    st = (np.arange(n_all) if steps is None else as_steps("steps", steps, n_all)).astype(np.int64)
    vl = None if val_losses is None else as_array("val_losses", val_losses, None)
    vs = None if val_steps is None else as_steps("val_steps", val_steps, None if vl is None else vl.size)
    k = 0 if lr is None else probe_rows(lr, MIN_POINTS, policy)
    if k:  # a range test's rows are its search, not training at a rate: read from after them
        y_all, lr, st, gn = y_all[k:], lr[k:], st[k:], None if gn is None else gn[k:]
        wn = None if wn is None else wn[k:]
        if vl is not None and vs is not None:
            vl, vs = vl[vs >= st[0]], vs[vs >= st[0]]
    bad = np.flatnonzero(~np.isfinite(y_all))
    skipped = skipped_rows(y_all)  # non-finite rows the run trained past: read without them, and said
    if skipped is not None and y_all.size - skipped.size >= MIN_POINTS:
        keep, skipped_steps = np.isfinite(y_all), st[skipped]
        y_all, st = y_all[keep], st[keep]
        lr, gn = None if lr is None else lr[keep], None if gn is None else gn[keep]
        wn = None if wn is None else wn[keep]
    elif bad.size:
        d = said_probe(advise_nan(y_all, lr, gn, st, int(bad[0]), policy, whole=not k), k, st, lrs)
        return said_zero_rates(d) if zero else d
    if y_all.size < MIN_POINTS:
        raise LRKitError(f"`losses` of diagnose must hold at least {MIN_POINTS} finite values; got {n_all}.")
    d = decide(measure_finite(y_all, lr, policy), steps=st, grad_norms=gn, weight_norms=wn, val_losses=vl,
               val_steps=vs, momentum=mom, policy=policy)
    d = said_probe(d if skipped is None else said_skipped(d, skipped_steps), k, st, lrs)
    return said_zero_rates(d) if zero else d


def measure(losses: Sequence[float] | np.ndarray, lrs: Sequence[float] | np.ndarray | None = None, *,
            policy: DiagnosePolicy = DiagnosePolicy()) -> Measurements:
    """Measure a finite history once: its spikes, levels, swings, pace and shape (:func:`decide` reads them).

    Raises:
        LRKitError: for non-numeric or mismatched inputs, a non-finite loss (that is a ``nan``
            verdict, :func:`diagnose`'s), or fewer than 10 losses.

    Example:
        >>> import numpy as np
        >>> m = measure(np.exp(-np.arange(100) / 20.0))
        >>> m.shape.ended_above_start, round(m.shape.late_share, 3)
        (False, 0.078)
    """
    check_instance("policy", policy, "measure", DiagnosePolicy)
    y = as_array("losses", losses, None, "measure")
    lr = None if lrs is None else as_rates(lrs, y.size, "measure")
    if not np.all(np.isfinite(y)):
        raise LRKitError("`losses` of measure must be finite (a NaN or infinite loss is diagnose's `nan` "
                         "verdict).")
    if y.size < MIN_POINTS:
        raise LRKitError(f"`losses` of measure must hold at least {MIN_POINTS} values; got {y.size}.")
    return measure_finite(y, lr, policy)


def _val_stats(val_losses: np.ndarray | None, val_steps: np.ndarray | None) -> dict[str, float]:
    """The validation losses as statistics: reported, and read by the guard (a validation loss that rose
    back from its best, ``val_rise``, is never answered with "raise the rate"; one still at its best at
    the last evaluation after a drop, ``val_improving``, asks for more than a swing before it is)."""
    if val_losses is None or val_losses.size < 2 or not np.all(np.isfinite(val_losses)):
        return {}
    v = val_losses
    best = float(v.min())
    drop = float(v[0] - best)
    return {"val_points": float(v.size), "val_rise": float((v[-1] - best) / drop) if drop > 0 else 0.0,
            "val_improving": float(drop > 0 and v[-1] <= best),
            "val_best_at": float(val_steps[int(np.argmin(v))] if val_steps is not None else np.argmin(v))}


def decide(m: Measurements, *, steps: Sequence[int] | np.ndarray | None = None,
           grad_norms: Sequence[float] | np.ndarray | None = None,
           weight_norms: Sequence[float] | np.ndarray | None = None,
           val_losses: Sequence[float] | np.ndarray | None = None,
           val_steps: Sequence[int] | np.ndarray | None = None, momentum: float | None = None,
           policy: DiagnosePolicy = DiagnosePolicy()) -> Diagnosis:
    """The diagnosis of a measured history: its tests in :data:`ORDER`, the guard, the advice.

    :func:`diagnose` is ``decide(measure(...))``. Measuring is the costly part; deciding reads only
    the thresholds of ``policy`` (its measuring fields were used by :func:`measure`), so one history
    can be decided under many policies cheaply, as the leave-one-family-out benchmark does.

    Raises:
        LRKitError: for the inputs :func:`diagnose` rejects: ``steps`` or ``val_steps`` not strictly
            increasing, of the wrong length or not numbers, negative gradient or weight norms, a
            ``momentum`` outside [0, 1).

    Example:
        >>> import numpy as np
        >>> t = np.arange(300)
        >>> m = measure(np.exp(0.02 * t), None)
        >>> decide(m).verdict, decide(m, policy=DiagnosePolicy(above_start_z=1e9, rise_frac=1e9)).verdict
        ('too_high_diverging', 'too_high_diverging')
    """
    check_instance("policy", policy, "decide", DiagnosePolicy)
    mom = as_momentum(momentum, "decide")
    gn = None if grad_norms is None else as_grad_norms(grad_norms, m.y.size, "decide")
    wn = None if weight_norms is None else as_weight_norms(weight_norms, m.y.size, "decide")
    growth = None if wn is None else weight_growth(wn)
    vl = None if val_losses is None else as_array("val_losses", val_losses, None, "decide")
    vs = None if val_steps is None else as_steps("val_steps", val_steps, None if vl is None else vl.size,
                                                  "decide")
    st = np.arange(m.y.size) if steps is None else as_steps("steps", steps, m.y.size, "decide")
    st = st.astype(np.int64)
    val = _val_stats(vl, vs)
    ev = evidence(m, st.tolist(), policy, mom)
    verdict, key, fired, why = decide_verdict(ev, m, val, policy)
    lv, sw, pc, sp, sh = m.levels, m.swings, m.pace, m.spikes, m.shape
    stats = {"rise": sh.rise, "giveback": sh.giveback, "rise_z": lv.rise_z, "oscillation_q": sw.q,
             "zigzag_ratio": sw.zigzag,
             "spike_count": float(len(sp.events)), "max_spike_z": float(sp.z.max()),
             "max_spike_height": max(sp.rel, default=0.0), "decade_ratio": pc.ratio,
             "last_decade_z": pc.z_last, "last_half_z": pc.z_half, "total_progress_z": pc.z_total,
             "early_drop_fraction": float(max(pc.early_frac, -1e300)), "noise_to_spread": lv.sigma,
             "end_noise_to_spread": pc.noise_end, "peak_excess": sh.peak_excess, "peak_z": sh.peak_z,
             "jump_excess": sh.jump_excess,
             "end_vs_first_z": sh.end_z, "end_vs_y0_z": sh.above_z, "late_share": sh.late_share,
             "noise_skew": sh.skew,
             "ended_above_start": float(sh.ended_above_start),
             "spiked_over_descent": float(sh.spiked_over_descent), **val,
             **({} if growth is None else {"weight_growth": growth})}
    ctx = Context(m.y, m.lrs, gn, st, stats, lv.i_min, sp.events, lv.wide, m.decayed, policy)
    replaced = next((v for v, k in ORDER if k == key), "healthy") if why else None  # healthy: no key
    raw = max(policy.min_confidence, raw_score(verdict, key, ev, ORDER))
    confidence = calibrated(verdict, raw, policy)
    weak = confidence if confidence < policy.advice_floor and _contested(verdict, ev) else None
    held = ("swings" if _swings_alone(verdict, key, ev, policy)
            else "recovered" if _recovered_blowup(verdict, key, m, policy)
            else "descending" if _descending_blowup(verdict, key, m, policy)
            else "first_loss" if (verdict == "too_high_diverging" and key in ("peak", "above")
                                  and first_loss_alone(m, st.tolist(), policy, mom))
            else "weights" if _weights_still(verdict, growth, policy)
            else "contested" if weak is not None else None)
    return advise(verdict, key, ev, ctx, fired,
                  confidence=confidence if held is None else calibrated("uncertain", raw, policy),
                  runner_up=runner_up(verdict, key, replaced, fired, ev, ORDER), guard_reason=why,
                  weak=confidence if held else None, held=held)


def _swings_alone(verdict: str, key: str | None, ev: dict, policy: DiagnosePolicy) -> bool:
    """Whether ``too_high_oscillating`` was decided by the oscillation or zig-zag test alone, short of
    ``swing_commit`` times its threshold: swings no falling curve explains are a rate past its limit on
    some workloads and the loss's own texture on others, so they name the verdict without committing."""
    return (verdict == "too_high_oscillating" and key in ("oscillation", "zigzag")
            and ev[key].value < policy.swing_commit * ev[key].threshold)


def _recovered_blowup(verdict: str, key: str | None, m: Measurements, policy: DiagnosePolicy) -> bool:
    """Whether ``too_high_diverging`` was decided by an early blow-up that the run recovered from
    (:func:`~lrkit.diagnostics._decide.recovered` at ``blowup_recovered_z``): the first updates' catapult
    at the best rate of plain SGD or a fine-tuning reads the same as a rate too high that recovered to a
    higher level, so the spike names the verdict without committing."""
    return verdict == "too_high_diverging" and key == "blowup" and recovered(m.shape, policy,
                                                                               policy.blowup_recovered_z)


def _descending_blowup(verdict: str, key: str | None, m: Measurements, policy: DiagnosePolicy) -> bool:
    """Whether ``too_high_diverging`` was decided by an early blow-up followed by a descent still under
    way: the loss fell by more than ``blowup_descending_z`` standard errors over the last half of the
    run's time (``Pace.z_half``) and ended more than ``still_z`` below its first loss. A catapult at the
    best rate and a rate too high part only where the descent settles, which such a history has not
    reached: a Watchdog's first reports read it before either has."""
    return (verdict == "too_high_diverging" and key == "blowup" and m.pace.z_half > policy.blowup_descending_z
            and m.shape.end_z < -policy.still_z)


def weight_growth(weight_norms: np.ndarray) -> float | None:
    """``|w_last| / |w_first|``: the last measured weight norm over the first (``None`` with fewer than two
    measured, or a first of 0).

    Example:
        >>> import numpy as np
        >>> weight_growth(np.array([2.0, np.nan, 3.0, np.nan])), weight_growth(np.array([np.nan, 1.0]))
        (1.5, None)
    """
    w = weight_norms[np.isfinite(weight_norms)]
    return float(w[-1] / w[0]) if w.size >= 2 and w[0] > 0 else None


def _weights_still(verdict: str, growth: float | None, policy: DiagnosePolicy) -> bool:
    """Whether a "lower the rate" verdict (``too_high_*``) comes with weights whose norm grew by at most
    ``weight_growth_hold``: a rate too high inflates the weights, while a catapult at a workable rate (the
    loss jumps, then descends slowly) or a loss drifting at one leaves their norm where it was, and the
    loss alone reads both the same."""
    return (verdict in ("too_high_diverging", "too_high_oscillating") and growth is not None
            and growth <= policy.weight_growth_hold)


def _contested(verdict: str, ev: dict) -> bool:
    """Whether a test whose verdict moves the rate the other way (lower against raise) is at or past its
    threshold (strength ``AT_THRESHOLD``), fired or not: the history then argues both ways, and a verdict
    below the confidence floor is no ground to move the rate either way."""
    way = DIRECTIONS[verdict]
    other = {"lower": "raise", "raise": "lower"}.get(way)
    return other is not None and any(DIRECTIONS[v] == other and ev[k].strength >= AT_THRESHOLD
                                       for v, k in ORDER)
