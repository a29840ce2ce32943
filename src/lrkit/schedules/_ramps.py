"""Ramps between two rates over a horizon: linear, polynomial, one_minus_sqrt, geometric.

Each reaches its end value at ``t = steps`` and holds it after, so as the first
phase of ``a >> b`` with ``a``'s end equal to ``b(0)`` the join is continuous:
the phase covers ``t = 0 .. steps-1`` and ``b`` takes over at ``t = steps`` with
the value the ramp was heading to. Warmups and cool-downs are built from these.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.errors import check_int, check_positive
from lrkit.schedules._base import Schedule, register
from lrkit.schedules._checks import check_anneal_fields, check_floor, check_ramp_fields, progress

__all__ = [
    "Linear",
    "Polynomial",
    "OneMinusSqrt",
    "Geometric",
    "linear",
    "polynomial",
    "one_minus_sqrt",
    "geometric",
]


@register(
    "linear",
    "start -> end linearly over steps, then end (warmup, linear decay, Kohonen SOM)",
    torch="LinearLR (as factors)",
    example="linear(start=0.1, end=0.001, steps=1000)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class Linear(Schedule):
    """Linear interpolation from ``start`` to ``end`` over ``steps``, then ``end``.

    .. math::  s(t) = a + (b - a) \\frac{\\min(t, T)}{T}

    where :math:`a` = ``start``, :math:`b` = ``end``, :math:`T` = ``steps``. Going
    up it is a linear warmup (torch ``LinearLR`` with ``start_factor = a/b``);
    going down it is a linear decay, e.g. the learning-rate decay
    :math:`\\alpha(t) = \\alpha_0 (1 - t/T)` of a Kohonen self-organizing map.

    Args:
        start: the rate at ``t = 0`` (>= 0).
        end: the rate from ``t = steps`` on (>= 0).
        steps: the length :math:`T` (positive integer).

    Raises:
        LRKitError: for negative or non-finite rates or non-positive ``steps``.

    Example:
        >>> s = linear(start=0.0, end=0.1, steps=10)
        >>> s(0), s(5), s(10), s(10**9)
        (0.0, 0.05, 0.1, 0.1)
    """

    name = "linear"
    start: float
    end: float
    steps: int

    def __post_init__(self) -> None:
        check_ramp_fields(self, allow_zero=True)

    def _value(self, t: np.ndarray) -> np.ndarray:
        frac = progress(t, self.steps)
        # Pin the end exactly (a + (b - a) can differ from b by an ulp) so the
        # held value past the horizon is the documented ``end``.
        return np.where(frac >= 1.0, self.end, self.start + (self.end - self.start) * frac)


@register(
    "polynomial",
    "(lr - end)(1 - t/steps)^power + end, then end",
    torch="PolynomialLR",
    example="polynomial(lr=0.1, steps=1000, power=2.0, end=0.001)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class Polynomial(Schedule):
    """Polynomial decay from ``lr`` to ``end`` over ``steps``, then ``end``.

    .. math::  s(t) = (\\eta - \\eta_{end}) \\left(1 - \\frac{\\min(t, T)}{T}\\right)^{p} + \\eta_{end}

    torch ``PolynomialLR`` is the case ``end = 0``; Hugging Face's polynomial
    decay (``lr_end``) is the general one.

    Args:
        lr: the rate at ``t = 0`` (>= 0).
        steps: the length :math:`T` (positive integer).
        power: the exponent :math:`p` (> 0); 1 is linear.
        end: the final rate, in ``[0, lr]``.

    Raises:
        LRKitError: for negative rates, non-positive ``steps`` or ``power``, or ``end > lr``.

    Example:
        >>> s = polynomial(lr=1.0, steps=10, power=2.0)
        >>> s(0), s(5), s(10)
        (1.0, 0.25, 0.0)
    """

    name = "polynomial"
    lr: float
    steps: int
    power: float = 1.0
    end: float = 0.0

    def __post_init__(self) -> None:
        lr = check_positive("lr", self.lr, self.name, allow_zero=True)
        object.__setattr__(self, "lr", lr)
        object.__setattr__(self, "steps", check_int("steps", self.steps, self.name))
        object.__setattr__(self, "power", check_positive("power", self.power, self.name))
        object.__setattr__(self, "end", check_floor("end", self.end, lr, self.name))

    def _value(self, t: np.ndarray) -> np.ndarray:
        return (self.lr - self.end) * (1.0 - progress(t, self.steps)) ** self.power + self.end


@register(
    "one_minus_sqrt",
    "lr -> min_lr as 1 - sqrt(t/steps), then min_lr (the WSD '1-sqrt' cooldown)",
    torch="HF wsd decay_type='1-sqrt'",
    example="one_minus_sqrt(lr=0.1, steps=200, min_lr=0.001)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class OneMinusSqrt(Schedule):
    """The "1 - sqrt" cooldown of warmup-stable-decay training (Hägele et al., 2024).

    .. math::  s(t) = \\eta_{min} + (\\eta - \\eta_{min}) \\left(1 - \\sqrt{\\min(t, T) / T}\\right)

    It drops fast at first and flattens towards ``min_lr``.

    Args:
        lr: the rate at ``t = 0`` (>= 0).
        steps: the length :math:`T` (positive integer).
        min_lr: the final rate, in ``[0, lr]``.

    Raises:
        LRKitError: for negative rates, non-positive ``steps`` or ``min_lr > lr``.

    Example:
        >>> s = one_minus_sqrt(lr=1.0, steps=100)
        >>> s(0), s(25), s(100)
        (1.0, 0.5, 0.0)

    References:
        Hägele et al., "Scaling Laws and Compute-Optimal Training Beyond Fixed
        Training Durations", NeurIPS 2024.
    """

    name = "one_minus_sqrt"
    lr: float
    steps: int
    min_lr: float = 0.0

    def __post_init__(self) -> None:
        check_anneal_fields(self)

    def _value(self, t: np.ndarray) -> np.ndarray:
        return self.min_lr + (self.lr - self.min_lr) * (1.0 - np.sqrt(progress(t, self.steps)))


@register(
    "geometric",
    "start -> end geometrically over steps, then end (exponential warmup)",
    example="geometric(start=1e-05, end=0.1, steps=100)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class Geometric(Schedule):
    """Geometric (log-linear) interpolation from ``start`` to ``end`` over ``steps``, then ``end``.

    .. math::  s(t) = a \\left(\\frac{b}{a}\\right)^{\\min(t, T) / T}

    The log-space twin of :class:`Linear`: each update multiplies the rate by
    the same factor :math:`(b/a)^{1/T}`. ``warmup(..., shape="exponential")``
    uses it, so both warmup shapes reach the target at ``t = steps``. (The range
    test's ``exp_sweep`` instead includes its end: ``exp_sweep(a, b, n)(t) ==
    geometric(a, b, n - 1)(t)``.)

    Args:
        start: the rate at ``t = 0`` (> 0).
        end: the rate from ``t = steps`` on (> 0).
        steps: the length :math:`T` (positive integer).

    Raises:
        LRKitError: for a rate that is not finite and > 0, or non-positive ``steps``.

    Example:
        >>> s = geometric(start=1e-4, end=1e-2, steps=2)
        >>> s(0), round(s(1), 12), s(2)
        (0.0001, 0.001, 0.01)
    """

    name = "geometric"
    start: float
    end: float
    steps: int

    def __post_init__(self) -> None:
        check_ramp_fields(self, allow_zero=False)

    def _value(self, t: np.ndarray) -> np.ndarray:
        frac = progress(t, self.steps)
        # Pin the end exactly: (b/a)**1 * a can be off by an ulp.
        return np.where(frac >= 1.0, self.end, self.start * (self.end / self.start) ** frac)


linear = Linear
polynomial = Polynomial
one_minus_sqrt = OneMinusSqrt
geometric = Geometric
