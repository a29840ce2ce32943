"""The task value type and its registry.

A :class:`Task` is a named, reproducible training problem. ``task.build(seed)``
returns the pieces of the user task protocol of ``docs/architecture.md`` (``model``,
``optimizer``, ``loss_fn``, ``train_loader``, ``val_loader``), so a built-in task
is itself a protocol function: ``task(seed) == task.build(seed)``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any

import torch

from lrkit._registry import Registry
from lrkit.errors import check_int, check_positive, unknown_name
from lrkit.tasks._optimizers import OPTIMIZERS, make_optimizer

__all__ = ["Task", "TaskInfo", "get_task", "register", "registry"]


@dataclasses.dataclass(frozen=True)
class TaskInfo:
    """Registry record of one task: what it is, its defaults and its cost.

    Attributes:
        name: registry name, e.g. ``"digits-mlp"``.
        summary: one line for ``lrkit tasks list``.
        data: the data set and its split, e.g. ``"sklearn digits, 1437/360"``.
        n_params: number of trainable parameters of the model.
        default_optimizer: one of :data:`OPTIMIZERS`.
        default_lr: a good rate for the default optimizer and budget (measured).
        budget: default number of optimizer steps of a full run.
        batch_size: training batch size.
        metric: the main metric, a key of ``task.evaluate(...)`` (``"val_acc"`` ...).
        higher_is_better: direction of ``metric``.
        cost: measured seconds of one full run on one core: the CPU (process) time of a
            default run with one torch thread, which is its wall time on an idle core
            (``None`` if unmeasured).
        steps_per_epoch: batches in one pass over the training data.

    Example:
        >>> info = get_task("digits-mlp").info
        >>> info.n_params, info.metric, info.higher_is_better
        (9610, 'val_acc', True)
    """

    name: str
    summary: str
    data: str
    n_params: int
    default_optimizer: str
    default_lr: float
    budget: int
    batch_size: int
    metric: str
    higher_is_better: bool
    cost: float | None
    steps_per_epoch: int

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for ``lrkit tasks list --json``)."""
        return dataclasses.asdict(self)


class Task:
    """A reproducible training problem; subclasses implement :meth:`_build` and :meth:`evaluate`.

    ``build(seed)`` seeds torch before creating the model, so the same seed gives
    bit-identical initial weights and batch order; the data split never depends on
    the seed. A task is also a protocol function: ``task(seed) == task.build(seed)``.

    Example:
        >>> task = get_task("wine-logreg")
        >>> parts = task(0)
        >>> type(parts["optimizer"]).__name__, len(parts["train_loader"]), task.info.batch_size
        ('SGD', 1, 142)
    """

    #: Registry name; ``info`` is built lazily from it (some tasks must read their data first).
    name: str = "task"

    @functools.cached_property
    def info(self) -> TaskInfo:
        """The task's :class:`TaskInfo` (computed once, on first access)."""
        return self._make_info()

    def _make_info(self) -> TaskInfo:
        raise NotImplementedError  # pragma: no cover - abstract

    def build(
        self, seed: int = 0, *, optimizer: str | None = None, lr: float | None = None
    ) -> dict[str, Any]:
        """Build model, optimizer, loss and loaders for one run.

        Args:
            seed: seeds the weight initialisation and the batch order.
            optimizer: an :data:`OPTIMIZERS` name (default: the task's).
            lr: the optimizer's initial rate (default: ``info.default_lr``).

        Returns:
            ``{"model", "optimizer", "loss_fn", "train_loader", "val_loader"}``.

        Raises:
            LRKitError: for a bad seed, optimizer name or rate.
        """
        seed = check_int("seed", seed, f"task {self.name}", low=0)
        name = self.info.default_optimizer if optimizer is None else optimizer
        if name not in OPTIMIZERS:
            raise unknown_name("optimizer", name, OPTIMIZERS)
        rate = self.info.default_lr if lr is None else check_positive("lr", lr, f"task {self.info.name}")
        torch.manual_seed(seed)
        model, loss_fn, train_loader, val_loader = self._build(seed)
        return {
            "model": model,
            "optimizer": self.make_optimizer(name, model, rate),
            "loss_fn": loss_fn,
            "train_loader": train_loader,
            "val_loader": val_loader,
        }

    def make_optimizer(self, name: str, model: torch.nn.Module, lr: float) -> torch.optim.Optimizer:
        """The optimizer ``build`` gives ``model``: :func:`make_optimizer` over its parameters.

        A task whose optimizer needs options (weight decay, parameter groups) overrides this.
        """
        return make_optimizer(name, model.parameters(), lr)

    def __call__(self, seed: int = 0) -> dict[str, Any]:
        return self.build(seed)

    def _build(self, seed: int) -> tuple[torch.nn.Module, Callable[..., torch.Tensor], Any, Any]:
        raise NotImplementedError  # pragma: no cover - abstract

    def evaluate(self, model: torch.nn.Module, val_loader: Any) -> dict[str, float]:
        """Validation metrics of ``model`` (eval mode, no grad), named for what they are."""
        raise NotImplementedError  # pragma: no cover - abstract

    def worst(self) -> dict[str, float]:
        """The metrics reported for a diverged run (chance accuracy, infinite loss)."""
        raise NotImplementedError  # pragma: no cover - abstract

    def __repr__(self) -> str:
        return f"<Task {self.name}>"


#: Every built-in task by name (filled by the task modules on import).
registry: Registry[Task] = Registry("task")


#: Add a built-in task to :data:`registry` under ``task.name`` (a name may be registered once).
register = registry.register


def get_task(name: str) -> Task:
    """Return the built-in task ``name``.

    Raises:
        LRKitError: for an unknown name, listing the valid ones (with a "did you mean").

    Example:
        >>> get_task("digits-mlp").info.metric
        'val_acc'
    """
    return registry.lookup(name)
