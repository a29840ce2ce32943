"""A sweep without a signal is not an answer: when to sweep again, where, and what to say if that fails.

A range test reads a descent out of batch noise. When the loss falls by less than its noise
(``FinderPolicy.retry_sigmas`` SDs, the weak-signal line) the first sweep has not measured
anything: typically a network whose loss stays flat for a while before it falls (a recurrent
net at chance), where a sweep of a hundred updates over eight decades spends only a handful at
each rate that could train it. What the sweep *has* measured then is where the loss blew up.
So the second pass sweeps the ``retry_decades`` below that rate with ``retry_steps`` updates
(ten times the density of the default sweep for one decade), from the same starting state,
which lets the flat phase end inside the range that matters. The pass with the stronger
signal (the deeper drop in noise SDs) answers. If neither shows a descent beyond its noise
but the loss blew up, the answer is a stated guess, the blow-up rate divided by
``fallback_divisor`` (pulled towards the blow-up anchor as every reading is); if the loss never
blew up either, there is no answer, and the reason says
what to check. Each outcome is named in ``meta["source"]``: ``"sweep"``, ``"second sweep"``,
``"blow-up fallback"`` or ``None``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from lrkit.finder._anchor import blend, blow_up_x
from lrkit.finder._default import valley_geometry
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._result import FinderResult
from lrkit.finder._stop import divergence_index
from lrkit.finder._sweep import MIN_STEPS, Sweep

__all__ = ["signal", "second_sweep", "settle", "blow_up_rate", "SOURCES", "SECOND_PASS_COVERS"]

#: What ``meta["source"]`` says answered: the sweep, the second sweep, the blow-up fallback (or None).
SOURCES = ("sweep", "second sweep", "blow-up fallback")
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
        >>> r = range_test(synthetic.quadratic(lipschitz=4.0).step, sweep=Sweep(1e-5, 10.0, 60), interval=False)
        >>> signal(r) > 100
        True
    """
    v = valley_geometry(result.lrs, result.losses, policy=policy)
    return 0.0 if isinstance(v, str) else float(v.signal)


def blow_up_rate(result: FinderResult, policy: FinderPolicy = FinderPolicy()) -> float | None:
    """The first rate of the sweep's unstable end (a rebound, the blow-up, a non-finite loss), or None.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import FinderResult
        >>> lrs = np.geomspace(1e-4, 1.0, 20)
        >>> r = FinderResult(lrs=lrs, losses=[1.0] * 19 + [np.nan], smoothed=[np.nan] * 20, stop_reason="nan",
        ...                  suggestion=None, interval=None, rule="default", reason="", steps=20, wall_time=0.0)
        >>> bool(blow_up_rate(r) == lrs[-1])
        True
    """
    y = np.asarray(result.losses, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(y))
    n = int(bad[0]) if bad.size else y.size
    cut = divergence_index(y[:n], policy=policy)
    end = cut if cut is not None else (n if bad.size else None)
    return None if end is None or end >= y.size else float(result.lrs[end])


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
    return Sweep(start=top / 10.0**policy.retry_decades, end=top, num_steps=max(MIN_STEPS, policy.retry_steps),
                 mode=sweep.mode)


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
        policy: ``fallback_divisor`` and the valley numbers.
        updates: optimizer updates of every pass together (``meta["updates"]``; default: the
            passes' steps).

    Returns:
        The chosen pass's result (its curve, suggestion and interval), with ``meta["source"]``
        (one of :data:`SOURCES`, or None), ``meta["passes"]`` (each pass's range, steps, answer
        and reason) and ``meta["updates"]``; the reason says how the answer was reached.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import range_test, synthetic, Sweep
        >>> r = range_test(synthetic.quadratic(lipschitz=4.0).step, sweep=Sweep(1e-5, 10.0, 60), interval=False)
        >>> settle(r, None).meta["source"]
        'sweep'
    """
    passes = [first] if second is None else [first, second]
    meta = {"passes": [_summary(r) for r in passes],
            "updates": int(updates if updates is not None else sum(r.steps for r in passes))}
    if second is None:
        return _with(first, meta, "sweep" if first.suggestion is not None else None, first.reason)
    answered = [r for r in passes if r.suggestion is not None]
    if answered:
        best = max(answered, key=lambda r: signal(r, policy))
        which = "second sweep" if best is second else "sweep"
        why = (f"{which} answered ({_range(best)}): {best.reason}; the first sweep ({_range(first)}) carried "
               f"no signal: {first.reason}" if best is second else
               f"{first.reason}; a second sweep ({_range(second)}) was no clearer: {second.reason}")
        if best is second and best.interval is not None:
            meta["interval_covers"] = SECOND_PASS_COVERS
        return _with(best, meta, which, why)
    top = blow_up_rate(first, policy)
    if top is None:
        why = (f"no answer: neither sweep showed a descent beyond its noise and the loss never blew up up to "
               f"{float(first.lrs[-1]):.3g} ({first.reason}; second sweep: {second.reason}); check that the "
               "optimizer updates the parameters the loss depends on, or sweep higher (`end`)")
        return _with(first, meta, None, why)
    # The blow-up anchor pulls the guess as it pulls every reading (lrkit.finder._anchor).
    guess = float(10.0 ** blend(float(np.log10(top / policy.fallback_divisor)),
                                blow_up_x(first.lrs, first.losses, policy=policy)[0], policy))
    anchor = (f", moved {policy.anchor_weight:.2g} of the way in log-rate to 1/10^{policy.anchor_decades:g} "
              "of where the stop rule ended the sweep" if policy.anchor_weight else "")
    why = (f"a guess, not a measurement: neither sweep showed a descent beyond its noise ({first.reason}; "
           f"second sweep, {_range(second)}: {second.reason}); 1/{policy.fallback_divisor:g} of {top:.3g}, "
           f"where the loss blew up in the first sweep{anchor}: {guess:.3g}. Check it with a short run, or "
           "sweep with more steps or larger batches")
    index = int(np.argmin(np.abs(np.log10(first.lrs) - np.log10(guess))))
    fallback = dataclasses.replace(first, suggestion=guess, interval=None,
                                   meta={**first.meta, "index": index, "interval_method": None})
    return _with(fallback, meta, "blow-up fallback", why)


def _range(r: FinderResult) -> str:
    return f"{float(r.lrs[0]):.3g} to {float(r.meta.get('end', r.lrs[-1])):.3g}, {r.steps} updates"


def _with(result: FinderResult, meta: dict[str, Any], source: str | None, reason: str) -> FinderResult:
    return dataclasses.replace(result, reason=reason, meta={**result.meta, **meta, "source": source})
