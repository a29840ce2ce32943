"""Supervised tasks on in-memory arrays: splitting, standardizing, loaders and metrics.

Shared by the scikit-learn tasks (digits, diabetes, wine) and :func:`lrkit.tasks.from_arrays`.

Metrics (on the validation split, in eval mode, without gradients):

* classification: ``val_acc`` (fraction correct) and ``val_loss`` (mean cross-entropy, nats);
* regression: ``val_mse`` (mean squared error over every output, in the units the
  targets are given to the model).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from lrkit.errors import LRKitError
from lrkit.tasks._base import Task, TaskInfo
from lrkit.tasks._loader import ArrayLoader

__all__ = ["Arrays", "SupervisedTask", "split", "standardize", "evaluate_arrays", "n_params", "VAL_FRACTION"]

#: Share of a built-in data set held out for validation: the usual 80/20 split, a convention, not
#: tuned (the sklearn sets have 178 to 1,797 rows: 36 to 360 validation rows).
VAL_FRACTION = 0.2


@dataclasses.dataclass(frozen=True)
class Arrays:
    """A fixed train/validation split as float32 inputs and int64 labels or float32 targets.

    Example:
        >>> import numpy as np
        >>> a = Arrays(np.zeros((8, 2), np.float32), np.zeros(8, np.int64), np.ones((2, 2), np.float32),
        ...            np.ones(2, np.int64))
        >>> a.x_train.shape, a.y_val.tolist()
        ((8, 2), [1, 1])
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray


def split(x: np.ndarray, y: np.ndarray, val_fraction: float, *, stratify: bool, seed: int = 0) -> Arrays:
    """A reproducible train/validation split, stratified by label when asked.

    Written out in NumPy (rather than ``sklearn.model_selection.train_test_split``) so the
    "fixed" split cannot change with a scikit-learn release: the rows are permuted by
    ``np.random.default_rng(seed)``; stratified, each class ``c`` with ``n_c`` rows sends its
    first ``round(val_fraction * n_c)`` permuted rows to validation, otherwise the first
    ``ceil(val_fraction * n)`` rows go. Both sides keep the permuted order.

    Example:
        >>> a = split(np.arange(10.0)[:, None], np.array([0] * 5 + [1] * 5), 0.2, stratify=True)
        >>> len(a.x_train), a.y_val.tolist()
        (8, [0, 1])
    """
    order = np.random.default_rng(seed).permutation(len(x))
    is_val = np.zeros(len(x), dtype=bool)
    if stratify:
        for c in np.unique(y):
            rows = order[y[order] == c]
            is_val[rows[: int(round(val_fraction * len(rows)))]] = True
    else:
        is_val[order[: int(np.ceil(val_fraction * len(x)))]] = True
    tr, va = order[~is_val[order]], order[is_val[order]]
    return Arrays(x[tr], y[tr], x[va], y[va])


