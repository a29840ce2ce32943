"""A sweep without a signal is not an answer: when to sweep again, where, and what to say if that fails.

A range test reads a descent out of batch noise. When the loss falls by less than its noise
(``FinderPolicy.retry_sigmas`` SDs, the weak-signal line) the first sweep has not measured
anything: typically a network whose loss stays flat for a while before it falls (a recurrent
net at chance), where a sweep of a hundred updates over eight decades spends only a handful at
each rate that could train it. What the sweep *has* measured then is where the loss blew up.
So the second pass sweeps the ``retry_decades`` below that rate with ``retry_steps`` updates
(ten times the density of the default sweep for one decade), from the same starting state,
which lets the flat phase end inside the range that matters. Both passes start from the same
state, so a descent counts only below the loss the model started at (the first pass's starting
level, :func:`start_level`): a second pass whose loss jumps above it at its first rates (an
optimizer's first steps there, such as Adam's, which moves every weight by the rate) and recovers
has measured a blow-up, not a valley. The pass with the deeper descent below the start (in its
noise SDs, :func:`descent`) answers. If neither shows a descent beyond its noise but the loss blew
up (in the first pass, else in the second, judged against the same starting level), the answer is
a stated guess: the blow-up anchor alone, ``anchor_decades`` below the blow-up (with no reading to
average, the anchor is the whole estimate), or with the anchor off the blow-up rate over
``fallback_divisor``; if the loss never blew up either, there is no answer, and the reason says
what to check. Each outcome is named in ``meta["source"]``: ``"sweep"``, ``"second sweep"``,
``"blow-up fallback"`` or ``None``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from lrkit.finder._anchor import blow_up_index
from lrkit.finder._density import at_calibrated_density
from lrkit.finder._valley import valley_geometry
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._result import GUESS_SOURCE, FinderResult
from lrkit.finder._sweep import MIN_STEPS, Sweep

__all__ = ["signal", "descent", "start_level", "second_sweep", "settle", "blow_up_rate", "guess_divisor",
           "SOURCES", "GUESS_SOURCE", "SECOND_PASS_COVERS"]

#: What ``meta["source"]`` says answered: the sweep, the second sweep, the blow-up fallback (or None).
SOURCES = ("sweep", "second sweep", GUESS_SOURCE)
#: What a second pass's interval covers: its own batch noise and the zoo's seed spread, which a rerun
#: can exceed, since a rerun's first sweep may show a signal and answer from another pass (on the zoo a
#: second pass's interval held 1 of 4 reruns' suggestions, the first sweep's 92%): said, not widened.
SECOND_PASS_COVERS = ("only this second pass's batch noise and the zoo's seed-to-seed spread; unreliable "
                      "for a rerun, which may answer from its first sweep instead (the first sweep carried "
                      "no signal)")


def signal(result: FinderResult, policy: FinderPolicy = FinderPolicy()) -> float:
    """The sweep's descent in batch-noise SDs (:attr:`~lrkit.finder.Valley.signal`), 0 without a valley.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import range_test, synthetic, Sweep
        >>> step = synthetic.quadratic(lipschitz=4.0).step
        >>> r = range_test(step, sweep=Sweep(1e-5, 10.0, 60), interval=False)
        >>> signal(r) > 100
        True
    """
    v = valley_geometry(result.lrs, result.losses, policy=policy)
    return 0.0 if isinstance(v, str) else float(v.signal)


def start_level(result: FinderResult, policy: FinderPolicy = FinderPolicy()) -> float:
    """The loss the model started at: the median of a sweep's first ``stop_warmup`` losses.

    The stop rule's starting level :math:`y_0`; every pass of one ``find_lr`` call starts from
    the same state, so the first pass's level is every pass's.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import FinderResult
        >>> r = FinderResult(lrs=np.geomspace(1e-4, 1.0, 12), losses=[2.0] * 9 + [2.2, 1.0, 0.5],
        ...                  smoothed=[np.nan] * 12, stop_reason="completed", suggestion=None, interval=None,
        ...                  rule="default", reason="", steps=12, wall_time=0.0)
        >>> start_level(r)
        2.0
    """
    return float(np.median(np.asarray(result.losses, dtype=np.float64)[: policy.stop_warmup]))


def descent(result: FinderResult, start: float, policy: FinderPolicy = FinderPolicy()) -> float:
    """How far the pass's valley reaches below ``start``, in its batch-noise SDs (0 without a valley).

    :math:`(\\min(\\hat y_{top}, y_0) - \\hat y_{min}) / \\hat\\sigma` with the valley's smoothed
    starting level and minimum (:class:`~lrkit.finder.Valley`): a loss that first rose above where
    the model started and then came back has descended only by what it lost below that level.

    Example:
        >>> from lrkit.finder import range_test, synthetic, Sweep
        >>> step = synthetic.quadratic(lipschitz=4.0).step
        >>> r = range_test(step, sweep=Sweep(1e-5, 10.0, 60), interval=False)
        >>> descent(r, start_level(r)) > 100, descent(r, 0.0)
        (True, 0.0)
    """
    v = valley_geometry(result.lrs, result.losses, policy=policy)
    return 0.0 if isinstance(v, str) else max(0.0, min(v.top, start) - v.bottom) / v.noise


def blow_up_rate(result: FinderResult, policy: FinderPolicy = FinderPolicy(), *,
                 first: FinderResult | None = None) -> float | None:
    """The rate at which the sweep blew up (:func:`~lrkit.finder._anchor.blow_up_index`), or None.

    The same definition the blow-up anchor reads: where the stop rule fired, else the first
    non-finite loss.

    Args:
        result: the pass.
        policy: the stop rule's numbers.
        first: the first pass, when ``result`` is a second pass from the same starting state: the
            stop rule then judges ``result``'s losses against the first pass's starting level (its
            first ``stop_warmup`` losses come first), so a jump at the second pass's first rates,
            inside its own warm-up, counts.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import FinderResult
        >>> lrs = np.geomspace(1e-4, 1.0, 20)
        >>> r = FinderResult(lrs=lrs, losses=[1.0] * 19 + [np.nan], smoothed=[np.nan] * 20,
        ...                  stop_reason="nan", suggestion=None, interval=None, rule="default", reason="",
        ...                  steps=20, wall_time=0.0)
        >>> bool(blow_up_rate(r) == lrs[-1])
        True
    """
    y = np.asarray(result.losses, dtype=np.float64)
    head = np.asarray(first.losses, dtype=np.float64)[: policy.stop_warmup] if first is not None else y[:0]
    i, seen = blow_up_index(np.r_[head, y], policy=policy)
    return float(result.lrs[i - head.size]) if seen else None


def second_sweep(result: FinderResult, sweep: Sweep, policy: FinderPolicy = FinderPolicy()) -> Sweep | None:
    """The second pass's sweep when ``result`` carries no signal, else None.

    No signal: no suggestion, or a drop below ``policy.retry_sigmas`` noise SDs. The second sweep
    covers the ``retry_decades`` below the rate where the first blew up (the top of the first
    sweep if it never did) in ``retry_steps`` updates, in the first sweep's mode.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import FinderResult
        >>> lrs = np.geomspace(1e-7, 10.0, 100)
        >>> flat = FinderResult(lrs=lrs, losses=np.r_[np.full(80, 2.3), np.full(20, np.nan)],
        ...                     smoothed=[np.nan] * 100, stop_reason="nan", suggestion=None, interval=None,
        ...                     rule="falling", reason="flat curve", steps=100, wall_time=0.0)
        >>> s = second_sweep(flat, Sweep())
        >>> round(s.start, 4), round(s.end, 3), s.num_steps
        (0.0292, 0.292, 100)
    """
    if result.stop_reason == "callback" or (
            result.suggestion is not None and signal(result, policy) >= policy.retry_sigmas):
        return None  # a sweep the caller stopped is the caller's; a clear signal needs no second pass
    top = blow_up_rate(result, policy) or float(result.lrs[-1])
    return Sweep(start=top / 10.0**policy.retry_decades, end=top,
                 num_steps=max(MIN_STEPS, policy.retry_steps), mode=sweep.mode)


def _summary(result: FinderResult) -> dict[str, Any]:
    return {"start": float(result.lrs[0]), "end": float(result.meta.get("end", result.lrs[-1])),
            "num_steps": int(result.meta.get("num_steps", result.steps)), "steps": int(result.steps),
            "stop_reason": result.stop_reason, "suggestion": result.suggestion, "reason": result.reason}


def settle(first: FinderResult, second: FinderResult | None, policy: FinderPolicy = FinderPolicy(),
           *, updates: int | None = None) -> FinderResult:
    """The answer of one or two passes: the stronger signal, else the blow-up fallback, else none.

    Args:
        first: the first sweep's result.
        second: the second pass's result (None when there was none).
        policy: the anchor's numbers (``fallback_divisor`` with the anchor off) and the valley numbers.
        updates: optimizer updates of every pass together (``meta["updates"]``; default: the
            passes' steps).

    Returns:
        The chosen pass's result (its curve, suggestion and interval), with ``meta["source"]``
        (one of :data:`SOURCES`, or None), ``meta["passes"]`` (each pass's range, steps, answer
        and reason) and ``meta["updates"]``; the reason says how the answer was reached.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import range_test, synthetic, Sweep
        >>> step = synthetic.quadratic(lipschitz=4.0).step
        >>> r = range_test(step, sweep=Sweep(1e-5, 10.0, 60), interval=False)
        >>> settle(r, None).meta["source"]
        'sweep'
    """
    passes = [first] if second is None else [first, second]
    meta = {"passes": [_summary(r) for r in passes],
            "updates": int(updates if updates is not None else sum(r.steps for r in passes))}
    if second is None:  # a clear first sweep's reading, moved to the calibrated density (_density)
        first = at_calibrated_density(first, policy)
        return _with(first, meta, "sweep" if first.suggestion is not None else None, first.reason)
    start = start_level(first, policy)
    deep = {id(r): descent(r, start, policy) for r in passes}
    # A second pass's valley counts only where it reaches below the starting level by more than the
    # noise a flat curve shows: a jump above it and a recovery is a blow-up, not a descent.
    below = deep[id(second)] > policy.flat_sigmas
    second_why = second.reason if second.suggestion is None or below else (
        f"its loss fell no more than {policy.flat_sigmas:g} noise SDs below where the model started "
        f"({start:.3g}): a rise above that level and a recovery, not a descent")
    answered = [r for r in passes if r.suggestion is not None and (r is first or below)]
    if answered:
        best = max(answered, key=lambda r: deep[id(r)])
        which = "second sweep" if best is second else "sweep"
        why = (f"{which} answered ({_range(best)}): {best.reason}; the first sweep ({_range(first)}) carried "
               f"no signal: {first.reason}" if best is second else
               f"{first.reason}; a second sweep ({_range(second)}) was no clearer: {second_why}")
        if best is second and best.interval is not None:
            meta["interval_covers"] = SECOND_PASS_COVERS
        return _with(best, meta, which, why)
    top, where = blow_up_rate(first, policy), "the first sweep"
    if first.stop_reason == "nan" and top is not None and blow_up_index(first.losses, policy=policy)[0] == (
            np.flatnonzero(~np.isfinite(np.asarray(first.losses, dtype=float)))[0]):
        # No descent in either pass, and no rise before the first non-finite loss (the stop rule never
        # fired): a rate that never moved the loss does not break it in one step; a batch or the loss did.
        why = (f"non-finite before it moved: the loss turned non-finite at {top:.3g} (no descent in either "
               f"sweep, no rise before it: {first.reason}; second sweep: {second_why}), and a rate that "
               "never moved the loss does not break it in one step: the likely cause is a batch (a NaN or "
               "infinite input, a label outside the classes) or the loss; check the data, then sweep again")
        return _with(first, meta, None, why)
    if top is None:
        top, where = blow_up_rate(second, policy, first=first), f"the second sweep ({_range(second)})"
    if top is None:
        why = (f"no answer: neither sweep showed a descent beyond its noise and the loss never blew up up to "
               f"{float(first.lrs[-1]):.3g} ({first.reason}; second sweep: {second_why}); check that the "
               "optimizer updates the parameters the loss depends on, or sweep higher (`end`)")
        return _with(first, meta, None, why)
    divisor, how = guess_divisor(policy)
    guess = top / divisor
    why = (f"a guess, not a measurement: neither sweep showed a descent beyond its noise ({first.reason}; "
           f"second sweep, {_range(second)}: {second_why}); {how} of {top:.3g}, where the loss blew up in "
           f"{where}: {guess:.3g}. Check it with a short run, or sweep with more steps or larger batches")
    index = int(np.argmin(np.abs(np.log10(first.lrs) - np.log10(guess))))
    fallback = dataclasses.replace(first, suggestion=guess, interval=None,
                                   meta={**first.meta, "index": index, "interval_method": None})
    return _with(fallback, meta, GUESS_SOURCE, why)


def guess_divisor(policy: FinderPolicy) -> tuple[float, str]:
    """How far below the blow-up a stated guess sits, and those words: ``10^anchor_decades`` with the
    anchor on (no reading to average, so the anchor is the whole estimate: :mod:`lrkit.finder._anchor`),
    else ``fallback_divisor``. One rule for :func:`settle`'s guess and the advice that explains it.

    Example:
        >>> guess_divisor(FinderPolicy(anchor_decades=2.0))
        (100.0, '1/10^2')
        >>> guess_divisor(FinderPolicy(anchor_weight=0.0, fallback_divisor=4.0))
        (4.0, '1/4')
    """
    if policy.anchor_weight:
        return 10.0**policy.anchor_decades, f"1/10^{policy.anchor_decades:g}"
    return policy.fallback_divisor, f"1/{policy.fallback_divisor:g}"


def _range(r: FinderResult) -> str:
    return f"{float(r.lrs[0]):.3g} to {float(r.meta.get('end', r.lrs[-1])):.3g}, {r.steps} updates"


def _with(result: FinderResult, meta: dict[str, Any], source: str | None, reason: str) -> FinderResult:
    return dataclasses.replace(result, reason=reason, meta={**result.meta, **meta, "source": source})
