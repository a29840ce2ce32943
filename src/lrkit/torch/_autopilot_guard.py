"""Autopilot's fault machinery: rollback snapshots, gradient finiteness, loss-spike detection.

Kept apart from the rate logic in ``_autopilot.py``: these functions only look at
the optimizer, the model and recent losses, never at the schedule.

Snapshots are not :func:`lrkit.torch.snapshot`: that one also rewinds every RNG
(right for a range test that must leave no trace), but a rollback must move on:
rewinding the data order or dropout masks would replay the very batch that
caused the fault. Parameters, buffers and optimizer state only.
"""

from __future__ import annotations

import copy
from collections.abc import Collection
from typing import Any

import numpy as np
import torch

__all__ = ["training_tensors", "take_snapshot", "restore_snapshot", "grads_finite", "is_spike"]


def training_tensors(optimizer: torch.optim.Optimizer, model: torch.nn.Module | None) -> list[torch.Tensor]:
    """The optimizer's parameters, then the model's buffers (if a model is given)."""
    params = [p for g in optimizer.param_groups for p in g["params"]]
    buffers = list(model.buffers()) if model is not None else []
    return params + buffers


def take_snapshot(optimizer: torch.optim.Optimizer, model: torch.nn.Module | None, t: int) -> dict[str, Any]:
    """CPU copies of :func:`training_tensors` and a deep copy of the optimizer state, stamped ``t``."""
    return {"tensors": [x.detach().to("cpu", copy=True) for x in training_tensors(optimizer, model)],
            "optimizer": copy.deepcopy(optimizer.state_dict()), "t": t}


def restore_snapshot(optimizer: torch.optim.Optimizer, model: torch.nn.Module | None,
                     snap: dict[str, Any]) -> None:
    """Copy a :func:`take_snapshot` back in place, bit for bit; the current rates are kept."""
    with torch.no_grad():
        for x, saved in zip(training_tensors(optimizer, model), snap["tensors"]):
            x.copy_(saved.to(x.device))
    lrs = [g["lr"] for g in optimizer.param_groups]
    optimizer.load_state_dict(copy.deepcopy(snap["optimizer"]))
    for g, lr in zip(optimizer.param_groups, lrs):
        g["lr"] = lr


def grads_finite(optimizer: torch.optim.Optimizer) -> bool:
    """Whether every existing ``.grad`` of the optimizer's parameters is finite."""
    grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
    if not grads:
        return True
    return bool(torch.stack([torch.isfinite(g).all() for g in grads]).all())


def is_spike(recent: Collection[float], value: float, spike_z: float, spike_ratio: float) -> bool:
    """Whether ``value`` spikes above the ``recent`` losses (False until there are 20 of them).

    .. math::  v > m + \\max(z \\cdot 1.4826\\,\\mathrm{MAD},\\; \\rho\\,(q_{99} - m),\\; 10^{-12} |m|)

    with ``m`` the median: above the median by ``spike_z`` robust SDs *and* ``spike_ratio``
    times the losses' own 99th-percentile excess. Minibatch losses near zero have heavy right
    tails (one hard example), and a spike must stand out from this loss's tail, not only from
    its MAD.

    Example:
        >>> is_spike([1.0, 1.1] * 10, 50.0, 15.0, 3.0), is_spike([1.0, 1.1] * 10, 1.2, 15.0, 3.0)
        (True, False)
    """
    if len(recent) < 20:
        return False
    y = np.fromiter(recent, float)
    med = float(np.median(y))
    sigma = 1.4826 * float(np.median(np.abs(y - med)))
    tail = float(np.percentile(y, 99)) - med
    return value > med + max(spike_z * sigma, spike_ratio * tail, 1e-12 * abs(med))
