"""A resumed Lightning run follows the spec bound to its own length ("train longer").

``fit(ckpt_path=...)`` builds the scheduler in ``configure_optimizers``, bound to this run's
``total``, then restores the optimizer's state and the scheduler's; an
:class:`~lrkit.torch.LRScheduler`'s state carries its schedule, which replaces the built one. A run
of ``max_epochs=2`` resumed with ``max_epochs=4`` would then run the checkpoint's 16-update schedule
and train its 16 added updates past that schedule's end (0 after a cosine). A spec written relative
to the run says which schedule the user wants: this run's. Where the checkpoint's schedule has
another length, the spec is bound again to this run's quantities at the rate the checkpoint's
optimizer state restored (the groups' ``initial_lr``, where a finder's ``retune`` moved it; what
torch's schedulers keep in their ``base_lrs``), and the run continues it from the saved step, as
it does under a ``LambdaLR``, whose state holds no lambda. A resume of the same length loads the
checkpoint as saved, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lrkit.errors import LRKitError
from lrkit.schedules import Schedule, for_run, from_dict
from lrkit.torch import LRScheduler

__all__ = ["follow_run_length"]


def follow_run_length(scheduler: LRScheduler, spec: str | Schedule, quantities: dict[str, Any],
                      rate: Callable[[Any], float]) -> None:
    """Make ``scheduler.load_state_dict`` continue ``spec`` bound to this run when the saved length differs.

    Args:
        scheduler: the scheduler ``configure_optimizers`` built (changed in place).
        spec: the run-relative spec it was built from.
        quantities: this run's ``total`` / ``epoch`` / ``lr`` it was bound with.
        rate: the spec's ``lr`` of an optimizer (``configure_optimizers``' reading), applied
            to the optimizer as the checkpoint restored it.

    Example:
        >>> import torch
        >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        >>> short = LRScheduler(opt, for_run("cosine(lr=lr, steps=total)", total=4, lr=0.1))
        >>> saved = short.state_dict()
        >>> longer = LRScheduler(opt, for_run("cosine(lr=lr, steps=total)", total=8, lr=0.1))
        >>> follow_run_length(longer, "cosine(lr=lr, steps=total)", {"total": 8, "lr": 0.1},
        ...                   lambda o: o.param_groups[0]["initial_lr"])
        >>> longer.load_state_dict(saved); longer.schedule.horizon
        8
    """
    load = _RunLengthLoad(scheduler, spec, quantities, rate)
    scheduler.load_state_dict = load  # type: ignore[method-assign]


class _RunLengthLoad:
    """The scheduler's ``load_state_dict`` for this run (an object, not a closure: the scheduler pickles)."""

    def __init__(self, scheduler: LRScheduler, spec: str | Schedule, quantities: dict[str, Any],
                 rate: Callable[[Any], float]) -> None:
        self.scheduler, self.spec, self.quantities, self.rate = scheduler, spec, dict(quantities), rate
        self.built = scheduler.schedule.horizon

    def __call__(self, state_dict: dict[str, Any]) -> None:
        sched = self.scheduler
        try:
            saved = from_dict(state_dict["schedule"]).horizon
        except (LRKitError, TypeError, KeyError):  # not a state lrkit saved: load refuses it, naming it
            saved = self.built
        if saved != self.built:  # the run's length changed: this run's spec, at the checkpoint's rate
            rebound = for_run(self.spec, **{**self.quantities, "lr": self.rate(sched.optimizer)})
            state_dict = {**state_dict, "schedule": rebound.to_dict()}
        type(sched).load_state_dict(sched, state_dict)
