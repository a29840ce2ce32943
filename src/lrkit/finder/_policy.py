"""``FinderPolicy``: every tuned number of the range test, with its reason and its evidence.

The mechanism (the sweep, the smoother, the stop rule, the half-depth valley, the wild
bootstrap) is in the other modules of :mod:`lrkit.finder`; the numbers they were tuned
with are here, in one frozen record passed as ``policy=`` to
:func:`~lrkit.finder.range_test`, :func:`~lrkit.finder.suggest`,
:func:`~lrkit.finder.bootstrap_interval`, :func:`~lrkit.finder.combine`,
:class:`~lrkit.finder.DivergenceMonitor` and ``lrkit.torch.find_lr``. Its defaults are
the measured values; a benchmark or a cross-validation varies a field by passing
``FinderPolicy(field=value)``.
"""

from __future__ import annotations

from lrkit._policy import (
    Policy, at_least, check_range, choice, fraction, integer, non_negative, policy_record, positive, tuned,
)

__all__ = ["FinderPolicy", "RULE_NAMES", "WEAK_RULE_NAMES"]

#: The names of the registered suggestion rules (``lrkit.finder.rules``), for the fields that name one.
RULE_NAMES = ("default", "falling", "steepest", "valley", "minimum/10")
#: The rules a weak signal can be handed to (``weak_rule``): the peers' rules, which read a heavily
#: smoothed curve's longest descent or minimum rather than a level crossing.
WEAK_RULE_NAMES = ("valley", "minimum/10", "steepest")

_SMOOTH = "docs/evidence.md#finder-smoothing"
_STOP = "docs/evidence.md#finder-stop-rule"
_VALLEY = "docs/evidence.md#finder-the-valley-rules"
_INTERVAL = "docs/evidence.md#finder-interval"
_AUTO = "docs/evidence.md#finder-the-automatic-rule"
_RETRY = "docs/evidence.md#finder-no-signal"
_ZOO = "docs/evidence.md#finder-the-zoo"
_PLATEAU = "docs/evidence.md#finder-a-plateau-then-a-descent"
_VAL_FLOOR = "docs/evidence.md#finder-a-validation-read-a-rise-must-be-material"
_DENSITY = "docs/evidence.md#finder-the-sweeps-density"


def _weight(name: str, value: object, owner: str) -> float:
    """A number in [0, 1] (both ends allowed: 0 turns a term off, 1 keeps only it)."""
    return check_range(name, value, owner, 0.0, 1.0)


