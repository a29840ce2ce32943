"""``from_arrays``: turn the user's own ``(X, y)`` and model into a :class:`~lrkit.tasks.Task`."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from lrkit.errors import LRKitError, check_choice, check_int, check_positive, check_range, unknown_name
from lrkit.tasks._base import Task
from lrkit.tasks._optimizers import OPTIMIZERS
from lrkit.tasks._supervised import VAL_FRACTION, Arrays, SupervisedTask, split, standardize

__all__ = ["from_arrays"]

_OWNER = "from_arrays"


def _as_array(name: str, value: Any) -> np.ndarray:
    arr = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    if arr.ndim == 0 or len(arr) == 0 or not np.issubdtype(arr.dtype, np.number):
        raise LRKitError(f"`{name}` of {_OWNER} must be a non-empty numeric array; got shape {arr.shape}, "
                         f"dtype {arr.dtype}.")
    if not np.all(np.isfinite(arr)):
        raise LRKitError(f"`{name}` of {_OWNER} must hold finite numbers; got NaN or inf.")
    return arr


def _fresh(model: torch.nn.Module) -> torch.nn.Module:
    return copy.deepcopy(model)


def from_arrays(
    X: Any,
    y: Any,
    *,
    model: torch.nn.Module | Callable[[], torch.nn.Module],
    task_type: str = "classification",
    batch_size: int = 32,
    val_fraction: float = VAL_FRACTION,
    optimizer: str = "adam",
    lr: float = 1e-3,
    budget: int | None = None,
    standardize_inputs: bool = True,
    split_seed: int = 0,
    name: str = "arrays",
) -> Task:
    """Wrap in-memory data and a model as a task that :func:`train`, the finder and the tuner accept.

    The rows are split once (stratified by label for classification when every class has
    two rows or more), inputs are z-scored with training statistics (per feature), and
    batches come from the same light in-memory iterator as the built-in tasks.

    Args:
        X: inputs, array-like of shape ``(n, ...)`` (numpy, torch or nested lists).
        y: classification: integer labels ``0 .. K-1`` of shape ``(n,)``; regression: targets of
            shape ``(n,)`` or ``(n, k)`` (a 1-D target is given to the model as ``(n, 1)``).
        model: an ``nn.Module`` (every build starts from a deep copy of its current weights, so
            every seed starts from the same point and the seed sets only the batch order) or a
            zero-argument factory (called after ``torch.manual_seed(seed)``: the seed also sets
            the initialisation).
        task_type: ``"classification"`` (metrics ``val_acc``, ``val_loss``; cross-entropy) or
            ``"regression"`` (``val_mse``; MSE).
        batch_size: training batch size.
        val_fraction: fraction of rows held out for validation, in ``(0, 1)``.
        optimizer, lr: the task's default optimizer name and rate.
        budget: default optimizer steps (default: 10 epochs).
        standardize_inputs: z-score each input feature with training statistics.
        split_seed: seed of the train/validation split (fixed for every run of the task).
        name: the task's name in results.

    Returns:
        A :class:`~lrkit.tasks.Task` (not added to the registry).

    Raises:
        LRKitError: for mismatched lengths, non-finite data, bad labels, or a bad setting.

    Example:
        >>> import numpy as np, torch
        >>> rng = np.random.default_rng(0)
        >>> X = rng.normal(size=(200, 3)); y = (X[:, 0] > 0).astype(int)
        >>> task = from_arrays(X, y, model=lambda: torch.nn.Linear(3, 2), lr=0.05)
        >>> from lrkit.tasks import train
        >>> train(task, lr=0.05, budget=50).final["val_acc"] > 0.9
        True
    """
    task_type = check_choice("task_type", task_type, _OWNER, ("classification", "regression"))
    x_arr, y_arr = _as_array("X", X), _as_array("y", y)
    n = len(x_arr)
    if len(y_arr) != n:
        raise LRKitError(f"`y` of {_OWNER} must have one entry per row of X ({n}); got {len(y_arr)}.")
    if not (isinstance(model, torch.nn.Module) or callable(model)):
        raise LRKitError(
            f"`model` of {_OWNER} must be an nn.Module or a factory returning one; got {model!r}."
        )
    if optimizer not in OPTIMIZERS:
        raise unknown_name("optimizer", optimizer, OPTIMIZERS)
    lr = check_positive("lr", lr, _OWNER)
    batch_size = check_int("batch_size", batch_size, _OWNER)
    val_fraction = check_range("val_fraction", val_fraction, _OWNER, 0.0, 1.0, low_open=True, high_open=True)
    split_seed = check_int("split_seed", split_seed, _OWNER, low=0)
    n_val = int(np.ceil(n * val_fraction))
    if n_val < 1 or n - n_val < 1:
        raise LRKitError(f"`val_fraction` of {_OWNER} must leave rows on both sides of the split of {n}; "
                         f"got {val_fraction:g}.")
    stratify = False
    if task_type == "classification":
        if y_arr.ndim != 1 or not np.all(y_arr == np.round(y_arr)) or y_arr.min() < 0:
            raise LRKitError(f"`y` of {_OWNER} must be integer class labels 0 .. K-1 for classification; "
                             f"got values like {y_arr.ravel()[:3].tolist()}.")
        y_arr = y_arr.astype(np.int64)
        counts = np.bincount(y_arr)
        if np.count_nonzero(counts) < 2:
            raise LRKitError(
                f"`y` of {_OWNER} must hold at least 2 classes for classification; got only label "
                f"{int(np.flatnonzero(counts)[0])}."
            )
        stratify = bool(counts[counts > 0].min() >= 2) and n_val >= np.count_nonzero(counts)
    else:
        y_arr = y_arr.astype(np.float64)
    arrays = split(x_arr.astype(np.float64), y_arr, val_fraction, stratify=stratify, seed=split_seed)
    if standardize_inputs:
        arrays = standardize(arrays)
    arrays = Arrays(
        arrays.x_train.astype(np.float32), arrays.y_train, arrays.x_val.astype(np.float32), arrays.y_val
    )
    batch = min(batch_size, len(arrays.x_train))
    steps_per_epoch = -(-len(arrays.x_train) // batch)
    budget = 10 * steps_per_epoch if budget is None else check_int("budget", budget, _OWNER)
    factory = functools.partial(_fresh, model) if isinstance(model, torch.nn.Module) else model
    return SupervisedTask(
        name,
        summary=f"user arrays ({task_type}, {n} rows)",
        data=f"the given arrays, {val_fraction:g} held out for validation",
        arrays=functools.partial(_identity, arrays),
        model=factory,
        task_type=task_type,
        defaults=dict(default_optimizer=optimizer, default_lr=lr, budget=budget, batch_size=batch, cost=None),
    )


def _identity(value: Arrays) -> Arrays:
    return value
