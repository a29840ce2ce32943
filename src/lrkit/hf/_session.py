"""A Trainer's model and optimizer prepared as ``Trainer.train`` prepares them; the Trainer put back after.

``Trainer.train`` builds its optimizer (``create_optimizer``: one group with
weight decay, one without), wraps the model (``_wrap_model``) and hands both to
``accelerator.prepare``, which places them, adds DDP under a process group and
wraps the model's ``forward`` in autocast for ``bf16``/``fp16``. The range test
must train exactly that, so :func:`prepared` does the same steps, and then
undoes every trace of them:

* every attribute of the Trainer is put back to the object it held before
  (``optimizer``, ``lr_scheduler``, ``state``, ``control``, ``model_wrapped``,
  ``callback_handler``, ...; attributes the steps added are deleted), so an
  optimizer the Trainer built for the sweep is dropped and ``train()`` builds a
  fresh one;
* the accelerator's registries (``_models``, ``_optimizers``, ``_schedulers``,
  ``_dataloaders``) get their old contents back, the autocast wrapper is taken
  off the model's ``forward`` unless it was there before, and accelerate's
  gradient-sync flag is reset;
* activation checkpointing and NEFTune's noise hook are on during the sweep as ``train()``
  turns them on, and taken off after (:mod:`lrkit.hf._train_setup`);
* the Python, NumPy and torch RNGs get the state they had before anything was
  built (creating a shuffling dataloader draws from them).

Parameters, buffers, gradients and optimizer state are ``lrkit.torch.find_lr``'s
to restore; this module handles what only a Trainer has.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from transformers import Trainer

from lrkit.errors import LRKitError
from lrkit.hf._train_setup import as_in_train
from lrkit.torch._rng import rng_state, set_rng_state

__all__ = ["check_trainer", "prepared"]

_REGISTRIES = ("_models", "_optimizers", "_schedulers", "_dataloaders")
# What accelerate's prepare_model / prepare set on the model object itself.
_MODEL_ATTRS = ("forward", "_original_forward", "_is_accelerate_prepared")
_MISSING = object()


def check_trainer(trainer: Any, owner: str) -> None:
    """Raise unless ``trainer`` is a ``transformers.Trainer`` (or subclass)."""
    if not isinstance(trainer, Trainer):
        raise LRKitError(f"`trainer` of {owner} must be a transformers.Trainer; "
                         f"got {type(trainer).__name__}.")


@contextmanager
def prepared(trainer: Any) -> Iterator[tuple[torch.nn.Module, torch.optim.Optimizer]]:
    """Yield ``(model, optimizer)`` as ``trainer.train()`` would train them; restore the Trainer after.

    The optimizer is the Trainer's own (``optimizers=`` at construction) or the
    one ``trainer.create_optimizer()`` builds from ``TrainingArguments``. While
    the block runs, ``trainer.optimizer`` is that optimizer, as in training.
    """
    attrs = dict(vars(trainer))
    acc = trainer.accelerator
    registries = {
        name: list(getattr(acc, name)) for name in _REGISTRIES if isinstance(getattr(acc, name, None), list)
    }
    base = trainer.model
    model_attrs = {name: vars(base).get(name, _MISSING) for name in _MODEL_ATTRS}
    sync = acc.gradient_state.sync_gradients
    rng = rng_state()
    try:
        with as_in_train(trainer):  # activation checkpointing and NEFTune, as train() turns them on
            if trainer.optimizer is None:
                trainer.create_optimizer()
            optimizer = trainer.optimizer
            wrapped = trainer._wrap_model(
                trainer.model_wrapped
            )  # DataParallel, SageMaker, FSDP-XLA: as train() does
            if wrapped is trainer.model:
                model, optimizer = acc.prepare(trainer.model, optimizer)
            else:
                model, optimizer = wrapped, acc.prepare(optimizer)
            trainer.optimizer = optimizer
            yield model, optimizer
    finally:
        for name, items in registries.items():
            getattr(acc, name)[:] = items
        raw = vars(base)
        for name, value in model_attrs.items():
            if value is _MISSING:
                raw.pop(name, None)
            else:
                raw[name] = value
        acc.gradient_state._set_sync_gradients(sync)  # the setter the Trainer's own loop uses
        current = vars(trainer)
        for name in [n for n in current if n not in attrs]:
            del current[name]
        for name, value in attrs.items():
            if current.get(name, _MISSING) is not value:
                current[name] = value
        set_rng_state(rng)
