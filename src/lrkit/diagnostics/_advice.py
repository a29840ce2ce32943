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
from lrkit.diagnostics._record import Diagnosis, Evidence

__all__ = ["Context", "advise", "advise_nan", "rate_decayed", "starved_signs", "limit_signs", "RECOMMEND"]


@dataclass(frozen=True)
class Context:
    """What a recommendation may use: the history (in robust units) and what the tests measured.

    Attributes:
        y: the losses; lrs, grad_norms: the rates and gradient norms, or ``None``.
        steps: the step of each loss.
        stats: the statistics of :func:`lrkit.diagnose` (``Diagnosis.stats``).
        i_min: index of the best smoothed level; wide: the running median it was read from.
        events: the spike events, ``(onset, return)`` index pairs.
        decayed: whether the rate is decayed (:func:`rate_decayed`).
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


def rate_decayed(lrs: np.ndarray | None, policy: DiagnosePolicy = DiagnosePolicy()) -> bool:
    """Whether the rate has decayed: its mean over the last ``decay_window`` is below ``decayed`` of its peak.

    The one definition of "decayed", used by the plateau test (a decayed rate's flat end is the
    decay at work) and by the healthy advice. Without rates, the rate counts as not decayed.

    Example:
        >>> rate_decayed(np.linspace(1.0, 0.0, 100)), rate_decayed(np.ones(100)), rate_decayed(None)
        (True, False, False)
    """
    if lrs is None:
        return False
    n = lrs.size
    return float(np.mean(lrs[int((1.0 - policy.decay_window) * n):])) < policy.decayed * float(np.max(lrs))


def starved_signs(s: Mapping[str, float], policy: DiagnosePolicy = DiagnosePolicy()) -> list[str]:
    """The signs of a rate at or past its limit that forbid ``too_low_slow`` (the guard's ``starved_*``).

    The one definition, read by the guard and by the advice that names them. ``s`` holds the run's
    ``rise``, ``peak_excess`` and ``oscillation_q`` and, when given, ``val_rise`` and ``val_improving``
    (a validation loss still at its best asks for a swing past ``starved_swing_val``).

    Example:
        >>> s = {"rise": 0.0, "peak_excess": 0.0, "oscillation_q": 0.0}
        >>> starved_signs(s), starved_signs({**s, "rise": 0.9, "val_rise": 0.9})
        ([], ['lost_descent', 'val_turned_up'])
    """
    p = policy
    swing = p.starved_swing_val if s.get("val_improving") else p.starved_swing
    return [name for name, shown in (
        ("lost_descent", s["rise"] > p.starved_rise),
        ("val_turned_up", s.get("val_rise", 0.0) > p.starved_val_rise),
        ("swings", s["oscillation_q"] > swing),
        ("rose_over_descent", s["peak_excess"] > p.starved_peak)) if shown]


def limit_signs(s: Mapping[str, float], policy: DiagnosePolicy = DiagnosePolicy()) -> list[str]:
    """The signs of a rate at its limit that forbid ``healthy`` and ``plateau`` (the guard's ``at_limit``).

    The loss rose above its first value ``y_0`` by more than ``limit_peak`` of its descent before
    falling (``jumped``; ``jump_excess``, measured from ``y_0`` itself, so that the fall after a hard
    first batch is no jump), or by more than ``limit_peak_val`` of it while the validation loss rose
    back by more than ``limit_val_rise`` of its drop (``val_rose``; a validation rise alone is as
    often overfitting at a good rate), or it stalled (``late_share < stall_share``) back above its best
    level by ``drift_rise`` of its descent and ``drift_hint_z`` standard errors, too little beyond chance
    for the drift test (``drifted``: a flat plateau of noise ends that far above its lowest window
    median about one time in five, and so does a rate too high to settle).

    Example:
        >>> limit_signs({"jump_excess": 0.5}), limit_signs({"jump_excess": 0.0, "val_rise": 0.9})
        (['jumped'], [])
        >>> limit_signs({"jump_excess": 0.0, "late_share": 0.01, "rise": 0.1, "rise_z": 2.5})
        ['drifted']
    """
    p, jump = policy, s["jump_excess"]
    drifted = (s.get("late_share", 1.0) < p.stall_share and s.get("rise", 0.0) > p.drift_rise
               and s.get("rise_z", 0.0) > p.drift_hint_z)
    return [name for name, shown in (
        ("jumped", jump > p.limit_peak),
        ("val_rose", s.get("val_rise", 0.0) > p.limit_val_rise and jump > p.limit_peak_val),
        ("drifted", drifted)) if shown]


def _rate_at(lrs: np.ndarray | None, i: int) -> str:
    return "" if lrs is None else f" (the rate there was {float(lrs[i]):.3g})"


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
    return (f"Divide the rate by about {ctx.policy.cut:g} and add {_warmup(ctx, a)} warmup steps: the loss "
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
    peak = f"; the peak rate was {float(np.max(ctx.lrs)):.3g}" if ctx.lrs is not None else ""
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
    no_progress = ctx.stats["total_progress_z"] < p.progress_z
    factor = p.big_cut if no_progress or ctx.stats["decade_ratio"] > p.very_slow_ratio else p.cut
    why = ("the loss made no measurable progress" if no_progress
           else "the loss is still falling faster at the end than earlier (in log-time)")
    rec = f"Multiply the rate by about {factor:g}: {why}"
    rec += f"; current rate {float(ctx.lrs[-1]):.3g}." if ctx.lrs is not None else "."
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


def _overfitting(s: dict[str, float]) -> str:
    """The words for a validation loss that rose back from its best while the training loss fell."""
    at = f" at step {s['val_best_at']:.0f}" if "val_best_at" in s else ""
    return (f"the validation loss rose back {s.get('val_rise', 0.0):.2g}x its drop from its best{at}: the "
            "model is overfitting, and a higher rate would only get there sooner. Decay the rate or stop at "
            "the best validation loss.")


def _healthy(ctx: Context) -> str:
    # A validation rise past the overfitting share is said even when the training loss alone decided.
    if ctx.stats.get("val_rise", 0.0) > ctx.policy.overfit_val_rise:
        return "Keep the rate: the training loss falls steadily, but " + _overfitting(ctx.stats)
    return "Keep the rate: the loss falls steadily" + (
        " and the decay is doing its work." if ctx.decayed else "; decay it towards the end of the budget.")


def _still(ctx: Context) -> str:
    return ("I can't tell: the loss ended where it started, within noise, so nothing measurable moved. "
            "Either the rate is far too low, or training broke in its first steps (a rate too high can "
            "kill a network at once: look for a jump in the first few losses). Run 100 steps at 10x and "
            "at 1/10 of this rate and keep the one whose loss falls.")


def _guarded(ctx: Context, reason: str) -> str:
    p, s = ctx.policy, ctx.stats
    if reason == "not_starved":
        said = {"lost_descent": "it lost back part of its descent",
                "val_turned_up": "its validation loss turned up",
                "swings": "it swings more than a falling curve explains",
                "rose_over_descent": "it rose above its first loss by more than its whole descent"}
        signs = [said[k] for k in starved_signs(s, p)]
        return (f"I can't tell: the loss moved too little or too slowly, which often means a rate too low, "
                f"but {' and '.join(signs)}, a sign of a rate at its limit, so a higher rate could make it "
                "worse. Try 3x this rate in a short side run and keep it only if its loss falls faster.")
    if reason == "overfitting":
        return "Keep the rate: the training loss still falls, but " + _overfitting(s)
    if reason == "at_limit":
        said = {"jumped": f"it first rose {s['jump_excess']:.2g}x its descent above its first loss",
                "val_rose": f"its validation loss rose back {s.get('val_rise', 0.0):.2g}x its drop",
                "drifted": f"it stopped falling and ended {s.get('rise_z', 0.0):.1f} standard errors above "
                           "its best level (about what the lowest of many window medians reaches by "
                           "chance: a plateau of noise, or a rate too high to settle)"}
        names = limit_signs(s, p)
        signs = [said[k] for k in names]
        overfit = " (or, for the validation loss, of overfitting)" if "val_rose" in names else ""
        return (f"I can't tell: the loss looks settled, but {' and '.join(signs)}, a sign of a rate at its "
                f"limit{overfit}. A rate at its limit settles at a "
                "higher level than a lower rate would reach, and one history cannot show that lower level. "
                "Compare "
                f"a short side run at 1/{p.cut:g} of this rate and keep the one whose loss is lower at equal "
                "steps.")
    what = ("ended at or above where it started" if reason == "ended_above_start"
            else "rose above where it started by more than its whole descent")
    return (f"I can't tell: the loss {what}, so a higher rate could blow it up, and the flat or slow stretch "
            "after it is no sign the rate is too low. Keep the rate (or lower it and add warmup if the rise "
            "came early), and clip gradients; try a higher rate only in a short side run.")


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


def advise(verdict: str, key: str | None, evidence: dict[str, Evidence], ctx: Context,
           fired: tuple[str, ...], *, confidence: float, runner_up: str | None = None,
           guard_reason: str | None = None, weak: float | None = None) -> Diagnosis:
    """Build the :class:`Diagnosis` for ``verdict``, decided by ``evidence[key]`` (``None``: healthy).

    The recommendation comes from :data:`RECOMMEND`; a verdict the guard made ``uncertain``
    (``guard_reason``) says why. ``confidence`` and ``runner_up`` come from :mod:`._confidence`.
    ``weak``: the calibrated confidence of ``verdict`` when it is below ``policy.advice_floor`` and a
    test that would move the rate the other way is at or past its threshold; the
    diagnosis is then ``uncertain``, with ``verdict`` as its runner-up and its advice quoted as a
    hypothesis to check, not an instruction.
    """
    if guard_reason is not None:
        text = _guarded(ctx, guard_reason)
    else:
        write = RECOMMEND.get((verdict, key)) or RECOMMEND[(verdict, None)]
        text = write(ctx)
    if weak is not None:
        said = evidence[key].detail if key else "none of the tests fired"
        text = (f"I can't tell: the history reads most like {verdict} ({said}), but a test that would move "
                "the rate the other way is past its threshold too, and a reading at this margin is right on "
                f"a new workload too rarely to act on (calibrated confidence {weak:.2f}, below "
                f"{ctx.policy.advice_floor:g}). If it is {verdict}: {text} Check that in a short side run "
                "before changing the rate.")
        verdict, runner_up = "uncertain", verdict
    ordered = ([evidence[key]] if key else []) + [e for k, e in evidence.items() if k != key]
    return Diagnosis(verdict, round(float(confidence), 4), tuple(ordered), text, dict(ctx.stats),
                     int(ctx.y.size), fired, runner_up)


def advise_nan(y: np.ndarray, lrs: np.ndarray | None, grad_norms: np.ndarray | None, steps: np.ndarray,
               first_bad: int, policy: DiagnosePolicy = DiagnosePolicy()) -> Diagnosis:
    """The ``nan`` diagnosis: where training broke, and how to restart it."""
    p = policy
    step = int(steps[first_bad])
    finite = y[:first_bad]
    climbed = finite.size >= 3 and finite[-1] > np.median(finite)
    detail = f"the loss is {y[first_bad]} at step {step}" + (
        f", after rising to {finite[-1]:.3g} (median before: {np.median(finite):.3g})" if climbed else ""
    )
    rate = f" by about {p.big_cut:g}" if lrs is None else f" to about {float(lrs[first_bad]) / p.big_cut:.3g}"
    clip = " and clip gradients"
    if grad_norms is not None and first_bad > 0 and np.isfinite(np.nanmedian(grad_norms[:first_bad])):
        clip += f" at about {p.clip_factor * float(np.nanmedian(grad_norms[:first_bad])):.3g}"
    warm = _round_steps(p.warmup_factor * max(step, p.min_warmup))
    rec = (f"Training broke at step {step}: restore a checkpoint from before it, divide the rate{rate}"
           f"{clip}; if it happened early, add {warm} warmup steps.")
    ev = Evidence("first_non_finite_step", float(step), 0.0, True, 1.0, (step,), detail)
    stats = {"first_non_finite_index": float(first_bad)}
    return Diagnosis("nan", 1.0, (ev,), rec, stats, int(y.size), ("nan",))
