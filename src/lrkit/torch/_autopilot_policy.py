"""``AutopilotPolicy``: every tuned number of the Autopilot, with its reason and its evidence.

The phases (probe, warmup, main), the guard and the plateau reaction are mechanism, in
``_autopilot.py``, ``_autopilot_probe.py`` and ``_autopilot_guard.py``; their numbers are the
fields below, passed as ``Autopilot(policy=...)``. The probe is a range test, so the finder's
own numbers (its stop rule, smoother and valley rules) come with it as a nested
:class:`lrkit.finder.FinderPolicy`. Fractions of the budget ``B`` are in updates.
"""

from __future__ import annotations

from typing import Any

from lrkit._policy import (Policy, at_least, choice, fraction, integer, nested, non_negative, policy_record,
                           positive, rate_band, tuned)
from lrkit.errors import LRKitError
from lrkit.finder import FinderPolicy
from lrkit.finder._policy import RULE_NAMES

__all__ = ["AutopilotPolicy"]

#: The optimizer kinds (``lrkit.torch.optimizer_kind``), for the fields that name some.
KINDS = ("adaptive", "momentum", "plain")

_E = "docs/evidence.md#"
_PROBE = _E + "autopilot-the-probe"
_PEAK = _E + "autopilot-the-peak"
_PLAIN = _E + "autopilot-plain-sgds-peak"
_RACE = _E + "autopilot-the-race"
_FLOOR = _E + "autopilot-a-floor-under-a-strong-valley"
_WEAK = _E + "autopilot-the-band-under-an-adaptive-weak-reading"
_EDGE = _E + "autopilot-where-across-an-adaptive-valley"
_DENSITY = _E + "autopilot-an-adaptive-reading-and-the-ramps-density"
_NOVALLEY = _E + "autopilot-a-ramp-with-no-valley"
_NOISE = _E + "autopilot-a-ramp-with-no-valley-quiet-or-noisy"
_ANCHOR = _E + "autopilot-the-blow-up-anchor-for-momentum"
_MAIN = _E + "autopilot-the-main-phase"
_TRIAL = _E + "autopilot-a-trial-of-the-rate-in-the-main-phase"
_AVERAGE = _E + "autopilot-a-tail-average"
_GUARD = _E + "autopilot-the-guard"
_UNTRAINED = _E + "autopilot-a-run-that-did-not-train"
_REACT = _E + "autopilot-without-a-budget"
_AGE = _E + "autopilot-the-optimizers-step-age"


def _names(name: str, value: Any, owner: str, allowed: tuple[str, ...],
           empty: bool = True) -> tuple[str, ...]:
    """A tuple of names from ``allowed`` (a single name is a tuple of one; ``empty``: () allowed)."""
    names = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, (tuple, list)) else None
    if names is None or (not names and not empty) or any(n not in allowed for n in names):
        raise LRKitError(f"`{name}` of {owner} must be a tuple of names from {allowed}; got {value!r}.")
    return names


def _rules(name: str, value: Any, owner: str) -> tuple[str, ...]:
    """A non-empty tuple of registered rule names."""
    return _names(name, value, owner, RULE_NAMES, empty=False)


