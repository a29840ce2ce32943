"""Exact snapshot and restore of a training state: model, optimizer, every RNG.

An LR range test trains the model for real, so it must put everything back
afterwards, bit for bit, also when the loss function raises or the user hits
Ctrl-C. Existing finders restore the model and optimizer but not the random
state (so the run after the finder differs from the run without it), or keep
the copy on the GPU (doubling its memory). Here the snapshot covers:

* every parameter **and every buffer** of the model (also non-persistent
  buffers, which ``state_dict()`` leaves out), each parameter's ``.grad``, and
  each submodule's ``training`` flag;
* the optimizer's per-parameter state and every param-group hyper-parameter
  (``lr``, ``momentum``, ``betas``, ...); group dicts are updated *in place*, so
  references held elsewhere (schedulers, user code) stay valid;
* every tensor the optimizer updates that the model does not hold (a learnable
  temperature in the loss, a prompt embedding kept outside the module), with its ``.grad``
  (the optimizer's part: ``lrkit.torch._state_optimizer``);
* the Python, NumPy and torch RNGs (and CUDA's when CUDA is initialized), plus
  any extra ``torch.Generator`` passed in (e.g. a DataLoader's ``generator``);
* optionally any object with ``state_dict()`` / ``load_state_dict()`` (a
  ``GradScaler``, an lrkit ``LRScheduler``).

Tensors are deep-copied to CPU memory (the accelerator's memory is not
doubled), or with ``storage="disk"`` written to a temporary file for models
whose copy would not fit in RAM. Restoring copies the values back into the
*same* tensor objects, so the optimizer's references to the parameters survive.
"""

from __future__ import annotations

import copy
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch

from lrkit.errors import check_choice
from lrkit.torch._rng import rng_state, set_rng_state
from lrkit.torch._state_optimizer import OptimizerRecord, record_optimizer, restore_optimizer

__all__ = ["TrainingSnapshot", "preserved", "snapshot"]

_OWNER = "snapshot"


def _cpu_copy(t: torch.Tensor) -> torch.Tensor:
    if t.is_meta:  # a meta tensor has no data to save (or to restore): keep its shape only
        return torch.empty_like(t, device="meta")
    # copy=True so a CPU tensor is never aliased by the snapshot.
    return t.detach().to("cpu", copy=True)


@dataclass
class TrainingSnapshot:
    """A restorable copy of a model, an optimizer, the RNGs and extra stateful objects.

    Build it with :func:`snapshot`; call :meth:`restore` any number of times
    (each restore copies from the snapshot, never hands its tensors out), and
    :meth:`close` to delete a disk snapshot's file (or use :func:`preserved`).

    Attributes:
        storage: ``"memory"`` or ``"disk"``.
        path: the temporary file of a disk snapshot (``None`` in memory).
        nbytes: bytes of tensor data held (in RAM or on disk).

    Example:
        >>> model = torch.nn.Linear(2, 1)
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> snap = snapshot(model, opt)
        >>> before = model.weight.detach().clone()
        >>> model(torch.ones(1, 2)).sum().backward(); opt.step()
        >>> snap.restore()
        >>> torch.equal(model.weight, before), snap.storage, snap.nbytes  # 3 floats, and no grads then
        (True, 'memory', 12)
    """

    model: torch.nn.Module
    optimizer: torch.optim.Optimizer | None
    storage: str
    generators: tuple[torch.Generator, ...]
    extras: tuple[Any, ...]
    _tensors: dict[str, torch.Tensor] | None
    _devices: dict[str, torch.device]
    _training: list[bool]
    _optimizer_record: OptimizerRecord | None
    _rng: dict[str, Any]
    _extra_states: list[Any]
    path: str | None = None
    nbytes: int = 0
    _closed: bool = field(default=False, repr=False)

    def _load_tensors(self) -> dict[str, torch.Tensor]:
        if self._closed:
            raise RuntimeError("this snapshot was closed; it can no longer be restored")
        if self._tensors is not None:
            return self._tensors
        assert self.path is not None
        # weights_only: the file holds a flat dict of tensors we wrote ourselves.
        return torch.load(self.path, map_location="cpu", weights_only=True)

    def restore(self) -> None:
        """Write the snapshot back into the model, optimizer, RNGs and extras, exactly."""
        tensors = self._load_tensors()
        model_params = dict(self.model.named_parameters(remove_duplicate=False))
        model_buffers = dict(self.model.named_buffers(remove_duplicate=False))
        with torch.no_grad():
            for name, p in model_params.items():
                p.copy_(tensors[f"param:{name}"])
                if f"grad:{name}" in tensors:
                    p.grad = tensors[f"grad:{name}"].to(self._devices[f"grad:{name}"], copy=True)
                else:
                    p.grad = None
            for name, b in model_buffers.items():
                if b is not None:
                    b.copy_(tensors[f"buffer:{name}"])
        for module, mode in zip(self.model.modules(), self._training):
            module.training = mode
        if self.optimizer is not None and self._optimizer_record is not None:
            restore_optimizer(self.optimizer, self._optimizer_record, tensors, self._devices)
        for obj, state in zip(self.extras, self._extra_states):
            obj.load_state_dict(copy.deepcopy(state))
        set_rng_state(self._rng, self.generators)

    def close(self) -> None:
        """Release the snapshot (delete a disk snapshot's temporary file)."""
        if self.path is not None and os.path.exists(self.path):
            os.unlink(self.path)
        self._tensors = None
        self._closed = True


