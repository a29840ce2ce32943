"""What a found rate is for: the optimizer (its class and key hyperparameters) and the batch size.

A learning rate means nothing without its optimizer: 0.1 is a good rate for SGD with momentum
and a diverging one for Adam, and momentum, betas and the batch size all move the best rate.
``find_lr`` records this description in ``result.meta`` so that a report, the CLI and the JSON
can say which optimizer the suggestion is for, and write the code to rebuild it.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch

from lrkit.torch._finder_rule import is_adaptive, momentum_of
from lrkit.torch._updates import innermost

__all__ = ["describe_optimizer", "loader_batch_size"]

#: Group entries that are implementation switches, not hyperparameters (they do not move the rate).
_SWITCHES = frozenset({"params", "lr", "initial_lr", "foreach", "fused", "capturable", "differentiable",
                       "maximize", "decoupled_weight_decay", "name"})


def _plain(value: Any) -> Any:
    """A JSON-ready hyperparameter value, or ``None`` for one that is not a number, flag or tuple of them."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or isinstance(value, (int, float)):
        return value
    if isinstance(value, (tuple, list)) and all(isinstance(v, (int, float)) for v in value):
        return [float(v) for v in value]
    return None


def _defaults(cls: type) -> dict[str, Any]:
    try:
        params = inspect.signature(cls.__init__).parameters.values()
    except (TypeError, ValueError):
        return {}
    return {p.name: p.default for p in params if p.default is not inspect.Parameter.empty}


def describe_optimizer(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """Name, kind and key hyperparameters of an optimizer (its first param group), as plain data.

    Returns:
        ``{"name", "module", "adaptive", "momentum", "hyperparameters", "param_groups", "constructor"}``
        (``momentum``: :math:`\\beta` of the step, which sets the blow-up anchor's distance):
        ``hyperparameters`` holds group 0's numbers and flags except ``lr`` and implementation
        switches (``foreach``, ``fused``, ...); ``constructor`` is the Python call that rebuilds the
        optimizer (with ``lr={lr}`` left to fill, and only the values that differ from the class's
        defaults), or ``None`` for a class outside ``torch.optim`` or several param groups.

    Example:
        >>> import torch
        >>> opt = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1, momentum=0.9)
        >>> d = describe_optimizer(opt)
        >>> d["name"], d["adaptive"], d["momentum"], d["hyperparameters"]["momentum"]
        ('SGD', False, 0.9, 0.9)
        >>> d["constructor"]
        'torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9)'
    """
    cls = type(innermost(optimizer))  # under accelerate's or Lightning's wrapper: the user's class
    group = optimizer.param_groups[0]
    plain = ((k, _plain(v)) for k, v in group.items() if k not in _SWITCHES)
    hyper = {k: v for k, v in plain if v is not None}
    constructor = None
    if cls.__module__.startswith("torch.optim") and len(optimizer.param_groups) == 1:
        defaults = _defaults(cls)
        changed = []
        for key, value in hyper.items():
            default = _plain(defaults.get(key, inspect.Parameter.empty))
            if key in defaults and default != value:
                changed.append(f"{key}={tuple(value) if isinstance(value, list) else value!r}")
        constructor = f"torch.optim.{cls.__name__}(model.parameters(), lr={{lr}}" + "".join(
            f", {c}" for c in changed) + ")"
    return {
        "name": cls.__name__,
        "module": cls.__module__,
        "adaptive": is_adaptive(optimizer),
        "momentum": momentum_of(optimizer),
        "hyperparameters": hyper,
        "param_groups": len(optimizer.param_groups),
        "constructor": constructor,
    }


def loader_batch_size(loader: Any) -> int | None:
    """The loader's ``batch_size`` (a ``DataLoader``, lrkit's ``ArrayLoader``), else ``None``.

    Example:
        >>> import torch
        >>> loader = torch.utils.data.DataLoader(list(range(10)), batch_size=4)
        >>> loader_batch_size(loader), loader_batch_size([1])
        (4, None)
    """
    size = getattr(loader, "batch_size", None)
    return int(size) if isinstance(size, int) and not isinstance(size, bool) else None
