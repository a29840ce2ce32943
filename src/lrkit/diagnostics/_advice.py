"""Turn a verdict and its evidence into a :class:`Diagnosis` with a concrete recommendation.

The factors are deliberately coarse (3x, 10x): a diagnosis from one curve can
place the rate within half a decade, not tune it. Where the rates are known
the advice names the rate to use instead.
"""

from __future__ import annotations

import numpy as np

from lrkit.diagnostics._record import Diagnosis, Evidence

__all__ = ["advise"]


def _rate_at(lrs: np.ndarray | None, i: int) -> str:
    return "" if lrs is None else f" (the rate there was {float(lrs[i]):.3g})"


def _round_steps(k: float) -> int:
    """Warmup lengths in round numbers: 100, 200, 500, 1000, 2000, ..."""
    for base in (100, 200, 500):
        for scale in (1, 10, 100, 1000):
            if k <= base * scale:
                return base * scale
    return int(k)


def _nan(
    y: np.ndarray, lrs: np.ndarray | None, gn: np.ndarray | None, steps: np.ndarray, first_bad: int
) -> Diagnosis:
    step = int(steps[first_bad])
    finite = y[:first_bad]
    climbed = finite.size >= 3 and finite[-1] > np.median(finite)
    detail = f"the loss is {y[first_bad]} at step {step}" + (
        f", after rising to {finite[-1]:.3g} (median before: {np.median(finite):.3g})" if climbed else ""
    )
    rate = f" to about {float(lrs[first_bad]) / 10:.3g}" if lrs is not None else " by about 10"
    clip = " and clip gradients"
    if gn is not None and first_bad > 0 and np.isfinite(np.nanmedian(gn[:first_bad])):
        clip += f" at about {2 * float(np.nanmedian(gn[:first_bad])):.3g}"
    rec = (
        f"Training broke at step {step}: restore a checkpoint from before it, divide the rate{rate}{clip}; "
        f"if it happened early, add {_round_steps(2 * max(step, 50))} warmup steps."
    )
    ev = Evidence("first_non_finite_step", float(step), 0.0, True, 1.0, (step,), detail)
    stats = {"first_non_finite_index": float(first_bad)}
    return Diagnosis("nan", 1.0, (ev,), rec, stats, int(y.size), ("nan",))


def advise(verdict: str, *, y: np.ndarray, lrs: np.ndarray | None, grad_norms: np.ndarray | None,
           steps: np.ndarray, first_bad: int = -1, evidence: dict[str, Evidence] | None = None,
           key: str | None = None, stats: dict[str, float] | None = None, i_min: int = 0,
           events: list[tuple[int, int]] | None = None, wide: np.ndarray | None = None,
           fired: tuple[str, ...] = ()) -> Diagnosis:
    """Build the :class:`Diagnosis` for ``verdict`` (internal; see :func:`lrkit.diagnose`)."""
    if verdict == "nan":
        return _nan(y, lrs, grad_norms, steps, first_bad)
    assert evidence is not None and stats is not None and events is not None and wide is not None
    n = y.size
    s = steps
    if verdict == "too_high_diverging" and key == "blowup":
        first = int(s[events[0][0]])
        warm = _round_steps(2 * max(first - int(s[0]), 50))
        rec = (f"Divide the rate by about 3 and add {warm} warmup steps: the loss blew up at step "
               f"{first}{_rate_at(lrs, events[0][0])} before training made progress.")
    elif verdict == "too_high_diverging":
        worse_than_start = stats["rise"] > 1.0
        factor = 10 if worse_than_start else 3
        turn = int(s[i_min])
        rec = f"Divide the rate by about {factor}: the loss turned upward at step {turn}"
        rec += _rate_at(lrs, i_min)
        if i_min < 0.2 * n:
            extra = _round_steps(2 * max(turn - int(s[0]), 50))
            rec += f"; as it turned early, also add {extra} warmup steps"
        rec += "."
    elif verdict == "too_high_oscillating":
        rec = ("Divide the rate by about 3 (or decay it): the loss swings up and down instead of settling"
               + (f"; the peak rate was {float(np.max(lrs)):.3g}" if lrs is not None else "") + ".")
    elif verdict == "loss_spikes":
        first = int(s[events[0][0]])
        if grad_norms is not None and np.isfinite(np.median(grad_norms)):
            median = float(np.median(grad_norms))
            clip = f"clip gradients at about {2 * median:.3g} (twice the median gradient norm)"
        else:
            clip = "clip gradients (e.g. max-norm 1.0)"
        rec = f"{len(events)} loss spike(s), first at step {first}: {clip}"
        if events[0][0] < 0.1 * n:
            rec += f" and add {_round_steps(2 * max(first - int(s[0]), 50))} warmup steps"
        else:
            rec += ", or halve the peak rate"
        rec += "."
    elif verdict == "too_low_slow":
        no_progress = stats["total_progress_z"] < 3.0
        factor = 10 if no_progress or stats["decade_ratio"] > 5.0 else 3
        why = ("the loss made no measurable progress" if no_progress
               else "the loss is still falling faster at the end than earlier (in log-time)")
        rec = f"Multiply the rate by about {factor}: {why}"
        rec += f"; current rate {float(lrs[-1]):.3g}." if lrs is not None else "."
        if not no_progress:
            # A training-loss history cannot know the rate was chosen for validation loss (early
            # stopping): the shape of such a run can be exactly that of a too-low rate (docs/diagnostics.md).
            rec += (" If this rate gave the best validation loss, check the validation loss at the higher "
                    "rate before keeping it: a faster fall of the training loss can overfit sooner.")
    elif verdict == "plateau":
        end = wide[-1]
        tol = max(1e-12, 0.05 * (float(wide[0]) - end))
        onset = int(np.argmax(wide <= end + tol))
        rec = (f"Decay: you are at a plateau since about step {int(s[onset])}. Cut the rate by 10x now "
               f"(or anneal it to zero with cosine/linear decay), or stop training.")
    else:
        rec = ("Keep the rate: the loss falls steadily"
               + (" and the decay is doing its work." if lrs is not None and lrs[-1] < 0.5 * np.max(lrs)
                  else "; decay it towards the end of the budget."))
    ordered = ([evidence[key]] if key else []) + [e for k, e in evidence.items() if k != key]
    if key is not None:
        confidence = max(0.5, evidence[key].strength)
    else:
        # Healthy: as confident as the nearest alternative is far from firing.
        confidence = 1.0 - max(e.strength for e in evidence.values())
        confidence = max(0.5, confidence)
    return Diagnosis(verdict, round(float(confidence), 4), tuple(ordered), rec, dict(stats), int(n), fired)

