"""Turn a verdict and its evidence into a :class:`Diagnosis` with a concrete recommendation.

One small function per verdict writes the recommendation (:data:`RECOMMEND`); :func:`advise`
picks it and computes the confidence. The factors are deliberately coarse
(``DiagnosePolicy.cut`` = 3, ``big_cut`` = 10): a diagnosis from one curve can place the rate
within half a decade, not tune it. Where the rates are known the advice names the rate to use
instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from lrkit.diagnostics._policy import DiagnosePolicy
from lrkit.diagnostics._rates import known_rate
from lrkit.diagnostics._record import DIRECTIONS, Diagnosis, Evidence
from lrkit.diagnostics._signs import guarded_words, overfitting_words

__all__ = ["Context", "advise", "advise_nan", "decade_words", "not_levelled", "RECOMMEND"]


@dataclass(frozen=True)
class Context:
    """What a recommendation may use: the history (in robust units) and what the tests measured.

    Attributes:
        y: the losses; lrs, grad_norms: the rates and gradient norms, or ``None``.
        steps: the step of each loss.
        stats: the statistics of :func:`lrkit.diagnose` (``Diagnosis.stats``).
        i_min: index of the best smoothed level; wide: the running median it was read from.
        events: the spike events, ``(onset, return)`` index pairs.
        decayed: whether the rate is decayed (:func:`~lrkit.diagnostics._rates.rate_decayed`).
        policy: the tuned numbers.
    """

    y: np.ndarray
    lrs: np.ndarray | None
    grad_norms: np.ndarray | None
    steps: np.ndarray
    stats: dict[str, float]
    i_min: int
    events: list[tuple[int, int]]
    wide: np.ndarray
    decayed: bool
    policy: DiagnosePolicy


def decade_words(ratio: float) -> str:
    """The last decade's progress relative to the one before, in words (the ratio can be 0 or infinite).

    Example:
        >>> decade_words(1.2)
        'gained 1.2x as much per decade as the decade before'
        >>> decade_words(float("inf"))
        'made progress where the decade before made none'
    """
    if np.isinf(ratio):
        return "made progress where the decade before made none"
    if ratio == 0:
        return "made no progress, nor did the decade before"
    return f"gained {ratio:.2g}x as much per decade as the decade before"


def _rate_at(lrs: np.ndarray | None, i: int) -> str:
    rate = known_rate(lrs, i)
    return "" if rate is None else f" (the rate there was {rate:.3g})"


def _round_steps(k: float) -> int:
    """Warmup lengths in round numbers: ``k`` rounded up to the next of 100, 200, 500, 1000, 2000, ...

    >>> [_round_steps(k) for k in (40, 170, 200, 201, 920, 4_000)]
    [100, 200, 200, 500, 1000, 5000]
    """
    for scale in (1, 10, 100, 1000):
        for base in (100, 200, 500):
            if k <= base * scale:
                return base * scale
    return int(k)


def _warmup(ctx: Context, i: int) -> int:
    """The warmup to suggest for trouble at index ``i``: ``warmup_factor`` times the steps before it."""
    p = ctx.policy
    return _round_steps(p.warmup_factor * max(int(ctx.steps[i]) - int(ctx.steps[0]), p.min_warmup))


def _blowup(ctx: Context) -> str:
    a = ctx.events[0][0]
    # A blow-up the run never came back from (it ended above its start) is a rate far past the edge:
    # the big cut, as for a rise that undid the whole descent (docs/watch.md's table).
    cut = ctx.policy.big_cut if ctx.stats["ended_above_start"] else ctx.policy.cut
    return (f"Divide the rate by about {cut:g} and add {_warmup(ctx, a)} warmup steps: the loss "
            f"blew up at step {int(ctx.steps[a])}{_rate_at(ctx.lrs, a)} before training made progress.")


def _diverging(ctx: Context) -> str:
    p = ctx.policy
    worse_than_start = ctx.stats["rise"] > 1.0  # the rise undid more than all the progress
    rec = (f"Divide the rate by about {p.big_cut if worse_than_start else p.cut:g}: the loss turned upward "
           f"at step {int(ctx.steps[ctx.i_min])}{_rate_at(ctx.lrs, ctx.i_min)}")
    if ctx.i_min < p.early_turn * ctx.y.size:
        rec += f"; as it turned early, also add {_warmup(ctx, ctx.i_min)} warmup steps"
    return rec + "."


def _oscillating(ctx: Context) -> str:
    top = known_rate(ctx.lrs)
    peak = f"; the peak rate was {top:.3g}" if top is not None else ""
    return f"Divide the rate by about {ctx.policy.cut:g} (or decay it): the loss swings up and down " \
           f"instead of settling{peak}."


def _clip(ctx: Context, grad_norms: np.ndarray | None) -> str:
    """Gradient clipping at ``clip_factor`` times the median gradient norm, when the norms are known."""
    if grad_norms is not None and grad_norms.size and np.isfinite(np.median(grad_norms)):
        level = ctx.policy.clip_factor * float(np.median(grad_norms))
        return f"clip gradients at about {level:.3g} ({ctx.policy.clip_factor:g}x the median gradient norm)"
    return "clip gradients (e.g. max-norm 1.0)"


def _spikes(ctx: Context) -> str:
    a = ctx.events[0][0]
    rec = f"{len(ctx.events)} loss spike(s), first at step {int(ctx.steps[a])}: {_clip(ctx, ctx.grad_norms)}"
    if a < ctx.policy.level_fraction * ctx.y.size:
        rec += f" and add {_warmup(ctx, a)} warmup steps"
    else:
        rec += ", or halve the peak rate"
    return rec + "."


def _too_slow(ctx: Context) -> str:
    p = ctx.policy
    no_progress = (ctx.stats["total_progress_z"] < p.progress_z
                   and ctx.stats["end_vs_y0_z"] >= -p.first_fall_z)  # as the slow test reads it
    factor = p.big_cut if no_progress or ctx.stats["decade_ratio"] > p.very_slow_ratio else p.cut
    why = ("the loss made no measurable progress" if no_progress
           else "the loss is still falling faster at the end than earlier (in log-time)")
    rec = f"Multiply the rate by about {factor:g}: {why}"
    now, peak = known_rate(ctx.lrs, ctx.y.size - 1), known_rate(ctx.lrs)
    if ctx.decayed and peak is not None:  # a schedule's knob is its peak, not the end it decays to
        rec += f"; the schedule's peak rate was {peak:.3g}: raise the peak."
    else:
        rec += f"; current rate {now:.3g}." if now is not None else "."
    if not no_progress:
        # A training-loss history cannot know the rate was chosen for validation loss (early
        # stopping): the shape of such a run can be exactly that of a too-low rate (docs/watch.md).
        rec += (" If this rate gave the best validation loss, check the validation loss at the higher "
                "rate before keeping it: a faster fall of the training loss can overfit sooner.")
    return rec


def _plateau(ctx: Context) -> str:
    end = ctx.wide[-1]
    # (1e-12: a curve with no drop at all is on its plateau from the start)
    tol = max(1e-12, ctx.policy.plateau_onset * (float(ctx.wide[0]) - end))
    onset = int(np.argmax(ctx.wide <= end + tol))
    return (f"Decay: you are at a plateau since about step {int(ctx.steps[onset])}. Cut the rate by "
            f"{ctx.policy.big_cut:g}x now (or anneal it to zero with cosine/linear decay), or stop training.")


def _healthy(ctx: Context) -> str:
    # A validation rise past the overfitting share is said even when the training loss alone decided.
    if ctx.stats.get("val_rise", 0.0) > ctx.policy.overfit_val_rise:
        return "Keep the rate: the training loss falls steadily, but " + overfitting_words(ctx.stats)
    said = " and the decay is doing its work." if ctx.decayed else "; decay it towards the end of the budget."
    return "Keep the rate: the loss falls steadily" + said + _not_levelled(ctx)


def not_levelled(stats: Mapping[str, float], policy: DiagnosePolicy = DiagnosePolicy()) -> bool:
    """Whether a run has not begun to level off: its last decade of (rate-weighted) time gained at least
    ``levelling_ratio`` times the decade before's drop per decade, beyond ``progress_z`` standard errors.

    A good rate on a short budget and a rate far too low (nearly the same curve, stretched in time) both
    end this way; one history cannot tell them apart. A ``healthy`` verdict on such a run says so and
    names ``too_low_slow`` as its runner-up; no verdict reads it (docs/evidence.md).

    Example:
        >>> not_levelled({"decade_ratio": 1.1, "last_decade_z": 40.0})
        True
        >>> not_levelled({"decade_ratio": 0.1, "last_decade_z": 40.0})
        False
    """
    p = policy
    return bool(stats["decade_ratio"] >= p.levelling_ratio and stats["last_decade_z"] > p.progress_z)


def _not_levelled(ctx: Context) -> str:
    """The words for a healthy run that has not begun to level off (:func:`not_levelled`) and whose
    validation loss did not turn up (overfitting: the rate learns), or ``""``."""
    p, s = ctx.policy, ctx.stats
    if not not_levelled(s, p) or s.get("val_rise", 0.0) > p.overfit_val_rise:
        return ""
    time = "rate-weighted time" if ctx.lrs is not None else "time"
    return (f" It has not begun to level off (the last decade of {time} {decade_words(s['decade_ratio'])}): "
            "a good rate on a short budget and a rate too low both look like this, and one history cannot "
            f"tell which. Train longer if you can; else a short side run at {p.cut:g}x this rate, kept only "
            "if its loss is lower at equal steps, tells.")


def _still(ctx: Context) -> str:
    return ("I can't tell: the loss ended where it started, within noise, so nothing measurable moved. "
            "Either the rate is far too low, or training broke in its first steps (a rate too high can "
            "kill a network at once: look for a jump in the first few losses). Run 100 steps at 10x and "
            "at 1/10 of this rate and keep the one whose loss falls.")


#: ``(verdict, deciding evidence)`` -> the recommendation's writer (``None``: any evidence).
RECOMMEND: dict[tuple[str, str | None], Callable[[Context], str]] = {
    ("too_high_diverging", "blowup"): _blowup,
    ("too_high_diverging", None): _diverging,
    ("too_high_oscillating", None): _oscillating,
    ("loss_spikes", None): _spikes,
    ("too_low_slow", None): _too_slow,
    ("plateau", None): _plateau,
    ("healthy", None): _healthy,
    ("uncertain", None): _still,
}


#: Why a verdict's advice is quoted as a hypothesis (``advise``'s ``held``; ``None``: its confidence alone).
_HELD = {
    None: "but a reading at this confidence",
    "contested": "but a test that would move the rate the other way is past its threshold too, and a reading "
                 "at this margin",
    "swings": "but swings alone, with no drift back above its best level, are as often the loss's own "
              "texture at a good rate, and a reading on them",
    "recovered": "but the run recovered from that spike, ending far below its first loss: the first updates "
                 "of plain SGD or a fine-tuning jump like that at their best rate as well as above it, and a "
                 "reading on such a spike",
    "descending": "but the loss is still falling after that spike, below its first loss: the first updates "
                  "of plain SGD or a fine-tuning jump like that at their best rate as well as above it, the "
                  "level the descent settles at tells them apart and is not reached yet, and a reading on "
                  "such a spike",
    "first_loss": "but from its second loss on nothing measurable moved: the rise rests on the first loss "
                  "alone, one batch, and a first batch easier than the rest at a rate too low to move "
                  "anything reads the same as a blow-up on the first update that stayed; a reading on one "
                  "batch",
    "weights": "but the weights did not grow (their norm ended at {growth:.2f}x its first value): a rate too "
               "high inflates them, while a catapult or a drift at a workable rate leaves them as they were, "
               "and a reading with weights that held still",
}
#: What tells the readings apart, per ``held`` reason (else: a short side run).
_CHECK = {
    "recovered": "A run at a third of the rate tells them apart: if it ends lower, lower the rate; if not, "
                 "the spike was the rate's first steps, and the rate can stay.",
    "weights": "Read the next reports, or run at a third of the rate: if the weights start to grow, or that "
               "run ends lower, lower the rate.",
    "first_loss": "Runs at a third of the rate and at three times it tell them apart: if the lower one ends "
                  "lower, lower the rate; if the higher one does, raise it.",
    "descending": "Read the next reports: if the descent stalls above where a run at a third of the rate "
                  "gets, lower the rate; if it keeps falling, the spike was the rate's first steps.",
}


def _hypothesis(verdict: str, said: str, text: str, confidence: float, floor: float, held: str | None,
                growth: float = float("nan")) -> str:
    """A verdict's advice quoted as a hypothesis to check, not an order: right on a new workload too rarely
    to act on (its calibrated confidence is below ``advice_floor``; ``held``: the reason it is not a verdict,
    :data:`_HELD`)."""
    why = _HELD[held].format(growth=growth) if held == "weights" else _HELD[held]
    return (f"I can't tell: the history reads most like {verdict} ({said}), {why} is right on a new "
            f"workload too rarely to act on (calibrated confidence {confidence:.2f}"
            + (f", below {floor:g}" if confidence < floor else "") + f"). If it is {verdict}: {text} "
            + _CHECK.get(held or "", "Check that in a short side run before changing the rate."))


def advise(verdict: str, key: str | None, evidence: dict[str, Evidence], ctx: Context,
           fired: tuple[str, ...], *, confidence: float, runner_up: str | None = None,
           guard_reason: str | None = None, weak: float | None = None, held: str | None = None) -> Diagnosis:
    """Build the :class:`Diagnosis` for ``verdict``, decided by ``evidence[key]`` (``None``: healthy).

    The recommendation comes from :data:`RECOMMEND`; a verdict the guard made ``uncertain``
    (``guard_reason``) says why. ``confidence`` and ``runner_up`` come from :mod:`._confidence`.
    ``weak``: the calibrated confidence of ``verdict`` when it is not committed to, for the reason
    ``held``: ``"contested"``, its confidence is below ``policy.advice_floor`` and a test that would
    move the rate the other way is at or past its threshold; ``"swings"``, it is
    ``too_high_oscillating`` on swings alone, short of ``policy.swing_commit``; ``"recovered"``, it is
    ``too_high_diverging`` on an early blow-up the run recovered from (``policy.blowup_recovered_z``);
    ``"descending"``, the same with its descent still under way (``policy.blowup_descending_z``);
    ``"weights"``, a ``too_high_*`` verdict whose weights grew by at most ``policy.weight_growth_hold``. The
    diagnosis is then ``uncertain``, with ``verdict`` as its runner-up and its advice quoted as a
    hypothesis to check, not an instruction. A verdict that would change the rate or the schedule at a
    confidence below the floor with no test against it keeps its name, and its advice is quoted as a
    hypothesis the same way: a hint, which it is.
    """
    if guard_reason is not None:
        text = guarded_words(guard_reason, ctx.stats, ctx.policy)
    else:
        write = RECOMMEND.get((verdict, key)) or RECOMMEND[(verdict, None)]
        text = write(ctx)
        if verdict == "healthy" and _not_levelled(ctx):
            runner_up = "too_low_slow"  # what its words say it could be
    said = evidence[key].detail if key else "none of the tests fired"
    floor = ctx.policy.advice_floor
    if weak is not None:
        text = _hypothesis(verdict, said, text, weak, floor, held or "contested",
                           ctx.stats.get("weight_growth", float("nan")))
        verdict, runner_up = "uncertain", verdict
    elif confidence < floor and DIRECTIONS[verdict] not in ("keep", "none"):
        text = _hypothesis(verdict, said, text, confidence, floor, None)
    ordered = ([evidence[key]] if key else []) + [e for k, e in evidence.items() if k != key]
    return Diagnosis(verdict, round(float(confidence), 4), tuple(ordered), text, dict(ctx.stats),
                     int(ctx.y.size), fired, runner_up)


def advise_nan(y: np.ndarray, lrs: np.ndarray | None, grad_norms: np.ndarray | None, steps: np.ndarray,
               first_bad: int, policy: DiagnosePolicy = DiagnosePolicy(), *, whole: bool = True) -> Diagnosis:
    """The ``nan`` diagnosis: where training broke, and how to restart it. ``whole``: ``y`` starts where the
    history given starts (no range test's rows cut from its head)."""
    p = policy
    step = int(steps[first_bad])
    if whole and first_bad == 0:
        return _nan_first(y, step)
    finite = y[:first_bad]
    climbed = finite.size >= 3 and finite[-1] > np.median(finite)
    # After a climb, a checkpoint from just before the NaN holds the climbed weights: the run broke where
    # the climb began, at its lowest loss.
    begun = int(steps[int(np.argmin(finite))]) if climbed else step
    detail = f"the loss is {y[first_bad]} at step {step}" + (
        f", after rising to {finite[-1]:.3g} (median before: {np.median(finite):.3g}) from its lowest, "
        f"{np.min(finite):.3g} at step {begun}" if climbed else ""
    )
    there = known_rate(lrs, first_bad)
    rate = f" by about {p.big_cut:g}" if there is None else f" to about {there / p.big_cut:.3g}"
    clip = " and clip gradients"
    if grad_norms is not None and first_bad > 0 and np.isfinite(np.nanmedian(grad_norms[:first_bad])):
        clip += f" at about {p.clip_factor * float(np.nanmedian(grad_norms[:first_bad])):.3g}"
    warm = _round_steps(p.warmup_factor * max(begun, p.min_warmup))
    where = ("from before it" if not climbed else f"from step {begun} or before (the loss climbed from its "
             f"lowest there, {np.min(finite):.3g}, to {finite[-1]:.3g} before it broke)")
    rec = (f"Training broke at step {step}: restore a checkpoint {where}, divide the rate{rate}"
           f"{clip}; if it happened early, add {warm} warmup steps.")
    ev = Evidence("first_non_finite_step", float(step), 0.0, True, 1.0, (step,), detail, "nan")
    stats = {"first_non_finite_index": float(first_bad)}
    return Diagnosis("nan", 1.0, (ev,), rec, stats, int(y.size), ("nan",))


def _nan_first(y: np.ndarray, step: int) -> Diagnosis:
    """The ``nan`` diagnosis of a history whose first loss is not finite. At step 0 that loss was computed
    before any update, so no rate made it: the cause is the data, the loss or the initialisation. At a
    later first logged step the history cannot tell whether updates came before it, and says so."""
    causes = ("look at the data (a NaN or infinite input, a label outside the classes), the loss (log(0), "
              "a division by zero) and the model's initialisation")
    if step == 0:
        rec = (f"The first loss, at step 0, is {y[0]}: it was computed before any update, so no learning "
               f"rate caused it and changing the rate will not help; {causes}.")
    else:
        rec = (f"The first loss logged, at step {step}, is {y[0]}, and no finite loss came before it, so "
               f"this history cannot tell whether the rate caused it. If it was the run's first step, no "
               f"rate did: {causes}. If updates came before it, restore a checkpoint from before step "
               f"{step} and lower the rate.")
    ev = Evidence("first_non_finite_step", float(step), 0.0, True, 1.0, (step,),
                  f"the loss is {y[0]} at step {step}, the first in the history", "nan")
    stats = {"first_non_finite_index": 0.0, "first_loss_non_finite": 1.0}
    return Diagnosis("nan", 1.0, (ev,), rec, stats, int(y.size), ("nan",))
