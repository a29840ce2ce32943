"""The training harness: run a task for a budget of optimizer steps at a given rate or schedule.

One loop for every task (built-in, :func:`~lrkit.tasks.from_arrays`, or a user's
protocol function ``FUNC(seed) -> dict``)::

    for t in range(budget):                 # t = update number, the schedule's clock
        x, y = next batch                   # epochs roll over; the loader reshuffles
        loss = loss_fn(model(x), y)
        if loss is nan/inf: diverged, stop  # the update is not applied
        loss.backward(); optimizer.step()   # this update uses rate schedule(t)
        scheduler.step()                    # the adapter writes schedule(t + 1)
        callbacks(info)                     # a True return stops the run

The rate comes from ``lrkit.torch.LRScheduler`` (it recomputes ``schedule(t)`` from
its own counter each step), so the step convention of ``docs/architecture.md`` holds: the first
``optimizer.step()`` uses ``schedule(0)``.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch

from lrkit.errors import LRKitError, RateConflictWarning, check_count, check_positive, shown
from lrkit.schedules import Schedule, constant, for_run, parse, peak_rate, rates_disagree, run_names, scale
from lrkit.tasks._base import Task
from lrkit.tasks._loop import (Callback, after_update, check_run, endless_batches, evaluator, final_metrics,
                               one_thread, resolve_task, run_budget, task_owner)
from lrkit.tasks._optimizers import regroup
from lrkit.tasks._protocol import check_loss, check_parts
from lrkit.tasks._result import TrainResult
from lrkit.torch import LRScheduler, first_update
from lrkit.torch._groups import check_group_0

__all__ = ["train", "resolve_schedule", "HISTORY_BYTES_PER_STEP", "LENGTH_FACTOR", "ScheduleLengthWarning"]

#: A schedule whose length (its horizon) and the run's budget differ by this factor or more was written
#: for another run: past its horizon it holds its final rate (after a decay to 0, updates that change
#: nothing), and cut short it never reaches its low rates. A smaller difference is taken as meant (a decay
#: that ends early to hold a floor, an epoch count rounded). A judgement of intent, not a tuned value.
LENGTH_FACTOR = 2.0


class ScheduleLengthWarning(UserWarning):
    """A schedule's length and the run's budget are :data:`LENGTH_FACTOR` or more apart; it runs as written.

    Example:
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     _ = resolve_schedule(None, "cosine(lr=0.1, steps=100)", 1000)
        >>> type(caught[0].message).__name__, "100 updates" in str(caught[0].message)
        ('ScheduleLengthWarning', True)
    """


def _warn_length(schedule: Schedule, budget: int) -> None:
    horizon = schedule.horizon
    if horizon is None or max(horizon, budget) < LENGTH_FACTOR * min(horizon, budget):
        return
    if horizon < budget:
        what = f"its last {budget - horizon} updates run at its final rate {float(schedule(horizon)):g}"
    else:
        what = f"the run stops at update {budget}, at rate {float(schedule(budget - 1)):g}"
    warnings.warn(f"train: the schedule lasts {horizon} updates and the run {budget}: {what}. Write the "
                  f"schedule for {budget} updates (or give the run its length).", ScheduleLengthWarning,
                  stacklevel=4)


def resolve_schedule(lr: float | None, schedule: Schedule | str | None, budget: int, *,
                     default_lr: float | None = None) -> Schedule:
    """The schedule a run follows, by lrkit's rule for which rate wins.

    The run's own rate ``lr`` over the schedule's, the schedule's over the default (the task's
    default rate, or a protocol function's optimizer's ``lr``):

    * no schedule: ``constant(lr)``, or ``constant(default_lr)`` without ``lr``;
    * a schedule and no ``lr``: the schedule as written;
    * both: the schedule's *shape* at the *level* ``lr``, i.e. the rates
      ``schedule(t) * lr / max_{t < budget} schedule(t)`` (this is how a search over ``lr``
      sweeps a schedule's level). When the schedule's own peak differs from ``lr`` by more than
      1%, a :class:`~lrkit.RateConflictWarning` names both and the factor applied.

    A spec string may name the run's quantities this function knows (see
    :func:`lrkit.schedules.for_run`): ``total`` is ``budget`` and ``lr`` is ``lr`` when given, so
    ``"cosine(lr=0.05, steps=total)"`` anneals over the whole run; a name it does not know is refused.

    Raises:
        LRKitError: for a bad spec, a schedule that is zero over the whole budget, or no rate at all.

    Example:
        >>> resolve_schedule(None, "cosine(lr=0.1, steps=10)", 10)(0)
        0.1
        >>> resolve_schedule(0.1, "cosine(lr=0.1, steps=10)", 10)(5)
        0.05
        >>> resolve_schedule(None, "cosine(lr=0.1, steps=total)", 20)(10)
        0.05
    """
    if schedule is None:
        rate = lr if lr is not None else default_lr
        if rate is None:
            raise LRKitError("`lr` of train must be given when there is neither a schedule nor a default "
                             "rate.")
        return constant(rate)
    sched = _bound(schedule, lr, budget)
    _warn_length(sched, budget)
    peak = peak_rate(sched, budget)
    if not peak > 0:
        raise LRKitError(
            f"`schedule` of train must be positive somewhere in the first {budget} steps; got {sched}."
        )
    if lr is None or peak == lr:
        return sched
    if rates_disagree(lr, peak):
        warnings.warn(f"train: lr={lr:g} and the schedule's own peak {peak:g} (first {budget} steps) "
                      f"disagree; lr= is used: the schedule's shape is rescaled {lr / peak:.3g}x to peak at "
                      f"{lr:g}. Leave lr out to run the schedule as written.", RateConflictWarning,
                      stacklevel=3)
    return scale(sched, lr / peak)


def _templated(schedule: Schedule | str | None) -> bool:
    """Whether ``schedule`` is a spec string naming run quantities (``total``, ``lr``, ...)."""
    return isinstance(schedule, str) and bool(run_names(schedule))


def _run_quantities(lr: float | None, budget: int) -> dict[str, int | float]:
    """The run quantities ``train`` binds in a spec: ``total`` (the budget) and ``lr`` when given."""
    return {"total": int(budget)} if lr is None else {"total": int(budget), "lr": float(lr)}


def _bound(schedule: Schedule | str, lr: float | None, budget: int) -> Schedule:
    """``schedule`` parsed, its run quantities bound first when it names them."""
    return parse(for_run(schedule, **_run_quantities(lr, budget)) if _templated(schedule) else schedule)


def _check_run_names(schedule: Schedule | str | None, lr: float | None) -> None:
    """Refuse, before anything is built, a spec naming a quantity ``train`` cannot bind."""
    if not _templated(schedule):
        return
    unknown = sorted(run_names(schedule) - set(_run_quantities(lr, 1)))
    if unknown:
        names = shown(", ".join(unknown))
        raise LRKitError(f"`schedule` of train names {names}, which train does not define: "
                         f"it binds total (the run's length){' and lr' if lr is not None else ''}; got "
                         f"{shown(schedule)}.")


#: Memory one training step costs: the history row train() keeps (a dict of step, rate and loss,
#: about 270 bytes measured with tracemalloc) and its JSON when printed; rounded up.
HISTORY_BYTES_PER_STEP = 400


def train(
    task: Task | str | Callable[[int], dict[str, Any]],
    *,
    lr: float | None = None,
    schedule: Schedule | str | None = None,
    optimizer: str | None = None,
    budget: int | None = None,
    seed: int = 0,
    callbacks: Sequence[Callback] = (),
    eval_every: int | None = None,
) -> TrainResult:
    """Train a task for ``budget`` optimizer steps and evaluate it.

    Which rate wins: ``lr`` over the schedule's own rate over the default rate (the task's, or a
    protocol function's optimizer's ``lr``, which is a template ``lr`` replaces silently). The
    rate of update ``t`` is ``lr`` (constant), ``schedule(t)`` as written without ``lr``, or
    ``schedule(t)`` rescaled to peak at ``lr`` with both, warned about when the two disagree
    (see :func:`resolve_schedule`); it is written by ``lrkit.torch.LRScheduler``: parameter
    group 0 follows it exactly and any other group keeps its initial ratio to group 0.
    A NaN or infinite training loss stops the run before its update: the result is
    ``diverged`` and reports the task's worst metrics (chance accuracy, infinite losses).
    A protocol function is evaluated by its mean ``val_loss`` (none without a ``val_loader``).

    Args:
        task: a registry name, a :class:`Task`, or a protocol function ``FUNC(seed) -> dict``
            (``model``, ``optimizer``, ``loss_fn``, ``train_loader``, optional ``val_loader``).
        lr: the (peak) learning rate, a finite number > 0; ``None``: the schedule's own, else the
            task's default rate (a protocol function: its optimizer's ``lr``).
        schedule: a :class:`~lrkit.schedules.Schedule` or spec string; ``None`` = a constant rate.
        optimizer: an optimizer name (``"sgd"``, ``"sgd-plain"``, ``"adam"``, ``"adamw"``);
            default: the task's (for a protocol function: the one it returns).
        budget: optimizer steps; default: the task's budget (protocol function: one epoch).
        seed: seeds weights and batch order; the same seed gives a bit-identical run.
        callbacks: ``cb(info) -> bool | None`` after every step with ``info = {"step", "lr",
            "loss", "model", "optimizer"}`` (plus validation metrics on evaluation steps);
            returning ``True`` stops training.
        eval_every: also evaluate every this many steps (``None``: only at the end).

    Returns:
        A :class:`TrainResult`.

    Raises:
        LRKitError: for a bad task, rate, schedule, optimizer, budget, seed or ``eval_every``, or a
            ``loss_fn`` that does not return a scalar tensor.

    Example:
        >>> r = train("diabetes-linear", lr=0.05, budget=30)
        >>> r.steps, r.metric_name, r.diverged, r.final["val_mse"] < 1.0
        (30, 'val_mse', False, True)
    """
    name, task_obj, build = resolve_task(task)
    if lr is not None:
        lr = check_positive("lr", lr, "train")
    seed, eval_every, callbacks = check_run("train", seed, optimizer, eval_every, callbacks)

    _check_run_names(schedule, lr)
    with one_thread():
        # a spec naming the run's length is bound once the length is known (resolve_schedule)
        sched0 = schedule if _templated(schedule) else parse(schedule) if schedule is not None else None
        parts, opt_name, default_lr = _build(name, task_obj, build, seed, optimizer, lr, sched0, budget)
        model, opt, loss_fn = parts["model"], parts["optimizer"], parts["loss_fn"]
        train_loader, val_loader = parts["train_loader"], parts.get("val_loader")
        budget = run_budget(budget, task_obj, train_loader, "train")
        budget = check_count("budget", budget, "train", bytes_each=HISTORY_BYTES_PER_STEP)
        sched = resolve_schedule(lr, sched0, budget, default_lr=default_lr)
        lr = lr if lr is not None else peak_rate(sched, budget)  # the run's (peak) rate, for the record

        evaluate = evaluator(task_obj, model, loss_fn, val_loader)
        # Group 0 follows the schedule; other groups keep their initial ratio to group 0. The
        # optimizer's own rate was a template (train's rule: lr=, then the schedule's, then it).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RateConflictWarning)
            scheduler = LRScheduler(opt, sched)
        history: list[dict[str, float]] = []
        stopped, t = "budget", 0
        start = time.perf_counter()
        model.train()
        owner = task_owner(name, task_obj)
        batches = endless_batches(train_loader, owner)
        while t < budget:
            x, y = next(batches)
            rate = float(opt.param_groups[0]["lr"])
            opt.zero_grad(set_to_none=True)
            with first_update("train", t=t):
                loss = check_loss(loss_fn(model(x), y), owner)
                value = float(loss.detach())
                if math.isfinite(value):
                    loss.backward()
                    opt.step()
            row: dict[str, float] = {"step": t, "lr": rate, "train_loss": value}
            history.append(row)
            if not math.isfinite(value):
                stopped = "diverged"
                break
            scheduler.step()
            t += 1
            if after_update(t, row, more=t < budget, evaluate=evaluate, eval_every=eval_every,
                            callbacks=callbacks, model=model, optimizer=opt):
                stopped = "callback"
                break
        final, diverged = final_metrics(evaluate() if stopped != "diverged" else {}, task_obj,
                                        diverged=stopped == "diverged")
        stopped = "diverged" if diverged else stopped
        if history and final:
            history[-1].update(final)
        wall = time.perf_counter() - start

    metric_name = task_obj.info.metric if task_obj is not None else "val_loss"
    return TrainResult(
        history=history,
        final=final,
        metric=final.get(metric_name, math.nan),
        metric_name=metric_name,
        higher_is_better=task_obj.info.higher_is_better if task_obj is not None else False,
        steps=t,
        wall_time=wall,
        diverged=diverged,
        stopped=stopped,
        task=name,
        optimizer=opt_name,
        lr=lr,
        schedule=None if schedule is None else str(sched),
        seed=seed,
        budget=budget,
    )


def _build(name: str, task_obj: Task | None, build: Callable[[int], dict[str, Any]] | None, seed: int,
           optimizer: str | None, lr: float | None, schedule: Schedule | str | None,
           budget: int | None) -> tuple[dict[str, Any], str, float]:
    """The run's parts, its optimizer's name and the default rate (the task's, or the function's optimizer's).

    A built-in task's optimizer is built at the rate that runs first (the schedule sets it from then
    on); a protocol function's is kept (regrouped under ``optimizer`` when one is named), its rate
    being the default.
    """
    if task_obj is not None:
        horizon = budget or task_obj.info.budget
        build_lr = lr or (peak_rate(_bound(schedule, lr, horizon), horizon) if schedule is not None else None)
        parts = task_obj.build(seed, optimizer=optimizer, lr=build_lr)
        return parts, optimizer or task_obj.info.default_optimizer, task_obj.info.default_lr
    torch.manual_seed(seed)
    parts = check_parts(build(seed), f"the task function {name}")
    check_group_0(parts["optimizer"], f"the task function {name}", "train")
    default_lr = float(parts["optimizer"].param_groups[0]["lr"])
    if optimizer is not None:
        parts["optimizer"] = regroup(optimizer, parts["optimizer"], lr or default_lr)  # groups kept
    return parts, optimizer or type(parts["optimizer"]).__name__, default_lr
