"""What both training loops share (:func:`~lrkit.tasks.train` and ``train_autopilot``).

Their common arguments checked, the task resolved to its name and builder, how messages name it,
what follows each update (evaluation, history row, callbacks), the loader read as an endless
stream of ``(inputs, target)`` batches, one intra-op thread for the run (bit-identical runs
and honest per-core costs: intra-op threads change the order of reductions), the evaluation and
the final metrics of a run that diverged.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import Any

import torch

from lrkit.errors import LRKitError, check_int, unknown_name
from lrkit.tasks._base import Task, get_task
from lrkit.tasks._optimizers import OPTIMIZERS
from lrkit.tasks._protocol import batch_pair, evaluate_val_loss
from lrkit.torch import loader_length  # re-exported: lrkit.tasks.loader_length is the same function

__all__ = ["Callback", "after_update", "check_run", "endless_batches", "evaluator", "final_metrics",
           "loader_length", "one_thread", "resolve_task", "run_budget", "task_owner"]

#: ``cb(info) -> bool | None`` after every update; ``True`` stops the run.
Callback = Callable[[dict[str, Any]], "bool | None"]


def check_run(owner: str, seed: Any, optimizer: Any, eval_every: Any,
              callbacks: Any) -> tuple[int, int | None, tuple[Callback, ...]]:
    """The arguments both loops take, checked: ``(seed, eval_every, callbacks)``.

    Raises:
        LRKitError: for a negative or non-integer ``seed``, an unknown ``optimizer`` name, an
            ``eval_every`` that is not an integer > 0, or a callback that is not callable.

    Example:
        >>> check_run("train", 0, "adam", None, [print])
        (0, None, (<built-in function print>,))
    """
    seed = check_int("seed", seed, owner, low=0)
    if optimizer is not None and optimizer not in OPTIMIZERS:
        raise unknown_name("optimizer", optimizer, OPTIMIZERS)
    if eval_every is not None:
        eval_every = check_int("eval_every", eval_every, owner)
    callbacks = tuple(callbacks)
    for cb in callbacks:
        if not callable(cb):
            raise LRKitError(f"`callbacks` of {owner} must be callables; got {cb!r}.")
    return seed, eval_every, callbacks


def after_update(t: int, row: dict[str, float], *, more: bool, evaluate: Callable[[], dict[str, float]],
                 eval_every: int | None, callbacks: tuple[Callback, ...], model: Any, optimizer: Any) -> bool:
    """What follows the ``t``-th update (``row``, its history row): the evaluation every ``eval_every``
    updates while ``more`` are to come (the last one gets the final evaluation), then every callback;
    whether one asked to stop.

    Example:
        >>> row = {"step": 3, "lr": 0.1, "train_loss": 0.5}
        >>> after_update(4, row, more=True, evaluate=lambda: {"val_loss": 0.4}, eval_every=2,
        ...              callbacks=(lambda info: info["loss"] < 1,), model=None, optimizer=None)
        True
        >>> row["val_loss"]
        0.4
    """
    metrics = evaluate() if eval_every is not None and t % eval_every == 0 and more else {}
    row.update(metrics)
    info = {"step": t - 1, "lr": row["lr"], "loss": row["train_loss"], "model": model, "optimizer": optimizer,
            **metrics}
    return any([bool(cb(info)) for cb in callbacks])  # a list: every callback sees every step


def resolve_task(
    task: Task | str | Callable[[int], dict[str, Any]],
) -> tuple[str, Task | None, Callable[..., dict[str, Any]]]:
    """``(name, task or None, build)`` of a registry name, a :class:`Task` or a protocol function.

    Raises:
        LRKitError: for an unknown name (with a did-you-mean hint) or anything else.

    Example:
        >>> name, task, build = resolve_task("digits-mlp")
        >>> name, task.info.metric
        ('digits-mlp', 'val_acc')
        >>> def build(seed): ...
        >>> resolve_task(build)[:2]
        ('build', None)
    """
    if isinstance(task, str):
        t = get_task(task)
        return t.name, t, t.build
    if isinstance(task, Task):
        return task.name, task, task.build
    if callable(task):
        return getattr(task, "__name__", "user-task"), None, task
    raise LRKitError(f"`task` of train must be a task name, a Task or a protocol function; got {task!r}.")


def run_budget(budget: int | None, task_obj: Task | None, train_loader: Any, owner: str) -> int:
    """The updates a run makes: ``budget`` if given, else a built-in task's own, else one pass over
    a ``train_loader`` with a length.

    Example:
        >>> run_budget(None, None, [("x", "y")] * 30, "train"), run_budget(5, None, iter([]), "train")
        (30, 5)
        >>> run_budget(None, None, iter([]), "train")
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `budget` of train is required for a task whose train_loader has no length.
    """
    if budget is not None:
        return budget
    if task_obj is not None:
        return task_obj.info.budget
    if (n := loader_length(train_loader)) is not None:
        return n
    raise LRKitError(f"`budget` of {owner} is required for a task whose train_loader has no length.")


def task_owner(name: str, task_obj: Task | None) -> str:
    """How messages name the task.

    Example:
        >>> task_owner("build", None)
        'the task function build'
    """
    return f"the task {name}" if task_obj is not None else f"the task function {name}"


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """torch runs on one intra-op thread inside the block; the previous count is restored after.

    One thread makes a run bit-identical from its seed and its CPU time a per-core cost that two
    runs can be compared by; :func:`train`, :func:`train_autopilot` and the peer benchmarks use it.

    Example:
        >>> from lrkit.tasks import one_thread
        >>> before = torch.get_num_threads()
        >>> with one_thread():
        ...     torch.get_num_threads()
        1
        >>> torch.get_num_threads() == before
        True
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def endless_batches(loader: Any, owner: str = "the task") -> Iterator[tuple[Any, Any]]:
    """Endless ``(inputs, target)`` batches: one epoch after another (each ``iter`` reshuffles).

    Each batch is read by :func:`~lrkit.tasks._protocol.batch_pair` (pairs, or the dicts
    ``find_lr`` reads), so another layout is one ``LRKitError`` naming ``owner``, before its update.
    A loader that yields nothing is an error naming it; so is one that runs dry after its first
    pass (a generator), which says why.

    Example:
        >>> batches = endless_batches([(1, 2), (3, 4)])
        >>> [next(batches) for _ in range(3)]  # the second epoch starts over
        [(1, 2), (3, 4), (1, 2)]
    """
    seen = 0
    while True:
        empty = True
        for batch in loader:
            empty = False
            seen += 1
            yield batch_pair(batch, "train_loader", owner)
        if empty and seen:
            raise LRKitError(f"`train_loader` of {owner} ran out after {seen} batches and yielded nothing "
                             "on its second pass: a one-shot iterator cannot be cycled; pass a list or a "
                             "DataLoader.")
        if empty:
            raise LRKitError(f"`train_loader` of {owner} yielded no batches.")