def snapshot(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    storage: str = "memory",
    generators: Iterable[torch.Generator] = (),
    extras: Iterable[Any] = (),
) -> TrainingSnapshot:
    """Copy the full training state so :meth:`TrainingSnapshot.restore` can put it back exactly.

    Args:
        model: the module; all parameters, all buffers (persistent or not), the
            parameters' gradients and each submodule's train/eval flag are saved.
        optimizer: its per-parameter state, every param-group key but ``params``, and
            the values and gradients of the parameters it holds outside ``model``.
        storage: ``"memory"`` (deep copies in CPU RAM) or ``"disk"`` (a temporary
            file, for models whose copy does not fit in RAM; deleted by ``close``).
        generators: extra ``torch.Generator`` objects whose state to save.
        extras: objects with ``state_dict()``/``load_state_dict()`` (e.g. a GradScaler).

    Returns:
        A :class:`TrainingSnapshot`.

    Raises:
        LRKitError: for an unknown ``storage``.

    Example:
        >>> import torch
        >>> model = torch.nn.Linear(2, 1)
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> before = model.weight.clone()
        >>> snap = snapshot(model, opt)
        >>> model(torch.ones(3, 2)).sum().backward(); opt.step()
        >>> snap.restore()
        >>> torch.equal(model.weight, before), opt.state_dict()["state"]
        (True, {})
    """
    check_choice("storage", storage, _OWNER, ("memory", "disk"))
    generators = tuple(generators)
    extras = tuple(extras)
    live: dict[str, torch.Tensor] = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        live[f"param:{name}"] = p
        if p.grad is not None:
            live[f"grad:{name}"] = p.grad
    for name, b in model.named_buffers(remove_duplicate=False):
        if b is not None:
            live[f"buffer:{name}"] = b
    record = None
    if optimizer is not None:
        record, of_optimizer = record_optimizer(optimizer, model)
        live.update(of_optimizer)
    # every tensor copied to the CPU, and where it lived (a gradient or a state goes back there)
    tensors = {name: _cpu_copy(t) for name, t in live.items()}
    devices = {name: t.device for name, t in live.items()}
    nbytes = sum(t.numel() * t.element_size() for t in tensors.values())
    path = None
    kept: dict[str, torch.Tensor] | None = tensors
    if storage == "disk":
        fd, path = tempfile.mkstemp(prefix="lrkit-snapshot-", suffix=".pt")
        os.close(fd)
        torch.save(tensors, path)
        kept = None
    return TrainingSnapshot(
        model=model,
        optimizer=optimizer,
        storage=storage,
        generators=generators,
        extras=extras,
        _tensors=kept,
        _devices=devices,
        _training=[m.training for m in model.modules()],
        _optimizer_record=record,
        _rng=rng_state(generators),
        _extra_states=[copy.deepcopy(obj.state_dict()) for obj in extras],
        path=path,
        nbytes=nbytes,
    )


@contextmanager
def preserved(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    storage: str = "memory",
    generators: Iterable[torch.Generator] = (),
    extras: Iterable[Any] = (),
) -> Iterator[TrainingSnapshot]:
    """Run a block and then restore the training state exactly, however the block ends.

    The restore sits in a ``finally``, so it also runs when the block raises,
    including ``KeyboardInterrupt``; the exception then propagates unchanged.
    Arguments as for :func:`snapshot`.

    Example:
        >>> import random, torch
        >>> model = torch.nn.Linear(2, 1)
        >>> w = model.weight.clone()
        >>> state = random.getstate()
        >>> with preserved(model):
        ...     _ = random.random()
        ...     _ = model.weight.data.zero_()
        >>> torch.equal(model.weight, w), random.getstate() == state
        (True, True)
    """
    snap = snapshot(model, optimizer, storage=storage, generators=generators, extras=extras)
    try:
        yield snap
    finally:
        try:
            snap.restore()
        finally:
            snap.close()
