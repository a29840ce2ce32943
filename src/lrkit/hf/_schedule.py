"""``lrkit.hf.use_schedule(trainer, spec)``: an lrkit schedule inside a ``transformers.Trainer``, by spec.

The Trainer builds its scheduler in ``create_scheduler(num_training_steps)``,
after it has built the optimizer and counted the run's optimizer updates (the
documented place to change it: "subclass and override ``create_scheduler``").
:func:`use_schedule` overrides it on the one Trainer instance (so it works for
any Trainer subclass), building ``lrkit.torch.LRScheduler(optimizer, schedule)``
on the Trainer's own optimizer, weight-decay groups and all. The spec may be
written relative to the run (:func:`lrkit.schedules.for_run`), with these names:

========== ==================================================================
``total``  the run's optimizer updates: ``num_training_steps``, which the
           Trainer derives from ``max_steps`` or epochs, the dataloader's
           length, ``gradient_accumulation_steps`` and the world size
``epoch``  optimizer updates per epoch (the Trainer's own count)
``warmup`` ``TrainingArguments.get_warmup_steps(total)`` (``warmup_steps``
           or ``warmup_ratio``)
``lr``     the optimizer's configured rate: ``learning_rate``, or group 0's
           rate of an optimizer given as ``optimizers=``
========== ==================================================================

The Trainer steps the scheduler once per real update (not on an fp16 step it
skipped), logs ``get_last_lr()[0]`` as ``learning_rate`` and saves and restores
the scheduler's ``state_dict`` with its checkpoints; it rebuilds it at each
``train()``, so a changed ``learning_rate`` (``find_lr(apply=True)``) is used.
"""

from __future__ import annotations

from typing import Any

import torch
from transformers import Trainer

from lrkit.errors import LRKitError
from lrkit.hf._session import check_trainer
from lrkit.schedules import Schedule, check_run_spec, for_run
from lrkit.torch import LRScheduler
from lrkit.torch._retune import schedule_rate, schedule_scales

__all__ = ["RUN_NAMES", "use_schedule"]

_OWNER = "use_schedule"
RUN_NAMES = ("total", "epoch", "warmup", "lr")


def use_schedule(trainer: Trainer, spec: str | Schedule) -> Trainer:
    """Make ``trainer`` build an lrkit schedule from ``spec`` in place of ``lr_scheduler_type``.

    Args:
        trainer: a ``transformers.Trainer`` (or subclass); it is changed in place.
        spec: a schedule, a spec, or a run-relative spec naming ``total``,
            ``epoch``, ``warmup`` and ``lr`` (see the module docstring), e.g.
            ``"warmup_cosine(lr=lr, warmup=0.06*total, steps=total)"``.

    Returns:
        ``trainer`` itself.

    Raises:
        LRKitError: if ``trainer`` is not a Trainer, already has a scheduler
            (given as ``optimizers=``), or ``spec`` is not valid spec syntax,
            names something else than the run's quantities, or calls a family
            with an unknown or missing parameter (``cosine(lr=lr)`` without
            ``steps``); this happens here, before training. A spec that is invalid only for this run's numbers
            (``steps=total - 500`` on a 300-update run) raises when ``train()``
            builds it, before the first update.

    Example:
        >>> import tempfile, torch
        >>> from transformers import Trainer, TrainingArguments
        >>> args = TrainingArguments(tempfile.mkdtemp(), learning_rate=0.1, use_cpu=True, report_to=[])
        >>> trainer = use_schedule(Trainer(model=torch.nn.Linear(2, 1), args=args),
        ...                        "warmup_cosine(lr=lr, warmup=0.1*total, steps=total)")
        >>> trainer.create_optimizer_and_scheduler(num_training_steps=100)  # what train() does first
        >>> trainer.lr_scheduler.schedule  # the spec bound to this run's total and rate
        linear(start=0.0, end=0.1, steps=10) >> cosine(lr=0.1, steps=90, min_lr=0.0)

        The :mod:`lrkit.hf` package docstring trains with it; ``tests/hf/`` runs it on real Trainers.
    """
    check_trainer(trainer, _OWNER)
    if trainer.lr_scheduler is not None and not getattr(trainer, "_created_lr_scheduler", False):
        raise LRKitError(
            f"`trainer` of {_OWNER} must not have a scheduler of its own; got "
            f"{type(trainer.lr_scheduler).__name__} (given as optimizers=): pass "
            "optimizers=(optimizer, None) to let the spec build it."
        )
    check_run_spec(spec, RUN_NAMES, _OWNER, "a Trainer's run")
    counts: dict[str, int] = {}
    original = (
        type(trainer).set_initial_training_values.__get__(trainer)
        if hasattr(type(trainer), "set_initial_training_values")
        else None
    )

    def set_initial_training_values(args: Any, dataloader: Any) -> Any:
        values = original(args, dataloader)  # type: ignore[misc]
        counts["epoch"] = int(values[1])  # num_update_steps_per_epoch, the Trainer's own count
        return values

    def create_scheduler(num_training_steps: int, optimizer: torch.optim.Optimizer | None = None) -> Any:
        if trainer.lr_scheduler is None:
            opt = optimizer if optimizer is not None else trainer.optimizer
            quantities: dict[str, int | float] = {
                "total": int(num_training_steps),
                "lr": schedule_rate(opt),
                "warmup": int(trainer.args.get_warmup_steps(num_training_steps)),
                **counts,
            }
            # group 0 frozen at lr=0: the spec's lr is the first group above 0's, the others keep their ratios
            scheduler = LRScheduler(opt, for_run(spec, **quantities), group_scales=schedule_scales(opt))
            trainer.lr_scheduler = _this_runs(scheduler)
            trainer._created_lr_scheduler = True  # rebuilt at the next train(), as the Trainer's own
        return trainer.lr_scheduler

    trainer.create_scheduler = create_scheduler  # type: ignore[method-assign]
    if original is not None:
        trainer.set_initial_training_values = set_initial_training_values  # type: ignore[method-assign]
    return trainer


def _this_runs(sched: LRScheduler) -> LRScheduler:
    """``sched``, whose checkpoint state keeps the schedule bound to this run: resumed with a larger
    ``max_steps`` (train longer), the run follows the spec bound to its new length from the saved step, as
    the Trainer's own schedulers do (a ``LambdaLR``'s state holds no lambda); a changed ``learning_rate``
    is followed too (the Trainer's own keep the checkpoint's ``base_lrs``). An unchanged run binds the
    same schedule, so its resume stays bit-identical."""
    load = sched.load_state_dict

    def load_state_dict(state_dict: dict[str, Any]) -> None:
        ours = {**state_dict, "schedule": sched.schedule.to_dict()} if isinstance(state_dict, dict) else None
        load(state_dict if ours is None else ours)

    sched.load_state_dict = load_state_dict  # type: ignore[method-assign]
    return sched
