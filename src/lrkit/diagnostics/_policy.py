"""``DiagnosePolicy``: every tuned number of ``diagnose``, with its reason and its evidence.

The tests themselves (spikes, rise, swings, the decade ratio, the plateau) are mechanism, in
``_diagnose.py``, ``_spikes.py`` and ``_timescale.py``; the recommendations are in
``_advice.py``. The numbers they were tuned with are the fields below, passed as ``policy=`` to
:func:`lrkit.diagnose` and :class:`lrkit.diagnostics.Monitor` (and from there to the Watchdog and
the Autopilot). Fractions of the run are of its length ``n`` in steps; z-scores are in standard
errors of the levels compared; heights and drops are in units of the run's progress.
"""

from __future__ import annotations

from lrkit._policy import Policy, at_least, fraction, integer, nested, policy_record, positive, tuned
from lrkit.diagnostics._policy_values import CALIBRATION, check_calibration, check_span, check_unit

__all__ = ["DiagnosePolicy", "LIVE_POLICY"]

_E = "docs/evidence.md#"
_LEVELS = _E + "diagnose-noise-and-levels"
_SPIKES = _E + "diagnose-spikes"
_RISE = _E + "diagnose-diverging"
_SWING = _E + "diagnose-oscillating"
_SWING_ZOO = _E + "diagnose-oscillating-on-the-zoo"
_SLOW = _E + "diagnose-too-slow"
_PLATEAU = _E + "diagnose-plateau"
_CLOCK = _E + "diagnose-the-clock"
_ADVICE = _E + "diagnose-advice"
_FIRST = _E + "diagnose-against-the-first-loss"
_GUARD = _E + "diagnose-the-guard"
_CALIBRATION = _E + "diagnose-confidence-on-a-new-family"
_PROBE = _E + "diagnose-a-range-test-at-the-head"
_LEVEL = _E + "diagnose-too-low-on-the-built-in-tasks-what-the-zoo-cannot-decide"
#: The thresholds chosen by leave-one-family-out on the zoo corpus (``benchmarks/diagnose_zoo.py``).
_ZOO = "BENCHMARKS.md#diagnose_zoo"
@policy_record
class DiagnosePolicy(Policy):
    """The tuned numbers of :func:`lrkit.diagnose`: spikes, rise, swings, pace, plateau, clock, advice.

    Example:
        >>> p = DiagnosePolicy()
        >>> p.spike_z, p.rise_frac, p.progress_z, p.decayed
        (8.0, 0.5, 3.0, 0.5)
        >>> DiagnosePolicy(stall_share=0.03).stall_share
        0.03
    """

    # -- units, noise and levels ---------------------------------------------------------------
    noise_floor: float = tuned(
        1e-3, "smallest step noise, in units of the curve's 5-95% spread: a noiseless curve must not "
        "give infinite z-scores", _LEVELS, positive)
    level_fraction: float = tuned(
        0.1, "the start and end levels are medians over this fraction of the run: long enough to average "
        "the noise, short enough to be a level", _LEVELS, fraction)
    min_level_points: int = tuned(
        3, "a level is the median of at least this many points (the first three also catch a drop made "
        "in a handful of steps)", _LEVELS, at_least(1, whole=True))
    smooth_fraction: float = tuned(
        0.05, "the running median that finds the best level spans this fraction of the run, so the "
        "lowest of about 20 medians is the minimum", _LEVELS, fraction)
    min_smooth_points: int = tuned(
        5, "the running medians span at least this many points (a spike of 2 cannot move them)",
        _LEVELS, at_least(3, whole=True))
    local_fraction: float = tuned(
        0.1, "the local step noise is a running median over this fraction of the run: minibatch noise "
        "shrinks as the loss falls", _LEVELS, fraction)
    local_noise_min: float = tuned(
        0.1, "the local noise is never below this fraction of the whole run's, so a quiet stretch "
        "cannot make every residual huge", _LEVELS, fraction)
    # -- spikes (_spikes.py) ---------------------------------------------------------------------
    spike_z: float = tuned(
        8.0, "an onset stands this many noise SDs above the medians on both sides", _SPIKES, positive)
    spike_max_len: int = tuned(
        3, "the z-score's side windows are twice this long, so a run of up to this many points cannot "
        "move them", _SPIKES, integer)
    spike_rel: float = tuned(
        0.5, "an onset undoes at least this fraction of the run's progress: a spike worth acting on "
        "undoes real progress", _SPIKES, positive)
    spike_tail: float = tuned(
        10.0, "an onset's z is at least this multiple of the largest z the loss's own heavy tail "
        "reaches in n steps", _SPIKES, positive)
    spike_rate: float = tuned(
        1.0, "more events than this many per 100 steps are the loss's texture or an oscillation, not "
        "bad batches", _SPIKES, positive)
    min_spike_cap: int = tuned(
        3, "the cap on events is never below this many (short runs)", _SPIKES, integer)
    return_frac: float = tuned(
        0.2, "an excursion must come back within this fraction of the run: a kick is re-learnt on the "
        "time scale of the initial drop", _SPIKES, fraction)
    return_rel: float = tuned(
        0.1, "back means within this fraction of the progress of the level before the onset (plus "
        "return_z standard errors)", _SPIKES, fraction)
    return_z: float = tuned(
        3.0, "standard errors of the two medians compared, added to the return tolerance", _SPIKES,
        positive)
    blowup_frac: float = tuned(
        0.1, "a spike before the loss made this fraction of its progress (in the first level window) is "
        "the first updates blowing up", _SPIKES, fraction)
    blowup_lookback: int = tuned(
        10, "the level just before a possible early blow-up is the median of this many points",
        _SPIKES, integer)
    # -- a rate range test at the head (_probe.py) --------------------------------------------------
    probe_tolerance: float = tuned(
        0.01, "a range test's rate rises by one factor every step: each step's log-ratio within this share "
        "of the median (rates logged to 4 significant digits stay within 0.1%)", _PROBE, positive)
    probe_decades: float = tuned(
        2.0, "... over at least this many decades (the Autopilot's probe spans 3-6; a warmup's ratio falls "
        "step after step, so it never rises geometrically that far)", _PROBE, positive)
    probe_drop: float = tuned(
        2.0, "... and the run goes on at a rate below the ramp's last by at least this factor (the Autopilot "
        "backs off 1.3-3 decades; an exponential warmup goes on from its peak)", _PROBE, at_least(1.0))
    # -- against the first loss (_shape.py) ---------------------------------------------------------
    peak_points: int = tuned(
        5, "the peak is the highest level of a running median of this many points: a bad batch or two "
        "cannot make it", _FIRST, at_least(3, whole=True))
    middle_band: float = tuned(
        0.05, "the level at the middle of the run is the median over this half-width around it", _FIRST,
        fraction)
    skew_points: int = tuned(
        9, "the skewness of the noise is read from the residuals of a running median of this many points",
        _FIRST, at_least(3, whole=True))
    blowup_excess: float = tuned(
        1.0, "blew up: the loss rose above its first value by more than this many times its whole "
        "descent ...", _ZOO, positive)
    blowup_z: float = tuned(
        3.0, "the raw losses' highest level (spikes included) stands this many standard errors above the "
        "first loss, beyond chance, in the guard's hard fact spiked_over_descent", _GUARD, positive)
    blowup_peak_z: float = tuned(
        1.0, "... by this many standard errors of one batch against the peak's median, beyond the "
        "sqrt(2 ln N) that the highest of N window medians reaches by chance (noise alone must not read as "
        "a blow-up) ...",
        _ZOO, positive)
    recovered_rise: float = tuned(
        0.05, "... and did not recover: it ends above its best by more than this share of the descent, "
        "or within recovered_z standard errors of its first loss", _ZOO, positive)
    recovered_z: float = tuned(
        30.0, "a run that ends this many standard errors below its first loss has recovered", _ZOO, positive)
    blowup_recovered_z: float = tuned(
        30.0, "an early blow-up in a run that recovered (ended within recovered_rise of its best and this "
        "many standard errors below its first loss, as the peak test's recovered_z) is uncertain, naming "
        "too_high_diverging: the first updates' catapult at the best rate (plain SGD, fine-tuning) reads the "
        "same as a rate too high that recovered to a higher level; 20 or less breaks the confidence >= 0.8 "
        "held out (1e9: always commit)", _E + "diagnose-a-blow-up-the-run-recovered-from", at_least(0.0))
    first_rise_hold: bool = tuned(
        False, "opt-in: a too_high_diverging reading decided by a rise above the first loss (peak, above) "
        "whose history from the second loss on shows nothing moved and no rise of its own is uncertain, "
        "naming it: the rise rests on one batch, and a first batch easier than the rest at a rate too low "
        "to move anything reads the same as a blow-up on the first update that stayed; off by default: the "
        "zoo holds no run of the first kind and one of the second, so no fold chooses it",
        _E + "diagnose-a-rise-that-rests-on-the-first-loss", nested(bool))
    blowup_descending_z: float = tuned(
        1e9, "an early blow-up followed by a descent still under way (the loss fell by more than this many "
        "standard errors over the last half of the run's time, and ended more than still_z below its first "
        "loss) is uncertain, naming too_high_diverging: the level the run will settle at, which tells a "
        "catapult at the best rate from a rate too high, is not reached yet (1e9: off)",
        _E + "diagnose-a-blow-up-with-its-descent-under-way", at_least(0.0))
    weight_growth_hold: float = tuned(
        0.0, "a 'lower the rate' reading (too_high_*) of a history whose weight norm ended at most this many "
        "times its first value is uncertain, naming the verdict: a rate too high inflates the weights (it "
        "pumps them along the sharp directions it swings in; under normalization every update adds its "
        "square to |w|^2), while a catapult at a workable rate, or a loss drifting at one, leaves their norm "
        "where it was; read only when weight norms are given (0: off)",
        _E + "diagnose-live-the-weight-norm", at_least(0.0))
    above_start_z: float = tuned(
        2.0, "ended above its first loss y_0 by this many standard errors (one batch against the end level): "
        "diverging; below, but within still_z of its lower start reading, uncertain (nothing measurable "
        "moved)", _ZOO, positive)
    still_z: float = tuned(
        2.0, "nothing measurable moved: the end level less than this many standard errors below the first "
        "reading, or above it (noise is two-sided: a dead run's flat history ends a hair below its start as "
        "often as above; the margin above_start_z asks upward)", _E + "diagnose-nothing-moved",
        at_least(0.0))
    stall_share: float = tuned(
        0.05, "stalled: the second half of the run made less than this share of its drop", _ZOO, fraction)
    drift_rise: float = tuned(
        0.03, "stalled and back above its best by more than this share of the descent ...", _ZOO, positive)
    drift_z: float = tuned(
        2.0, "... by this many standard errors beyond the sqrt(2 ln N) that the lowest of N window medians "
        "falls below a flat level by chance: the rate keeps it from settling (too high) ...", _ZOO, positive)
    drift_hint_z: float = tuned(
        2.0, "a stalled run back above its best by drift_rise and this many standard errors, not beyond "
        "chance, is never 'healthy' or 'plateau' (the guard's at_limit): a plateau of noise and a rate too "
        "high to settle both end there, and one history cannot say which", _ZOO, positive)
    drift_skew: float = tuned(
        0.8, "... or, when the noise is right-skewed beyond this (steps that overshoot now and then: a "
        "second sign of a rate past its limit) ...", _ZOO, positive)
    drift_skew_z: float = tuned(
        0.5, "... by this many standard errors beyond chance (two signs together need less of each)", _ZOO,
        positive)
    slow_share: float = tuned(
        0.15, "too slow: the second half made more than this share of the drop (a good rate makes most of "
        "it early) ...", _ZOO, fraction)
    slow_min_updates: int = tuned(
        100, "... over a history spanning at least this many updates: ten times the transient of momentum "
        "and Adam (1/(1 - beta1) = 10 updates at beta1 = 0.9), so that the last decade of time the pace is "
        "read on begins after it; before, any rate's first descent reads as speeding up. The floor when the "
        "optimizer's momentum is known: plain SGD's first 50 losses read 'raise' at its best rate too (a "
        "network's own first steps are a transient) (0: off)",
        _E + "diagnose-too-slow-and-the-optimizers-transient", at_least(0, whole=True))
    slow_transients: float = tuned(
        10.0, "... and, when diagnose is given the optimizer's momentum m (Adam's beta1), at least this many "
        "of its transients 1/(1 - m): 1,000 updates at beta1 = 0.99, whose first 100-500 losses at its best "
        "rate read 'raise' (0: off)", _E + "diagnose-too-slow-and-the-optimizers-transient", at_least(0.0))
    onset_wait: float = tuned(
        0.0, "not when the loss took at least this share of the history to make its first onset_drop of its "
        "drop: it waited near its start, then fell (a transformer's or a recall RNN's plateau, at any rate), "
        "and a pace read from the first update sees that onset as a loss still speeding up; a rate too low "
        "crawls from its first update (a linear crawl makes a tenth of its drop in a tenth of its time, a "
        "bending one sooner), so a wait twice that long is no crawl (0: off; LIVE_POLICY: 0.2)",
        _E + "diagnose-too-slow-and-a-late-onset", check_unit)
    onset_drop: float = tuned(
        0.1, "... the share of its drop (start level to end level) by which the smoothed loss must have "
        "fallen for its descent to have begun (a twentieth is within the noise of a start level read from a "
        "few noisy first losses)", _E + "diagnose-too-slow-and-a-late-onset", fraction)
    slow_skew: float = tuned(
        0.5, "... with noise no more right-skewed than this (a rate near its best makes the loss jump up "
        "now and then)", _ZOO, positive)
    starved_rise: float = tuned(
        0.3, "never 'raise the rate' on a run that lost back more than this share of its descent from its "
        "best level: a rate too low descends without losing ground", _ZOO, positive)
    starved_giveback: float = tuned(
        0.1, "... nor on one whose smoothed loss rose back above its lowest level so far by more than this "
        "share of its descent (beyond chance) at any point, recovered or not: a rate too low descends "
        "without losing ground on the way down either, and a live report may read a run just after it came "
        "back; 0.1, not 0.2, also clears a too-high run read at 200 losses (100: off)",
        _E + "diagnose-ground-lost-on-the-way-down", positive)
    starved_val_rise: float = tuned(
        0.05, "... nor on one whose validation loss rose back by more than this share of its drop (a higher "
        "rate would not help what a validation rise shows)", _GUARD, positive)
    starved_swing: float = tuned(
        1.0, "... nor on one whose swings around the best decreasing curve exceed this many times the step "
        "noise (a rate at its limit swings; a rate too low does not)", _ZOO, positive)
    starved_swing_val: float = tuned(
        1.05, "... the swing threshold instead when the validation loss is still at its best at its last "
        "evaluation: it says the rate has not reached its limit, so a swing must be clearer", _ZOO, positive)
    overfit_val_rise: float = tuned(
        0.05, "a slow run whose one sign against 'raise the rate' is a validation loss that rose back by "
        "more than this share of its drop (and no jump above its first loss) is overfitting at a rate that "
        "learns: healthy, not uncertain; at starved_val_rise or below, every such rise counts (higher "
        "values lost held out)", _ZOO, positive)
    starved_peak: float = tuned(
        1.0, "... nor on one whose loss (spikes removed) rose above its first value by more than this many "
        "times its whole descent, significant or not: issue 14's 'spiked by more than its descent'", _GUARD,
        positive)
    limit_peak: float = tuned(
        0.2, "never 'healthy' or 'plateau' on a run whose loss rose above its first value (y_0 itself) by "
        "more than this share of its whole descent before it fell: a rate at its limit settles higher than a "
        "lower one would, which one history cannot show", _ZOO, positive)
    limit_val_rise: float = tuned(
        0.3, "... nor on one that rose above its first value by limit_peak_val of its descent and whose "
        "validation loss rose back from its best by more than this share of its drop ...", _ZOO, positive)
    limit_peak_val: float = tuned(
        0.03, "... (a validation rise alone is as often overfitting at a good rate: it needs a jump too)",
        _ZOO, positive)
    plateau_drop: float = tuned(
        30.0, "a stalled run is told to decay ('plateau') only when its loss fell by more than this many "
        "times the noise of one loss (start level to end level, whatever the history's length): a stall "
        "after a fall that small against its noise is a rate too high (a high noise floor) or too low (a "
        "crawl a higher rate would leave), which one history cannot tell, and the reading is uncertain, "
        "naming plateau; chosen in 11 of 12 folds among 0/10/20/30/40 (0: off)",
        _E + "diagnose-a-plateau-at-a-rate-too-low", at_least(0.0))
    plateau_skew: float = tuned(
        -1e9, "... and only when its noise is right-skewed beyond this (steps that overshoot now and then, "
        "drift_skew's sign of a rate at its limit, whose noise floor a decay lowers): an opt-in, chosen off "
        "in 12 of 12 folds among off/0/0.5/0.8 (0 reads ux15's clipped regression at a tenth of its best "
        "rate uncertain; -1e9: off)", _E + "diagnose-a-plateau-at-a-rate-too-low", at_least(float("-inf")))
    # -- diverging: the rise -------------------------------------------------------------------
    rise_frac: float = tuned(
        0.5, "diverging when the end level sits above the best by more than this fraction of the "
        "descent from the first loss", _ZOO, positive)
    rise_z: float = tuned(
        4.0, "... and by this many standard errors of the difference (both levels are medians; the "
        "best is the lowest of ~20)", _RISE, positive)
    # -- oscillating ---------------------------------------------------------------------------
    osc_q: float = tuned(
        2.5, "mean squared residual of the best non-increasing fit, in local noise units: 0.97 for "
        "Gaussian noise, 4+ for sustained swings", _SWING, positive)
    osc_clip: float = tuned(
        3.0, "each residual term is clipped at this many noise units, so a heavy tail's rare outliers "
        "cannot carry Q", _SWING, positive)
    zigzag: float = tuned(
        1.5, "lag-1 over lag-2 difference spread above this is a zig-zag (1 for i.i.d. noise)",
        _SWING, at_least(1.0))
    swing_commit: float = tuned(
        2.0, "the oscillation and zig-zag tests, deciding alone, commit to too_high_oscillating only past "
        "this many times their threshold; from the threshold up to it the reading is uncertain, naming "
        "too_high_oscillating as runner-up: swings that no falling curve explains are a rate past its "
        "limit on some families and the loss's own texture on others (1: always commit; 100: never)",
        _SWING_ZOO, at_least(1.0))
    # -- too slow ------------------------------------------------------------------------------
    early_frac: float = tuned(
        0.8, "a run that made this share of its drop by early_window is converged, not crawling "
        "(a too-low rate gives 0.1-0.7)", _SLOW, fraction)
    early_window: tuple[float, float] = tuned(
        (0.1, 0.2), "the early level is the median over this span of the run", _SLOW,
        check_span)
    early_z: float = tuned(
        2.0, "the early share counts only for a total drop of at least this many standard errors "
        "(below, it is a ratio of noise)", _SLOW, positive)
    progress_z: float = tuned(
        3.0, "significance of 'progress was made' (and of the last decade's drop), in standard errors",
        _SLOW, positive)
    first_fall_z: float = tuned(
        1e9, "... or, measured from the first loss y_0 itself, an end level more than this many standard "
        "errors (one batch against the end level) below it: a loss that fell in its first few updates and "
        "then sat in its noise made progress the start level (the median of its first losses) hides, and is "
        "not told 'no measurable progress, raise the rate' (1e9: off; LIVE_POLICY: 2, still_z's margin of "
        "'something measurable moved')", _E + "diagnose-a-fall-in-the-first-updates-read-live", positive)
    # -- plateau -------------------------------------------------------------------------------
    noiseless: float = tuned(
        1e-4, "end noise below this fraction of the progress is an exact optimum, not a plateau", _PLATEAU,
        positive)
    decayed: float = tuned(
        0.5, "the rate counts as decayed when its mean over decay_window, or its last value, is below this "
        "fraction of its peak (a cool-down under way in the window is decaying it)", _PLATEAU, fraction)
    decay_window: float = tuned(
        0.1, "the last fraction of the run whose mean rate decides 'decayed': the end level's window "
        "(level_fraction), the rate the flat end was read at (a window of 30% misses a cool-down over the "
        "last 20%, wsd's and the Autopilot's: its mean there is 0.56 of the peak)", _PLATEAU, fraction)
    # -- the clock (_timescale.py) ---------------------------------------------------------------
    band_width: float = tuned(
        0.15, "the log-time bands are this many decades either side of 1/100, 1/10 and all of the "
        "effective time", _CLOCK, positive)
    half_band: float = tuned(
        0.05, "the level at half the effective time is the median over this half-width around 1/2",
        _CLOCK, fraction)
    end_band: float = tuned(
        0.9, "the end level of the half-time test is the median from this fraction of the effective time",
        _CLOCK, fraction)
    # -- advice (_advice.py) -------------------------------------------------------------------
    cut: float = tuned(
        3.0, "too high: divide the rate by about this (a curve places the rate within half a decade)",
        _ADVICE, at_least(1.0))
    big_cut: float = tuned(
        10.0, "divide (or multiply) by this when the run ended above its start, hit NaN or made no "
        "progress", _ADVICE, at_least(1.0))
    very_slow_ratio: float = tuned(
        5.0, "a decade ratio above this is a run on its first linear descent: multiply by big_cut",
        _ADVICE, positive)
    levelling_ratio: float = tuned(
        0.8, "a healthy run whose last decade of time gained at least this many times the decade before "
        "(a power law t^-a with a < 0.1: bending under 10% a decade) has not begun to level off: its words "
        "and runner-up say a rate too low looks the same (no verdict reads it)", _LEVEL, positive)
    early_turn: float = tuned(
        0.2, "a turn upward before this fraction of the run also asks for warmup", _ADVICE, fraction)
    warmup_factor: float = tuned(
        2.0, "suggested warmup: this many times the steps before the trouble, in round numbers",
        _ADVICE, positive)
    min_warmup: int = tuned(
        50, "the suggested warmup counts at least this many steps before the trouble", _ADVICE, integer)
    clip_factor: float = tuned(
        2.0, "suggested gradient clipping: this many times the median gradient norm before the trouble",
        _ADVICE, positive)
    plateau_onset: float = tuned(
        0.05, "a plateau starts where the smoothed loss comes within this fraction of its total drop of "
        "the final level", _ADVICE, fraction)
    min_confidence: float = tuned(
        0.5, "the raw score of a verdict that fired (and of healthy) is at least this", _ADVICE, fraction)
    advice_floor: float = tuned(
        0.05, "a verdict whose calibrated confidence is below this, while a test that would move the rate "
        "the other way is at or past its threshold, is reported uncertain, with the verdict as its runner-up "
        "and its advice quoted as a hypothesis to check: on a new workload it is right too rarely to act on "
        "against that evidence (0: off)", _ZOO, check_unit)
    unmeasured_max: float = tuned(
        0.75, "a verdict the calibration has no steps for (no labelled held-out run measured it) keeps its "
        "raw score up to this: below the 0.8 that measured verdicts must earn by being right 95% of the "
        "time on families the fit never saw", _CALIBRATION, fraction)
    calibration: tuple = tuned(
        CALIBRATION, "per verdict, steps (upper edge of the raw score, calibrated confidence), fitted on "
        "the zoo's families; a verdict without steps keeps its raw score", _ZOO,
        check_calibration)


