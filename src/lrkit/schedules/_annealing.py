"""Annealing families: constant and cosine (templates for every other family)."""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.errors import LRKitError, check_int, check_positive
from lrkit.schedules._base import Schedule, register

__all__ = ["Constant", "Cosine", "constant", "cosine"]


@register("constant", "the same rate at every step", torch="ConstantLR(factor=1)")
@dataclasses.dataclass(frozen=True, repr=False)
class Constant(Schedule):
    """A fixed rate.

    .. math::  s(t) = \\eta

    Args:
        lr: the rate :math:`\\eta` (>= 0).

    Example:
        >>> constant(lr=0.1)(12345)
        0.1
    """

    name = "constant"
    lr: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check_positive("lr", self.lr, self.name, allow_zero=True))

    def _value(self, t: np.ndarray) -> np.ndarray:
        return np.full_like(t, self.lr)


@register("cosine", "half-cosine from lr to min_lr over steps, then min_lr", torch="CosineAnnealingLR")
@dataclasses.dataclass(frozen=True, repr=False)
class Cosine(Schedule):
    """Cosine annealing (Loshchilov & Hutter, 2017), without restarts.

    .. math::

        s(t) = \\eta_{min} + (\\eta - \\eta_{min}) \\frac{1 + \\cos(\\pi \\min(t, T) / T)}{2}

    where :math:`\\eta` = ``lr``, :math:`\\eta_{min}` = ``min_lr``, :math:`T` = ``steps``.
    Past the end it holds ``min_lr`` (torch's ``CosineAnnealingLR`` climbs back
    up after ``T_max``; that is almost never what is wanted).

    Args:
        lr: the peak rate at ``t = 0`` (>= 0).
        steps: the number of updates to reach ``min_lr`` (positive integer).
        min_lr: the floor, in ``[0, lr]``.

    Raises:
        LRKitError: for a negative rate, non-positive ``steps`` or ``min_lr > lr``.

    Example:
        >>> s = cosine(lr=0.1, steps=100)
        >>> s(0), round(s(50), 12), s(100), s(10**9)
        (0.1, 0.05, 0.0, 0.0)

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017.
    """

    name = "cosine"
    lr: float
    steps: int
    min_lr: float = 0.0

    def __post_init__(self) -> None:
        lr = check_positive("lr", self.lr, self.name, allow_zero=True)
        object.__setattr__(self, "lr", lr)
        object.__setattr__(self, "steps", check_int("steps", self.steps, self.name))
        min_lr = check_positive("min_lr", self.min_lr, self.name, allow_zero=True)
        if min_lr > lr:
            raise LRKitError(f"`min_lr` of cosine must be in [0, lr={lr:g}]; got {min_lr:g}.")
        object.__setattr__(self, "min_lr", min_lr)

    def _value(self, t: np.ndarray) -> np.ndarray:
        frac = np.minimum(t, self.steps) / self.steps
        return self.min_lr + (self.lr - self.min_lr) * 0.5 * (1.0 + np.cos(np.pi * frac))


constant = Constant
cosine = Cosine