@policy_record
class AutopilotPolicy(Policy):
    """The tuned numbers of :class:`lrkit.torch.Autopilot`: probe, peak, schedule, guard, reaction.

    Example:
        >>> p = AutopilotPolicy()
        >>> p.max_probe, p.ramp_fraction, p.clip_below, p.clip_above, p.cooldown
        (100, 0.25, 30.0, 3.0, 0.2)
        >>> AutopilotPolicy(cooldown=0.1).replace(max_probe=50)
        AutopilotPolicy(max_probe=50, cooldown=0.1)
    """

    # -- the probe (_autopilot_probe.probe_plan, probe_range) ------------------------------------
    max_probe: int = tuned(
        100, "a probe takes at most this many updates (a range test's usual length), and a rolled-back "
        "probe without a budget exactly this many", _PROBE, at_least(10, whole=True))
    min_ramp: int = tuned(
        16, "a ramp takes at least this many updates: the rules need 8 usable points through minibatch "
        "noise (16 beat 10 at a 40-update budget)", _PROBE, at_least(2, whole=True))
    ramp_fraction: float = tuned(
        0.25, "a ramp takes this fraction of the budget (it is also the warmup, counted in the budget)",
        _PROBE, fraction)
    max_ramp_fraction: float = tuned(
        0.5, "... and never more than this fraction of it", _PROBE, fraction)
    rollback_fraction: float = tuned(
        0.1, "a rolled-back probe takes this fraction of the budget (paid from it)", _PROBE, fraction)
    min_rollback: int = tuned(
        10, "a rolled-back probe takes at least this many updates: the points a range test reads",
        _PROBE, at_least(10, whole=True))
    adaptive_band: tuple[float, float] = tuned(
        (1e-4, 1.0), "a ramp's rates for an adaptive optimizer, whose update is about the rate per "
        "coordinate (a ramp topping out at 0.1 did worse at budgets of 40 and 100)", _PROBE, rate_band)
    default_headroom: float = tuned(
        100.0, "an adaptive band's top lies at least this factor above the optimizer class's documented "
        "default lr, a rate its authors call safe: Adam's 1e-3 sits 1000x under the top, RMSprop's and "
        "Adagrad's 1e-2 100x, so no zoo kind's band moves; a class whose rate is a multiplier near 1 "
        "(torch's Adadelta) has the band raised by the shortfall, its width kept", _PROBE, at_least(1.0))
    adaptive_floor: float = tuned(
        1e-5, "a rolled-back probe of an adaptive optimizer starts here, a decade below the ramp (its "
        "updates are not paid from the budget)", _PROBE, positive)
    sgd_band: tuple[float, float] = tuned(
        (1e-5, 10.0), "an SGD rate has the gradient's units, so its probe sweeps the whole plausible "
        "range", _PROBE, rate_band)
    ramp_pace: str = tuned(
        "budget", "a ramp's length by kind: 'budget', every kind's ramp the same updates (ramp_fraction, at "
        "most max_probe); 'decades', those are sgd_band's and a kind whose band spans fewer decades takes "
        "fewer (the same updates per decade: the pace sets where the loss answers a rate); 'decades' wins "
        "the transformers in-sample and loses held out by family (8.67 vs 8.42)", _PROBE,
        choice("budget", "decades"))
    age_correction: bool = tuned(
        False, "divide each update's rate by the optimizer's step age a_k = u_k / u_settled (its update "
        "per unit rate at state age k over its settled one, measured on a copy under a constant gradient), "
        "for an adaptive step that settles and departs from its settled size (torch's RMSprop: 10x at its "
        "first update, no bias correction), so the ramp and the main phase read and run the settled step; "
        "the Adam family, Adagrad and steps that never settle are unchanged bit for bit", _AGE,
        nested(bool))
    age_horizon: int = tuned(
        1000, "... the copy's updates: RMSprop's 1/sqrt(1 - 0.99^k) is within 0.01% of 1 by then, and a step "
        "still moving between half of it and all of it never settles within a budget (Adagrad's 1/sqrt(k), "
        "RAdam's rectification, Adadelta's growth: their own schedules)", _AGE, at_least(4, whole=True))
    age_settled: float = tuned(
        0.01, "... the step has settled when its size at the horizon is within this fraction of its size at "
        "half of it", _AGE, positive)
    age_tolerance: float = tuned(
        1.1, "... and is corrected only where some update lies more than this factor from its settled size: "
        "within a ramp's step from one rate to the next (1.096 at 100 updates over four decades) no reading "
        "can move (AdamW's weight decay moves its step by 2%)", _AGE, at_least(1.0))
    max_states: int = tuned(
        20, "a ramp keeps at most this many CPU snapshots (one every ceil(P / 20) updates) to go back to "
        "the last update below the peak", _PROBE, integer)
    finder: FinderPolicy = tuned(
        FinderPolicy(weak_rule="minimum/10", weak_rule_sigmas=8.0, descent_floor=0.0), "the probe is a range "
        "test: the finder's stop rule, smoother and rules read it; a valley under 8 noise SDs, whose "
        "half-depth crossings are noise, is read by minimum/10 as find_lr reads it (only where the ramp "
        "turned: weak_rule_when); its blow-up anchor (find_lr's weight and distances) on the kinds in "
        "anchor_kinds; find_lr's descent floor off (measured on its sweeps, not on the ramp)", _PEAK,
        nested(FinderPolicy))
    weak_rule_when: str = tuned(
        "turned-or-anchored", "where finder.weak_rule reads a weak valley: 'always', or only on a ramp "
        "whose loss turned (rose back or blew up): minimum/10 reads the minimum of a curve that went past "
        "it, and a ramp still falling at its top has none (there it reads a rate far too low for short Adam "
        "runs); or also where the anchor (anchor_kinds) ties the reading to the ramp's top (chosen on the "
        "zoo; tied with 'turned' held out by family)", _PEAK,
        choice("always", "turned", "turned-or-anchored"))
    # -- the peak (_autopilot_peak.peak_rule, probe_peak) ----------------------------------------
    anchor_kinds: tuple[str, ...] = tuned(
        ("momentum",), "the optimizer kinds whose ramp reading is pulled towards the finder's blow-up anchor "
        "(finder.anchor_weight of the way to anchor_decades below the blow-up, or the ramp's top): SGD with "
        "momentum answers a rate ~1/(1-momentum) updates late, so its valley on a fast ramp lies decades "
        "above the rates that made it; chosen in every fold against no anchor", _ANCHOR,
        lambda n, v, o: _names(n, v, o, KINDS))
    adaptive_peak: str = tuned(
        "falling", "an adaptive optimizer's peak rule on the ramp (its update is about the rate per "
        "coordinate, so the blow-up edge says little)", _PEAK, choice(*RULE_NAMES))
    adaptive_factor: float = tuned(
        1.0, "an adaptive optimizer's peak is its rule's rate times this", _PEAK, positive)
    adaptive_edge_weight: float | None = tuned(
        None, "the fraction w in (0, 1) of the way from the valley's fast descent to its edge where an "
        "adaptive optimizer's 'default' rule reads (None: finder.edge_weight; 'falling' reads w = 0): the "
        "descent comes early on a short ramp, the edge late; 0.2 wins rnn-adding and loses the Adam "
        "language models: held out by family a gain within seed noise, the built-in tasks worse", _EDGE,
        lambda n, v, o: None if v is None else fraction(n, v, o))
    adaptive_progress_exponent: float = tuned(
        0.0, "beta: an adaptive optimizer's clear reading (its own valley rule on a drop of at least "
        "finder.weak_rule_sigmas noise SDs) is moved by (k / k0) ** beta, k the ramp's rates per decade, k0 "
        "the 12.4 the finder's rules were calibrated at (k / k0 held within finder.progress_max_ratio): one "
        "update per rate, so a denser ramp has trained more by the same rate and reads its descent lower, "
        "the finder's progress law (finder.progress_exponent); 0, off, the default: 0.5 and 1 score 7.51 and "
        "7.66 on the zoo against 7.40, chosen in 1 of 12 folds by family (the fine-tuned BERTs lose what the "
        "LSTM and the character LMs gain), the built-in tasks 2.18 -> 2.04 / 2.39", _DENSITY, non_negative)
    momentum_peak: str = tuned(
        "default", "SGD with momentum: the peak rule on the ramp", _PEAK, choice(*RULE_NAMES))
    momentum_factor: float = tuned(
        1.0, "SGD with momentum: the peak is its rule's rate times this", _PEAK, positive)
    plain_peak: str = tuned(
        "default", "plain SGD: the peak rule on the ramp (its blow-up is the curvature's edge)", _PEAK,
        choice(*RULE_NAMES))
    plain_factor: float = tuned(
        2.0, "plain SGD: the peak is its rule's rate times this (never above r / clip_above): a step "
        "without momentum answers the onset of instability at once, so a whole run's best rate sits near "
        "its ramp's blow-up (r/5 in the zoo's median, r/30-r/40 with momentum or an adaptive step) and "
        "one third across the valley reads it 0.58 decades low; 2 chosen in 12 of 12 folds by family "
        "among 1, 1.5, 2, 3 (held out 7.55 vs 8.12), the built-in tasks 2.15 -> 2.18", _PLAIN, positive)
    response_lag: float = tuned(
        0.0, "the ramp's loss at update k is read against the rate of update k - lag, lag = this / (1 - "
        "momentum): a run with momentum answers a rate over ~1 / (1 - momentum) updates", _PEAK,
        non_negative)
    fallback_rules: tuple[str, ...] = tuned(
        ("valley", "minimum/10"), "on a curve too noisy for the kind's rule, these rules in turn (the "
        "smoothed valley first)", _PEAK, _rules)
    clip_below: float = tuned(
        30.0, "a peak is at least r / this below a divergence at rate r (the classical 'a decade below "
        "the blow-up' band), unless a strong valley rule chose it", _PEAK, at_least(1.0))
    strong_clip_below: float | None = tuned(
        None, "an opt-in floor r / this under an adaptive optimizer's strong valley reading below a "
        "divergence at r (None, the default: no floor, only the cap r / clip_above); 100 wins the zoo by "
        "family and loses the held-out charlm, whose good rates lie r/300 and lower", _FLOOR,
        lambda n, v, o: _optional_ratio(n, v, o))
    adaptive_clip: str = tuned(
        "band", "an adaptive optimizer's reading other than its own rule on a strong valley (a weak valley, "
        "a fallback rule) below a divergence at r: 'band' clips it into [r / clip_below, r / clip_above] "
        "as SGD's; 'cap' only caps it at r / clip_above, as its strong reading (its blow-up is no "
        "curvature edge); 'cap' wins the zoo in-sample and loses it held out by family (its gain is the "
        "transformers')", _WEAK, choice("band", "cap"))
    no_valley_peak: str = tuned(
        "floor", "the peak after a ramp with no valley (its loss never fell) that blew up at r: 'floor', r / "
        "clip_below, the band's low end (the ramp knows where training breaks and nothing about where it "
        "works, and a guess too high can bounce without blowing up, where the guard has nothing to catch); "
        "'floor' chosen in 12 of 12 folds by family (held out 8.12 vs 8.42), the built-in tasks unchanged; "
        "'guess', the fallback rules' reading of its noise clipped into [r / clip_below, r / clip_above]; "
        "'race', the floor's peak and then a race of no_valley_race's multiples of it (an opt-in); 'noise' "
        "(an opt-in), r / no_valley_below's first divisor on a quiet ramp, r / its second on a noisy one: "
        "zoo 7.40 -> 3.80, but each half's gain lies in one zoo family (held out among the floor and each "
        "half 7.60 at six seeds) and on new families outside the zoo a plateau at chance reads noisy and "
        "loses (sparse parity), so it is not the default",
        _NOVALLEY, choice("guess", "floor", "race", "noise"))
    no_valley_below: tuple[float, float] = tuned(
        (10.0, 100.0), "with no_valley_peak='noise': a ramp with no valley that blew up at r takes r / the "
        "first on a quiet ramp (the loss flat and still: a plateau whose gradient is small, left at a rate "
        "a decade below the blow-up, the classical band's middle; the zoo's recall RNNs' best, r/10) and r / "
        "the second on a noisy one (a descent hidden under the batch noise, whose floor a lower rate cuts; "
        "the zoo's transformers' best, r/100); only the recall RNNs have quiet such ramps, so no held-out "
        "fold but theirs can judge the first", _NOISE, lambda n, v, o: _divisors(n, v, o))
    no_valley_quiet: float = tuned(
        0.03, "... a ramp is quiet when its batch noise (lrkit.finder.noise_scale) is under this fraction of "
        "its median loss (the zoo's recall RNNs 0.7-1.9%, its transformers 4.5-7.3%, its regressions "
        "28-66%: any value from 2% to 4.5% splits them alike; a sparse-parity plateau outside the zoo "
        "reads 3.0-4.3%)", _NOISE, positive)
    no_valley_race: tuple[float, ...] = tuned(
        (10.0, 1.0), "with no_valley_peak='race': these multiples of the floor r / clip_below are each "
        "trained from the rewound state and the lowest loss wins (10: r / 3, the band's top, where the "
        "recall RNNs' best rates lie; 1: the floor)", _NOVALLEY, lambda n, v, o: _factors(n, v, o))
    no_valley_race_fraction: float = tuned(
        0.12, "... each candidate trains this fraction of the budget, shortened to fit max_race_fraction "
        "(a plateau's race needs long segments: at 6% r/3 wins no recall-GRU run, at 12% 3 of 6)",
        _NOVALLEY, fraction)
    clip_above: float = tuned(
        3.0, "a peak is at most r / this below a divergence at rate r, and the plateau reaction never "
        "raises the rate above it", _PEAK, at_least(1.0))
    # -- the race (_autopilot_race) ----------------------------------------------------------------
    race_factors: tuple[float, ...] = tuned(
        (), "after a ramp, these multiples of its peak are each trained briefly from the same state and "
        "the lowest loss wins (empty: the ramp's peak, no race)", _RACE, lambda n, v, o: _factors(n, v, o))
    race_fraction: float = tuned(
        0.04, "a race candidate trains this fraction of the budget", _RACE, fraction)
    min_race: int = tuned(
        8, "... and at least this many updates (a score is a mean over several minibatches)", _RACE,
        at_least(2, whole=True))
    max_race_fraction: float = tuned(
        0.3, "no race when its updates would exceed this fraction of those left after the ramp", _RACE,
        fraction)
    race_score_fraction: float = tuned(
        0.5, "a candidate's score is the mean of this last fraction of its losses (the first ones "
        "still reflect the shared start)", _RACE, fraction)
    # -- the trial in the main phase (_autopilot_trial) --------------------------------------------
    trial_factors: tuple[float, ...] = tuned(
        (), "part-way into the main phase, these multiples of its rate each train from one state and are "
        "judged by the loss after a short side cool-down; the winner's factor holds to the end (empty: no "
        "trial, the default: on the zoo (1, 2) scores 9.41 and (1, 0.5) 11.0 against 8.12, neither chosen in "
        "any fold by family: its losing branch costs more than its reading gains)", _TRIAL,
        lambda n, v, o: _factors(n, v, o))
    trial_at: float = tuned(
        0.1, "... the trial starts at this fraction of the main phase (where the raise was measured)", _TRIAL,
        fraction)
    trial_fraction: float = tuned(
        0.2, "... each candidate trains this fraction of the main phase at its rate (at least min_race): the "
        "raise's side cool-down had the final sign on 25 of 35 zoo units after 20%, 18-19 after 5-10%",
        _TRIAL, fraction)
    trial_cooldown: float = tuned(
        0.05, "... then cools 1-sqrt to 0 over this fraction (at least min_race), scored by the mean loss of "
        "the cool-down's last half (the raise's reading: one segment of 5%)", _TRIAL, fraction)
    max_trial_fraction: float = tuned(
        0.35, "no trial when its paid updates (the losers' and every cool-down) would exceed this fraction "
        "of the main phase (two candidates pay 30%; the rest is rounding's margin)", _TRIAL, fraction)
    # -- the main phase (_autopilot_probe.main_schedule) -----------------------------------------
    main_shape: str = tuned(
        "wsd", "after a ramp: 'wsd' holds the peak and cools down over the last `cooldown`; 'cosine' and "
        "'linear' decay from the peak to 0 over the whole main phase; 'constant' holds it to the end (with "
        "average_tail: a constant-rate run's iterates averaged, as SWA)", _MAIN,
        choice("wsd", "cosine", "linear", "constant"))
    cooldown: float = tuned(
        0.2, "after a ramp, the peak is held, then cooled down over this last fraction of the main phase "
        "(wsd, 1-sqrt shape)", _MAIN, fraction)
    cooldown_shape: str = tuned(
        "1-sqrt", "the cool-down's shape (Hagele et al. 2024: the trapezoid with 1-sqrt matches cosine at "
        "a fixed budget)", _MAIN, choice("linear", "cosine", "1-sqrt"))
    average_tail: float = tuned(
        0.0, "with a known budget, the weights written into the model when it is spent are the mean of "
        "the iterates over this last fraction of the main phase (0: the last iterate)", _AVERAGE,
        lambda n, v, o: _closed_fraction(n, v, o))
    average_max_budget: int | None = tuned(
        None, "... and only when the budget is at most this many updates (None: any budget)", _AVERAGE,
        lambda n, v, o: None if v is None else integer(n, v, o))
    warmup_fraction: float = tuned(
        0.05, "after a rolled-back probe, linear warmup over this fraction of the budget", _MAIN, fraction)
    unknown_budget_probe: str = tuned(
        "ramp", "the probe's mode without a budget ('auto'): 'ramp', max_probe updates kept as the warmup, "
        "the run going on from the last one at or below the peak (as with a budget); 'rollback', max_probe "
        "updates rolled back, only their compute spent, then unknown_budget_warmup: a rolled-back probe "
        "and its warmup cost 4.6 of the zoo's 17.1 gap points, a ramp 1.5; 'ramp' with too_low_factor=1 "
        "chosen in 12 of 12 folds by family among the rules that react (held out 12.8 vs 17.1; at six "
        "seeds 12.7 vs 17.1, paired -5.0 +- 1.2, the transformers worse), the built-in tasks 28.9 -> 9.5",
        _REACT,
        choice("rollback", "ramp"))
    unknown_budget_warmup: int = tuned(
        100, "after a rolled-back probe without a budget, linear warmup over this many updates", _MAIN,
        at_least(0, whole=True))
    # -- the guard (_autopilot_guard) ------------------------------------------------------------
    snapshot_every: int = tuned(
        50, "healthy updates between rollback snapshots (a repeat within twice this cuts the rate)",
        _GUARD, integer)
    spike_z: float = tuned(
        15.0, "a loss spikes when it is above the recent median by this many robust SDs ...", _GUARD,
        positive)
    spike_ratio: float = tuned(
        3.0, "... and by this many times the recent losses' own tail (percentile above the median)",
        _GUARD, positive)
    spike_percentile: float = tuned(
        99.0, "the recent losses' tail is read at this percentile (minibatch losses have heavy right tails)",
        _GUARD, lambda n, v, o: _percentile(n, v, o))
    spike_history: int = tuned(
        100, "the spike test compares with the last this many healthy losses", _GUARD,
        at_least(2, whole=True))
    min_spike_history: int = tuned(
        20, "no spike is called before this many healthy losses", _GUARD, at_least(2, whole=True))
    ramp_ceiling: float | None = tuned(
        100.0, "a main-phase loss above the ramp's lowest by this many times its depth (its highest at or "
        "below the peak - its lowest: a constant added to the loss moves nothing) is a fault at once, "
        "where the spike test waits for min_spike_history losses: a run that far above its untrained loss "
        "is diverging, and a catapult that recovers (20-40x) stays under it (None: no ceiling)", _GUARD,
        lambda n, v, o: _optional_ratio(n, v, o))
    untrained_head: float = tuned(
        0.25, "a training loss that ended where it started is warned of (diagnose's still_z): its start "
        "level is the median of this share of the probe's first losses, its lowest rates (a decade or more "
        "under the band's top); three alone called trained linear-regression-sgd runs still", _UNTRAINED,
        fraction)
    untrained_tail: float = tuned(
        0.5, "... and its end level the median of this share of the main phase's last losses (at most "
        "spike_history), the decayed half of a trained run, long enough to read through batch noise (a "
        "tenth, 4 losses at a budget of 60, called trained diabetes-linear runs still)", _UNTRAINED, fraction)
    faults_in_row: int = tuned(
        2, "faults (spike, or NaN/inf from finite weights) in a row that roll back; fewer are skipped: a "
        "rate too high faults again on the next batch, one bad sample's batch does not (as GradScaler "
        "skips)",
        _GUARD, at_least(1, whole=True))
    fault_cut: float = tuned(
        0.5, "the rate multiplier after a rollback that repeats a recent one (the rate is too high)",
        _GUARD, fraction)
    # -- without a budget: the plateau reaction (_autopilot_guard.reaction) ----------------------
    check_every: int = tuned(
        100, "updates between diagnoses of the main phase when the budget is unknown", _REACT, integer)
    max_decays: int = tuned(
        3, "a plateau divides the rate by plateau_decay at most this many times", _REACT,
        at_least(0, whole=True))
    plateau_decay: float = tuned(
        0.1, "the rate factor for a plateau (the classical step decay)", _REACT, fraction)
    too_high_factor: float = tuned(
        0.5, "the rate factor for a too_high verdict", _REACT, fraction)
    too_low_factor: float = tuned(
        1.0, "the rate factor for too_low_slow before any decay (never above the probe's r / clip_above); "
        "1, the reading logged and the rate left alone: at the probe's peak the verdict is a coin's odds "
        "(of 82 zoo raises by 3, 43 from below the grid's best rate, 45 landing above its near-optimal "
        "band) and a raise is what reverses into a cut", _REACT, at_least(1.0))
    react_to: str = tuned(
        "fired", "what a check reacts to: 'fired', the first rate test that fired (a reading diagnose "
        "itself calls uncertain included); 'verdict', the committed verdict only ('uncertain' leaves the "
        "rate alone); they part on 10 of 258 zoo and built-in runs, 'verdict' does not hold out by "
        "family (17.17 vs 17.10 gap %), paired -0.17 +- 0.24: opt-in",
        _REACT, choice("fired", "verdict"))

    def _check_together(self) -> None:
        if self.min_spike_history > self.spike_history:
            raise LRKitError(f"`min_spike_history` of AutopilotPolicy must be <= spike_history "
                             f"({self.spike_history}); got {self.min_spike_history}.")
        if self.strong_clip_below is not None and self.clip_above > self.strong_clip_below:
            raise LRKitError(f"`strong_clip_below` of AutopilotPolicy must be None or >= clip_above "
                             f"({self.clip_above:g}); got {self.strong_clip_below:g}.")
        if self.clip_above > self.clip_below:
            raise LRKitError(f"`clip_above` of AutopilotPolicy must be <= clip_below ({self.clip_below:g}); "
                             f"got {self.clip_above:g}.")