@policy_record
class FinderPolicy(Policy):
    """The tuned numbers of lrkit's range test: smoothing, stop rule, valley rules, interval, auto rule.

    Example:
        >>> p = FinderPolicy()
        >>> p.smooth_window, p.diverge_threshold, round(p.edge_weight, 3), p.replicates
        (0.3, 2.0, 0.333, 200)
        >>> FinderPolicy(diverge_threshold=0)
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `diverge_threshold` of FinderPolicy must be a finite number > 0; got 0.
    """

    # -- smoothing (lrkit.finder.smooth) ---------------------------------------------------------
    smooth_window: float = tuned(
        0.3, "kernel half-width in decades: a descent spans 1-2 decades, 0.3 averages a few batches' "
        "noise without flattening the minimum", _SMOOTH, positive)
    min_neighbours: int = tuned(
        3, "every local fit sees this many neighbours, so two points never make a trend; small so the "
        "width in decades, not the grid, sets the smoothing on grids of >= 10 points per decade", _SMOOTH,
        integer)
    neighbour_reach: float = tuned(
        1.25, "a sparse grid widens a point's kernel to this many times the distance to its "
        "min_neighbours-th neighbour, which then sits well inside the kernel", _SMOOTH, at_least(1.0))
    spike_cut: float = tuned(
        6.0, "a point this many batch-noise SDs from its 3-point running median gets robustness "
        "weight 0 (Cleveland's bisquare at 6 scale units)", _SMOOTH, positive)
    # -- stop rule (lrkit.finder.DivergenceMonitor) ------------------------------------------------
    diverge_threshold: float = tuned(
        2.0, "tau: the loss must sit as far above where it began as it ever got below it (twice in a "
        "row); never stopped on 400 pure-noise sweeps", _STOP, positive)
    stop_warmup: int = tuned(
        10, "losses that define the starting level before any divergence check", _STOP,
        at_least(3, whole=True))
    noise_sigmas: float = tuned(
        4.0, "before the loss has fallen by more than this many noise SDs, a rise must clear tau times "
        "this many to count", _STOP, positive)
    level_floor: float = tuned(
        1e-6, "a floor of the bar's scale, relative to the loss level, for noiseless curves that have "
        "not moved yet: far below any real curve's variation", _STOP, positive)
    val_level_floor: float = tuned(
        1e-2, "level_floor for a sweep reading the validation loss (lrkit.torch.find_lr's validation mode): "
        "a fixed subset read after each update is nearly noiseless and wanders by 1e-5 to 1e-3 of its "
        "level before its descent, so a rise must be material (a hundredth of the level) to count; chosen "
        "by leave-one-family-out on the zoo", _VAL_FLOOR, positive)
    rebound_depth: float = tuned(
        0.5, "two losses in a row that undo this fraction of the progress (after a descent beyond the "
        "noise) end the curve the rules read: past a blow-up the weights and optimizer state are damaged, "
        "so a recovery there says nothing about a constant rate", _STOP, positive)
    # -- the half-depth valley rules (default, falling) ------------------------------------------
    flat_sigmas: float = tuned(
        2.0, "a drop below this many batch-noise SDs is a flat curve (no suggestion), and a second pass "
        "must descend this far below the model's starting loss to answer (settle): pure noise exceeds 2 SDs "
        "in a quarter of 100-point sweeps", _VALLEY, non_negative)
    weak_sigmas: float = tuned(
        4.0, "a drop below this many SDs is flagged as a weak signal (pure noise almost never reaches "
        "4); also what the Autopilot trusts over its divergence band", _VALLEY, positive)
    edge_weight: float = tuned(
        1.0 / 3.0, "w of the default rule: the suggestion lies this far from the descent towards the "
        "edge: the earlier, tighter landmark counts twice (the centre overshoots SGD tasks)", _VALLEY,
        fraction)
    weak_rule: str = tuned(
        "minimum/10", "below weak_rule_sigmas the half-depth level lies inside the plateau's noise band, "
        "so its crossing is noise; fastai's minimum/10 reads the smoothed minimum instead ('none': keep it)",
        _ZOO, choice("none", *WEAK_RULE_NAMES))
    weak_rule_sigmas: float = tuned(
        8.0, "a drop below this many noise SDs hands the reading to weak_rule: twice the weak-signal line, "
        "chosen by leave-one-family-out on the zoo", _ZOO, non_negative)
    top_band: float = tuned(
        0.9, "the starting level is the median of the smoothed points before the minimum in the top "
        "10% of the drop, so a longer plateau does not move it", _VALLEY, fraction)
    descent_floor: float = tuned(
        2.0, "k: a reading (weak rule, anchor) below a valley at least k smooth_windows wide, a descent the "
        "smoother resolves, is raised to descent_floor_reading (the plateau before it made no measured "
        "progress); 2, the kernel's full width (a narrower dip at the cliff is left alone, with a note); 0: "
        "off; chosen by leave-one-family-out on the zoo", _PLATEAU, non_negative)
    descent_floor_reading: str = tuned(
        "valley", "what descent_floor raises a plateau reading to: 'valley', the rule's own reading of the "
        "valley (its crossings, without the weak rule's and the anchor's fixed offsets, which are what put "
        "it on the plateau), or 'descent', where the loss falls through half depth; leave-one-family-out "
        "on the zoo picks 'valley'", _PLATEAU, choice("valley", "descent"))
    # -- the blow-up anchor (lrkit.finder._anchor) ---------------------------------------------------
    anchor_weight: float = tuned(
        0.5, "a: the reading moves this far (in log-rate) towards anchor_decades below the blow-up; the "
        "crossings and the blow-up err in partly independent ways, so their mean spreads less (0: off)",
        _ZOO, _weight)
    anchor_decades: float = tuned(
        2.25, "c: a full run's best constant rate sits about this many decades below a short sweep's blow-up "
        "for a step with momentum (lrkit.torch.find_lr uses memoryless_decades for one without; range_test "
        "and suggest see no optimizer and use this); chosen by leave-one-family-out on the zoo", _ZOO,
        non_negative)
    memoryless_decades: float = tuned(
        1.5, "c for an optimizer whose step has no momentum (SGD without momentum, Adagrad, RMSprop): it "
        "reacts to the onset of instability at once, so a sweep's blow-up sits nearer a full run's best rate "
        "(lrkit.torch.find_lr reads the optimizer; chosen by leave-one-family-out on the zoo)", _ZOO,
        non_negative)
    # -- no signal: the second pass and the fallback (lrkit.torch.find_lr) -----------------------
    retry_sigmas: float = tuned(
        4.0, "a first sweep with no suggestion or a drop below this many noise SDs (the weak-signal line) "
        "has measured nothing and gets a second pass", _RETRY, non_negative)
    retry_decades: float = tuned(
        1.0, "the second pass sweeps this many decades below where the first blew up: the rates that could "
        "train, ten times as densely, so a loss that is flat for a while can fall inside the range", _RETRY,
        positive)
    retry_steps: int = tuned(
        100, "updates of the second pass (at most num_steps + retry_steps in all, and only without a "
        "signal)", _RETRY, at_least(10, whole=True))
    retry_descent_floor: float = tuned(
        0.0, "descent_floor for the second pass (0: off): it spans retry_decades under the blow-up, where a "
        "wide valley can end at the cliff; flooring it as the first pass (k = 1 or 2) lost on the zoo "
        "(deep-mlp 10.2 -> 20.2) and was picked in none of the leave-one-family-out folds", _PLATEAU,
        non_negative)
    fallback_divisor: float = tuned(
        3.0, "with the anchor off and no descent in either pass, the stated guess is the blow-up rate over "
        "this: the margin the default rule leaves below the edge (with the anchor on, the guess is the "
        "anchor, anchor_decades below the blow-up)", _RETRY, at_least(1.0))
    # -- the sweep's density (lrkit.finder._density, find_lr's first sweep) ---------------------
    progress_exponent: float = tuned(
        1.0, "beta: a first sweep's clear reading moves by (k / k0) ** beta, k its rates per decade, k0 the "
        "calibrated 12.4: one update per rate, so a sweep's progress by rate r grows as r k and a denser "
        "sweep reads its descent lower; 1 (the progress law) chosen by leave-one-family-out over the zoo "
        "at 50/100/200 steps (0: off)", _DENSITY, non_negative)
    progress_max_ratio: float = tuned(
        2.05, "m: k / k0 is held within [1/m, m], which holds the densities the zoo measured (50 and 200 "
        "steps over the default range: 0.495 and 2.01); beyond them the law is not measured", _DENSITY,
        at_least(1.0))
    # -- the interval (lrkit.finder.bootstrap_interval) -------------------------------------------
    replicates: int = tuned(
        200, "wild-bootstrap replicates: enough for stable 5th/95th percentiles at a few tenths of a "
        "second per sweep", _INTERVAL, at_least(20, whole=True))
    level: float = tuned(
        0.9, "central coverage of the interval (the nominal 90% covered the noiseless curve's "
        "suggestion in 82% of synthetic sweeps)", _INTERVAL, fraction)
    seed_spread: float = tuned(
        0.28, "decades added in quadrature to each side of the bootstrap interval: what another seed moves "
        "the suggestion and one sweep's noise cannot show (held-out zoo coverage of a rerun 90% on average "
        "over families, 61-83% on embbag, deep-mlp, finetune, resnet; built-in tasks 87%)", _INTERVAL,
        non_negative)
    pilot_ratio: float = tuned(
        0.5, "the pilot smooth's window over the rule's: a smoother's bias grows as its window "
        "squared, so the pilot is 4x less biased", _INTERVAL, fraction)
    max_leverage: float = tuned(
        0.9, "leverage is clipped here before residuals are inflated by 1/sqrt(1 - H), so a point that "
        "fits itself cannot blow up", _INTERVAL, fraction)
    min_answered: float = tuned(
        0.5, "fewer replicates than this fraction giving a suggestion: the curve is too ambiguous for "
        "a percentile interval", _INTERVAL, fraction)
    # -- rule="auto" (lrkit.torch.find_lr, the Autopilot) -----------------------------------------
    adaptive_rule: str = tuned(
        "falling", "an adaptive optimizer's noise floor is proportional to the rate, so the sweep's "
        "blow-up edge says little: use the valley's falling crossing", _AUTO,
        choice(*RULE_NAMES))
    sgd_rule: str = tuned(
        "default", "an SGD step shrinks with the gradient, so the best long-run rate sits near the edge "
        "the sweep measures", _AUTO, choice(*RULE_NAMES))
