"""The task value type, its registry, optimizers by name, and the in-memory batch iterator.

A :class:`Task` is a named, reproducible training problem. ``task.build(seed)``
returns the pieces of the user task protocol of ``docs/architecture.md`` (``model``,
``optimizer``, ``loss_fn``, ``train_loader``, ``val_loader``), so a built-in task
is itself a protocol function: ``task(seed) == task.build(seed)``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import torch

from lrkit._registry import Registry
from lrkit.errors import LRKitError, check_int, check_positive, unknown_name

__all__ = [
    "OPTIMIZERS",
    "ArrayLoader",
    "Task",
    "TaskInfo",
    "get_task",
    "make_optimizer",
    "register",
    "registry",
]

#: Optimizer names every task accepts, each a torch optimizer with fixed hyperparameters (the rate
#: aside); a task may override any of them through ``make_optimizer``'s keyword options:
#:
#: ============ ====================================================================================
#: name         torch optimizer
#: ============ ====================================================================================
#: sgd          ``SGD(momentum=0.9)`` (heavy-ball momentum, the usual deep-learning SGD)
#: sgd-plain    ``SGD()``: plain gradient descent, the step-size theory's optimizer
#: nesterov     ``SGD(momentum=0.9, nesterov=True)``: Nesterov's accelerated gradient
#: adam         ``Adam()`` (betas 0.9, 0.999; eps 1e-8)
#: adamw        ``AdamW()`` (decoupled weight decay, 0.01 by default)
#: rmsprop      ``RMSprop()`` (alpha 0.99, no momentum)
#: adagrad      ``Adagrad()`` (per-coordinate rates that only decay)
#: nadam        ``NAdam()`` (Adam with Nesterov momentum)
#: radam        ``RAdam()`` (Adam with a rectified, warmup-free variance estimate)
#: ============ ====================================================================================
OPTIMIZERS: tuple[str, ...] = (
    "sgd", "sgd-plain", "nesterov", "adam", "adamw", "rmsprop", "adagrad", "nadam", "radam"
)

#: ``name -> (torch class, fixed keyword arguments)`` behind :data:`OPTIMIZERS`.
_OPTIMIZER_TABLE: dict[str, tuple[type[torch.optim.Optimizer], dict[str, Any]]] = {
    "sgd": (torch.optim.SGD, {"momentum": 0.9}),
    "sgd-plain": (torch.optim.SGD, {}),
    "nesterov": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "rmsprop": (torch.optim.RMSprop, {}),
    "adagrad": (torch.optim.Adagrad, {}),
    "nadam": (torch.optim.NAdam, {}),
    "radam": (torch.optim.RAdam, {}),
}


def make_optimizer(
    name: str, params: Iterable[torch.nn.Parameter] | Iterable[dict[str, Any]], lr: float, **options: Any
) -> torch.optim.Optimizer:
    """Build a torch optimizer from its lrkit name.

    Args:
        name: one of :data:`OPTIMIZERS`.
        params: the parameters to optimize, or parameter-group dicts (as torch accepts).
        lr: the (initial) learning rate, > 0.
        **options: keyword arguments of the torch optimizer that replace the name's fixed ones
            (``weight_decay=5e-4``, ``momentum=0.8``, ``eps=1e-6`` ...).

    Returns:
        The torch optimizer of :data:`OPTIMIZERS`' table (torch defaults for everything not named).

    Raises:
        LRKitError: for an unknown name, a rate that is not a finite number > 0, or an option the
            optimizer does not take (or rejects).

    Example:
        >>> opt = make_optimizer("sgd", torch.nn.Linear(2, 1).parameters(), 0.1)
        >>> type(opt).__name__, opt.param_groups[0]["momentum"]
        ('SGD', 0.9)
        >>> opt = make_optimizer("nesterov", torch.nn.Linear(2, 1).parameters(), 0.1, weight_decay=5e-4)
        >>> opt.param_groups[0]["nesterov"], opt.param_groups[0]["weight_decay"]
        (True, 0.0005)
    """
    if name not in OPTIMIZERS:
        raise unknown_name("optimizer", name, OPTIMIZERS)
    lr = check_positive("lr", lr, "the optimizer")
    cls, fixed = _OPTIMIZER_TABLE[name]
    kwargs = {**fixed, **options}
    try:
        return cls(params, lr=lr, **kwargs)
    except (TypeError, ValueError) as exc:  # an unknown keyword, or a value torch rejects
        raise LRKitError(
            f"`options` of optimizer {name!r} must be keyword arguments {cls.__name__} accepts; "
            f"got {options} ({exc})."
        ) from None


class ArrayLoader:
    """A light in-memory batch iterator over tensors (no DataLoader, no workers).

    Each ``iter(loader)`` is one epoch. With ``shuffle=True`` epoch ``e`` visits
    the rows in the order ``randperm(n)`` drawn from a generator seeded with
    ``(seed, e)``, so the sequence of batches depends only on ``seed`` and on how
    many epochs have been drawn, never on global RNG state.

    Args:
        inputs: tensor of shape ``(n, ...)``.
        targets: tensor of shape ``(n, ...)``.
        batch_size: rows per batch (the last batch may be smaller unless ``drop_last``).
        shuffle: reshuffle every epoch (training) or keep the order (validation).
        seed: seed of the shuffling.
        drop_last: drop a final partial batch.

    Example:
        >>> loader = ArrayLoader(torch.arange(5.0), torch.arange(5), batch_size=2, shuffle=False)
        >>> len(loader), [x.tolist() for x, _ in loader]
        (3, [[0.0, 1.0], [2.0, 3.0], [4.0]])
    """

    def __init__(
        self,
        inputs: torch.Tensor,
        targets: torch.Tensor,
        batch_size: int,
        *,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if len(inputs) != len(targets):
            raise LRKitError(
                f"`targets` of ArrayLoader must have {len(inputs)} rows like `inputs`; got {len(targets)}."
            )
        self.inputs = inputs
        self.targets = targets
        self.batch_size = check_int("batch_size", batch_size, "ArrayLoader")
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        if len(self) == 0:
            raise LRKitError(
                f"`batch_size` of ArrayLoader must be <= {len(inputs)} rows with drop_last; got {batch_size}."
            )

    def __len__(self) -> int:
        n = len(self.inputs)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def state_dict(self) -> dict[str, int]:
        """The epoch counter, the loader's only state (``find_lr`` saves and restores it)."""
        return {"epoch": self.epoch}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.epoch = int(state["epoch"])

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.inputs)
        if self.shuffle:
            # One generator per epoch, seeded from (seed, epoch): any epoch is reproducible alone.
            gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
            order = torch.randperm(n, generator=gen)
        else:
            order = None
        self.epoch += 1
        for b in range(len(self)):
            rows = slice(b * self.batch_size, min((b + 1) * self.batch_size, n))
            idx = order[rows] if order is not None else rows
            yield self.inputs[idx], self.targets[idx]


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
