"""What ``Trainer.train`` sets up on the model before its loop, set up for the sweep and taken off after.

Two of ``train()``'s set-ups change what one update is: activation checkpointing
(``activation_checkpointing=True``, ``gradient_checkpointing=True`` before transformers 5: the
memory an update needs, so a model that fits only with it runs out of memory without it) and
NEFTune's noise on the input embeddings (``neftune_noise_alpha``: the loss trained on). The sweep
runs with both as ``train()`` turns them on (the same calls, the same arguments), and the model
gets back what it had: checkpointing off unless it was on, the noise hook and the input-grad hooks
checkpointing adds (``enable_input_require_grads``) removed. ``use_liger_kernel``'s patching
of the model is not undone by transformers either and is left to ``train()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["as_in_train"]

# What enable_input_require_grads sets on the model (transformers' names); put back as they were.
_GRAD_HOOKS = ("_require_grads_hooks", "_require_grads_hook")
_MISSING = object()


def _checkpointing(model: Any) -> bool:
    flag = "is_activation_checkpointing" if hasattr(type(model), "is_activation_checkpointing") \
        else "is_gradient_checkpointing"
    return bool(getattr(model, flag, False))


def _enable_checkpointing(model: Any, args: Any) -> None:
    # as Trainer.train: every_n_layers and offload come out of the kwargs, the rest go to torch's checkpoint
    if getattr(args, "activation_checkpointing", None) is None:  # transformers 4: the old names
        kwargs = dict(getattr(args, "gradient_checkpointing_kwargs", None) or {})
    else:
        kwargs = dict(getattr(args, "activation_checkpointing_kwargs", None) or {})
    if hasattr(model, "activation_checkpointing_enable"):
        every, offload = kwargs.pop("every_n_layers", 1), kwargs.pop("offload", False)
        model.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs or None,
                                              every_n_layers=every, offload=offload)
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs or None)


def _wants_checkpointing(args: Any) -> bool:
    on = getattr(args, "activation_checkpointing", None)
    return bool(getattr(args, "gradient_checkpointing", False) if on is None else on)


@contextmanager
def as_in_train(trainer: Any) -> Iterator[None]:
    """Checkpointing and NEFTune on ``trainer.model`` as ``train()`` turns them on; as before after.

    Example:
        >>> import tempfile, torch
        >>> from transformers import Trainer, TrainingArguments
        >>> args = TrainingArguments(tempfile.mkdtemp(), use_cpu=True, report_to=[])
        >>> trainer = Trainer(model=torch.nn.Linear(2, 1), args=args)
        >>> with as_in_train(trainer):  # neither asked for: nothing to set up
        ...     pass
    """
    model = trainer.model
    # a model without the methods: train() itself fails on these arguments, and says so
    can = hasattr(model, "activation_checkpointing_enable") or hasattr(model, "gradient_checkpointing_enable")
    checkpointing = can and _wants_checkpointing(trainer.args) and not _checkpointing(model)
    hooks = {name: vars(model).get(name, _MISSING) for name in _GRAD_HOOKS}
    neftune = None
    try:
        if checkpointing:
            _enable_checkpointing(model, trainer.args)
        alpha = getattr(trainer, "neftune_noise_alpha", None)
        if alpha is not None and hasattr(model, "get_input_embeddings"):
            from transformers.integrations.neftune import activate_neftune

            neftune = activate_neftune(model, alpha, trainer.accelerator)
        yield
    finally:
        if neftune is not None:
            from transformers.integrations.neftune import deactivate_neftune

            deactivate_neftune(model, neftune, trainer.accelerator)
        if checkpointing:
            off = getattr(model, "activation_checkpointing_disable", None)
            (off or model.gradient_checkpointing_disable)()
            if any(vars(model).get(name, _MISSING) is not old for name, old in hooks.items()):
                model.disable_input_require_grads()  # the hooks checkpointing added, not the user's
                for name, old in hooks.items():
                    if old is _MISSING:
                        vars(model).pop(name, None)
                    else:
                        vars(model)[name] = old
