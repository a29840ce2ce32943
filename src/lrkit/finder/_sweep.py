"""The framework-neutral range test: sweep the rate, one real step each, until done or diverged."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from lrkit.errors import LRKitError, check_choice, check_count, check_int, check_positive
from lrkit.finder._interval import DEFAULT_REPLICATES, bootstrap_interval
from lrkit.finder._result import FinderResult
from lrkit.finder._rules import rules, suggest
from lrkit.finder._smooth import smooth
from lrkit.finder._stop import DEFAULT_THRESHOLD, DivergenceMonitor, divergence_index

__all__ = ["range_test", "sweep_schedule", "MIN_STEPS", "SWEEP_BYTES_PER_STEP"]

#: Fewest steps a sweep may have: the rules need a plateau, a descent and a
#: minimum of a few points each (see ``MIN_POINTS`` of the rules).
MIN_STEPS = 10
#: Memory one sweep step costs: about a dozen float64 arrays over the sweep (rates, losses,
#: smoothed curve, noise, weights, rule internals) and the result's JSON text; rounded up.
SWEEP_BYTES_PER_STEP = 256


def sweep_schedule(start: float, end: float, num_steps: int, mode: str = "exp") -> Any:
    """The sweep as an lrkit schedule: ``exp_sweep`` or ``linear_sweep(start, end, steps)``.

    ``s(0) = start``, ``s(num_steps - 1) = end``; geometric steps for ``"exp"``.

    Example:
        >>> s = sweep_schedule(1e-4, 1.0, 5)
        >>> [float(f"{v:.3g}") for v in s(np.arange(5))]
        [0.0001, 0.001, 0.01, 0.1, 1.0]
    """
    from lrkit.schedules import exp_sweep, linear_sweep

    factory = exp_sweep if mode == "exp" else linear_sweep
    return factory(start=start, end=end, steps=num_steps)


def _check_args(
    step_fn: Any, start: Any, end: Any, num_steps: Any, mode: Any, rule: Any
) -> tuple[float, float, int]:
    if not callable(step_fn):
        raise LRKitError(f"`step_fn` of range_test must be callable as step_fn(lr) -> loss; got {step_fn!r}.")
    start = check_positive("start", start, "range_test")
    end = check_positive("end", end, "range_test")
    if end <= start:
        raise LRKitError(f"`end` of range_test must be > start={start:g}; got {end:g}.")
    num_steps = check_count("num_steps", num_steps, "range_test", low=MIN_STEPS,
                            bytes_each=SWEEP_BYTES_PER_STEP)
    check_choice("mode", mode, "range_test", ("exp", "linear"))
    suggest([], [], rule)  # raises the unknown-rule error, listing the valid ones
    return start, end, num_steps


def _as_loss(value: Any, step: int) -> float:
    try:
        loss = float(value)
    except (TypeError, ValueError):
        message = f"`step_fn` of range_test must return a scalar loss; got {value!r} at step {step}."
        raise LRKitError(message) from None
    if step == 0 and not math.isfinite(loss):
        raise LRKitError(
            f"the first loss of range_test must be finite; got {loss!r} at step 0 (check the model and data)."
        )
    return loss


def range_test(
    step_fn: Callable[[float], float],
    *,
    start: float = 1e-7,
    end: float = 10.0,
    num_steps: int = 100,
    mode: str = "exp",
    rule: str = "default",
    diverge_threshold: float = DEFAULT_THRESHOLD,
    smooth_window: float | None = None,
    interval: bool = True,
    on_step: Callable[[int, float, float], bool | None] | None = None,
    allreduce: Callable[[float], float] | None = None,
    seed: int = 0,
    replicates: int = DEFAULT_REPLICATES,
) -> FinderResult:
    """Run a learning-rate range test over any ``step_fn(lr) -> loss``.

    Step ``t`` uses the rate :math:`\\eta_t = s(t)` of the sweep schedule
    (:func:`sweep_schedule`): geometric, :math:`\\eta_t = \\eta_0 (\\eta_1/\\eta_0)^{t/(T-1)}`,
    or linear. ``step_fn`` must do one real optimizer update at that rate and
    return that update's loss. The sweep stops early when

    - a loss is NaN or infinite (``"nan"``, at once);
    - two consecutive losses rise above the affine-invariant divergence bar
      (``"diverged"``, see :class:`~lrkit.finder.DivergenceMonitor`);
    - ``on_step(t, lr, loss)`` returns True (``"callback"``).

    Raw losses are all kept. After the sweep the curve is smoothed without lag
    (:func:`~lrkit.finder.smooth`), every rule in :data:`~lrkit.finder.rules` is
    applied, and ``rule``'s suggestion gets a wild-bootstrap interval
    (:func:`~lrkit.finder.bootstrap_interval`). Exceptions from ``step_fn``
    (including ``KeyboardInterrupt``) propagate unchanged; restoring the model
    is the caller's job (``lrkit.torch.find_lr`` does it in a ``finally``).

    Args:
        step_fn: ``step_fn(lr) -> float``, one optimizer update at ``lr``.
        start: first rate (> 0).
        end: last rate (> start).
        num_steps: number of rates, at least :data:`MIN_STEPS`.
        mode: ``"exp"`` (geometric grid, the default) or ``"linear"``.
        rule: the rule for ``suggestion``: a name in :data:`~lrkit.finder.rules`.
        diverge_threshold: :math:`\\tau` of the divergence bar (> 0).
        smooth_window: smoothing half-width in decades (``None``: 0.3).
        interval: compute the bootstrap interval.
        on_step: called after each step with ``(t, lr, loss)``; True stops.
        allreduce: applied to each loss before it is recorded and judged (for
            DDP, a mean over ranks, so every rank stops at the same step).
        seed: seeds the bootstrap.
        replicates: bootstrap replicates.

    Returns:
        A :class:`~lrkit.finder.FinderResult`; its ``wall_time`` is the sweep loop's
        wall time and ``meta["loop_cpu_time"]`` the loop's process CPU time (on a
        shared machine, the sweep's own cost).

    Raises:
        LRKitError: for bad arguments, a non-scalar loss or a non-finite first loss.

    Example:
        >>> from lrkit.finder import synthetic
        >>> problem = synthetic.quadratic(lipschitz=4.0)          # diverges above 2/L = 0.5
        >>> result = range_test(problem.step, start=1e-5, end=10.0, num_steps=80)
        >>> result.stop_reason, result.suggestion < problem.stability_limit
        ('diverged', True)
    """
    start, end, num_steps = _check_args(step_fn, start, end, num_steps, mode, rule)
    check_positive("diverge_threshold", diverge_threshold, "range_test")
    if smooth_window is not None:
        check_positive("smooth_window", smooth_window, "range_test")
    for name, hook in (("on_step", on_step), ("allreduce", allreduce)):
        if hook is not None and not callable(hook):
            raise LRKitError(f"`{name}` of range_test must be callable or None; got {hook!r}.")
    check_int("seed", seed, "range_test", low=0)
    check_int("replicates", replicates, "range_test", low=20)
    schedule = sweep_schedule(start, end, num_steps, mode)
    grid = np.asarray(schedule(np.arange(num_steps)), dtype=np.float64)

    rates = grid.tolist()
    monitor = DivergenceMonitor(diverge_threshold)
    judge = monitor.update
    losses: list[float] = []
    stop_reason = "completed"
    # The loop runs once per optimizer update, so it does as little as it can:
    # plain floats, the rates precomputed, the checks of _as_loss only where
    # the value is not already a float past the first step.
    began, began_cpu = time.perf_counter(), time.process_time()
    for t, lr in enumerate(rates):
        loss = step_fn(lr)
        if t == 0 or type(loss) is not float:  # noqa: E721 (exactly float: a subclass may not convert)
            loss = _as_loss(loss, t)
        if allreduce is not None:
            loss = _as_loss(allreduce(loss), t)
        losses.append(loss)
        stop_cb = on_step is not None and bool(on_step(t, lr, loss))
        if not math.isfinite(loss):
            stop_reason = "nan"
            break
        if judge(loss):
            stop_reason = "diverged"
            break
        if stop_cb:
            stop_reason = "callback"
            break
    wall_time = time.perf_counter() - began
    # CPU time as well: on a shared machine it measures the sweep's own cost, unlike wall time.
    loop_cpu_time = time.process_time() - began_cpu

    return _finish(
        np.asarray(rates[: len(losses)]),
        np.asarray(losses),
        stop_reason=stop_reason,
        rule=rule,
        window=smooth_window,
        interval=interval,
        seed=seed,
        replicates=replicates,
        wall_time=wall_time,
        meta={
            "start": start,
            "end": end,
            "num_steps": num_steps,
            "mode": mode,
            "schedule": schedule.to_spec(),
            "diverge_threshold": float(diverge_threshold),
            "loop_cpu_time": loop_cpu_time,
        },
    )


def _finish(
    lrs: np.ndarray,
    losses: np.ndarray,
    *,
    stop_reason: str,
    rule: str,
    window: float | None,
    interval: bool,
    seed: int,
    replicates: int,
    wall_time: float,
    meta: dict[str, Any],
    repeats: np.ndarray | None = None,
) -> FinderResult:
    """Smooth, apply every rule and bootstrap: the part of a range test after the sweep."""
    smoothed = np.full(losses.shape, np.nan)
    bad = np.flatnonzero(~np.isfinite(losses))
    n = int(bad[0]) if bad.size else losses.size
    cut = divergence_index(losses[:n], meta.get("diverge_threshold", DEFAULT_THRESHOLD))
    n = n if cut is None else cut
    if n >= 1:
        smoothed[:n] = smooth(lrs[:n], losses[:n], window=window)
    found = {name: suggest(lrs, losses, name, window=window) for name in rules}
    chosen = found[rule]
    suggestions = {name: s.lr for name, s in found.items()}
    band = None
    if interval and chosen.lr is not None:
        band = bootstrap_interval(
            lrs, losses, rule=rule, seed=seed, window=window, replicates=replicates, repeats=repeats
        )
    meta = {**meta, "smooth_window": window, "interval_method": "wild bootstrap" if interval else None,
            "replicates": replicates if interval else 0, "seed": seed, "index": chosen.index}
    return FinderResult(
        lrs=lrs,
        losses=losses,
        smoothed=smoothed,
        stop_reason=stop_reason,
        suggestion=chosen.lr,
        interval=band,
        rule=rule,
        reason=chosen.reason,
        steps=int(lrs.size),
        wall_time=wall_time,
        suggestions=suggestions,
        meta=meta,
    )
