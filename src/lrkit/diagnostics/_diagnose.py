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

Every statistic is invariant to ``y -> a y + b`` (``a > 0``). The measurements are in
``_measure.py``, the spikes in ``_spikes.py``, the recommendations in ``_advice.py``; every
number they use is a field of :class:`~lrkit.diagnostics.DiagnosePolicy` (its reasons and
evidence: ``docs/evidence.md``). The statistics are explained in ``docs/watch.md``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from lrkit.diagnostics._advice import Context, advise, advise_nan, rate_decayed
from lrkit.diagnostics._measure import Levels, Pace, Swings, levels, pace, robust_units, swings
from lrkit.diagnostics._policy import DiagnosePolicy
from lrkit.diagnostics._record import Diagnosis, Evidence, strength
from lrkit.diagnostics._spikes import SpikeScan, find_spikes
from lrkit.errors import LRKitError, check_instance

__all__ = ["diagnose", "MIN_POINTS", "ORDER"]

#: Fewest finite losses the trend tests need (a ``nan`` verdict needs none): a start level, an end
#: level and a running median need a few points each.
MIN_POINTS = 10

#: The test order, ``(verdict, evidence)``: the first evidence that fired decides the verdict.
ORDER = (("too_high_diverging", "blowup"), ("too_high_diverging", "rise"), ("loss_spikes", "spikes"),
         ("too_high_oscillating", "oscillation"), ("too_high_oscillating", "zigzag"),
         ("too_low_slow", "slow"), ("plateau", "plateau"))


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
        losses: training losses in step order (NaN/inf allowed: they give ``nan``).
        lrs: the rate each step used (optional); enables the decay-aware tests and
            rate-specific advice.
        grad_norms: gradient norms per step (optional); used to size clipping advice.
        steps: the step number of each loss (default ``0 .. n-1``), for the evidence.
        policy: the tuned numbers (:class:`~lrkit.diagnostics.DiagnosePolicy`; the numbers
            quoted above are its defaults).

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
    check_instance("policy", policy, "diagnose", DiagnosePolicy)
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
        return advise_nan(y_all, lr, gn, st, int(bad[0]), policy)
    if n_all < MIN_POINTS:
        raise LRKitError(f"`losses` of diagnose must hold at least {MIN_POINTS} finite values; got {n_all}.")
    return _diagnose_finite(y_all, lr, gn, st, policy)


def _diagnose_finite(
    y: np.ndarray, lr: np.ndarray | None, gn: np.ndarray | None, st: np.ndarray, policy: DiagnosePolicy
) -> Diagnosis:
    """The trend tests of a finite history, in four steps, then the first evidence that fired.

    1. robust units (:func:`~lrkit.diagnostics._measure.robust_units`);
    2. the spikes, found first so the trend tests see the cleaned curve (``find_spikes``);
    3. the measurements of the cleaned curve: levels, swings, pace (``_measure``);
    4. each measurement against its threshold (:func:`_evidence`), in :data:`ORDER`.
    """
    p = policy
    y = robust_units(y)
    floor = p.noise_floor
    sp = find_spikes(y, floor, p)
    lv = levels(sp.clean, floor, p)
    sw = swings(sp.clean, lv.sigma, floor, p)
    pc = pace(sp.clean, lr, lv, sw.local, floor, p)
    decayed = rate_decayed(lr, p)
    ev = _evidence(lv, sw, pc, sp, decayed, lr is not None, st.tolist(), p)
    stats = {"rise": lv.rise, "rise_z": lv.rise_z, "oscillation_q": sw.q, "zigzag_ratio": sw.zigzag,
             "spike_count": float(len(sp.events)), "max_spike_z": float(sp.z.max()),
             "max_spike_height": max(sp.rel, default=0.0), "decade_ratio": pc.ratio,
             "last_decade_z": pc.z_last, "last_half_z": pc.z_half, "total_progress_z": pc.z_total,
             "early_drop_fraction": float(max(pc.early_frac, -1e300)), "noise_to_spread": lv.sigma,
             "end_noise_to_spread": pc.noise_end}
    fired = tuple(dict.fromkeys(verdict for verdict, key in ORDER if ev[key].fired))
    verdict, key = next(((v, k) for v, k in ORDER if ev[k].fired), ("healthy", None))
    ctx = Context(y, lr, gn, st, stats, lv.i_min, sp.events, lv.wide, decayed, p)
    return advise(verdict, key, ev, ctx, fired)


