"""The framework-neutral range test: sweep the rate, one real step each, until done or diverged."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from lrkit.errors import (
    LRKitError, check_choice, check_count, check_instance, check_int, check_positive,
)
from lrkit.finder._interval import bootstrap_interval, interval_covers, seed_widened
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._result import FinderResult
from lrkit.finder._rules import rules, suggest
from lrkit.finder._smooth import smooth
from lrkit.finder._stop import DivergenceMonitor, divergence_index

__all__ = ["range_test", "sweep_schedule", "check_sweep", "Sweep", "MIN_STEPS", "SWEEP_BYTES_PER_STEP"]

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


def check_sweep(start: Any, end: Any, num_steps: Any, owner: str = "Sweep",
                names: tuple[str, str, str] = ("start", "end", "num_steps")) -> tuple[float, float, int]:
    """A sweep's rates and length, checked: ``0 < start < end`` finite, ``num_steps >= MIN_STEPS``.

    :class:`Sweep`'s checks, with the names a caller takes them by (``LearningRateFinder``'s ``min_lr``,
    ``max_lr``, ``num_training_steps``), so an error names the argument the user wrote.

    Raises:
        LRKitError: naming ``owner``'s argument, its value and what is allowed.

    Example:
        >>> check_sweep(1e-4, 1, 20)
        (0.0001, 1.0, 20)
        >>> check_sweep(1, 0.1, 20, "demo", ("min_lr", "max_lr", "steps"))
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `max_lr` of demo must be > min_lr=1; got 0.1.
    """
    first, last, count = names
    start = check_positive(first, start, owner)
    end = check_positive(last, end, owner)
    if end <= start:
        raise LRKitError(f"`{last}` of {owner} must be > {first}={start:g}; got {end:g}.")
    return start, end, check_count(count, num_steps, owner, low=MIN_STEPS, bytes_each=SWEEP_BYTES_PER_STEP)


@dataclasses.dataclass(frozen=True)
class Sweep:
    """The rates a range test tries: ``num_steps`` rates from ``start`` to ``end``, one update each.

    The defaults span every rate a model plausibly trains at (``1e-7`` moves nothing,
    ``10`` blows up nearly anything) in 100 updates: about 12 points per decade, which
    the smoother needs to see a descent of one or two decades.

    Attributes:
        start: the first rate (> 0).
        end: the last rate (> ``start``).
        num_steps: rates in the sweep, at least :data:`MIN_STEPS`.
        mode: ``"exp"`` (a geometric grid, the default) or ``"linear"``.

    Raises:
        LRKitError: for a bad field (the message names ``Sweep``).

    Example:
        >>> Sweep(start=1e-4, end=1.0, num_steps=20).schedule()(0)
        0.0001
        >>> Sweep(start=1.0, end=0.5)
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `end` of Sweep must be > start=1; got 0.5.
    """

    start: float = 1e-7
    end: float = 10.0
    num_steps: int = 100
    mode: str = "exp"

    def __post_init__(self) -> None:
        start, end, num_steps = check_sweep(self.start, self.end, self.num_steps)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "num_steps", num_steps)
        check_choice("mode", self.mode, "Sweep", ("exp", "linear"))

    def schedule(self) -> Any:
        """The sweep as an lrkit schedule (:func:`sweep_schedule`)."""
        return sweep_schedule(self.start, self.end, self.num_steps, self.mode)

    def to_dict(self) -> dict[str, Any]:
        """``start``, ``end``, ``num_steps``, ``mode`` as plain data."""
        return dataclasses.asdict(self)


def _check_args(step_fn: Any, sweep: Any, rule: Any, policy: Any, seed: Any, hooks: dict[str, Any]) -> None:
    """Every argument of :func:`range_test` but the step function's results, before anything runs."""
    if not callable(step_fn):
        raise LRKitError(f"`step_fn` of range_test must be callable as step_fn(lr) -> loss; got {step_fn!r}.")
    check_instance("sweep", sweep, "range_test", Sweep)
    check_instance("policy", policy, "range_test", FinderPolicy)
    suggest([], [], rule)  # raises the unknown-rule error, listing the valid ones
    check_int("seed", seed, "range_test", low=0)
    for name, hook in hooks.items():
        if hook is not None and not callable(hook):
            raise LRKitError(f"`{name}` of range_test must be callable or None; got {hook!r}.")


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
    sweep: Sweep = Sweep(),
    rule: str = "default",
    policy: FinderPolicy = FinderPolicy(),
    interval: bool = True,
    seed: int = 0,
    on_step: Callable[[int, float, float], bool | None] | None = None,
    allreduce: Callable[[float], float] | None = None,
) -> FinderResult:
    """Run a learning-rate range test over any ``step_fn(lr) -> loss``.

    Step ``t`` uses the rate :math:`\\eta_t = s(t)` of the sweep schedule
    (:meth:`Sweep.schedule`): geometric, :math:`\\eta_t = \\eta_0 (\\eta_1/\\eta_0)^{t/(T-1)}`,
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
        sweep: the rates (:class:`Sweep`: ``start``, ``end``, ``num_steps``, ``mode``).
        rule: the rule for ``suggestion``: a name in :data:`~lrkit.finder.rules`.
        policy: the tuned numbers of the stop rule, the smoother, the rules and the
            interval (:class:`~lrkit.finder.FinderPolicy`; the default is the measured one).
        interval: compute the bootstrap interval.
        seed: seeds the bootstrap.
        on_step: called after each step with ``(t, lr, loss)``; True stops.
        allreduce: applied to each loss before it is recorded and judged (for
            DDP, a mean over ranks, so every rank stops at the same step).

    Returns:
        A :class:`~lrkit.finder.FinderResult`; its ``wall_time`` is the sweep loop's
        wall time and ``meta["loop_cpu_time"]`` the loop's process CPU time (on a
        shared machine, the sweep's own cost).

    Raises:
        LRKitError: for bad arguments, a non-scalar loss or a non-finite first loss.

    Example:
        >>> from lrkit.finder import synthetic
        >>> problem = synthetic.quadratic(lipschitz=4.0)          # diverges above 2/L = 0.5
        >>> result = range_test(problem.step, sweep=Sweep(start=1e-5, end=10.0, num_steps=80))
        >>> result.stop_reason, result.suggestion < problem.stability_limit
        ('diverged', True)
    """
    _check_args(step_fn, sweep, rule, policy, seed, {"on_step": on_step, "allreduce": allreduce})
    schedule = sweep.schedule()
    grid = np.asarray(schedule(np.arange(sweep.num_steps)), dtype=np.float64)

    rates = grid.tolist()
    monitor = DivergenceMonitor(policy=policy)
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
        policy=policy,
        interval=interval,
        seed=seed,
        wall_time=wall_time,
        meta={**sweep.to_dict(), "schedule": schedule.to_spec(), "loop_cpu_time": loop_cpu_time},
    )


