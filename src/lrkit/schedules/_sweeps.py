"""Range-test sweeps: ``exp_sweep`` and ``linear_sweep``, with inclusive endpoints.

A range test runs ``steps`` updates at ``s(0) = start, ..., s(steps-1) = end``:
both ends are tried, unlike a warmup ramp which stops one step short of its
target. The grid is the same as ``numpy.geomspace`` / ``numpy.linspace``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.schedules._base import Schedule, register
from lrkit.schedules._checks import check_ramp_fields

__all__ = ["ExpSweep", "LinearSweep", "exp_sweep", "linear_sweep"]


def _frac(t: np.ndarray, steps: int) -> np.ndarray:
    return np.minimum(t, steps - 1) / (steps - 1)


@register(
    "exp_sweep",
    "range test: start -> end geometrically, both ends included, then end",
    example="exp_sweep(start=1e-07, end=10.0, steps=100)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class ExpSweep(Schedule):
    """Exponential (geometric) sweep for the LR range test.

    .. math::  s(t) = a \\left(\\frac{b}{a}\\right)^{\\min(t, n-1)/(n-1)}

    with :math:`a` = ``start``, :math:`b` = ``end``, :math:`n` = ``steps``:
    ``s(0) = start`` and ``s(steps-1) = end`` exactly, held after. Equals
    ``numpy.geomspace(start, end, steps)`` on ``t = 0 .. steps-1``. As a phase of
    a sequence it lasts ``steps`` updates.

    Args:
        start: the first rate (> 0).
        end: the last rate (> 0); it may be below ``start`` (a falling sweep).
        steps: the number of rates tried (integer >= 2).

    Raises:
        LRKitError: for a rate that is not finite and > 0 or ``steps < 2``.

    Example:
        >>> s = exp_sweep(start=1e-3, end=1.0, steps=4)
        >>> [round(float(v), 12) for v in s([0, 1, 2, 3, 99])]
        [0.001, 0.01, 0.1, 1.0, 1.0]
    """

    name = "exp_sweep"
    start: float
    end: float
    steps: int

    def __post_init__(self) -> None:
        check_ramp_fields(self, allow_zero=False, min_steps=2)

    def _value(self, t: np.ndarray) -> np.ndarray:
        frac = _frac(t, self.steps)
        # Exact endpoints: a * (b/a)**1 can be off by an ulp.
        return np.where(frac >= 1.0, self.end, self.start * (self.end / self.start) ** frac)


@register(
    "linear_sweep",
    "range test: start -> end linearly, both ends included, then end",
    example="linear_sweep(start=0.0, end=1.0, steps=100)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class LinearSweep(Schedule):
    """Linear sweep for the LR range test.

    .. math::  s(t) = a + (b - a) \\frac{\\min(t, n-1)}{n-1}

    ``s(0) = start`` and ``s(steps-1) = end`` exactly, held after; equals
    ``numpy.linspace(start, end, steps)`` on ``t = 0 .. steps-1``.

    Args:
        start: the first rate (>= 0).
        end: the last rate (>= 0).
        steps: the number of rates tried (integer >= 2).

    Raises:
        LRKitError: for a negative or non-finite rate or ``steps < 2``.

    Example:
        >>> s = linear_sweep(start=0.0, end=1.0, steps=5)
        >>> [float(v) for v in s([0, 1, 4, 10])]
        [0.0, 0.25, 1.0, 1.0]
    """

    name = "linear_sweep"
    start: float
    end: float
    steps: int

    def __post_init__(self) -> None:
        check_ramp_fields(self, allow_zero=True, min_steps=2)

    def _value(self, t: np.ndarray) -> np.ndarray:
        frac = _frac(t, self.steps)
        return np.where(frac >= 1.0, self.end, self.start + (self.end - self.start) * frac)


exp_sweep = ExpSweep
linear_sweep = LinearSweep
