"""Measure a finite history once (:func:`measure_finite`), then decide a verdict from the measurements
(:func:`decide`): the tests of :func:`lrkit.diagnose`, in order, the first that fires decides.

=========================  ============  ===================================================================
verdict                    evidence      fires when
=========================  ============  ===================================================================
``too_high_diverging``     ``blowup``    a spike in the first tenth, before the loss made a tenth of its drop
``too_high_diverging``     ``peak``      the loss rose above its first value by more than its whole
                                         descent (``blowup_excess``; ``blowup_peak_z`` s.e. beyond
                                         chance) and did not recover
``too_high_diverging``     ``above``     it ended above its first loss ``y_0`` by ``above_start_z`` s.e.
``too_high_diverging``     ``rise``      it ended above its best by ``rise_frac`` of the descent,
                                         ``rise_z`` s.e.
``uncertain``              ``still``     it ended within ``still_z`` s.e. of its first loss (below or above):
                                         nothing moved
``loss_spikes``            ``spikes``    excursions far above the trend that come back (``_spikes.py``)
``too_high_oscillating``   ``oscillation`` / ``zigzag``: swings no decreasing curve explains (short
                                         of ``swing_commit`` times the threshold, the reading is
                                         ``uncertain``, naming the verdict: ``decide``)
``too_high_oscillating``   ``drift``     stalled (``late_share < stall_share``) and back above its best by
                                         ``drift_rise`` of the descent and ``drift_z`` s.e. beyond chance
                                         (``drift_skew_z`` when the noise's skew exceeds ``drift_skew``)
``plateau``                ``plateau``   stalled at an undecayed rate (and not an exact, noiseless optimum)
``too_low_slow``           ``slow``      the second half made more than ``slow_share`` of the drop, with
                                         noise no more right-skewed than ``slow_skew``, over a history of
                                         :func:`pace_updates` updates or more; or no measurable progress
                                         at all (unless the little drop there was came early)
``healthy``                              none of the above
=========================  ============  ===================================================================

Then the **guard** (:func:`guard`): a run that ended at or above its first loss, or rose above it by
more than its whole descent (``Shape.ended_above_start``, ``Shape.spiked_over_descent``), is never
``healthy``, ``plateau`` or ``too_low_slow``; a run with a sign of a rate at or past its limit (it lost
back part of its descent, its validation loss turned up, or it swings) is never ``too_low_slow`` (but
a validation rise alone, with no jump, is overfitting at a rate that learns: ``healthy``); a run that
jumped above its first loss before falling (:func:`at_limit`: by ``limit_peak`` of its descent, or
by less with a validation rise), or stalled back above its best within chance (``drift_hint_z``), is
never ``healthy`` or ``plateau``: those verdicts become
``uncertain``, so the advice never raises the rate of a run that blew up, nor keeps a rate that may
hold the loss above where a lower one would take it. Every threshold is a field of
:class:`~lrkit.diagnostics.DiagnosePolicy`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from lrkit.diagnostics._advice import decade_words
from lrkit.diagnostics._signs import limit_signs, starved_signs
from lrkit.diagnostics._measure import Levels, Pace, Swings, levels, pace, robust_units, swings
from lrkit.diagnostics._policy import DiagnosePolicy
from lrkit.diagnostics._rates import rate_decayed
from lrkit.diagnostics._record import Evidence, strength
from lrkit.diagnostics._shape import Shape, shape
from lrkit.diagnostics._spikes import SpikeScan, find_spikes

__all__ = ["ORDER", "Measurements", "measure_finite", "first_loss_alone", "evidence", "decide_verdict",
           "guard", "at_limit", "pace_updates", "recovered", "floor_signs", "drop_to_noise"]

#: The test order, ``(verdict, evidence)``: the first evidence that fired decides the verdict.
ORDER = (("too_high_diverging", "blowup"), ("too_high_diverging", "peak"), ("too_high_diverging", "above"),
         ("too_high_diverging", "rise"), ("uncertain", "still"), ("loss_spikes", "spikes"),
         ("too_high_oscillating", "oscillation"), ("too_high_oscillating", "zigzag"),
         ("too_high_oscillating", "drift"), ("plateau", "plateau"), ("too_low_slow", "slow"))


@dataclass(frozen=True)
class Measurements:
    """Everything the tests read, measured once from a finite history (``y`` in robust units).

    Example:
        >>> import numpy as np
        >>> from lrkit.diagnostics import measure
        >>> m = measure(np.exp(-np.arange(200) / 50.0))  # a clean decay: no spike, no rate given
        >>> m.y.size, m.lrs is None, len(m.spikes.events), m.shape.ended_above_start
        (200, True, 0, False)
    """

    y: np.ndarray
    lrs: np.ndarray | None
    spikes: SpikeScan
    levels: Levels
    swings: Swings
    pace: Pace
    shape: Shape
    decayed: bool
    after_first: Measurements | None = None


def measure_finite(y: np.ndarray, lrs: np.ndarray | None, p: DiagnosePolicy,
                   after_first: bool = True) -> Measurements:
    """Robust units, spikes, then the levels, swings, pace and shape of the cleaned curve; and, under
    ``p.first_rise_hold``, for a run whose loss rose above its first value at all (``peak_z`` or
    ``above_z`` above 0), the same of the history without its first loss (:func:`first_loss_alone` reads
    it; ``after_first=False`` stops there)."""
    u = robust_units(y)
    sp = find_spikes(u, p.noise_floor, p)
    lv = levels(sp.clean, p.noise_floor, p)
    sw = swings(sp.clean, lv.sigma, p.noise_floor, p)
    pc = pace(sp.clean, lrs, lv, sw.local, p.noise_floor, p)
    sh = shape(u, sp.clean, lv, p)
    rest = None
    if after_first and p.first_rise_hold and (sh.peak_z > 0 or sh.above_z > 0) and y.size > MIN_AFTER_FIRST:
        rest = measure_finite(y[1:], None if lrs is None else lrs[1:], p, after_first=False)
    return Measurements(u, lrs, sp, lv, sw, pc, sh, rate_decayed(lrs, p), rest)


#: The fewest losses a history without its first loss must hold to be read at all (diagnose's own floor).
MIN_AFTER_FIRST = 10


def first_loss_alone(m: Measurements, s: list[int], p: DiagnosePolicy, momentum: float | None = None) -> bool:
    """Whether a rise above the first loss rests on that loss alone: from the second loss on, nothing
    measurable moved (``still``) and no test of a rise fires (``blowup``, ``peak``, ``above``, ``rise``).

    The first loss is one batch. A run at a rate too low to move anything, whose first batch happened to
    be easier than the rest, and a run that blew up on its first update and stayed there both read, from
    the second loss on, as a flat history; only the size of the first step tells them apart, and one batch
    cannot. A rise that began later, or went on rising, is read in the history after the first loss too.
    (``False`` when ``p.first_rise_hold`` is off, or ``m`` was measured with it off.)

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> flat = np.concatenate([[0.9], 1.0 + 0.01 * rng.normal(size=299)])  # an easy first batch
        >>> rising = np.concatenate([[0.9], 1.0 + np.linspace(0, 0.5, 299) + 0.01 * rng.normal(size=299)])
        >>> p = DiagnosePolicy(first_rise_hold=True)
        >>> first_loss_alone(measure_finite(flat, None, p), list(range(300)), p)
        True
        >>> first_loss_alone(measure_finite(rising, None, p), list(range(300)), p)
        False
    """
    if not p.first_rise_hold or m.after_first is None:
        return False
    ev = evidence(m.after_first, s[1:], p, momentum)
    return bool(ev["still"].fired and not any(ev[k].fired for k in ("blowup", "peak", "above", "rise")))


def pace_updates(p: DiagnosePolicy, momentum: float | None = None) -> float:
    """The fewest updates a history must span before its pace can say "raise the rate".

    Momentum and Adam take about ``1/(1 - m)`` updates (``m``: the momentum, Adam's ``beta1``) to reach
    their pace; until the history spans ``slow_transients`` of those transients, its last decade of time
    holds the optimizer speeding up, at any rate. ``slow_min_updates`` is the floor: the span at
    ``m = 0.9``, assumed when ``m`` is not known, and kept for a smaller ``m`` (a network's own first
    steps are a transient too).

    Example:
        >>> p = DiagnosePolicy()
        >>> pace_updates(p), pace_updates(p, 0.9), pace_updates(p, 0.99), pace_updates(p, 0.0)
        (100, 100, 1000.0, 100)
    """
    if momentum is None or p.slow_transients == 0:
        return p.slow_min_updates
    return max(p.slow_min_updates, round(p.slow_transients / (1.0 - momentum), 6))


def evidence(m: Measurements, s: list[int], p: DiagnosePolicy,
             momentum: float | None = None) -> dict[str, Evidence]:
    """Each measurement against its threshold: what fired, how strongly, where, in one sentence
    (``momentum``: the optimizer's, for :func:`pace_updates`)."""
    lv, sw, pc, sp, sh = m.levels, m.swings, m.pace, m.spikes, m.shape
    span = (s[0], s[-1])
    turn = (s[lv.i_min], s[-1])  # from the best level to the end: where a rise began
    rel, events, early = max(sp.rel, default=0.0), sp.events, sp.early
    peak_fired = bool(sh.peak_excess > p.blowup_excess and sh.peak_z > p.blowup_peak_z
                      and not recovered(sh, p, p.recovered_z))
    stalled = bool(sh.late_share < p.stall_share)
    still = bool(sh.end_z > -p.still_z)  # ended within noise of its first reading: nothing measurable moved
    # Progress counts from the first loss too: a fall in the first few updates hides inside the start level.
    no_progress = bool(pc.z_total < p.progress_z and not pc.converged_early and sh.above_z >= -p.first_fall_z)
    # Momentum and Adam take ~1/(1 - beta1) updates to reach their pace: a history short against that
    # is its first descent speeding up at any rate, and cannot say the rate is too low.
    updates, needed = int(s[-1] - s[0] + 1), pace_updates(p, momentum)
    short = bool(updates < needed)
    # A loss that waited near its start before it fell (an onset): the pace read from the first update sees
    # the onset as a loss speeding up, at any rate; a rate too low crawls from the first update.
    onset = bool(p.onset_wait > 0 and pc.wait >= p.onset_wait)
    slow = bool((sh.late_share > p.slow_share and sh.skew < p.slow_skew and not short and not onset)
                or no_progress)
    # A drift backed by right-skewed noise (steps that overshoot: a second sign of a rate past its
    # limit) needs less of a margin beyond chance than a drift alone.
    skewed = bool(sh.skew > p.drift_skew)
    drift_bar = p.drift_skew_z if skewed else p.drift_z
    tests = {
        "blowup": Evidence("early_spikes", float(len(early)), 0.0, bool(early), 1.0 if early else 0.0,
                           tuple(s[a] for a, _ in early),
                           f"{len(early)} spike(s) before the loss made {p.blowup_frac:g} of its progress"),
        "peak": Evidence("peak_excess", sh.peak_excess, p.blowup_excess, peak_fired,
                         strength(min(sh.peak_excess / p.blowup_excess, sh.peak_z / p.blowup_peak_z), 1.0),
                         turn, f"the loss rose above its first value by {sh.peak_excess:.2g}x its whole "
                         f"descent ({sh.peak_z:.1f} s.e. beyond chance) and ended {sh.rise:.2f} of the "
                         f"descent above its best"),
        "above": Evidence("end_vs_y0_z", sh.above_z, p.above_start_z, bool(sh.above_z > p.above_start_z),
                          strength(sh.above_z, p.above_start_z), turn,
                          f"the loss ended {abs(sh.above_z):.1f} standard errors "
                          f"{'above' if sh.above_z > 0 else 'below'} its first loss"),
        "rise": Evidence("rise", sh.rise, p.rise_frac, bool(sh.rise > p.rise_frac and lv.rise_z > p.rise_z),
                         strength(min(sh.rise / p.rise_frac, lv.rise_z / p.rise_z), 1.0), turn,
                         f"the loss ended {sh.rise:.2f}x its descent above its best level "
                         f"(step {s[lv.i_min]}), {lv.rise_z:.1f} standard errors"),
        "still": Evidence("end_vs_first_z", sh.end_z, -p.still_z, still, 1.0 if still else 0.0, span,
                          "the loss ended where it started, within noise: nothing measurable moved"
                          if still else
                          f"the loss ended {-sh.end_z:.1f} standard errors below its first reading"),
        "spikes": Evidence("spike_height", rel, p.spike_rel, bool(events), strength(rel, p.spike_rel),
                           tuple(s[a] for a, _ in events),
                           f"{len(events)} spike(s) above {p.spike_z:g} robust SDs of the local trend "
                           f"and {p.spike_rel:g}x the progress made (highest: {rel:.2g}x; "
                           f"{len(sp.candidates)} candidate(s))"),
        "oscillation": Evidence("oscillation_q", sw.q, p.osc_q, bool(sw.q > p.osc_q), strength(sw.q, p.osc_q),
                                span, f"residuals from the best non-increasing curve are {sw.q:.1f}x the "
                                f"step noise (about 1 for noise around a decreasing trend)"),
        "zigzag": Evidence("zigzag_ratio", sw.zigzag, p.zigzag, bool(sw.zigzag > p.zigzag),
                           strength(sw.zigzag, p.zigzag), span,
                           f"step-to-step changes are {sw.zigzag:.2f}x the two-step changes (1 for noise; "
                           f"a zig-zag above {p.zigzag:g})"),
        "drift": Evidence("rise", sh.rise, p.drift_rise,
                          bool(stalled and sh.rise > p.drift_rise and lv.rise_z_chance > drift_bar),
                          strength(min(sh.rise / p.drift_rise, lv.rise_z_chance / drift_bar), 1.0) if stalled
                          else 0.0, (s[lv.i_min], s[-1]),
                          f"the loss stopped falling ({sh.late_share:.1%} of its drop in the second half) "
                          f"and drifted {sh.rise:.2f}x its descent back above its best "
                          f"({lv.rise_z_chance:.1f} s.e. beyond chance"
                          + (f"; its noise is right-skewed, {sh.skew:.2f})" if skewed else ")")),
        "plateau": Evidence("late_share", sh.late_share, p.stall_share,
                            bool(stalled and not (m.decayed or pc.converged or no_progress)),
                            strength(max(sh.late_share, 1e-9), p.stall_share, above=False), span,
                            f"the second half of the run made {sh.late_share:.1%} of its drop"
                            + ("; the rate is decayed" if m.decayed else "; the rate is not decayed")),
        "slow": Evidence("late_share", sh.late_share, p.slow_share, slow,
                         1.0 if no_progress else strength(sh.late_share, p.slow_share), span,
                         f"the second half of the run made {sh.late_share:.1%} of its drop (noise skew "
                         f"{sh.skew:.2f}; total progress {pc.z_total:.1f} s.e.); the last decade of "
                         f"{'rate-weighted ' if m.lrs is not None else ''}time {decade_words(pc.ratio)}"
                         + (f"; the history spans {updates} updates, under the {needed:.0f} a "
                            "reading of the pace needs (an optimizer's transient fills its early decades)"
                            if short and not no_progress else "")
                         + (f"; the loss took {pc.wait:.0%} of the history to make its first "
                            f"{p.onset_drop:g} of its drop: its descent began late, an onset, not a pace"
                            if onset and not short and not no_progress else "")),
    }
    return {key: replace(e, test=key) for key, e in tests.items()}  # each named by its test: two read `rise`


def recovered(sh: Shape, p: DiagnosePolicy, z: float) -> bool:
    """Whether a run came back from whatever it did early: it ended within ``recovered_rise`` of its
    descent above its best level and more than ``z`` standard errors below its first loss.

    Example:
        >>> import numpy as np
        >>> from lrkit.diagnostics import measure
        >>> sh = measure(np.exp(-np.arange(200) / 20.0) + 0.01 * np.cos(np.arange(200))).shape
        >>> recovered(sh, DiagnosePolicy(), 20.0), recovered(sh, DiagnosePolicy(), 1e9)
        (True, False)
    """
    return bool(sh.rise <= p.recovered_rise and sh.end_z <= -z)


def at_limit(m: Measurements, val: dict[str, float], p: DiagnosePolicy) -> bool:
    """Whether a run shows the signs of a rate at its limit that forbid ``healthy`` and ``plateau``: its
    loss rose above its first value by more than ``limit_peak`` of its descent before falling, or by
    more than ``limit_peak_val`` of it while its validation loss rose back by more than
    ``limit_val_rise`` of its drop (a validation rise alone is as often overfitting at a good rate), or
    it stalled back above its best by ``drift_hint_z`` standard errors, within chance
    (:func:`~lrkit.diagnostics._signs.limit_signs`).

    Example:
        >>> import numpy as np
        >>> from lrkit.diagnostics import measure
        >>> m = measure(np.concatenate([[1.0, 1.3, 1.3, 1.3], 0.5 + 0.8 * np.exp(-np.arange(196) / 20)]))
        >>> smooth = measure(np.exp(-np.arange(200) / 20))
        >>> at_limit(m, {}, DiagnosePolicy()), at_limit(smooth, {}, DiagnosePolicy())
        (True, False)
    """
    return bool(limit_signs(_sign_stats(m, val), p))


def _sign_stats(m: Measurements, val: dict[str, float]) -> dict[str, float]:
    """The numbers :func:`~lrkit.diagnostics._signs.starved_signs` and ``limit_signs`` read."""
    sh = m.shape
    return {"rise": sh.rise, "giveback": sh.giveback, "peak_excess": sh.peak_excess,
            "jump_excess": sh.jump_excess,
            "oscillation_q": m.swings.q, "late_share": sh.late_share, "rise_z": m.levels.rise_z, **val}


def floor_signs(m: Measurements, p: DiagnosePolicy) -> bool:
    """Whether a stalled run shows the signs of a noise floor that a decay lowers: a fall of more than
    ``plateau_drop`` times the noise of one loss (:func:`drop_to_noise`), with noise right-skewed
    beyond ``plateau_skew`` (steps that overshoot; off by default). Without them a stall at a rate too
    low (a crawl a higher rate would leave) reads the same, and ``plateau``'s "cut the rate" may point
    the wrong way.

    Example:
        >>> import numpy as np
        >>> from lrkit.diagnostics import measure
        >>> rng = np.random.default_rng(0)
        >>> far = measure(1 + np.exp(-np.arange(300) / 20.0) + 0.01 * rng.normal(size=300))
        >>> near = measure(1 + np.exp(-np.arange(300) / 20.0) + 0.2 * rng.normal(size=300))
        >>> floor_signs(far, DiagnosePolicy()), floor_signs(near, DiagnosePolicy())
        (True, False)
    """
    return bool(drop_to_noise(m) > p.plateau_drop and m.shape.skew > p.plateau_skew)


def drop_to_noise(m: Measurements) -> float:
    """The run's drop, from its start level to its end level, over the noise of one loss: how far it fell
    against its noise, whatever the history's length (``total_progress_z`` grows with it).

    Example:
        >>> import numpy as np
        >>> from lrkit.diagnostics import measure
        >>> rng = np.random.default_rng(0)
        >>> 20 < drop_to_noise(measure(1 + np.exp(-np.arange(300) / 20.0) + 0.01 * rng.normal(size=300)))
        True
    """
    lv = m.levels
    return float((lv.start - lv.end) / lv.sigma) if lv.sigma > 0 else float("inf")


def guard(verdict: str, m: Measurements, val: dict[str, float], p: DiagnosePolicy) -> tuple[str, str | None]:
    """The verdict a run may get given the hard facts of its curve, and why it was changed.

    A run whose loss ended at or above its first value, or rose above it by more than its whole
    descent, is never told to keep the rate (``healthy``), to decay it (``plateau``) or to raise it
    (``too_low_slow``): it is ``uncertain`` instead. Nor is a run told to raise the rate when it shows
    a sign of a rate at or past its limit (``starved_*``): it lost back part of its descent, rose
    above its first loss by more than its whole descent (significant or not), its validation loss
    turned up, or it swings more than a decreasing curve explains (``starved_swing``; more,
    ``starved_swing_val``, when the validation loss is still at its best at the end, a sign the rate
    has not reached its limit); a rate too low does none of these.
    Nor is a run told to keep or decay the rate (``at_limit``) when its loss first jumped above its
    starting value, or stalled back above its best within chance (:func:`at_limit`): a rate at its
    limit settles at a level a lower rate would have gone below, and the history alone cannot show
    that lower level.
    A slow run whose only such sign is a validation loss that rose back by more than
    ``overfit_val_rise`` of its drop (and no jump) is ``healthy`` (``overfitting``): the model has
    fitted what generalises at this rate, and a higher rate would only get there sooner.

    Example:
        >>> import numpy as np
        >>> from lrkit.diagnostics import measure
        >>> m = measure(np.concatenate([[1.0, 1.2, 3.0], np.linspace(3.0, 1.6, 197)]))
        >>> guard("too_low_slow", m, {}, DiagnosePolicy()), guard("healthy", m, {}, DiagnosePolicy())
        (('uncertain', 'ended_above_start'), ('uncertain', 'ended_above_start'))
        >>> jump = measure(np.concatenate([[1.0, 1.3, 1.3, 1.3], 0.5 + 0.8 * np.exp(-np.arange(196) / 20)]))
        >>> p = DiagnosePolicy()
        >>> guard("healthy", jump, {}, p), guard("too_high_diverging", jump, {}, p)
        (('uncertain', 'at_limit'), ('too_high_diverging', None))
    """
    if verdict not in ("healthy", "plateau", "too_low_slow"):
        return verdict, None
    sh = m.shape
    if sh.ended_above_start:
        return "uncertain", "ended_above_start"
    if sh.spiked_over_descent:
        return "uncertain", "spiked_over_descent"
    if verdict != "too_low_slow" and at_limit(m, val, p):
        return "uncertain", "at_limit"
    if verdict == "plateau" and not floor_signs(m, p):
        return "uncertain", "no_floor"
    signs = starved_signs(_sign_stats(m, val), p) if verdict == "too_low_slow" else []
    if (signs == ["val_turned_up"] and val.get("val_rise", 0.0) > p.overfit_val_rise
            and not at_limit(m, val, p)):
        return "healthy", "overfitting"
    if signs:
        return "uncertain", "not_starved"
    return verdict, None


def decide_verdict(ev: dict[str, Evidence], m: Measurements, val: dict[str, float],
                   p: DiagnosePolicy) -> tuple[str, str | None, tuple[str, ...], str | None]:
    """``(verdict, deciding evidence, fired verdicts, guard reason)``: the first test in :data:`ORDER`
    that fired (``healthy`` when none did), then :func:`guard`."""
    fired = tuple(dict.fromkeys(verdict for verdict, key in ORDER if ev[key].fired))
    verdict, key = next(((v, k) for v, k in ORDER if ev[k].fired), ("healthy", None))
    guarded, why = guard(verdict, m, val, p)
    # No verdict the guard forbids stays among the fired (an Autopilot acts on them).
    fired = (guarded, *(v for v in fired if v != guarded and guard(v, m, val, p)[1] is None)) if fired else ()
    return guarded, key, fired, why