def _finish(
    lrs: np.ndarray,
    losses: np.ndarray,
    *,
    stop_reason: str,
    rule: str,
    policy: FinderPolicy,
    interval: bool,
    seed: int,
    wall_time: float,
    meta: dict[str, Any],
    repeats: np.ndarray | None = None,
) -> FinderResult:
    """Smooth, apply every rule and bootstrap: the part of a range test after the sweep."""
    smoothed = np.full(losses.shape, np.nan)
    bad = np.flatnonzero(~np.isfinite(losses))
    n = int(bad[0]) if bad.size else losses.size
    cut = divergence_index(losses[:n], policy=policy)
    n = n if cut is None else cut
    if n >= 1:
        smoothed[:n] = smooth(lrs[:n], losses[:n], policy=policy)
    found = {name: suggest(lrs, losses, name, policy=policy) for name in rules}
    chosen = found[rule]
    suggestions = {name: s.lr for name, s in found.items()}
    batch = None
    if interval and chosen.lr is not None:
        batch = bootstrap_interval(lrs, losses, rule=rule, seed=seed, repeats=repeats, policy=policy)
    band = seed_widened(batch, chosen.lr, policy.seed_spread)
    meta = {**meta, "policy": policy.to_dict(), "interval_method": "wild bootstrap" if interval else None,
            "replicates": policy.replicates if interval else 0, "seed": seed, "index": chosen.index,
            "interval_batch": None if batch is None else list(batch), "alternative": chosen.alternative,
            "raised_from": chosen.raised_from,
            "interval_covers": interval_covers(policy) if batch is not None else None}
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