def _factors(name: str, value: Any, owner: str) -> tuple[float, ...]:
    """A tuple of positive finite numbers (empty allowed)."""
    ok = isinstance(value, (tuple, list)) and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v < float("inf") for v in value)
    if not ok:
        raise LRKitError(f"`{name}` of {owner} must be a tuple of positive numbers; got {value!r}.")
    return tuple(float(v) for v in value)


def _divisors(name: str, value: Any, owner: str) -> tuple[float, float]:
    """A ``(quiet, noisy)`` pair of numbers, each at least 1."""
    ok = isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and 1.0 <= v < float("inf") for v in value)
    if not ok:
        raise LRKitError(f"`{name}` of {owner} must be a (quiet, noisy) pair of numbers >= 1; got {value!r}.")
    return float(value[0]), float(value[1])


def _optional_ratio(name: str, value: Any, owner: str) -> float | None:
    """``None`` or a number of at least 1."""
    return None if value is None else at_least(1.0)(name, value, owner)


def _closed_fraction(name: str, value: Any, owner: str) -> float:
    """A number in [0, 1]."""
    from lrkit.errors import check_range

    return check_range(name, value, owner, 0.0, 1.0)


def _percentile(name: str, value: Any, owner: str) -> float:
    from lrkit.errors import check_range

    return check_range(name, value, owner, 50.0, 100.0, high_open=True)
