"""Optimizers by name: the torch optimizer and fixed hyperparameters behind each name tasks accept.

A task, the zoo and the CLI name an optimizer (``--optimizer nesterov``) rather than build one, so
every run of a name is the same optimizer; :func:`make_optimizer` builds it with the given rate, and
:func:`optimizer_name` reads a user's torch optimizer back as its name.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from lrkit._optimizer_names import OPTIMIZERS
from lrkit.errors import LRKitError, check_positive, unknown_name

__all__ = ["OPTIMIZERS", "make_optimizer", "optimizer_name", "regroup"]

#: ``name -> (torch class, fixed keyword arguments)`` behind :data:`OPTIMIZERS`.
_OPTIMIZER_TABLE: dict[str, tuple[type[torch.optim.Optimizer], dict[str, Any]]] = {
    "sgd": (torch.optim.SGD, {"momentum": 0.9}),
    "sgd-plain": (torch.optim.SGD, {}),
    "nesterov": (torch.optim.SGD, {"momentum": 0.9, "nesterov": True}),
    "adam": (torch.optim.Adam, {}),
    "adamw": (torch.optim.AdamW, {}),
    "rmsprop": (torch.optim.RMSprop, {}),
    "adagrad": (torch.optim.Adagrad, {}),
    "nadam": (torch.optim.NAdam, {}),
    "radam": (torch.optim.RAdam, {}),
}


def make_optimizer(
    name: str, params: Iterable[torch.nn.Parameter] | Iterable[dict[str, Any]], lr: float, **options: Any
) -> torch.optim.Optimizer:
    """Build a torch optimizer from its lrkit name.

    Args:
        name: one of :data:`OPTIMIZERS`.
        params: the parameters to optimize, or parameter-group dicts (as torch accepts).
        lr: the (initial) learning rate, > 0.
        **options: keyword arguments of the torch optimizer that replace the name's fixed ones
            (``weight_decay=5e-4``, ``momentum=0.8``, ``eps=1e-6`` ...).

    Returns:
        The torch optimizer of :data:`OPTIMIZERS`' table (torch defaults for everything not named).

    Raises:
        LRKitError: for an unknown name, a rate that is not a finite number > 0, or an option the
            optimizer does not take (or rejects).

    Example:
        >>> opt = make_optimizer("sgd", torch.nn.Linear(2, 1).parameters(), 0.1)
        >>> type(opt).__name__, opt.param_groups[0]["momentum"]
        ('SGD', 0.9)
        >>> opt = make_optimizer("nesterov", torch.nn.Linear(2, 1).parameters(), 0.1, weight_decay=5e-4)
        >>> opt.param_groups[0]["nesterov"], opt.param_groups[0]["weight_decay"]
        (True, 0.0005)
    """
    if name not in OPTIMIZERS:
        raise unknown_name("optimizer", name, OPTIMIZERS)
    lr = check_positive("lr", lr, "the optimizer")
    cls, fixed = _OPTIMIZER_TABLE[name]
    kwargs = {**fixed, **options}
    try:
        return cls(params, lr=lr, **kwargs)
    except (TypeError, ValueError) as exc:  # an unknown keyword, or a value torch rejects
        raise LRKitError(
            f"`options` of optimizer {name!r} must be keyword arguments {cls.__name__} accepts; "
            f"got {options} ({exc})."
        ) from None


def optimizer_name(optimizer: torch.optim.Optimizer) -> str | None:
    """The :data:`OPTIMIZERS` name ``optimizer`` is (``None``: none is it), :func:`make_optimizer`'s inverse.

    A name is its torch class (exactly: a subclass may step otherwise) with the settings that tell the
    names of one class apart as :func:`make_optimizer` sets them (SGD's ``momentum`` and ``nesterov``),
    read from parameter group 0 (the group a run's rate is given for); the rest (the rate, weight
    decay, Adam's betas) is no part of a name. Nothing of ``optimizer`` is changed.

    Example:
        >>> p = list(torch.nn.Linear(2, 1).parameters())
        >>> optimizer_name(torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=5e-4))
        'sgd'
        >>> [optimizer_name(torch.optim.SGD(p, lr=0.1, momentum=m)) for m in (0.0, 0.95)]
        ['sgd-plain', None]
    """
    names = [name for name, (cls, _) in _OPTIMIZER_TABLE.items() if type(optimizer) is cls]
    telling = {key for name in names for key in _OPTIMIZER_TABLE[name][1]}
    group = optimizer.param_groups[0]
    probe = [torch.nn.Parameter(torch.zeros(1))]
    for name in names:
        made = make_optimizer(name, probe, 1.0).defaults  # the name's settings, torch's defaults included
        if all(group.get(key) == made[key] for key in telling):
            return name
    return None


def regroup(name: str, optimizer: torch.optim.Optimizer, lr: float) -> torch.optim.Optimizer:
    """The optimizer ``name`` over ``optimizer``'s parameter groups, their rates in the same ratios.

    The first group with a rate above 0 runs at ``lr``, every other group at ``lr`` times its rate's
    ratio to that one, so a backbone at a tenth stays at a tenth and a group frozen at ``lr=0`` stays
    frozen (the rest of a group's settings are the name's). Rebuilding from ``model.parameters()``
    instead drops the groups: the frozen layer trains.

    Example:
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 1))
        >>> head, frozen = {"params": net[1].parameters()}, {"params": net[0].parameters(), "lr": 0.0}
        >>> sgd = torch.optim.SGD([head, frozen], lr=0.1)
        >>> [g["lr"] for g in regroup("adam", sgd, 1e-3).param_groups]
        [0.001, 0.0]
    """
    rates = [float(g["lr"]) for g in optimizer.param_groups]
    ref = next((r for r in rates if r > 0), 0.0)
    groups = [{"params": g["params"], "lr": lr if r == ref or ref == 0 else lr * (r / ref)}
              for g, r in zip(optimizer.param_groups, rates)]
    return make_optimizer(name, groups, lr)

