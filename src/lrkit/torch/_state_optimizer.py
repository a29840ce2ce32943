"""The optimizer's part of a training snapshot: its param groups, its per-parameter state and the
tensors it updates that the model does not hold.

Group dicts are restored *in place* (references held elsewhere, a scheduler's or the user's, stay
valid), and a tensor among a group's values (a tensor ``lr`` a compiled step reads) keeps its object.
A tensor the optimizer updates outside the model (a learnable temperature in the loss, a prompt
embedding kept outside the module) is saved with its ``.grad``. :func:`~lrkit.torch.snapshot` copies
the tensors named here with the model's, and hands them back to :func:`restore_optimizer`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import torch

__all__ = ["OptimizerRecord", "record_optimizer", "restore_optimizer"]


@dataclass
class OptimizerRecord:
    """What a snapshot keeps of an optimizer besides its tensors.

    Attributes:
        groups: every param group's keys but ``params``, deep-copied.
        group_tensors: the tensor objects among each group's values, restored in place, the same object.
        state_keys: the keys of each parameter's state, in the order of the groups' parameters.
        plain: the state entries that are not tensors (a step count as an int), by tensor name.
    """

    groups: list[dict[str, Any]]
    group_tensors: list[dict[str, torch.Tensor]]
    state_keys: list[list[str]]
    plain: dict[str, Any]


def record_optimizer(optimizer: torch.optim.Optimizer,
                     model: torch.nn.Module) -> tuple[OptimizerRecord, dict[str, torch.Tensor]]:
    """The record of ``optimizer`` and its live tensors to copy, by name: ``optparam:i`` and
    ``optgrad:i`` (its ``i``-th parameter when ``model`` does not hold it, and that one's gradient),
    ``optim:i:key`` (a tensor in parameter ``i``'s state).

    Example:
        >>> model = torch.nn.Linear(2, 1)
        >>> temperature = torch.nn.Parameter(torch.ones(1))
        >>> opt = torch.optim.Adam([*model.parameters(), temperature], lr=0.1)
        >>> model(torch.ones(1, 2)).sum().mul(temperature).sum().backward(); opt.step()
        >>> record, live = record_optimizer(opt, model)
        >>> [name for name in live if not name.startswith("optim:")], live["optparam:2"] is temperature
        (['optparam:2', 'optgrad:2'], True)
        >>> record.state_keys[2], record.groups[0]["lr"]
        (['step', 'exp_avg', 'exp_avg_sq'], 0.1)
    """
    groups = [{k: copy.deepcopy(v) for k, v in g.items() if k != "params"} for g in optimizer.param_groups]
    params = [p for g in optimizer.param_groups for p in g["params"]]
    in_model = {id(t) for t in model.parameters()} | {id(t) for t in model.buffers()}
    live: dict[str, torch.Tensor] = {}
    for i, p in enumerate(params):
        if id(p) not in in_model:  # e.g. a learnable temperature in the loss
            live[f"optparam:{i}"] = p
            if p.grad is not None:
                live[f"optgrad:{i}"] = p.grad
    state_keys: list[list[str]] = []
    plain: dict[str, Any] = {}
    for i, p in enumerate(params):
        entry = optimizer.state.get(p, {})
        state_keys.append(list(entry))
        for key, value in entry.items():
            if isinstance(value, torch.Tensor):
                live[f"optim:{i}:{key}"] = value
            else:
                plain[f"optim:{i}:{key}"] = copy.deepcopy(value)
    group_tensors = [{k: v for k, v in g.items() if k != "params" and isinstance(v, torch.Tensor)}
                     for g in optimizer.param_groups]
    return OptimizerRecord(groups, group_tensors, state_keys, plain), live


def restore_optimizer(optimizer: torch.optim.Optimizer, record: OptimizerRecord,
                      tensors: dict[str, torch.Tensor], devices: dict[str, torch.device]) -> None:
    """Put ``record`` and the copies of its tensors (``tensors``, on the CPU; ``devices``: where each
    lived) back into ``optimizer``: groups updated in place, its state rebuilt, the parameters it holds
    outside the model copied into."""
    for group, saved, objects in zip(optimizer.param_groups, record.groups, record.group_tensors):
        for key in [k for k in group if k != "params" and k not in saved]:
            del group[key]
        group.update(copy.deepcopy(saved))
        with torch.no_grad():
            for key, obj in objects.items():  # a tensor rate may be held elsewhere (a compiled step)
                obj.copy_(saved[key])
                group[key] = obj
    params = [p for g in optimizer.param_groups for p in g["params"]]
    with torch.no_grad():
        for i, p in enumerate(params):  # the optimizer's own tensors, outside the model
            if f"optparam:{i}" in tensors:
                p.copy_(tensors[f"optparam:{i}"])
                grad = tensors.get(f"optgrad:{i}")
                p.grad = None if grad is None else grad.to(devices[f"optgrad:{i}"], copy=True)
    optimizer.state.clear()
    for i, keys in enumerate(record.state_keys):
        if not keys:
            continue
        entry: dict[str, Any] = {}
        for key in keys:
            name = f"optim:{i}:{key}"
            if name in tensors:
                entry[key] = tensors[name].to(devices[name], copy=True)
            else:
                entry[key] = copy.deepcopy(record.plain[name])
        optimizer.state[params[i]] = entry
