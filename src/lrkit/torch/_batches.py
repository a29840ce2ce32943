"""Batches for the torch finder: the default forward, device handling, cycling, loss checks.

A range test needs ``num_steps * accumulation_steps`` batches in a fixed order,
whatever the loader: a loader shorter than that is cycled (counted in
``meta["loader_passes"]`` and logged at INFO on the ``lrkit`` logger: with a
data set of a thousand samples it is the normal case, not a warning), an empty
one is an error before any update, and a batch on another
device than the model is an error rather than a silent copy, unless the caller
asked for batches to be moved (``device=``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import torch

from lrkit.errors import LRKitError

__all__ = ["Batches", "check_loss", "default_forward", "loader_length", "split_batch"]

_LOG = logging.getLogger("lrkit.torch")
_INPUT_KEYS = ("input", "inputs")
_TARGET_KEYS = ("target", "targets")


def split_batch(batch: Any) -> tuple[Any, Any] | None:
    """``(inputs, target)`` of a pair or a ``{"input"/"inputs", "target"/"targets"}`` dict, else ``None``.

    The one definition of the batch layouts lrkit reads without a user's ``forward``: the
    finder's default forward and the task protocol's training and validation loops use it.

    Example:
        >>> split_batch({"inputs": 1, "targets": 2, "mask": 3}), split_batch([1, 2]), split_batch((1, 2, 3))
        ((1, 2), (1, 2), None)
    """
    if isinstance(batch, Mapping):
        x = next((batch[k] for k in _INPUT_KEYS if k in batch), None)
        y = next((batch[k] for k in _TARGET_KEYS if k in batch), None)
        return (x, y) if x is not None and y is not None else None
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    return None


def describe_batch(batch: Any) -> str:
    """How error messages name a batch of a layout lrkit cannot read.

    Example:
        >>> describe_batch({"x": 1, "y": 2}), describe_batch((1, 2, 3)), describe_batch(3.0)
        ("a dict with keys ['x', 'y']", 'a tuple of 3', 'float')
    """
    if isinstance(batch, Mapping):
        return f"a dict with keys {sorted(batch)}"
    if isinstance(batch, (tuple, list)):
        return f"a {type(batch).__name__} of {len(batch)}"
    return type(batch).__name__


#: What the batch-layout errors say lrkit reads.
LAYOUTS = "(inputs, target) pairs or dicts with 'input' and 'target' keys"
#: What a Python caller of find_lr does for another layout (the CLI says its own).
FORWARD_WAY_OUT = "Pass update=Update(forward=lambda model, batch: (output, target)) for other layouts."


def default_forward(model: torch.nn.Module, batch: Any) -> tuple[Any, Any]:
    """Forward one batch: ``(inputs, target)`` pairs or ``{"input": .., "target": ..}`` dicts.

    Pass your own ``forward(model, batch) -> (output, target)`` to :func:`lrkit.torch.find_lr`
    for any other batch layout (HF-style ``{"input_ids", "labels"}``, extra
    arguments, ...).

    Raises:
        LRKitError: for a batch of another shape.

    Example:
        >>> import torch
        >>> out, y = default_forward(torch.nn.Identity(), {"input": torch.ones(2), "target": 3})
        >>> out.tolist(), y
        ([1.0, 1.0], 3)
    """
    if type(batch) is tuple and len(batch) == 2:  # noqa: E721 (the common case first: it runs every update)
        return model(batch[0]), batch[1]
    pair = split_batch(batch)
    if pair is not None:
        return model(pair[0]), pair[1]
    raise LRKitError(f"`train_loader` of find_lr must yield {LAYOUTS}; got {describe_batch(batch)}. "
                     f"{FORWARD_WAY_OUT}")


def _tensors(batch: Any) -> Iterator[torch.Tensor]:
    if isinstance(batch, torch.Tensor):
        yield batch
    elif isinstance(batch, Mapping):
        for v in batch.values():
            yield from _tensors(v)
    elif isinstance(batch, (tuple, list)):
        for v in batch:
            yield from _tensors(v)


def _to(batch: Any, device: torch.device) -> Any:
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return type(batch)({k: _to(v, device) for k, v in batch.items()})
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to(v, device) for v in batch)
    return batch


def loader_length(loader: Any) -> int | None:
    """The batches in one pass of ``loader``, or ``None`` when it has no length.

    ``hasattr(loader, "__len__")`` is not enough: a ``DataLoader`` over an ``IterableDataset`` (a
    stream) has a ``__len__`` that raises ``TypeError`` when its data set has none, and a wrapper that
    passes ``len`` through does the same.

    Example:
        >>> from torch.utils.data import DataLoader, IterableDataset
        >>> class Stream(IterableDataset):
        ...     def __iter__(self):
        ...         yield from range(3)
        >>> loader_length([1, 2]), loader_length(DataLoader(Stream())), loader_length(iter([1]))
        (2, None, None)
    """
    try:
        return len(loader)
    except TypeError:
        return None


class Batches:
    """Endless batches from a loader: cycles it, counts passes, rejects an empty one.

    Args:
        loader: any re-iterable of batches (a list, a ``DataLoader``, ...).
        needed: batches the sweep will draw, for the early "will cycle" note.
        device: move each batch there (``None``: check instead).
        model_device: the model's device, which batches must be on when ``device`` is None.
        name: the argument name used in messages.
    """

    def __init__(
        self,
        loader: Iterable[Any],
        needed: int,
        device: torch.device | None,
        model_device: torch.device | None,
        name: str = "train_loader",
    ) -> None:
        self.loader, self.device, self.model_device, self.name = loader, device, model_device, name
        self.used = 0
        self.passes = 0  # completed restarts of the loader
        self._it = iter(loader)
        self._in_pass = 0
        self._noted = False
        length = loader_length(loader)
        if length == 0:
            raise LRKitError(f"`{name}` of find_lr must yield at least one batch; got an empty loader.")
        if length is not None and length < needed:
            self._note(f"{name} has {length} batches but the sweep needs {needed}")

    def _note(self, why: str) -> None:
        self._noted = True
        _LOG.info("find_lr: %s; cycling it (see result.meta['loader_passes']).", why)

    def next(self) -> Any:
        """The next batch, restarting the loader when it is exhausted."""
        try:
            batch = next(self._it)
        except StopIteration:
            if self._in_pass == 0:
                raise LRKitError(
                    f"`{self.name}` of find_lr must yield at least one batch per pass; got an empty pass "
                    "(a one-shot iterator cannot be cycled: pass a list or a DataLoader)."
                ) from None
            self.passes += 1
            if not self._noted:
                self._note(f"{self.name} ran out after {self._in_pass} batches")
            self._it, self._in_pass = iter(self.loader), 0
            return self.next()
        self._in_pass += 1
        self.used += 1
        return self.prepare(batch)

    def prepare(self, batch: Any) -> Any:
        """Move the batch to ``device``, or check it already sits on the model's device."""
        if self.device is not None:
            return _to(batch, self.device)
        if self.model_device is not None:
            # The usual (inputs, target) pair of tensors is checked inline: this runs once
            # per update, and the generic walk below costs a few microseconds each time.
            if type(batch) is tuple and len(batch) == 2:  # noqa: E721 (exact types: no subclasses)
                a, b = batch
                if (type(a) is torch.Tensor and type(b) is torch.Tensor  # noqa: E721
                        and a.device == self.model_device and b.device == self.model_device):
                    return batch
            for t in _tensors(batch):
                if t.device != self.model_device:
                    raise LRKitError(
                        f"`{self.name}` of find_lr must yield tensors on the model's device "
                        f"{self.model_device}; "
                        f"got a batch on {t.device}. Move the model, or pass device= to move each batch."
                    )
        return batch


def check_loss(loss: Any, owner: str = "find_lr") -> torch.Tensor:
    """Return ``loss`` if it is a one-element tensor; anything else is an error naming ``owner``.

    Example:
        >>> check_loss(torch.tensor(0.5)).item()
        0.5
        >>> check_loss((torch.tensor(0.5), {"aux": 1.0}), "train")
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `loss_fn` of train must return a scalar tensor; got tuple.
    """
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        shape = tuple(loss.shape) if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise LRKitError(f"`loss_fn` of {owner} must return a scalar tensor; got {shape}.")
    return loss
