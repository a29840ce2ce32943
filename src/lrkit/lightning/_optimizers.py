"""``lrkit.lightning.configure_optimizers``: an lrkit schedule in ``LightningModule.configure_optimizers``.

Lightning steps a scheduler after every optimizer update only when its config
says ``"interval": "step"`` (the default, ``"epoch"``, would hold each rate for
an epoch), and it counts a run's updates in ``trainer.estimated_stepping_batches``
(epochs or ``max_steps``, batches, ``accumulate_grad_batches``, devices). The
helper builds that config, with the spec written relative to the run
(:func:`lrkit.schedules.for_run`): ``total`` is
``estimated_stepping_batches``, ``epoch`` the updates per epoch
(``ceil(num_training_batches / accumulate_grad_batches)``, Lightning's own
count) and ``lr`` the optimizer's configured rate (its group 0).

Under manual optimization (``automatic_optimization = False``) Lightning steps no
scheduler; the scheduler then follows its optimizer's updates itself
(:mod:`lrkit.lightning._manual`). A run resumed from a checkpoint with another length
follows the spec bound to its own (:mod:`lrkit.lightning._run_length`).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from lrkit.errors import LRKitError, shown, unknown_name
from lrkit.lightning._manual import ManualDrive, manual_optimization
from lrkit.lightning._run_length import follow_run_length
from lrkit.schedules import Schedule, check_run_spec, for_run
from lrkit.torch import LRScheduler
from lrkit.torch._retune import schedule_rate, schedule_scales

__all__ = ["RUN_NAMES", "configure_optimizers"]

_OWNER = "lrkit.lightning.configure_optimizers"
_PASSED = ("plateau", "key", "group_scales", "per_update")  # what it passes on to LRScheduler
RUN_NAMES = ("total", "epoch", "lr")


def _run_quantities(module: Any, optimizer: torch.optim.Optimizer, names: set[str]) -> dict[str, int | float]:
    quantities: dict[str, int | float] = {"lr": schedule_rate(optimizer)}
    if names & {"total", "epoch"}:
        try:
            trainer = module.trainer
        except (AttributeError, RuntimeError):  # not a LightningModule, or not attached to a Trainer yet
            trainer = None
        if trainer is None:
            raise LRKitError(
                f"`module` of {_OWNER} must be attached to a Trainer (call it from "
                "configure_optimizers) for a spec that names total or epoch."
            )
        total = trainer.estimated_stepping_batches  # also sets up the train dataloader when needed
        if not math.isfinite(total):
            raise LRKitError(
                f"`spec` of {_OWNER} names total, but this run has no length (max_epochs=-1 and "
                "max_steps=-1, or an iterable dataset without max_steps); give numbers instead."
            )
        quantities["total"] = int(total)
        batches = trainer.num_training_batches
        if math.isfinite(batches):
            quantities["epoch"] = max(1, math.ceil(batches / trainer.accumulate_grad_batches))
    return quantities


def configure_optimizers(
    module: Any, optimizer: torch.optim.Optimizer, spec: str | Schedule, **scheduler_kwargs: Any
) -> dict[str, Any]:
    """Lightning's optimizer config with an lrkit scheduler stepped once per optimizer update.

    Args:
        module: the ``LightningModule`` (``self`` in ``configure_optimizers``).
        optimizer: the optimizer it trains with.
        spec: a schedule, a spec, or a run-relative spec naming ``total``,
            ``epoch`` and ``lr``, e.g. ``"warmup_cosine(lr=lr, warmup=0.05*total, steps=total)"``.
        **scheduler_kwargs: passed to :class:`lrkit.torch.LRScheduler`
            (``plateau``, ``key``, ``group_scales``, ``per_update``).

    Returns:
        ``{"optimizer": optimizer, "lr_scheduler": {"scheduler": LRScheduler(...),
        "interval": "step", "frequency": 1}}``. Under manual optimization, where
        Lightning steps no scheduler, the scheduler advances after each update of
        ``optimizer`` itself (a ``step()`` call of the user's then changes nothing, unless
        ``per_update=False``), and warns at the first update when ``max_steps``, which
        Lightning counts over every optimizer's ``step()`` there, ends the run before a
        spec's ``total``. Resumed from a checkpoint with another length, a spec naming
        ``total`` or ``epoch`` is bound again to this run, at the checkpoint's rate.

    Raises:
        LRKitError: if the spec names something else than ``total``, ``epoch``,
            ``lr``; names ``total``/``epoch`` for a module not attached to a
            Trainer or a run without a length; or is invalid; for a keyword argument
            that is none of ``LRScheduler``'s four.

    Example:
        >>> import torch
        >>> net = torch.nn.Linear(2, 1)
        >>> opt = torch.optim.SGD(net.parameters(), lr=0.1)
        >>> cfg = configure_optimizers(net, opt, "cosine(lr=lr, steps=100)")
        >>> cfg["lr_scheduler"]["interval"], cfg["lr_scheduler"]["scheduler"].schedule(0)
        ('step', 0.1)
    """
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise LRKitError(f"`optimizer` of {_OWNER} must be a torch.optim.Optimizer (one call per optimizer); "
                         f"got {shown(optimizer)}.")
    for name in scheduler_kwargs:
        if name not in _PASSED:
            raise unknown_name(f"argument of {_OWNER}", name, _PASSED)
    names = check_run_spec(spec, RUN_NAMES, _OWNER, "a Lightning run")
    quantities = _run_quantities(module, optimizer, names)
    schedule = for_run(spec, **quantities)
    if "group_scales" not in scheduler_kwargs and scheduler_kwargs.get("key", "lr") == "lr":
        # group 0 frozen at lr=0: the spec's lr is the first group above 0's, and the others keep their ratios
        scheduler_kwargs["group_scales"] = schedule_scales(optimizer)
    manual = manual_optimization(module)
    if manual and scheduler_kwargs.get("per_update") is None:
        scheduler_kwargs["per_update"] = True  # driven below: the user's step() is then no second advance
    scheduler = LRScheduler(optimizer, schedule, **scheduler_kwargs)
    if names & {"total", "epoch"}:  # resumed with another length ("train longer"): this run's schedule
        follow_run_length(scheduler, spec, quantities, schedule_rate)
    if manual:  # Lightning steps no scheduler: it follows its optimizer's updates
        horizon = schedule.horizon if "total" in names else None  # a length lrkit set, checked
        ManualDrive(scheduler, module, horizon, drive=scheduler_kwargs["per_update"], owner=_OWNER)
    return {
        "optimizer": optimizer,
        "lr_scheduler": {"scheduler": scheduler, "interval": "step", "frequency": 1},
    }