def _evidence(lv: Levels, sw: Swings, pc: Pace, sp: SpikeScan, decayed: bool, has_rates: bool, s: list[int],
              p: DiagnosePolicy) -> dict[str, Evidence]:
    """Each measurement against its threshold: what fired, how strongly, where, in one sentence."""
    span = (s[0], s[-1])
    rel, events, early = max(sp.rel, default=0.0), sp.events, sp.early
    slow = bool((pc.ratio > p.slow_ratio and pc.z_last > p.progress_z and pc.early_frac < p.early_frac)
                or (pc.z_total < p.progress_z and not pc.converged_early))
    return {
        "rise": Evidence("rise", lv.rise, p.rise_frac, bool(lv.rise > p.rise_frac and lv.rise_z > p.rise_z),
                         strength(min(lv.rise / p.rise_frac, lv.rise_z / p.rise_z), 1.0),
                         (s[lv.i_min], s[-1]),
                         f"the loss ended {lv.rise:.2f}x its earlier progress above its best level "
                         f"(step {s[lv.i_min]}), {lv.rise_z:.1f} standard errors"),
        "oscillation": Evidence("oscillation_q", sw.q, p.osc_q, bool(sw.q > p.osc_q), strength(sw.q, p.osc_q),
                                span, f"residuals from the best non-increasing curve are {sw.q:.1f}x the "
                                f"step noise (about 1 for noise around a decreasing trend)"),
        "zigzag": Evidence("zigzag_ratio", sw.zigzag, p.zigzag, bool(sw.zigzag > p.zigzag),
                           strength(sw.zigzag, p.zigzag), span,
                           f"step-to-step changes are {sw.zigzag:.2f}x the two-step changes (1 for noise; "
                           f"a zig-zag above {p.zigzag:g})"),
        "blowup": Evidence("early_spikes", float(len(early)), 0.0, bool(early), 1.0 if early else 0.0,
                           tuple(s[a] for a, _ in early),
                           f"{len(early)} spike(s) before the loss made {p.blowup_frac:g} of its progress"),
        "spikes": Evidence("spike_height", rel, p.spike_rel, bool(events), strength(rel, p.spike_rel),
                           tuple(s[a] for a, _ in events),
                           f"{len(events)} spike(s) above {p.spike_z:g} robust SDs of the local trend "
                           f"and {p.spike_rel:g}x the progress made (highest: {rel:.2g}x; "
                           f"{len(sp.candidates)} candidate(s))"),
        "slow": Evidence("decade_ratio", pc.ratio, p.slow_ratio, slow,
                         1.0 if pc.z_total < p.progress_z else strength(pc.ratio, p.slow_ratio), span,
                         f"the last decade of {'rate-weighted ' if has_rates else ''}time "
                         f"{_decade_words(pc.ratio)} ({pc.z_last:.1f} s.e.; "
                         f"total progress {pc.z_total:.1f} s.e., {max(pc.early_frac, -9.99):.2f} of it "
                         f"made by {100 * p.early_window[0]:g}-{100 * p.early_window[1]:g}% of the run)"),
        "plateau": Evidence("last_decade_z", pc.z_last, p.plateau_z,
                            bool(min(pc.z_last, pc.z_half) < p.plateau_z and not (decayed or pc.converged)),
                            strength(pc.z_last, p.plateau_z, above=False), span,
                            f"the last decade gained {pc.z_last:.1f} s.e., the last half {pc.z_half:.1f} s.e."
                            + ("; the rate is decayed" if decayed else "; the rate is not decayed")),
    }
