"""What ``find_lr`` must know about objects prepared by Hugging Face ``accelerate``.

Under ``accelerate launch`` the process group is an ordinary ``torch.distributed``
one, so the finder's cross-rank mean (``_ddp.py``) applies unchanged. Two prepared
objects need more than the generic snapshot:

* a prepared loader (``DataLoaderShard`` / ``DataLoaderDispatcher``) counts its
  passes in ``iteration`` and feeds that count to its sampler as the epoch that
  seeds the shuffle; it also registers itself with accelerate's
  ``GradientState`` while it is iterated, which decides when
  ``accelerator.accumulate`` syncs. A sweep that draws batches from it would
  leave the next epoch shuffled differently and, stopped mid-pass, leave the
  loader registered. Its ``state_dict`` is usable only for a stateful
  (torchdata) loader. :class:`LoaderPosition` saves and restores the pass count,
  the end-of-pass flags and the registration;
* a prepared optimizer carries the run's ``gradient_accumulation_steps``: the
  sweep takes that many micro-batches a rate (:func:`accumulation_steps`), one
  rate per real update, as in the run;
* a prepared optimizer with an fp16 loss scaler steps through that scaler, so
  the finder must scale the loss with the same scaler: :func:`unwrap_scaled`
  hands the finder the inner optimizer and the scaler, and the finder's own AMP
  path (skip-aware, one rate per real update) does the rest.

Nothing here imports accelerate: objects are recognized by the module of their
type, so a process without accelerate pays nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

__all__ = ["LoaderPosition", "accumulation_steps", "is_prepared", "skips_step", "snapshot_extras",
           "unwrap_scaled"]


def is_prepared(obj: Any) -> bool:
    """Whether ``obj`` is an accelerate wrapper (by its real type; prepared loaders fake ``__class__``).

    Example:
        >>> is_prepared([1, 2]), is_prepared(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1))
        (False, False)
    """
    module = type(obj).__module__
    return module == "accelerate" or module.startswith("accelerate.")


class LoaderPosition:
    """The position of an accelerate-prepared loader, in the ``state_dict`` protocol of the snapshot.

    ``state_dict()`` is plain data: the pass count (``iteration``), the
    end-of-pass flags and whether ``GradientState`` listed the loader as being
    iterated. ``load_state_dict`` puts the count back through the loader's own
    ``set_epoch`` (which also sets its sampler's epoch) and unregisters the
    loader if the sweep left it registered.
    """

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def _registered(self) -> bool:
        refs = self.loader.gradient_state.dataloader_references
        return any(ref is self.loader for ref in refs)

    def state_dict(self) -> dict[str, Any]:
        """``{"iteration", "end_of_dataloader", "remainder", "registered"}``."""
        loader = self.loader
        return {
            "iteration": int(getattr(loader, "iteration", 0)),
            "end_of_dataloader": bool(loader.end_of_dataloader),
            "remainder": int(loader.remainder),
            "registered": self._registered(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` saved."""
        loader = self.loader
        if hasattr(loader, "iteration"):
            loader.set_epoch(state["iteration"])
        loader.end_of_dataloader, loader.remainder = state["end_of_dataloader"], state["remainder"]
        if not state["registered"] and self._registered():
            loader.gradient_state._remove_dataloader(loader)


def snapshot_extras(objects: Iterable[Any]) -> list[Any]:
    """The stateful objects among ``objects`` for the snapshot's ``extras``.

    An object with ``state_dict`` and ``load_state_dict`` (a GradScaler, a
    torchdata ``StatefulDataLoader``) is saved by them; an accelerate loader is
    saved by its :class:`LoaderPosition`, and by its ``state_dict`` too when it
    wraps a stateful loader (otherwise its ``state_dict`` is unusable).

    Example:
        >>> scaler = torch.amp.GradScaler("cpu")
        >>> snapshot_extras([scaler, [1, 2], None]) == [scaler]
        True
    """
    extras: list[Any] = []
    for obj in objects:
        if obj is None:
            continue
        if is_prepared(obj) and hasattr(obj, "gradient_state"):
            extras.append(LoaderPosition(obj))
            if getattr(obj, "use_stateful_dataloader", False):
                extras.append(obj)
        elif hasattr(obj, "state_dict") and hasattr(obj, "load_state_dict"):
            extras.append(obj)
    return extras


def unwrap_scaled(optimizer: torch.optim.Optimizer, scaler: Any) -> tuple[torch.optim.Optimizer, Any]:
    """``(inner optimizer, its loss scaler)`` for an accelerate optimizer with one; else the arguments.

    An ``AcceleratedOptimizer`` built under ``mixed_precision="fp16"`` runs
    ``scaler.step`` itself; the finder must scale the loss with that scaler and
    step the inner optimizer through it, as its AMP path does. An explicit
    ``scaler`` is kept.

    Example:
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1)
        >>> unwrap_scaled(opt, None) == (opt, None)
        True
    """
    inner = getattr(optimizer, "optimizer", None)
    own = getattr(optimizer, "scaler", None)
    if (
        scaler is None
        and own is not None
        and is_prepared(optimizer)
        and isinstance(inner, torch.optim.Optimizer)
    ):
        return inner, own
    return optimizer, scaler


def skips_step(optimizer: Any) -> bool:
    """Whether ``optimizer.step()`` now is one accelerate skips: a prepared optimizer inside
    ``accelerator.accumulate`` on a micro-batch before the update (its gradients do not sync yet).

    Example:
        >>> skips_step(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1))
        False
    """
    state = getattr(optimizer, "gradient_state", None)
    return is_prepared(optimizer) and getattr(state, "sync_gradients", True) is False


def accumulation_steps(optimizer: torch.optim.Optimizer, given: int, hook: Any = None) -> int:
    """Micro-batches per swept update: ``given``, or, when ``given`` is the default 1, the
    ``gradient_accumulation_steps`` of the ``Accelerator`` that prepared ``optimizer``.

    Such a run steps its optimizer once every ``k`` micro-batches; a sweep of one micro-batch a rate
    would read the curve at a batch ``k`` times smaller than the run's, and suggest a rate for that
    batch. A step ``hook`` (``Update(step=...)``) owns the whole update: ``given`` is kept.

    Example:
        >>> accumulation_steps(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1), 1)
        1
    """
    if given != 1 or hook is not None or not is_prepared(optimizer):
        return given
    k = getattr(getattr(optimizer, "gradient_state", None), "num_steps", 1)
    return k if isinstance(k, int) and not isinstance(k, bool) and k >= 1 else 1
