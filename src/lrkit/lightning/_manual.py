"""``configure_optimizers`` under Lightning's manual optimization: the schedule follows its optimizer.

With ``automatic_optimization = False`` Lightning steps no scheduler (its docs ask for
``self.lr_schedulers().step()`` in ``training_step``), so a config whose ``"interval": "step"``
reads as "stepped per update" would hold ``schedule(0)`` for the whole run when that call is
missing: 0 under a warmup, so nothing trains. Here the scheduler advances itself after each real
update of its optimizer (a step post-hook: not for an update the AMP scaler skipped) and counts
``t`` in updates (``per_update``), so the call Lightning's docs ask for, after or before the
update, finds no new update and changes nothing: after ``N`` updates ``t = N`` either way.

Lightning counts every optimizer's ``step()`` toward ``max_steps`` under manual optimization
(``global_step``, Lightning-AI/pytorch-lightning#17958), while ``estimated_stepping_batches``,
the spec's ``total``, is ``max_steps`` itself. With ``k`` optimizers each stepping once per
batch the run ends after ``ceil(max_steps / k)`` batches, and a schedule spanning ``total``
updates stops partway, before its decay. How the steps split between the optimizers is the
user's code (a critic stepped five times per generator step), so nothing is guessed: at the
first update a warning names ``max_steps``, the count and the way out.
"""

from __future__ import annotations

import math
import warnings
import weakref
from typing import Any

from lrkit.torch import LRScheduler

__all__ = ["ManualDrive", "manual_optimization"]


def manual_optimization(module: Any) -> bool:
    """Whether ``module`` is a ``LightningModule`` that steps its optimizers itself.

    Example:
        >>> import torch
        >>> manual_optimization(torch.nn.Linear(2, 1))
        False
    """
    return getattr(module, "automatic_optimization", True) is False


class ManualDrive:
    """An optimizer step post-hook: check the run's length once, then advance the scheduler.

    Args:
        scheduler: the scheduler to drive (held weakly: Lightning's config owns it).
        module: the ``LightningModule`` (held weakly), read at the first update.
        horizon: the schedule's length when the spec names ``total`` (``None``: nothing to check).
        drive: advance the scheduler after each update (``False`` when the user asked
            ``per_update=False``: each of their ``step()`` calls then advances ``t``).
        owner: the public function named in the warning.
    """

    def __init__(self, scheduler: LRScheduler, module: Any, horizon: int | None, *, drive: bool,
                 owner: str) -> None:
        self._scheduler = weakref.ref(scheduler)
        self._module = weakref.ref(module)
        self._horizon = horizon
        self._drive = drive
        self._owner = owner
        self.handle = scheduler.optimizer.register_step_post_hook(self)  # after the scheduler's tally

    def __call__(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        scheduler = self._scheduler()
        if scheduler is None:  # Lightning dropped the config (a later fit built a new one)
            self.handle.remove()
            return
        if self._horizon is not None:
            horizon, self._horizon = self._horizon, None  # checked once, at the first update
            _warn_if_max_steps_cuts(self._module(), horizon, self._owner)
        if self._drive:
            scheduler.step()


def _warn_if_max_steps_cuts(module: Any, horizon: int, owner: str) -> None:
    try:
        trainer = module.trainer
    except (AttributeError, RuntimeError):  # detached since it was configured
        return
    if trainer is None:
        return
    k, max_steps = len(trainer.optimizers), trainer.max_steps
    if k < 2 or max_steps == -1 or not trainer.is_global_zero:
        return
    # each optimizer stepping once per batch: global_step reaches max_steps after max_steps / k batches
    batches = math.ceil(max_steps / k)
    if batches >= horizon:
        return
    warnings.warn(
        f"{owner}: this schedule spans {horizon} updates (its spec's total is "
        "trainer.estimated_stepping_batches), but under manual optimization Lightning counts every "
        f"optimizer's step() toward max_steps={max_steps} (Lightning-AI/pytorch-lightning#17958): with "
        f"these {k} optimizers each stepping once per batch the run ends after {batches} batches, and "
        f"the schedule stops at update {batches} of {horizon}, before its end. Write total//{k} where "
        "the spec says total (each optimizer's own updates), or bound the run by max_epochs.",
        stacklevel=2)