def standardize(a: Arrays, *, targets: bool = False) -> Arrays:
    """Z-score the inputs (and optionally the targets) with training-split statistics.

    Constant columns (e.g. the always-zero border pixels of digits) keep a scale of 1
    instead of dividing by zero.

    Example:
        >>> x_train, x_val = np.array([[1.0, 5.0], [3.0, 5.0]]), np.array([[2.0, 6.0]])
        >>> a = standardize(Arrays(x_train, np.zeros(2), x_val, np.zeros(1)))
        >>> a.x_train.tolist(), a.x_val.tolist()
        ([[-1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0]])
    """

    def z(train: np.ndarray, val: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = train.mean(axis=0)
        std = train.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        return ((train - mean) / std).astype(np.float32), ((val - mean) / std).astype(np.float32)

    xtr, xva = z(a.x_train, a.x_val)
    ytr, yva = z(a.y_train, a.y_val) if targets else (a.y_train, a.y_val)
    return Arrays(xtr, ytr, xva, yva)


def n_params(model: torch.nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


@torch.no_grad()
def evaluate_arrays(model: torch.nn.Module, loader: Any, task_type: str) -> dict[str, float]:
    """Validation metrics of ``model`` over ``loader`` (eval mode; training mode restored).

    Args:
        model: the network.
        loader: iterable of ``(inputs, targets)`` batches.
        task_type: ``"classification"`` (``val_acc``, ``val_loss``) or ``"regression"`` (``val_mse``).

    Returns:
        The metrics as plain floats (a non-finite output gives a non-finite loss).
    """
    was_training = model.training
    model.eval()
    try:
        total, loss_sum, correct = 0, 0.0, 0
        for xb, yb in loader:
            out = model(xb)
            if task_type == "classification":
                loss_sum += float(F.cross_entropy(out, yb, reduction="sum"))
                correct += int((out.argmax(dim=1) == yb).sum())
                total += len(yb)
            else:
                loss_sum += float(F.mse_loss(out, yb, reduction="sum"))
                total += yb.numel()
    finally:
        model.train(was_training)
    if task_type == "classification":
        return {"val_acc": correct / total, "val_loss": loss_sum / total}
    return {"val_mse": loss_sum / total}


def regression_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared error that refuses silent broadcasting (``(n, 1)`` vs ``(n,)``)."""
    if output.shape != target.shape:
        raise LRKitError(
            f"`output` of the regression loss must have the target's shape {tuple(target.shape)}; "
            f"got {tuple(output.shape)}."
        )
    return F.mse_loss(output, target)


class SupervisedTask(Task):
    """A classification or regression task on a fixed in-memory split.

    Args:
        name: registry name.
        summary, data: descriptions for ``lrkit tasks list``.
        arrays: returns the (already split and preprocessed) :class:`Arrays`; called once, cached.
        model: builds a freshly initialised model (called after ``torch.manual_seed(seed)``).
        task_type: ``"classification"`` or ``"regression"``.
        defaults: ``default_optimizer``, ``default_lr``, ``budget``, ``batch_size``, ``cost`` and
            optionally ``metric`` (default ``val_acc`` / ``val_mse``) of :class:`TaskInfo`.
        input_shape: reshape of each input row (e.g. ``(1, 8, 8)`` for images).

    Example:
        >>> from lrkit import tasks
        >>> task = tasks.get_task("digits-mlp")
        >>> x_train, y_train, x_val, y_val = task.tensors()
        >>> task.task_type, task.n_classes, tuple(x_train.shape), tuple(x_val.shape)
        ('classification', 10, (1438, 64), (359, 64))
    """

    def __init__(
        self,
        name: str,
        *,
        summary: str,
        data: str,
        arrays: Callable[[], Arrays],
        model: Callable[[], torch.nn.Module],
        task_type: str,
        defaults: dict[str, Any],
        input_shape: tuple[int, ...] | None = None,
    ) -> None:
        self.name = name
        self.summary = summary
        self.data = data
        self.task_type = task_type
        self._arrays_fn = arrays
        self._model_fn = model
        self._defaults = dict(defaults)
        self._input_shape = input_shape
        self._tensors: tuple[torch.Tensor, ...] | None = None

    # -- data ------------------------------------------------------------------
    def tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(x_train, y_train, x_val, y_val)`` as tensors (built once, shared read-only)."""
        if self._tensors is None:
            a = self._arrays_fn()
            ydtype = torch.int64 if self.task_type == "classification" else torch.float32

            def x(arr: np.ndarray) -> torch.Tensor:
                t = torch.as_tensor(np.ascontiguousarray(arr), dtype=torch.float32)
                return t.reshape(len(t), *self._input_shape) if self._input_shape else t

            def y(arr: np.ndarray) -> torch.Tensor:
                t = torch.as_tensor(np.ascontiguousarray(arr), dtype=ydtype)
                return t.reshape(len(t), 1) if ydtype == torch.float32 and t.ndim == 1 else t

            self._tensors = (x(a.x_train), y(a.y_train), x(a.x_val), y(a.y_val))
        return self._tensors  # type: ignore[return-value]

    @property
    def n_classes(self) -> int:
        """Number of classes (classification only)."""
        return int(self.tensors()[1].max()) + 1

    def loss_fn(self, model: torch.nn.Module) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
        """The training loss for ``model`` (overridden by regularised tasks)."""
        return F.cross_entropy if self.task_type == "classification" else regression_loss

    # -- Task interface --------------------------------------------------------
    def _make_info(self) -> TaskInfo:
        d = self._defaults
        xtr = self.tensors()[0]
        batch = min(int(d["batch_size"]), len(xtr))
        metric = d.get("metric", "val_acc" if self.task_type == "classification" else "val_mse")
        return TaskInfo(
            name=self.name,
            summary=self.summary,
            data=f"{self.data}; {len(xtr)} train / {len(self.tensors()[2])} validation rows",
            n_params=n_params(self._model_fn()),
            default_optimizer=d["default_optimizer"],
            default_lr=float(d["default_lr"]),
            budget=int(d["budget"]),
            batch_size=batch,
            metric=metric,
            higher_is_better=metric == "val_acc",
            cost=d.get("cost"),
            steps_per_epoch=math.ceil(len(xtr) / batch),
        )

    def _build(self, seed: int) -> tuple[torch.nn.Module, Any, ArrayLoader, ArrayLoader]:
        xtr, ytr, xva, yva = self.tensors()
        model = self._model_fn()
        train_loader = ArrayLoader(xtr, ytr, self.info.batch_size, shuffle=True, seed=seed)
        val_loader = ArrayLoader(xva, yva, 512, shuffle=False)
        return model, self.loss_fn(model), train_loader, val_loader

    def evaluate(self, model: torch.nn.Module, val_loader: Any) -> dict[str, float]:
        """``{"val_acc", "val_loss"}`` (classification) or ``{"val_mse"}`` (regression)."""
        return evaluate_arrays(model, val_loader, self.task_type)

    def worst(self) -> dict[str, float]:
        """Chance accuracy ``1/K`` and infinite loss, or infinite MSE."""
        if self.task_type == "classification":
            return {"val_acc": 1.0 / self.n_classes, "val_loss": math.inf}
        return {"val_mse": math.inf}
