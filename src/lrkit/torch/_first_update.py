"""The first update of a training loop, guarded: a failure there is said in one line, with the way out.

``find_lr``'s sweep and the training loops of ``lrkit.tasks`` (``train``, ``train_autopilot``) run the
user's model, loss, batches and optimizer for the first time at their first update. Nothing has been
learned yet, so an exception there is the user's parts disagreeing, and one :class:`~lrkit.LRKitError`
names it (the cause chained) instead of a traceback from inside lrkit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch

from lrkit.errors import LRKitError, exception_line
from lrkit.torch._finder_options import CLOSURE_WAY_OUT

__all__ = ["first_update", "raised_in_step"]

#: What to check when the first update fails outside the optimizer's step.
BATCHES_WAY_OUT = ("check that the batches of `train_loader` fit the model and `loss_fn` (shapes, dtypes, "
                   "class indices)")


@contextmanager
def first_update(owner: str, *, t: int = 0, optimizer: torch.optim.Optimizer | None = None,
                 restored: bool = False) -> Iterator[None]:
    """Run update ``t`` of ``owner``'s loop; if the first (``t == 0``) raises, re-raise it as one line.

    A failure in the first update's forward, loss or backward (a shape, dtype or class-index mismatch)
    is the user's batches and model disagreeing. With ``optimizer`` given, one raised inside its
    ``step()`` is said to be the optimizer's (a step that asserts a closure, as SAM's does, passes
    ``find_lr``'s closure check), with ``find_lr``'s way out, ``update=Update(step=f)``. Later updates'
    failures, and ``LRKitError``, propagate unchanged.

    Args:
        owner: the loop's name in the message (``"find_lr"``, ``"train"``).
        t: the update's index in the loop; only update 0 is guarded.
        optimizer: the optimizer a failure is looked for in (``find_lr``, whose way out it names).
        restored: the caller puts the model and optimizer back before the error reaches the user, and
            the message says so.

    Raises:
        LRKitError: for any other exception at update 0, the exception chained as its cause.

    Example:
        >>> with first_update("train"):
        ...     raise IndexError("Target 2 is out of bounds.")
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: the first update of train failed (IndexError: Target 2 is out of ...
    """
    try:
        yield
    except Exception as exc:
        if t != 0 or isinstance(exc, LRKitError):
            raise
        what = exception_line(exc)
        if optimizer is not None and raised_in_step(exc, optimizer):
            raise LRKitError(
                f"the first update of {owner} failed inside `optimizer.step()` of {type(optimizer).__name__} "
                f"({what}); if its step needs a closure: {CLOSURE_WAY_OUT}"
                + (" The model and optimizer are unchanged." if restored else "")
            ) from exc
        raise LRKitError(f"the first update of {owner} failed ({what}): {_way_out(owner)}"
                         + ("; the model and optimizer are unchanged." if restored else ".")) from exc


def _way_out(owner: str) -> str:
    """What to check after a failed first update: where no gradient can flow (the call inside
    ``torch.no_grad()`` or ``inference_mode()``) the batches are not the cause. (An optimizer whose
    parameters are all frozen is refused before any update: ``lrkit.torch._groups.check_trainable``.)"""
    if not torch.is_grad_enabled() or torch.is_inference_mode_enabled():
        return (f"gradients are off where {owner} was called (inside torch.no_grad() or "
                "torch.inference_mode()); call it outside that block")
    return BATCHES_WAY_OUT


def raised_in_step(exc: BaseException, optimizer: torch.optim.Optimizer) -> bool:
    """Whether ``exc`` was raised inside ``optimizer.step`` (a frame of its ``step`` bound to it).

    Example:
        >>> class Strict(torch.optim.SGD):
        ...     def step(self, closure=None):
        ...         assert closure is not None, "needs a closure"
        >>> opt = Strict([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> try:
        ...     opt.step()
        ... except AssertionError as e:
        ...     raised_in_step(e, opt), raised_in_step(e, torch.optim.SGD(opt.param_groups[0]["params"]))
        (True, False)
    """
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "step" and frame.f_locals.get("self") is optimizer:
            return True
        tb = tb.tb_next
    return False
