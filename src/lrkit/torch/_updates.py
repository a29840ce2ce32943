"""The adapter's guard against being stepped more than once per optimizer update.

``lrkit.torch.LRScheduler`` counts ``t`` in optimizer updates. A plain loop calls
``scheduler.step()`` once after each ``optimizer.step()``, and then counting
calls is counting updates. Under ``accelerate`` it is not: a prepared
scheduler (``AcceleratedScheduler``) calls the wrapped scheduler's ``step()``
``num_processes`` times per update unless ``split_batches=True``, because it
assumes a schedule sized for one process's share of the data (accelerate's
``scheduler.py``; huggingface/accelerate#2318, #2926); with
``step_scheduler_with_optimizer=False`` it passes every call through, one per
micro-batch inside ``accelerator.accumulate``. Either way the schedule runs
``num_processes`` (or ``accumulation``) times too fast.

The guard counts the optimizer's real updates with a step post-hook on the
innermost torch optimizer (under an ``AcceleratedOptimizer`` or a Lightning
wrapper), which fires only when the update really ran: not for a micro-batch
that accumulates, not for an update the AMP loss scaler skipped. A guarded
``step()`` advances ``t`` by one when at least one update happened since the
last advance, and does nothing otherwise. So after ``N`` updates ``t = N``,
whatever the number of ``step()`` calls in between.
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import torch

__all__ = ["UpdateTally", "called_by_accelerate", "innermost", "skips_repeat"]

_ACCELERATE = "accelerate."  # accelerate's modules, AcceleratedScheduler's among them
# accelerate's AcceleratedScheduler lives here; until it is imported, no call can come from it.
_WRAPPER = "accelerate.scheduler"


def innermost(optimizer: torch.optim.Optimizer) -> torch.optim.Optimizer:
    """The torch optimizer under wrappers (accelerate's ``.optimizer``, Lightning's ``._optimizer``).

    Example:
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> innermost(opt) is opt
        True
    """
    seen = {id(optimizer)}
    while True:
        inner = getattr(optimizer, "optimizer", None) or getattr(optimizer, "_optimizer", None)
        if not isinstance(inner, torch.optim.Optimizer) or id(inner) in seen:
            return optimizer
        seen.add(id(inner))
        optimizer = inner


def called_by_accelerate(frame: FrameType | None) -> bool:
    """Whether ``frame`` (the caller of ``LRScheduler.step``) runs in accelerate's code.

    That caller is ``AcceleratedScheduler.step``, the one that repeats the call.
    The check is by the frame's module, so it costs nothing unless asked, holds
    for every accelerate version that keeps the wrapper in its own package, and
    never switches a scheduler that accelerate does not drive (a process with a
    Hugging Face ``Trainer`` in it has an accelerate state too, but the Trainer
    calls ``step()`` itself, once per update).

    Example:
        >>> import sys
        >>> called_by_accelerate(sys._getframe())
        False
    """
    return frame is not None and frame.f_globals.get("__name__", "").startswith(_ACCELERATE)


def skips_repeat(per_update: bool | None, caller: FrameType | None) -> bool:
    """Whether a ``step()`` with no optimizer update since the last advance does nothing.

    ``per_update`` (``LRScheduler``'s argument) decides when given. By default (``None``) only
    the calls that accelerate's prepared scheduler makes are skipped: ``caller`` is the frame
    that called ``step()``; any other caller advances ``t`` with each call, as torch's
    schedulers do.

    Example:
        >>> skips_repeat(True, None), skips_repeat(False, None)
        (True, False)
        >>> skips_repeat(None, sys._getframe())  # a plain loop's call
        False
    """
    if per_update is not None:
        return per_update
    return _WRAPPER in sys.modules and called_by_accelerate(caller)


class UpdateTally:
    """Counts an optimizer's completed updates (the scheduler resets ``updates`` when it advances).

    It is the optimizer's step post-hook (``register_step_post_hook``), holds no
    reference to the scheduler (no cycle), and costs one increment per update.

    Example:
        >>> p = torch.zeros(1, requires_grad=True)
        >>> opt = torch.optim.SGD([p], lr=0.1)
        >>> tally = UpdateTally(opt)
        >>> p.grad = torch.ones(1); opt.step(); opt.step()
        >>> tally.updates
        2
    """

    def __init__(self, optimizer: torch.optim.Optimizer) -> None:
        self.updates = 0
        self.handle = innermost(optimizer).register_step_post_hook(self)

    def __call__(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        self.updates += 1
