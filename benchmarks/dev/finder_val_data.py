"""``find_lr``'s answers reading the validation loss, on the zoo and on the probe's workloads, cached.

One ``find_lr`` call per workload and seed with ``validation=Validation(val_loader)`` (4 batches, every
update), every other default but ``policy``; cached in ``benchmarks/results/finder_validation.json``
(shared by ``finder_validation.py`` and ``finder_level_floor.py``). Key: ``kind|name|seed``, then
``|settled`` for a model with running statistics (BatchNorm), whose statistics ``find_lr`` now settles
before each read (its answers from the lagging statistics keep the bare key), then ``|floor=F`` for a
``FinderPolicy.val_level_floor`` (the stop rule's floor in validation mode) other than the 1e-6 the first
answers were read with (validation mode then used the training read's ``level_floor``).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import torch

from dev import finder_probe as probe
from dev import finder_zoo_data as data
from lrkit import zoo
from lrkit.finder import FinderPolicy
from lrkit.torch import Validation, find_lr

__all__ = ["RESULTS", "val_answer"]

RESULTS = Path(__file__).resolve().parents[1] / "results" / "finder_validation.json"
#: The stop rule's floor the cached answers without a ``|floor=`` key were read with.
FIRST_FLOOR = 1e-6


def _build(kind: str, name: str, seed: int) -> dict[str, Any]:
    return zoo.get(name).build(seed) if kind == "zoo" else probe.BUILDS[name](seed)


def _val_read(parts: dict[str, Any], policy: FinderPolicy) -> float | None:
    """``find_lr``'s suggestion (every default but ``policy``, no interval) reading the validation loss."""
    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                    validation=Validation(parts["val_loader"]), interval=False, progress=False, policy=policy)
    return r.suggestion


def has_norms(kind: str, name: str, seed: int) -> bool:
    """Whether the workload's model keeps running statistics (a BatchNorm), cached."""
    cache, key = data.load_cache(RESULTS), f"{kind}|{name}|{seed}|norms"
    if key not in cache:
        model = _build(kind, name, seed)["model"]
        cache[key] = any(getattr(m, "track_running_stats", False) for m in model.modules())
        data.save_cache(RESULTS)
    return bool(cache[key])


def val_answer(kind: str, name: str, seed: int, policy: FinderPolicy = FinderPolicy()) -> float | None:
    """The validation-read suggestion on a zoo (``kind="zoo"``) or probe workload with ``policy``, cached.

    Only ``policy.val_level_floor`` and the descent floor (``descent_floor``, ``descent_floor_reading``) may
    differ from the defaults (the fields the key records; answers without a ``|descent=`` key were read
    with the floor off, before it was on by default).
    """
    d = FinderPolicy()
    if policy.replace(val_level_floor=d.val_level_floor, descent_floor=d.descent_floor,
                      descent_floor_reading=d.descent_floor_reading) != d:
        raise ValueError("val_answer varies val_level_floor and the descent floor only")
    cache, key = data.load_cache(RESULTS), f"{kind}|{name}|{seed}"
    key += "|settled" if has_norms(kind, name, seed) else ""
    key += "" if policy.val_level_floor == FIRST_FLOOR else f"|floor={policy.val_level_floor:g}"
    if policy.descent_floor:
        key += f"|descent={policy.descent_floor:g}:{policy.descent_floor_reading}"
    if key not in cache:
        cache[key] = _val_read(_build(kind, name, seed), policy)
        data.save_cache(RESULTS)
    return cache[key]
