"""Annealing families: constant, cosine and cosine with warm restarts (SGDR).

``Constant`` and ``Cosine`` are the templates every other family follows.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.errors import check_int, check_positive, check_range
from lrkit.schedules._base import Schedule, register
from lrkit.schedules._powers import int_power
from lrkit.schedules._checks import check_anneal_fields, check_floor, progress

__all__ = ["Constant", "Cosine", "CosineRestarts", "constant", "cosine", "cosine_restarts"]


@register("constant", "the same rate at every step", torch="ConstantLR(factor=1)", example="constant(lr=0.1)")
@dataclasses.dataclass(frozen=True, repr=False)
class Constant(Schedule):
    """A fixed rate.

    .. math::  s(t) = \\eta

    Args:
        lr: the rate :math:`\\eta` (>= 0).
        steps: optional length (positive integer) when the constant is a phase
            of a sequence, e.g. the stable phase of ``wsd``; the value is ``lr``
            at every ``t`` either way. ``None`` (the default) means endless.

    Raises:
        LRKitError: for a negative or non-finite rate or non-positive ``steps``.

    Example:
        >>> constant(lr=0.1)(12345)
        0.1
        >>> (constant(lr=0.1, steps=10) >> constant(lr=0.01))(10)
        0.01
    """

    name = "constant"
    lr: float
    steps: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check_positive("lr", self.lr, self.name, allow_zero=True))
        if self.steps is not None:
            object.__setattr__(self, "steps", check_int("steps", self.steps, self.name))

    def _value(self, t: np.ndarray) -> np.ndarray:
        return np.full_like(t, self.lr)


@register(
    "cosine",
    "half-cosine from lr to min_lr over steps, then min_lr",
    torch="CosineAnnealingLR",
    example="cosine(lr=0.1, steps=1000, min_lr=0.001)",
)
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
        check_anneal_fields(self)

    def _value(self, t: np.ndarray) -> np.ndarray:
        frac = progress(t, self.steps)
        return self.min_lr + (self.lr - self.min_lr) * 0.5 * (1.0 + np.cos(np.pi * frac))


@register(
    "cosine_restarts",
    "cosine annealing with warm restarts (SGDR): period, growth mult, peak decay",
    torch="CosineAnnealingWarmRestarts",
    example="cosine_restarts(lr=0.1, period=100, mult=2, min_lr=0.001, decay=0.8)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class CosineRestarts(Schedule):
    """Cosine annealing with warm restarts, SGDR (Loshchilov & Hutter, 2017).

    Cycle :math:`i = 0, 1, \\ldots` lasts :math:`T_i = T_0 m^i` updates and starts
    at :math:`S_i = T_0 (m^i - 1)/(m - 1)` (:math:`S_i = i T_0` when :math:`m = 1`).
    Within it, with :math:`\\tau = t - S_i`:

    .. math::

        s(t) = \\eta_{min} + (\\eta - \\eta_{min})\\, d^{\\,i}\\,
               \\frac{1 + \\cos(\\pi \\tau / T_i)}{2}

    where :math:`\\eta` = ``lr``, :math:`\\eta_{min}` = ``min_lr``,
    :math:`T_0` = ``period``, :math:`m` = ``mult``, :math:`d` = ``decay``. With
    ``decay=1`` this is exactly torch's ``CosineAnnealingWarmRestarts(T_0=period,
    T_mult=mult, eta_min=min_lr)`` stepped once per update; ``decay < 1`` shrinks
    each restart's peak above the floor (timm's ``cycle_decay``), so the rate stays
    in ``[min_lr, lr]``. Endless: it has no horizon, so it can only be the last
    phase of a sequence.

    Args:
        lr: the first peak (>= 0).
        period: :math:`T_0`, the length of the first cycle (positive integer).
        mult: :math:`T_{mult}`, the growth factor of cycle lengths (integer >= 1).
        min_lr: the floor, in ``[0, lr]``.
        decay: the peak decay per restart, in ``(0, 1]``.

    Raises:
        LRKitError: for invalid rates, a non-positive period, a non-integer or
            zero ``mult``, ``min_lr > lr`` or ``decay`` outside ``(0, 1]``.

    Example:
        >>> s = cosine_restarts(lr=1.0, period=4, mult=2)  # cycles [0, 4), [4, 12), [12, 28), ...
        >>> [round(float(v), 3) for v in s([0, 2, 4, 8, 12])]
        [1.0, 0.5, 1.0, 0.5, 1.0]

    References:
        Loshchilov & Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR 2017.
    """

    name = "cosine_restarts"
    lr: float
    period: int
    mult: int = 1
    min_lr: float = 0.0
    decay: float = 1.0

    def __post_init__(self) -> None:
        lr = check_positive("lr", self.lr, self.name, allow_zero=True)
        object.__setattr__(self, "lr", lr)
        object.__setattr__(self, "period", check_int("period", self.period, self.name))
        object.__setattr__(self, "mult", check_int("mult", self.mult, self.name))
        object.__setattr__(self, "min_lr", check_floor("min_lr", self.min_lr, lr, self.name))
        object.__setattr__(
            self, "decay", check_range("decay", self.decay, self.name, 0.0, 1.0, low_open=True)
        )

    def cycle(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cycle index :math:`i`, its start :math:`S_i` and length :math:`T_i` for steps ``t``."""
        p, m = float(self.period), float(self.mult)
        if self.mult == 1:
            i = np.floor(t / p)
            return i, i * p, np.full_like(t, p)
        # Closed form of the cycle index; the float log can land one off right at a
        # restart, so correct it against the exact boundaries, read from small
        # tables (integer powers of an integer are exact below 2**53).
        i = np.floor(np.log(t / p * (m - 1.0) + 1.0) / np.log(m)).astype(np.intp)
        powers = m ** np.arange(int(i.max(initial=0)) + 3, dtype=np.float64)
        starts = p * (powers - 1.0) / (m - 1.0)
        i -= t < starts[i]
        i += t >= starts[i + 1]
        return i.astype(np.float64), starts[i], p * powers[i]

    def _value(self, t: np.ndarray) -> np.ndarray:
        i, start, length = self.cycle(t)
        amplitude = (self.lr - self.min_lr) * (int_power(self.decay, i) if self.decay != 1.0 else 1.0)
        # Same operation order as torch: eta_min + (base - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2.
        return self.min_lr + amplitude * (1.0 + np.cos(np.pi * (t - start) / length)) / 2.0


constant = Constant
cosine = Cosine
cosine_restarts = CosineRestarts
