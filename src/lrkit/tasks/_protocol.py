"""The user task protocol, checked before anything trains.

A protocol function ``FUNC(seed) -> dict`` (``docs/architecture.md``) returns ``model``, ``optimizer``,
``loss_fn``, ``train_loader`` and optionally ``val_loader``. Whatever runs it (``train``,
``tune``, the CLI's ``--script``) checks its return value here first, so a wrong type or an
unusable validation split is one :class:`~lrkit.LRKitError` naming the key, before the first
update, and never a failure in every trial of a study.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch

from lrkit.errors import LRKitError, group_rate_problem
from lrkit.torch._batches import LAYOUTS, check_loss, describe_batch, split_batch

# check_loss: the training loops read each loss as find_lr does (a one-element tensor, else one error).
__all__ = ["PROTOCOL_KEYS", "batch_pair", "check_loss", "check_parts", "check_val_loader",
           "evaluate_val_loss"]

#: The keys every protocol function returns (``val_loader`` is optional).
PROTOCOL_KEYS: tuple[str, ...] = ("model", "optimizer", "loss_fn", "train_loader")
#: Other names a training script gives the protocol's parts (PyTorch tutorials' ``criterion``, Lightning's
#: ``train_dataloader``), named in the message for a missing key.
_ALIASES = {"criterion": "loss_fn", "loss": "loss_fn", "loss_function": "loss_fn", "lossfn": "loss_fn",
            "opt": "optimizer", "optim": "optimizer", "net": "model", "network": "model",
            "loader": "train_loader", "dataloader": "train_loader", "train_dataloader": "train_loader",
            "train_dl": "train_loader", "trainloader": "train_loader"}
#: Longest ``repr`` of a bad part quoted in a message; a longer one (a model's, a tensor's) is named by
#: its type instead, since the message quotes it mid-sentence.
_SHOWN = 60


def check_parts(parts: Any, owner: str, *, need_val: bool = False, why_val: str = "") -> dict[str, Any]:
    """Check a protocol function's return value; return it unchanged.

    Args:
        parts: what ``FUNC(seed)`` returned.
        owner: how messages name the function, e.g. ``"the task function build"``.
        need_val: a ``val_loader`` is required (``tune`` scores each trial by it).
        why_val: the end of the message when it is missing (what needs it, what to do).

    Returns:
        ``parts``.

    Raises:
        LRKitError: for a value that is not a dict, a missing key, a value of the wrong type, an
            optimizer with a param group whose ``lr`` is missing or no number, or (when present or
            needed) a ``val_loader`` that :func:`check_val_loader` rejects.

    Example:
        >>> import torch
        >>> m = torch.nn.Linear(2, 1)
        >>> parts = {"model": m, "optimizer": torch.optim.SGD(m.parameters(), lr=0.1),
        ...          "loss_fn": torch.nn.functional.mse_loss,
        ...          "train_loader": [(torch.ones(1, 2), torch.ones(1, 1))]}
        >>> check_parts(parts, "the task function f") is parts
        True
        >>> try:
        ...     check_parts(parts, "the task function f", need_val=True)
        ... except LRKitError as exc:
        ...     print(str(exc)[:62])
        `val_loader` of the task function f must be given; it returned
    """
    if not isinstance(parts, Mapping):
        raise LRKitError(f"{owner} must return a dict with the keys {', '.join(PROTOCOL_KEYS)}; "
                         f"got {type(parts).__name__}.")
    missing = [k for k in PROTOCOL_KEYS if k not in parts]
    if missing:
        renames = [f"{k!r} to {_ALIASES[str(k)]!r}" for k in parts if _ALIASES.get(str(k)) in missing]
        hint = f": rename {', '.join(renames)}" if renames else ""
        raise LRKitError(f"{owner} must return the keys {sorted(missing)}; "
                         f"got {sorted(map(str, parts))}{hint}.")
    checks: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
        ("model", lambda v: isinstance(v, torch.nn.Module), "a torch.nn.Module"),
        ("optimizer", lambda v: isinstance(v, torch.optim.Optimizer), "a torch.optim.Optimizer"),
        ("loss_fn", callable, "a callable (output, target) -> scalar tensor"),
        ("train_loader", lambda v: isinstance(v, Iterable), "an iterable of batches"),
    )
    for key, ok, what in checks:
        if not ok(parts[key]):
            raise LRKitError(f"`{key}` of {owner} must be {what}; got {_short(parts[key])}.")
    if (problem := group_rate_problem(parts["optimizer"].param_groups)) is not None:
        raise LRKitError(f"`optimizer` of {owner} must have a number as 'lr' in every param group (the rate "
                         f"lrkit trains, sweeps and tunes); got {type(parts['optimizer']).__name__}, whose "
                         f"group {problem[0]} has {problem[2]}.")
    val = parts.get("val_loader")
    if val is None and need_val:
        raise LRKitError(f"`val_loader` of {owner} must be given{why_val}; it returned the keys "
                         f"{sorted(parts)}.")
    if val is not None:
        check_val_loader(parts["model"], parts["loss_fn"], val, owner)
    return parts


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else f"a {type(value).__name__}"


def batch_pair(batch: Any, loader: str, owner: str) -> tuple[Any, Any]:
    """``(inputs, target)`` of one batch of a protocol task's ``loader``, in the layouts ``find_lr`` reads.

    Pairs and ``{"input"/"inputs", "target"/"targets"}`` dicts (other keys ignored), so a task
    that ``lrkit find --script`` sweeps also trains, validates and tunes.

    Raises:
        LRKitError: for any other layout, naming the loader, the owner and what the batch was.

    Example:
        >>> batch_pair({"input": 1, "target": 2}, "train_loader", "the task function f")
        (1, 2)
    """
    pair = split_batch(batch)
    if pair is None:
        raise LRKitError(f"`{loader}` of {owner} must yield {LAYOUTS}; got {describe_batch(batch)}.")
    return pair


def check_val_loader(model: torch.nn.Module, loss_fn: Callable[..., Any], val_loader: Any,
                     owner: str) -> None:
    """Evaluate the first validation batch once (no gradient, the model's mode restored).

    A one-shot iterator (a generator, ``iter(list)``: ``iter(loader) is loader``) is refused: every
    evaluation reads the loader again from its start, and such a loader would hand the second one
    nothing (this check alone would take its first batch).

    Raises:
        LRKitError: for a loader that is not iterable, is a one-shot iterator, or yields nothing, a
            batch :func:`batch_pair` cannot read, a forward or loss that raises, or a loss that is not a
            finite number (the untrained model must give a finite validation loss).

    Example:
        >>> import torch
        >>> m, batches = torch.nn.Linear(1, 1), [(torch.ones(2, 1), torch.ones(2, 1))]
        >>> check_val_loader(m, torch.nn.functional.mse_loss, batches, "the task function f")
        >>> try:
        ...     check_val_loader(m, torch.nn.functional.mse_loss, iter(batches), "the task function f")
        ... except LRKitError as exc:
        ...     print(str(exc)[:58])
        `val_loader` of the task function f is a one-shot iterator
    """
    if not isinstance(val_loader, Iterable):
        raise LRKitError(f"`val_loader` of {owner} must be an iterable of batches; got {_short(val_loader)}.")
    if iter(val_loader) is val_loader:
        raise LRKitError(f"`val_loader` of {owner} is a one-shot iterator ({type(val_loader).__name__}): "
                         "every evaluation reads the loader from its start, and a second pass over it "
                         "would yield nothing; pass a list or a DataLoader.")
    first = next(iter(val_loader), None)
    if first is None:
        raise LRKitError(f"`val_loader` of {owner} must yield at least one batch; got an empty loader.")
    x, y = batch_pair(first, "val_loader", owner)
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            loss = loss_fn(model(x), y)
    except Exception as exc:  # the user's code: one line naming where it failed
        raise LRKitError(f"`val_loader` of {owner} failed on its first batch: "
                         f"{type(exc).__name__}: {exc}") from exc
    finally:
        model.train(was)
    try:
        value = float(loss)
    except (TypeError, ValueError, RuntimeError):
        raise LRKitError(f"`loss_fn` of {owner} must return a scalar; got {_short(loss)} on the first "
                         "validation batch.") from None
    if not math.isfinite(value):
        raise LRKitError(f"`val_loader` of {owner} gave a non-finite loss ({value}) on its first batch, "
                         "before any training.")


def evaluate_val_loss(model: torch.nn.Module, loss_fn: Callable[..., Any],
                      val_loader: Any) -> dict[str, float]:
    """Mean validation loss (``val_loss``) of a user task without its own metrics, weighted by batch size.

    Raises:
        LRKitError: when ``val_loader`` yields no batch (a loader that ran dry after an earlier
            evaluation): a mean over no batch is no score, and never 0.0.

    Example:
        >>> import torch
        >>> m = torch.nn.Linear(1, 1, bias=False); _ = torch.nn.init.zeros_(m.weight)
        >>> evaluate_val_loss(m, torch.nn.functional.mse_loss, [(torch.ones(2, 1), torch.ones(2, 1))])
        {'val_loss': 1.0}
    """
    was = model.training
    model.eval()
    total, n = 0.0, 0
    try:
        with torch.no_grad():
            for batch in val_loader:
                x, y = batch_pair(batch, "val_loader", "the task")
                total += float(loss_fn(model(x), y)) * len(y)
                n += len(y)
    finally:
        model.train(was)
    if n == 0:
        raise LRKitError("`val_loader` of the task yielded no batches at this evaluation: a loader that runs "
                         "dry after its first pass cannot be evaluated again; pass a list or a DataLoader.")
    return {"val_loss": total / n}
