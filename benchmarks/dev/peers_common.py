"""What the peer harnesses share: reading a workload's optimizer, endless batches, quiet peers, timing.

A peer is configured from the workload it replaces: the harnesses read the optimizer that
``task.build(seed)`` returns (its class, weight decay, momentum) rather than a name table, so a
zoo workload with any torch optimizer is read the same way as a built-in task.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.metadata
import io
import logging
import time
import warnings
from collections.abc import Iterator
from typing import Any

import torch

from lrkit.tasks import one_thread  # re-exported: the harnesses run as train does

__all__ = ["OptimizerFamily", "endless", "has_batchnorm", "one_thread", "package_version", "quiet",
           "resolve_task", "cpu_clock"]

#: Loggers of the peers' own packages, silenced while a peer runs (results are printed by us).
PEER_LOGGERS = ("lightning", "lightning.pytorch", "lightning.fabric", "torch_lr_finder", "dadaptation",
                "prodigyopt", "dog", "fastai")


@dataclasses.dataclass(frozen=True)
class OptimizerFamily:
    """The workload's optimizer as a peer needs it: its kind and its regularization.

    Attributes:
        name: the class name (``"SGD"``, ``"AdamW"``, ``"RMSprop"`` ...).
        kind: ``"sgd"`` for ``torch.optim.SGD`` (any momentum), ``"adaptive"`` for every
            other optimizer (Adam, AdamW, RMSprop, Adagrad, NAdam, RAdam ...): the split the
            peers' own variants follow (D-Adaptation's and Schedule-Free's SGD vs Adam(W)).
        lr: the workload's own initial rate.
        weight_decay: the workload's weight decay (0 when it has none).
        decoupled: True when that decay is AdamW-style (decoupled), False for an L2 penalty.
        momentum: SGD's momentum (0 for plain SGD and for adaptive optimizers).
        nesterov: SGD's Nesterov flag.

    Example:
        >>> f = OptimizerFamily.of(torch.optim.AdamW(torch.nn.Linear(2, 1).parameters(), lr=0.01))
        >>> f.kind, f.weight_decay, f.decoupled
        ('adaptive', 0.01, True)
    """

    name: str
    kind: str
    lr: float
    weight_decay: float
    decoupled: bool
    momentum: float
    nesterov: bool

    @classmethod
    def of(cls, optimizer: torch.optim.Optimizer) -> OptimizerFamily:
        group = optimizer.param_groups[0]
        is_sgd = isinstance(optimizer, torch.optim.SGD)
        decoupled = isinstance(optimizer, torch.optim.AdamW) or bool(group.get("decoupled_weight_decay"))
        return cls(
            name=type(optimizer).__name__,
            kind="sgd" if is_sgd else "adaptive",
            lr=float(group["lr"]),
            weight_decay=float(group.get("weight_decay", 0.0) or 0.0),
            decoupled=decoupled,
            momentum=float(group.get("momentum", 0.0) or 0.0) if is_sgd else 0.0,
            nesterov=bool(group.get("nesterov", False)) if is_sgd else False,
        )


def resolve_task(task: Any) -> Any:
    """A :class:`lrkit.tasks.Task`, given one or a built-in task's registry name."""
    if isinstance(task, str):
        from lrkit.tasks import get_task

        return get_task(task)
    return task


def has_batchnorm(model: torch.nn.Module) -> bool:
    """True when ``model`` has a BatchNorm layer (Schedule-Free's and DoG's documented special case)."""
    kinds = (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d, torch.nn.BatchNorm3d, torch.nn.SyncBatchNorm)
    return any(isinstance(m, kinds) for m in model.modules())


def endless(loader: Any) -> Iterator[Any]:
    """The loader's batches, epoch after epoch (each ``iter`` is a new epoch, as in training)."""
    while True:
        empty = True
        for batch in loader:
            empty = False
            yield batch
        if empty:
            raise ValueError("the task's train_loader yielded no batches")


def package_version(dist: str) -> str:
    """``"name==version"`` of an installed distribution (what produced a result)."""
    return f"{dist}=={importlib.metadata.version(dist)}"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence a peer's prints, progress bars, log lines and warnings."""
    loggers = [logging.getLogger(n) for n in PEER_LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


class cpu_clock:  # noqa: N801 - a context manager used like a function
    """CPU seconds of this process spent inside the ``with`` block (``.seconds`` afterwards).

    CPU time rather than wall time: the machine is shared, and a peer's cost is what it
    computes, not how long it waited for a core.

    Example:
        >>> with cpu_clock() as clock:
        ...     _ = sum(range(1000))
        >>> clock.seconds >= 0.0
        True
    """

    def __enter__(self) -> cpu_clock:
        self._start = time.process_time()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.process_time() - self._start