def evaluator(task_obj: Task | None, model: torch.nn.Module, loss_fn: Callable[..., Any],
              val_loader: Any) -> Callable[[], dict[str, float]]:
    """The run's evaluation: a built-in task's own metrics, else the loss over ``val_loader``, else none.

    Example:
        >>> evaluator(None, torch.nn.Linear(1, 1), None, None)()  # a task function without a val_loader
        {}
    """
    def evaluate() -> dict[str, float]:
        if task_obj is not None:
            return task_obj.evaluate(model, val_loader)
        return evaluate_val_loss(model, loss_fn, val_loader) if val_loader is not None else {}

    return evaluate


def final_metrics(final: dict[str, float], task_obj: Task | None,
                  diverged: bool = False) -> tuple[dict[str, float], bool]:
    """A run's final metrics and whether it diverged.

    A non-finite metric (accuracy aside, which stays finite on any weights) means the last updates blew
    the weights up: the run diverged, as one that stopped on a non-finite loss (``diverged=True``). A
    diverged run reports the task's worst metrics (an infinite validation loss for a task function),
    never the numbers of broken weights.

    Example:
        >>> final_metrics({"val_loss": 0.5}, None)
        ({'val_loss': 0.5}, False)
        >>> final_metrics({"val_loss": float("nan")}, None)
        ({'val_loss': inf}, True)
    """
    diverged = diverged or any(not math.isfinite(v) for k, v in final.items() if k != "val_acc")
    if diverged:
        final = task_obj.worst() if task_obj is not None else {"val_loss": math.inf}
    return final, diverged