#: The policy of a live reader (``lrkit.torch.Watchdog``; ``Monitor(policy=LIVE_POLICY)``): ``diagnose``'s
#: default, except that an early blow-up whose descent is still under way is ``uncertain``, naming
#: ``too_high_diverging`` (``blowup_descending_z`` at ``still_z``, the margin of "something measurable
#: moved"): a report made while the run goes on comes before the level that tells a catapult at the best
#: rate from a rate too high, and the next report reads it again. Chosen by leave-one-family-out over the
#: zoo's first reports (2 in 11 of 12 folds among 1e9, 8, 5, 3, 2, 1; BENCHMARKS.md#diagnose_live_policy).
#: ``diagnose``'s default stays off: its confidence map, fitted on whole runs, would claim 0.92 on a family
#: held out where the verdict is right on two in three (docs/evidence.md#diagnose-a-blow-up-read-live).
#: ``weight_growth_hold = 1.1`` acts only on weight norms, which a Watchdog reads with ``weight_norms=True``
#: (off by default): the value 10 of 12 folds chose, but the choice does not hold out (the transformer
#: fold's pick holds 27 right readings; BENCHMARKS.md#diagnose_step_norms), so it is an opt-in.
#: ``onset_wait = 0.2``: a history whose loss waited a fifth of it near its start before it fell is not
#: told to raise the rate from its pace; ``first_fall_z = 2``: a loss that fell in its first updates, then
#: sat in its noise, made progress (both chosen by leave-one-family-out over the zoo's first reports;
#: BENCHMARKS.md#diagnose_live_onset); ``diagnose``'s default, reading whole runs, keeps both off.
LIVE_POLICY = DiagnosePolicy(blowup_descending_z=2.0, weight_growth_hold=1.1, onset_wait=0.2,
                             first_fall_z=2.0)
