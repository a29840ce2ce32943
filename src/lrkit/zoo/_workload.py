"""The zoo's workload value type: a :class:`~lrkit.tasks.Task` that also names its family and optimizer.

A :class:`Workload` is a task (``build(seed)`` returns the protocol dict; ``evaluate`` returns the
workload's metric and ``val_loss``), so :func:`lrkit.tasks.train`, :func:`lrkit.torch.find_lr`,
:func:`lrkit.tuning.tune` and the Autopilot take it unchanged. What a zoo workload adds:

* its **family** (what leave-one-family-out cross-validation holds out together);
* its **optimizer** as a name of :data:`lrkit.tasks.OPTIMIZERS` plus keyword options (weight decay,
  momentum ...), and optionally parameter groups (no weight decay on biases and norms);
* a **diverged run's score**: the metrics of the untrained model (seed 0), i.e. "no better than
  not training" (:meth:`Workload.worst`), so a regret against the best rate stays finite.

:class:`ArrayWorkload` is the common case: a fixed in-memory split, batches from
:class:`~lrkit.tasks.ArrayLoader`, a classification or regression loss.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Iterable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from lrkit.errors import LRKitError, check_choice, unknown_name
from lrkit.tasks import OPTIMIZERS, ArrayLoader, Task, TaskInfo, make_optimizer
from lrkit.zoo._costs import MEASURED_COST

__all__ = ["ArrayWorkload", "LOSSES", "METRICS", "Workload", "WorkloadInfo", "no_decay_groups"]

#: Training losses of array workloads: name -> ``(output, target) -> scalar``.
LOSSES: tuple[str, ...] = ("cross_entropy", "mse", "huber")
#: Metrics a workload may be judged by, and whether higher is better. Accuracy is a fraction;
#: the others are mean losses on the validation split (``val_loss`` is the training loss there).
METRICS: dict[str, bool] = {"val_acc": True, "val_loss": False, "val_mse": False, "val_mae": False}
#: Rows per validation batch (evaluation only; no effect on training).
VAL_BATCH = 512


@dataclasses.dataclass(frozen=True)
class WorkloadInfo(TaskInfo):
    """:class:`~lrkit.tasks.TaskInfo` plus what the zoo records about a workload.

    Attributes:
        family: the family it belongs to (the unit held out by cross-validation).
        optimizer_options: keyword options of its optimizer (``{"weight_decay": 5e-4}`` ...).
        loss: the training loss (``"cross_entropy"``, ``"mse"``, ``"huber"``, ``"lm_cross_entropy"``).

    ``default_lr`` is the optimizer's conventional starting rate (0.1 for SGD-type optimizers,
    1e-3 for adaptive ones, 0.01 for Adagrad and RMSprop), not a tuned one; the zoo's tuned rates
    are its ground truth (``benchmarks/zoo_ground_truth.py``). ``cost`` is the CPU seconds of one
    full run on one thread at that conventional rate (:data:`lrkit.zoo._costs.MEASURED_COST`).

    Example:
        >>> from lrkit import zoo
        >>> info = zoo.get("autoencoder-curve-momentum").info
        >>> info.family, info.loss, info.budget, info.default_lr
        ('autoencoder', 'mse', 1000, 0.1)
    """

    family: str
    optimizer_options: dict[str, Any]
    loss: str


#: The conventional starting rate of each optimizer (``WorkloadInfo.default_lr``).
CONVENTIONAL_LR: dict[str, float] = {
    "sgd": 0.1, "sgd-plain": 0.1, "nesterov": 0.1, "adam": 1e-3, "adamw": 1e-3, "rmsprop": 0.01,
    "adagrad": 0.01, "nadam": 1e-3, "radam": 1e-3,
}


def no_decay_groups(model: nn.Module) -> list[dict[str, Any]]:
    """Two parameter groups: weights of matrices and kernels, then biases, norms and embeddings'
    1-D parameters with ``weight_decay=0`` (what the Hugging Face ``Trainer`` builds).

    Example:
        >>> groups = no_decay_groups(nn.Sequential(nn.Linear(2, 3), nn.LayerNorm(3)))
        >>> [len(g["params"]) for g in groups], groups[1]["weight_decay"]
        ([1, 3], 0.0)
    """
    decay = [p for p in model.parameters() if p.ndim >= 2]
    rest = [p for p in model.parameters() if p.ndim < 2]
    return [{"params": decay}, {"params": rest, "weight_decay": 0.0}]


class Workload(Task):
    """A zoo workload. Subclasses implement ``_build(seed)``, ``evaluate`` and ``_model()``.

    Args:
        name: zoo name (``lrkit.zoo.get(name)``).
        family: the family's name.
        summary, data: one line each for listings.
        optimizer: an :data:`lrkit.tasks.OPTIMIZERS` name.
        options: keyword options of that optimizer (used only when the workload is built with its
            own optimizer; another name gets that optimizer's fixed settings).
        groups: ``model -> parameter groups`` (default: one group of every parameter).
        batch_size, budget: training batch size and full run length in optimizer updates.
        metric: a key of :data:`METRICS`.
        loss: the training loss's name.
        cost: measured CPU seconds of one full run on one thread (``None`` if unmeasured).

    Example:
        >>> from lrkit import zoo
        >>> w = zoo.get("autoencoder-curve-momentum")
        >>> isinstance(w, zoo.Workload), type(w).__name__, w.name in zoo.names()
        (True, 'ArrayWorkload', True)
    """

    def __init__(self, name: str, *, family: str, summary: str, data: str, optimizer: str,
                 options: dict[str, Any] | None = None,
                 groups: Callable[[nn.Module], Iterable[Any]] | None = None,
                 batch_size: int, budget: int, metric: str, loss: str, cost: float | None = None) -> None:
        if optimizer not in OPTIMIZERS:
            raise unknown_name("optimizer", optimizer, OPTIMIZERS)
        self.name, self.family, self.summary, self.data = name, family, summary, data
        self.optimizer, self.options, self.groups = optimizer, dict(options or {}), groups
        self.batch_size, self.budget = int(batch_size), int(budget)
        self.metric = check_choice("metric", metric, f"workload {name}", METRICS)
        self.loss, self.cost = loss, cost

    def _model(self) -> nn.Module:
        raise NotImplementedError  # pragma: no cover - abstract

    def _steps_per_epoch(self) -> int:
        raise NotImplementedError  # pragma: no cover - abstract

    def _make_info(self) -> WorkloadInfo:
        n = sum(p.numel() for p in self._model().parameters() if p.requires_grad)
        return WorkloadInfo(
            name=self.name, summary=self.summary, data=self.data, n_params=n,
            default_optimizer=self.optimizer, default_lr=CONVENTIONAL_LR[self.optimizer],
            budget=self.budget, batch_size=self.batch_size, metric=self.metric,
            higher_is_better=METRICS[self.metric], steps_per_epoch=self._steps_per_epoch(),
            cost=self.cost if self.cost is not None else MEASURED_COST.get(self.name),
            family=self.family, optimizer_options=dict(self.options), loss=self.loss,
        )

    def make_optimizer(self, name: str, model: nn.Module, lr: float) -> torch.optim.Optimizer:
        """The workload's optimizer with its options and groups (another ``name``: that one's defaults)."""
        params = self.groups(model) if self.groups is not None else model.parameters()
        return make_optimizer(name, params, lr, **(self.options if name == self.optimizer else {}))

    @functools.cached_property
    def _untrained(self) -> dict[str, float]:
        with torch.random.fork_rng():  # the caller's random state is left as it was
            parts = self.build(0)
            return self.evaluate(parts["model"], parts["val_loader"])

    def worst(self) -> dict[str, float]:
        """The metrics of the untrained model (seed 0): what a diverged run scores.

        "No better than not training": a run whose loss became NaN or infinite gets the metrics
        its model had before the first update, so regrets stay finite and comparable.
        """
        return dict(self._untrained)

    def __repr__(self) -> str:
        return f"<Workload {self.family}/{self.name}>"


def _shape_checked(fn: Callable[..., torch.Tensor]) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    def loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if output.shape != target.shape:  # (n, 1) against (n,) would broadcast silently to (n, n)
            raise LRKitError(f"`output` of the {fn.__name__} loss must have the target's shape "
                             f"{tuple(target.shape)}; got {tuple(output.shape)}.")
        return fn(output, target)
    return loss


_LOSS_FNS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "cross_entropy": F.cross_entropy,
    "mse": _shape_checked(F.mse_loss),
    "huber": _shape_checked(F.huber_loss),
}


class ArrayWorkload(Workload):
    """A workload on a fixed in-memory split: ``arrays()`` gives ``(x_train, y_train, x_val, y_val)``.

    The split never depends on the seed (the seed sets the initialisation and the batch order).
    Classification (``loss="cross_entropy"``) reports ``val_acc`` and ``val_loss``; regression
    reports ``val_loss`` (its training loss on the validation split), ``val_mse`` and ``val_mae``.

    Args:
        arrays: zero-argument function returning the four tensors (called once, cached).
        model: zero-argument model factory (called after ``torch.manual_seed(seed)``).
        loss: one of :data:`LOSSES`.
        **kwargs: the :class:`Workload` arguments.

    Example:
        >>> from lrkit import zoo
        >>> x_train, y_train, x_val, y_val = zoo.get("tabular-wine-adam").tensors  # the fixed split
        >>> tuple(x_train.shape), tuple(x_val.shape)
        ((133, 13), (45, 13))
    """

    def __init__(self, name: str, *, arrays: Callable[[], tuple[torch.Tensor, ...]],
                 model: Callable[[], nn.Module], loss: str, **kwargs: Any) -> None:
        super().__init__(name, loss=check_choice("loss", loss, f"workload {name}", LOSSES), **kwargs)
        self._arrays_fn, self._model_fn = arrays, model

    @functools.cached_property
    def tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(x_train, y_train, x_val, y_val)`` (built on first use, shared read-only)."""
        return tuple(self._arrays_fn())  # type: ignore[return-value]

    def _model(self) -> nn.Module:
        return self._model_fn()

    def _steps_per_epoch(self) -> int:
        return math.ceil(len(self.tensors[0]) / self.batch_size)

    def _build(self, seed: int) -> tuple[nn.Module, Any, ArrayLoader, ArrayLoader]:
        xtr, ytr, xva, yva = self.tensors
        model = self._model_fn()
        train_loader = ArrayLoader(xtr, ytr, self.batch_size, shuffle=True, seed=seed)
        val_loader = ArrayLoader(xva, yva, VAL_BATCH, shuffle=False)
        return model, _LOSS_FNS[self.loss], train_loader, val_loader

    @torch.no_grad()
    def evaluate(self, model: nn.Module, val_loader: Any) -> dict[str, float]:
        """``{"val_acc", "val_loss"}`` (classification) or ``{"val_loss", "val_mse", "val_mae"}``."""
        was = model.training
        model.eval()
        sums = {"loss": 0.0, "hit": 0.0, "se": 0.0, "ae": 0.0}
        n = 0
        try:
            for x, y in val_loader:
                out = model(x)
                if self.loss == "cross_entropy":
                    sums["loss"] += float(F.cross_entropy(out, y, reduction="sum"))
                    sums["hit"] += float((out.argmax(dim=1) == y).sum())
                    n += len(y)
                else:
                    sums["loss"] += float(_LOSS_FNS[self.loss](out, y)) * y.numel()
                    sums["se"] += float(((out - y) ** 2).sum())
                    sums["ae"] += float((out - y).abs().sum())
                    n += y.numel()
        finally:
            model.train(was)
        if self.loss == "cross_entropy":
            return {"val_acc": sums["hit"] / n, "val_loss": sums["loss"] / n}
        return {"val_loss": sums["loss"] / n, "val_mse": sums["se"] / n, "val_mae": sums["ae"] / n}
