"""Train a task with no rate given: the loop of :func:`lrkit.tasks.train`, driven by the Autopilot.

The same protocol as :func:`~lrkit.tasks.train` (a registry name, a :class:`Task` or a protocol
function; the seed fixes weights and batch order), but the task's optimizer is wrapped in
:class:`lrkit.torch.Autopilot`, told the budget, and ``autopilot.step(loss)`` replaces
``optimizer.step()``::

    while not autopilot.done:               # exactly `budget` updates, the probe's included
        x, y = next batch
        loss = loss_fn(model(x), y)
        loss.backward(); autopilot.step(loss)   # probe, then the schedule it chose; faults recovered

A NaN or infinite loss does not end the run: the Autopilot skips or rolls back that update
(``events``); only one at the very first update, before any rate has been tried, is an error.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any

import torch

from lrkit.errors import LRKitError
from lrkit.schedules import scale
from lrkit.tasks._optimizers import regroup
from lrkit.tasks._protocol import check_loss, check_parts
from lrkit.tasks._result import TrainResult
from lrkit.tasks._loop import (Callback, after_update, check_run, endless_batches, evaluator, final_metrics,
                               one_thread, resolve_task, run_budget, task_owner)
from lrkit.torch import first_update

__all__ = ["train_autopilot"]

_OWNER = "train_autopilot"
#: The rate an optimizer named by ``optimizer`` is built at: a placeholder, since the Autopilot writes
#: every group's rate itself and reads only the groups' ratios.
BUILD_LR = 1e-3


def train_autopilot(
    task: Any,
    *,
    budget: int | None = None,
    optimizer: str | None = None,
    seed: int = 0,
    callbacks: Sequence[Callback] = (),
    eval_every: int | None = None,
    autopilot: Mapping[str, Any] | None = None,
) -> TrainResult:
    """Train a task for ``budget`` updates with no learning rate given, and evaluate it.

    The task's optimizer (its initial rate is ignored; per-group ratios are kept) is driven by
    :class:`lrkit.torch.Autopilot` told the budget: its probe chooses the peak rate inside the
    run, then its schedule runs to the end. The run makes exactly ``budget`` updates, the probe's
    included (``TrainResult.steps``), unless a callback stops it early.

    Args:
        task: a registry name, a :class:`~lrkit.tasks.Task`, or a protocol function
            ``FUNC(seed) -> dict``.
        budget: updates the Autopilot is told (default: the task's; protocol function: one epoch).
        optimizer: an optimizer name (default: the task's, or the one the function returns).
        seed: seeds weights and batch order.
        callbacks: ``cb(info) -> bool | None`` after every update, as in :func:`~lrkit.tasks.train`.
        eval_every: also evaluate every this many updates.
        autopilot: further keyword arguments of :class:`~lrkit.torch.Autopilot` (``budget`` and
            ``model`` are set here).

    Returns:
        A :class:`TrainResult`: ``lr`` is the peak the probe chose, ``schedule`` the main phase's
        spec, and ``autopilot`` the probe's account and every event. With several param groups,
        ``lr``, ``schedule`` and the history's ``lr`` are group 0's, as :func:`~lrkit.tasks.train`'s
        (the Autopilot's ``peak`` is its reference group's; ``autopilot["group_0_factor"]`` is group
        0's rate over it), so the spec is in :func:`~lrkit.tasks.train`'s units. The spec is the main
        phase's only: its ``t = 0`` is update ``autopilot["probe_steps"]`` of the run (the probe's
        rates are in the history's ``lr``), so a run of it from step 0 has no ramp.

    Raises:
        LRKitError: for a bad task, budget, optimizer, seed or Autopilot argument, a ``loss_fn``
            that does not return a scalar tensor, or a loss that is not finite at the first update
            (the model is left as it was).

    Example:
        >>> r = train_autopilot("diabetes-linear")  # its budget: 300 updates
        >>> r.steps, r.autopilot["mode"], r.lr > 0, r.final["val_mse"] < 0.6
        (300, 'ramp', True, True)
    """
    from lrkit.torch import MIN_BUDGET, Autopilot

    name, task_obj, build = resolve_task(task)
    seed, eval_every, callbacks = check_run(_OWNER, seed, optimizer, eval_every, callbacks)
    options = dict(autopilot or {})
    for key in ("budget", "model"):
        if key in options:
            raise LRKitError(f"`autopilot` of {_OWNER} must not set {key!r}: it is set from the run; got "
                             f"{options[key]!r}.")

    with one_thread():
        if task_obj is not None:
            parts = task_obj.build(seed, optimizer=optimizer)
            opt_name = optimizer or task_obj.info.default_optimizer
        else:
            torch.manual_seed(seed)
            parts = check_parts(build(seed), f"the task function {name}")
            if optimizer is not None:
                parts["optimizer"] = regroup(optimizer, parts["optimizer"], BUILD_LR)  # the groups kept
            opt_name = optimizer or type(parts["optimizer"]).__name__
        model, opt, loss_fn = parts["model"], parts["optimizer"], parts["loss_fn"]
        train_loader, val_loader = parts["train_loader"], parts.get("val_loader")
        if budget is None and (budget := run_budget(None, task_obj, train_loader, _OWNER)) < MIN_BUDGET:
            raise LRKitError(f"`budget` of {_OWNER} must be an integer >= {MIN_BUDGET} (the Autopilot's "
                             f"probe reads a rate from at least {MIN_BUDGET // 2} updates); none was given, "
                             f"and one epoch of the train_loader is {budget} batches: give budget=.")
        ap = Autopilot(opt, budget=budget, model=model, **options)
        # The Autopilot drives the reference group's rate (the one with the most trainable parameters);
        # train's lr, schedule and history are group 0's, so this result is written in group 0's units
        # too (its spec replays the run's rates with lrkit train); a group 0 frozen at 0 keeps the
        # reference's.
        first = float(opt.param_groups[0]["lr"])
        to_group_0 = first / ap.lr if first > 0 else 1.0

        evaluate = evaluator(task_obj, model, loss_fn, val_loader)
        history: list[dict[str, float]] = []
        stopped, t = "budget", 0
        start = time.perf_counter()
        model.train()
        owner = task_owner(name, task_obj)
        batches = endless_batches(train_loader, owner)
        while not ap.done:
            x, y = next(batches)
            rate = ap.lr * to_group_0
            opt.zero_grad(set_to_none=True)
            with first_update("train_autopilot", t=t):
                loss = check_loss(loss_fn(model(x), y), owner)
                value = float(loss.detach())
                loss.backward()
            ap.step(loss)
            history.append({"step": t, "lr": rate, "train_loss": value})
            t += 1
            if after_update(t, history[-1], more=not ap.done, evaluate=evaluate, eval_every=eval_every,
                            callbacks=callbacks, model=model, optimizer=opt):
                stopped = "callback"
                break
        final, diverged = final_metrics(evaluate(), task_obj)
        stopped = "diverged" if diverged else stopped
        if history and final:
            history[-1].update(final)
        wall = time.perf_counter() - start

    metric_name = task_obj.info.metric if task_obj is not None else "val_loss"
    sched = ap.schedule()
    if sched is not None and to_group_0 != 1.0:
        sched = scale(sched, to_group_0)
    return TrainResult(
        history=history, final=final, metric=final.get(metric_name, math.nan), metric_name=metric_name,
        higher_is_better=task_obj.info.higher_is_better if task_obj is not None else False, steps=t,
        wall_time=wall, diverged=diverged, stopped=stopped, task=name, optimizer=opt_name,
        lr=float(ap.peak) * to_group_0 if ap.peak is not None else math.nan,
        schedule=None if sched is None else str(sched), seed=seed, budget=int(budget),
        autopilot={"mode": "ramp" if ap.ramp else "rollback", "peak": ap.peak, "group_0_factor": to_group_0,
                   "probe_steps": ap.probe_steps, "total_steps": ap.total_steps, "events": ap.events},
    )
