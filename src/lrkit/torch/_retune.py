"""Putting a found rate into a run that is already configured: optimizer groups and schedulers move together.

Setting ``group["lr"]`` alone is not enough once a scheduler exists: torch's
closed-form schedulers recompute from their ``base_lrs`` and lrkit's adapter
recomputes ``schedule(t)`` at the next step, so the new rate lasts one update
(Lightning-AI/pytorch-lightning#21030). :func:`retune` multiplies everything
that carries the run's rate by one factor

.. math::  k = \\eta^\\star / \\eta_0

where :math:`\\eta^\\star` is the new rate and :math:`\\eta_0` the rate the reference group (of the
groups above 0, the one holding the most parameters, as :func:`~lrkit.torch.find_lr` and the Autopilot
read it) was configured with (its ``initial_lr`` when a scheduler recorded one, else its
``lr``): every group's ``lr`` and ``initial_lr`` (so the groups keep their
ratios, a backbone at a tenth of the head stays at a tenth, one frozen at ``lr=0``
stays at 0 wherever it is listed), every torch
scheduler's ``base_lrs`` (SequentialLR's and ChainedScheduler's children too; CyclicLR's ``max_lrs``,
OneCycleLR's ``max_lr`` and ``min_lr`` in the groups, whose peak, not their low ``initial_lr``, is the
rate replaced), and every lrkit schedule (``scale(schedule, k)``,
written at the current step). A schedule's shape is kept; its peak moves to
the new rate. A rate equal to :math:`\\eta_0` becomes :math:`\\eta^\\star` itself, not
:math:`\\eta_0 k`, which can miss it by a rounding step.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch.optim import lr_scheduler as _tls

from lrkit.errors import LRKitError, check_positive
from lrkit.schedules import scale
from lrkit.torch._groups import first_positive, group_ratios, group_sizes
from lrkit.torch._scheduler import LRScheduler

__all__ = ["configured_rate", "reference_group", "schedule_group", "schedule_rate", "schedule_scales",
           "schedule_share", "retune"]


def _configured(optimizer: torch.optim.Optimizer) -> list[float]:
    return [float(g.get("initial_lr", g["lr"])) for g in optimizer.param_groups]


def configured_rate(optimizer: torch.optim.Optimizer) -> float:
    """The rate the reference group was configured with (:func:`~lrkit.torch._groups.group_ratios`: of the
    groups above 0, the one holding the most parameters, as :func:`~lrkit.torch.find_lr` and the Autopilot
    read it, so a suggestion given to :func:`retune` lands on the group it was found for): ``initial_lr``
    if a scheduler recorded it, else ``lr``; 0 when every group is at 0.

    Example:
        >>> w, b = torch.zeros(4, requires_grad=True), torch.zeros(1, requires_grad=True)
        >>> configured_rate(torch.optim.SGD([w], lr=0.5))
        0.5
        >>> configured_rate(torch.optim.SGD([{"params": [b], "lr": 0.1}, {"params": [w]}], lr=0.5))
        0.5
    """
    return _configured(optimizer)[reference_group(optimizer)]


def reference_group(optimizer: torch.optim.Optimizer) -> int:
    """The index of the group a found rate is for (:func:`~lrkit.torch._groups.group_ratios` over the
    configured rates: of the groups above 0, the one holding the most parameters).

    Example:
        >>> w, b = torch.zeros(4, requires_grad=True), torch.zeros(1, requires_grad=True)
        >>> reference_group(torch.optim.SGD([{"params": [w], "lr": 0.0}, {"params": [b]}], lr=0.5))
        1
    """
    return group_ratios(_configured(optimizer), group_sizes(optimizer.param_groups))[0]


def schedule_group(optimizer: torch.optim.Optimizer) -> int:
    """The group whose rate is the library's unit (the convention of :class:`~lrkit.torch.LRScheduler`,
    the advice, ``tune``, ``train`` and the Watchdog's callbacks): group 0, or the first group configured
    above 0 when group 0 is frozen at ``lr=0`` (``initial_lr`` if a scheduler recorded it, else ``lr``);
    0 when every group is at 0.

    Example:
        >>> w, b = torch.zeros(4, requires_grad=True), torch.zeros(1, requires_grad=True)
        >>> schedule_group(torch.optim.SGD([{"params": [b], "lr": 0.1}, {"params": [w]}], lr=0.5))
        0
        >>> schedule_group(torch.optim.SGD([{"params": [w], "lr": 0.0}, {"params": [b]}], lr=0.5))
        1
    """
    return first_positive(_configured(optimizer)) or 0


def schedule_rate(optimizer: torch.optim.Optimizer) -> float:
    """The rate a run-relative spec's ``lr`` stands for under :class:`~lrkit.torch.LRScheduler`, which
    keeps each group's ratio to group 0: :func:`schedule_group`'s configured rate (group 0's, or the first
    group's above 0 when group 0 is frozen at ``lr=0``); 0 when every group is at 0.

    Example:
        >>> w, b = torch.zeros(4, requires_grad=True), torch.zeros(1, requires_grad=True)
        >>> schedule_rate(torch.optim.SGD([{"params": [b], "lr": 0.1}, {"params": [w]}], lr=0.5))
        0.1
        >>> schedule_rate(torch.optim.SGD([{"params": [w], "lr": 0.0}, {"params": [b]}], lr=0.5))
        0.5
    """
    return _configured(optimizer)[schedule_group(optimizer)]


def schedule_scales(optimizer: torch.optim.Optimizer) -> list[float] | None:
    """The ``group_scales`` :class:`~lrkit.torch.LRScheduler` needs to run a spec whose ``lr`` is
    :func:`schedule_rate`: where group 0 is frozen at ``lr=0`` beside a group above 0, each group's
    configured rate over the first such group's (group 0 stays at 0); ``None`` where group 0 is above 0
    (or every group is at 0), whose ratios ``LRScheduler`` reads itself.

    Example:
        >>> w, b = torch.zeros(4, requires_grad=True), torch.zeros(1, requires_grad=True)
        >>> schedule_scales(torch.optim.SGD([{"params": [w], "lr": 0.0}, {"params": [b]}], lr=0.5))
        [0.0, 1.0]
        >>> schedule_scales(torch.optim.SGD([w, b], lr=0.5)) is None
        True
    """
    rates = _configured(optimizer)
    first = first_positive(rates)
    return None if not first else [r / rates[first] for r in rates]


def schedule_share(optimizer: torch.optim.Optimizer, lr: float) -> float:
    """The rate :func:`schedule_group` gets when the reference group gets ``lr`` (as :func:`retune`
    gives it): ``lr * c``, ``c`` that group's configured rate over the reference's; ``lr`` itself when it
    is the reference (or no group is above 0).

    A found rate is the reference group's (``find_lr``'s ``meta["rate_group"]``), but what a module's
    ``self.lr``, ``LRScheduler``'s spec and ``lrkit train``'s rate build is group 0 (the first above 0 when
    group 0 is frozen at ``lr=0``): written for those, the rate is this share.

    Example:
        >>> head, body = torch.zeros(2, requires_grad=True), torch.zeros(8, requires_grad=True)
        >>> opt = torch.optim.SGD([{"params": [head], "lr": 0.1}, {"params": [body], "lr": 0.001}])
        >>> schedule_share(opt, 0.0025)   # the body's rate found; the head, group 0, gets 100x
        0.25
    """
    rates = _configured(optimizer)
    ref, ratios = group_ratios(rates, group_sizes(optimizer.param_groups))
    first = first_positive(rates)
    return lr if first is None or first == ref else lr * ratios[first]


def retune(optimizer: torch.optim.Optimizer, schedulers: Iterable[Any], lr: float) -> float:
    """Move the run to rate ``lr``: groups keep their ratios, schedulers keep their shape.

    Args:
        optimizer: the run's optimizer (a wrapper with ``param_groups`` works).
        schedulers: the schedulers driving it (torch's, lrkit's, or anything
            else, which is left alone); ``None`` entries are skipped.
        lr: the new rate for the reference group (:func:`configured_rate`'s: ``find_lr``'s
            ``meta["rate_group"]``), finite and > 0.

    Returns:
        The factor :math:`k` applied.

    Raises:
        LRKitError: if ``lr`` is not a finite positive number, or every group was
            configured with a rate of 0 (no ratio to keep).

    Example:
        >>> w, b = torch.zeros(2, requires_grad=True), torch.zeros(1, requires_grad=True)
        >>> opt = torch.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1)
        >>> sched = LRScheduler(opt, "cosine(lr=0.1, steps=100)")
        >>> retune(opt, [sched], 0.2)
        2.0
        >>> [round(g["lr"], 12) for g in opt.param_groups], sched.schedule(0)
        ([0.2, 0.02], 0.2)
    """
    lr = check_positive("lr", lr, "retune")
    if not isinstance(getattr(optimizer, "param_groups", None), list):
        raise LRKitError(f"`optimizer` of retune must be a torch optimizer (with param_groups); got "
                         f"{optimizer!r:.80}.")
    if schedulers is None or isinstance(schedulers, (str, bytes)) or not hasattr(schedulers, "__iter__"):
        raise LRKitError(f"`schedulers` of retune must be a list of the run's schedulers ([] for none); got "
                         f"{schedulers!r:.80}.")
    old = configured_rate(optimizer)
    if old <= 0:
        raise LRKitError(
            f"`optimizer` of retune must have a positive configured rate in some group to keep the "
            f"groups' ratios; got {old} in every group."
        )
    lr = float(lr)
    scheds = _flattened(schedulers)
    old = _cyclic_peak(optimizer, scheds) or old  # the peak the suggestion replaces
    k = lr / old
    one_cycle = any(isinstance(s, _tls.OneCycleLR) for s in scheds)
    keys = ("lr", "initial_lr") + (_ONE_CYCLE_KEYS if one_cycle else ())

    def moved(rate: float) -> float:  # a rate at the configured one is the new rate itself, not old * k
        return lr if rate == old else rate * k

    for group in optimizer.param_groups:
        for key in keys:
            if key in group:
                group[key] = moved(group[key])
    for sched in scheds:
        if isinstance(sched, LRScheduler):
            state = sched.state_dict()
            state["schedule"] = scale(sched.schedule, k).to_dict()
            sched.load_state_dict(state)  # rewrites the groups at the current step
        elif isinstance(sched, _tls.LRScheduler) and hasattr(sched, "base_lrs"):
            sched.base_lrs = [moved(b) for b in sched.base_lrs]
            if isinstance(sched, _tls.CyclicLR):
                sched.max_lrs = [moved(m) for m in sched.max_lrs]
    return k


# OneCycleLR keeps its rates in the param groups, read at every step: the peak, and the floor it anneals to.
_ONE_CYCLE_KEYS = ("max_lr", "min_lr")


def _flattened(schedulers: Iterable[Any]) -> list[Any]:
    """Every scheduler that writes the rate: accelerate's wrapper opened, SequentialLR's and
    ChainedScheduler's children included (SequentialLR restarts each child from its own ``base_lrs``)."""
    out: list[Any] = []
    for sched in schedulers:
        sched = getattr(sched, "scheduler", sched)  # accelerate's AcceleratedScheduler wraps it
        if sched is None:
            continue
        out.append(sched)
        out += _flattened(getattr(sched, "_schedulers", ()))
    return out


def _cyclic_peak(optimizer: torch.optim.Optimizer, schedulers: list[Any]) -> float | None:
    """The reference group's peak under a cyclic torch scheduler, whose configured rate (``initial_lr``) is
    the cycle's low end: OneCycleLR's ``max_lr`` (in the group), CyclicLR's ``max_lrs``; else ``None``."""
    ref = reference_group(optimizer)
    for sched in schedulers:
        if isinstance(sched, _tls.OneCycleLR):
            return float(optimizer.param_groups[ref]["max_lr"])
        if isinstance(sched, _tls.CyclicLR):
            return float(sched.max_lrs[ref])
    return None
