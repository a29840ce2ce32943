"""The option records of ``find_lr``: how each sweep update is done, and validation mode.

``find_lr`` takes a model, an optimizer, a loss and a loader, and then a few records
instead of a long list of flags: the rates (:class:`lrkit.finder.Sweep`), the tuned
numbers (:class:`lrkit.finder.FinderPolicy`), how one update is done (:class:`Update`)
and, optionally, which loss to record (:class:`Validation`). Each record checks its
own fields when it is built, so a bad value fails before any state is touched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import torch

from lrkit.errors import LRKitError, check_int, check_positive
from lrkit.torch._batches import FORWARD_WAY_OUT
from lrkit.torch._finder_rule import needs_closure

__all__ = ["Update", "Validation", "CLOSURE_WAY_OUT", "WAYS_OUT", "check_step_without_closure"]

#: What a Python caller of find_lr does for an optimizer whose step needs a closure (the CLI says its own).
CLOSURE_WAY_OUT = ("Pass update=Update(step=f), where f(model, optimizer, batch, loss_fn) defines "
                   "closure() (zero_grad, forward, loss, backward, return the loss) and returns "
                   "optimizer.step(closure).")
#: find_lr's ways out that name its own arguments, by argument (``Update(forward=...)`` for another batch
#: layout, ``Update(step=...)`` for a step that needs a closure): a front end without those arguments
#: (``lrkit find --script``) finds the text in an error and says its own way out instead.
WAYS_OUT = {"forward": FORWARD_WAY_OUT, "step": CLOSURE_WAY_OUT}


@dataclasses.dataclass(frozen=True)
class Update:
    """How ``find_lr`` does one sweep update (the plain loop's step by default).

    Attributes:
        accumulation_steps: micro-batches per optimizer update; each micro-batch loss is
            divided by it, so the gradient is the mean over all of them.
        amp: run forward and loss under ``torch.autocast`` (float16 on CUDA, bfloat16 on
            CPU); on CUDA a ``GradScaler`` is created unless ``scaler`` is given.
        scaler: a ``torch.amp.GradScaler`` to use (its state is restored afterwards).
        forward: ``forward(model, batch) -> (output, target)``; default
            :func:`lrkit.torch._batches.default_forward` (``(inputs, targets)`` batches).
        step: ``step(model, optimizer, batch, loss_fn) -> loss`` doing one whole update
            (forward, backward, ``optimizer.step()``) at the rate already written to the
            groups; gradients are zeroed before each call. It owns the update, so it
            excludes ``accumulation_steps > 1``, ``amp``, ``scaler`` and ``max_grad_norm``.
        max_grad_norm: clip the gradient of every update to this total 2-norm
            (``torch.nn.utils.clip_grad_norm_`` over the model's parameters) after all
            ``accumulation_steps`` micro-batches and, with a scaler, after unscaling: where a
            training loop clips, as the Hugging Face Trainer's default 1.0 does. A clipped
            update moves the weights at most ``lr * max_grad_norm`` (plain SGD), so the rate
            where a sweep blows up is a property of the clipped loop: sweep the loop you train.
            ``None`` (default) does not clip.
        device: move every batch there; by default batches must already be on the model's
            device (a mismatch raises instead of silently copying).

    Raises:
        LRKitError: for a bad field (the message names ``Update``).

    Example:
        >>> Update(accumulation_steps=4).accumulation_steps
        4
        >>> Update(accumulation_steps=4, max_grad_norm=1.0).max_grad_norm
        1.0
        >>> Update(accumulation_steps=0)
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `accumulation_steps` of Update must be a positive integer; got 0.
    """

    accumulation_steps: int = 1
    amp: bool = False
    scaler: Any = None
    forward: Callable[[torch.nn.Module, Any], tuple[Any, Any]] | None = None
    step: Callable[[torch.nn.Module, torch.optim.Optimizer, Any, Callable[..., Any]], Any] | None = None
    device: str | torch.device | None = None
    max_grad_norm: float | None = None

    def __post_init__(self) -> None:
        k = check_int("accumulation_steps", self.accumulation_steps, "Update")
        object.__setattr__(self, "accumulation_steps", k)
        if self.max_grad_norm is not None:
            clip = check_positive("max_grad_norm", self.max_grad_norm, "Update")
            object.__setattr__(self, "max_grad_norm", clip)
        for name in ("forward", "step"):
            hook = getattr(self, name)
            if hook is not None and not callable(hook):
                raise LRKitError(f"`{name}` of Update must be callable or None; got {hook!r}.")
        if self.step is not None and (self.accumulation_steps != 1 or self.amp or self.scaler is not None
                                      or self.max_grad_norm is not None):
            raise LRKitError("`step` of Update must be None with accumulation_steps > 1, amp, a scaler or "
                             "max_grad_norm (the step hook owns the whole update: clip inside it); got a "
                             "step hook.")
        if self.device is not None:
            try:
                torch.device(self.device)
            except (RuntimeError, TypeError):
                message = f"`device` of Update must be a torch device or its name; got {self.device!r}."
                raise LRKitError(message) from None


@dataclasses.dataclass(frozen=True)
class Validation:
    """Validation mode of ``find_lr``: record a held-out loss instead of the training loss.

    The loss recorded for update :math:`i` is the mean loss over the first ``batches``
    batches of ``loader`` (a fixed subset), evaluated after update :math:`i`, every
    ``every`` updates; the updates in between report the most recent evaluation (a held
    value, so the curve is a staircase of width ``every``).

    Attributes:
        loader: an iterable of batches (a DataLoader).
        every: updates between evaluations (>= 1).
        batches: batches of ``loader`` in the fixed subset (>= 1).

    Example:
        >>> Validation([(0, 0)], every=4).batches
        4
    """

    loader: Iterable[Any]
    every: int = 1
    batches: int = 4

    def __post_init__(self) -> None:
        if not isinstance(self.loader, Iterable):
            raise LRKitError(f"`loader` of Validation must be an iterable of batches; got {self.loader!r}.")
        object.__setattr__(self, "every", check_int("every", self.every, "Validation"))
        object.__setattr__(self, "batches", check_int("batches", self.batches, "Validation"))


def check_step_without_closure(optimizer: torch.optim.Optimizer, update: Update, owner: str) -> None:
    """Raise before any state is touched when ``optimizer.step`` needs a closure and ``update`` has no step.

    find_lr's own update calls ``optimizer.step()`` with no argument; an optimizer that re-evaluates
    the loss inside its step (``torch.optim.LBFGS``: ``step(closure)``, no default) fails there, and
    the failure read as a batch that does not fit the model. Only the caller can write the closure.

    Example:
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> check_step_without_closure(torch.optim.SGD(p, lr=0.1), Update(), "find_lr")
        >>> check_step_without_closure(torch.optim.LBFGS(p), Update(), "find_lr")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `optimizer` of find_lr is LBFGS, whose step() needs a closure ...
    """
    if update.step is None and needs_closure(optimizer):
        name = type(optimizer).__name__
        raise LRKitError(f"`optimizer` of {owner} is {name}, whose step() needs a closure that re-evaluates "
                         f"the loss; {owner}'s own update calls optimizer.step() without one. "
                         f"{CLOSURE_WAY_OUT}")
