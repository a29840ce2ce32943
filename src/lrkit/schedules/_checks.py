"""Field checks and the progress fraction shared by the schedule families.

Each ``check_*`` validates a family's dataclass fields in place (the families are
frozen, hence ``object.__setattr__``) with the :mod:`lrkit.errors` validators, so
every family words its errors the same way.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lrkit.errors import LRKitError, check_int, check_positive

__all__ = ["progress", "check_floor", "check_anneal_fields", "check_ramp_fields"]


def progress(t: np.ndarray, steps: int) -> np.ndarray:
    """Fraction of the horizon done, :math:`\\min(t, T) / T`, in ``[0, 1]``."""
    return np.minimum(t, steps) / steps


def check_floor(name: str, value: object, lr: float, owner: str) -> float:
    """A floor rate (``min_lr``, ``end``) in ``[0, lr]``, else LRKitError naming ``lr``."""
    v = check_positive(name, value, owner, allow_zero=True)
    if v > lr:
        raise LRKitError(f"`{name}` of {owner} must be in [0, lr={lr:g}]; got {v:g}.")
    return v


def check_anneal_fields(sched: Any) -> None:
    """Validate, in place on a frozen dataclass, the fields of a decay from ``lr`` to ``min_lr``.

    ``lr >= 0``, ``steps`` a positive integer, ``min_lr`` in ``[0, lr]`` (checked in that
    order): the shape shared by ``cosine`` and ``one_minus_sqrt``.
    """
    lr = check_positive("lr", sched.lr, sched.name, allow_zero=True)
    object.__setattr__(sched, "lr", lr)
    object.__setattr__(sched, "steps", check_int("steps", sched.steps, sched.name))
    object.__setattr__(sched, "min_lr", check_floor("min_lr", sched.min_lr, lr, sched.name))


def check_ramp_fields(sched: Any, *, allow_zero: bool, min_steps: int = 1) -> None:
    """Validate, in place on a frozen dataclass, the fields of a ramp from ``start`` to ``end``.

    ``start`` and ``end`` positive (or ``>= 0`` with ``allow_zero``: linear shapes can touch
    zero, geometric ones cannot), ``steps`` an integer ``>= min_steps`` (2 for the range-test
    sweeps, which include both ends); checked in that order.
    """
    for key in ("start", "end"):
        value = check_positive(key, getattr(sched, key), sched.name, allow_zero=allow_zero)
        object.__setattr__(sched, key, value)
    object.__setattr__(sched, "steps", check_int("steps", sched.steps, sched.name, low=min_steps))
