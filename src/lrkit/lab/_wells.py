"""Non-convex and non-quadratic surfaces: a tilted double well, a saddle, a quartic bowl.

Each shows a learning-rate effect a quadratic cannot: a local minimum a small
rate cannot leave, a saddle, and curvature that changes along the path (the
case for warmup).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from lrkit.errors import LRKitError, check_finite, check_positive
from lrkit.lab._problems import Problem, _point

__all__ = ["DoubleWell", "Saddle", "Quartic"]


@dataclasses.dataclass(frozen=True)
class DoubleWell(Problem):
    """A tilted double well ``f = (x^2 - 1)^2 + tilt * x + k y^2 / 2``.

    With ``tilt > 0`` the left well (x ~ -1) is the global minimum and the right
    well (x ~ +1) a local one; a start at ``x0`` in the right well shows a small
    rate settling in the local minimum.

    Example:
        >>> w = DoubleWell()
        >>> round(w.global_x, 3), round(w.local_x, 3), w.loss([w.global_x, 0.0]) < w.loss([w.local_x, 0.0])
        (-1.036, 0.96, True)
    """

    tilt: float = 0.3
    k: float = 1.0
    x0: tuple[float, ...] = (1.6, 1.5)
    bounds: tuple[tuple[float, float], tuple[float, float]] = ((-2.0, 2.0), (-2.0, 2.0))
    name = "double_well"

    def __post_init__(self) -> None:
        tilt = check_finite("tilt", self.tilt, self.name)
        # two wells exist only while |tilt| < 8 / (3 sqrt 3) (the cubic 4x^3 - 4x + tilt has 3 roots)
        if not 0 < tilt < 8 / (3 * math.sqrt(3)):
            raise LRKitError(f"`tilt` of double_well must be a number in (0, 1.54); got {self.tilt}.")
        object.__setattr__(self, "tilt", tilt)
        object.__setattr__(self, "k", check_positive("k", self.k, self.name))
        object.__setattr__(self, "x0", _point(self.x0, self.name))

    @property
    def _roots(self) -> np.ndarray:
        return np.sort(np.roots([4.0, 0.0, -4.0, self.tilt]).real)

    @property
    def global_x(self) -> float:
        """x of the global minimum (left well)."""
        return float(self._roots[0])

    @property
    def local_x(self) -> float:
        """x of the local minimum (right well)."""
        return float(self._roots[2])

    @property
    def barrier_x(self) -> float:
        """x of the ridge between the wells."""
        return float(self._roots[1])

    @property
    def min_loss(self) -> float:  # type: ignore[override]
        return float(self.loss([self.global_x, 0.0]))

    def _loss(self, x: np.ndarray) -> np.ndarray:
        u, v = x[..., 0], x[..., 1]
        return (u * u - 1.0) ** 2 + self.tilt * u + 0.5 * self.k * v * v

    def _grad(self, x: np.ndarray) -> np.ndarray:
        u, v = x
        return np.array([4.0 * u * (u * u - 1.0) + self.tilt, self.k * v])


@dataclasses.dataclass(frozen=True)
class Saddle(Problem):
    """A saddle at the origin between two minima: ``f = x^2 / 2 + y^4 / 4 - y^2 / 2``.

    Minima at ``(0, +-1)`` with loss -1/4. Started on the ridge ``y = 0``, plain
    gradient descent never leaves the saddle; any noise or a ``y`` offset does.

    Example:
        >>> Saddle().loss([0.0, 1.0]), Saddle().grad([0.0, 0.0]).tolist()
        (-0.25, [0.0, 0.0])
    """

    x0: tuple[float, ...] = (1.8, 0.01)
    bounds: tuple[tuple[float, float], tuple[float, float]] = ((-2.0, 2.0), (-1.8, 1.8))
    name = "saddle"
    min_loss = -0.25

    def __post_init__(self) -> None:
        object.__setattr__(self, "x0", _point(self.x0, self.name))

    def _loss(self, x: np.ndarray) -> np.ndarray:
        u, v = x[..., 0], x[..., 1]
        return 0.5 * u * u + 0.25 * v**4 - 0.5 * v * v

    def _grad(self, x: np.ndarray) -> np.ndarray:
        u, v = x
        return np.array([u, v**3 - v])


@dataclasses.dataclass(frozen=True)
class Quartic(Problem):
    """A bowl that is sharp far from the minimum and gentle near it.

    ``f = (x^2 + r y^2) / 2 + c (x^4 + y^4) / 4``; the curvature along ``x`` is
    ``1 + 3 c x^2``, so the local stability limit ``2 / (1 + 3 c x^2)`` is small
    at a distant start and ``2 / max(1, r)`` at the minimum: the situation
    warmup is for.

    Example:
        >>> q = Quartic()
        >>> q.curvature([3.0, 0.0]).tolist()
        [28.0, 1.5]
    """

    c: float = 1.0
    r: float = 1.5
    x0: tuple[float, ...] = (3.0, -2.5)
    bounds: tuple[tuple[float, float], tuple[float, float]] = ((-3.5, 3.5), (-3.5, 3.5))
    name = "quartic"

    def __post_init__(self) -> None:
        object.__setattr__(self, "c", check_positive("c", self.c, self.name))
        object.__setattr__(self, "r", check_positive("r", self.r, self.name))
        object.__setattr__(self, "x0", _point(self.x0, self.name))

    def curvature(self, x: Any) -> np.ndarray:
        """Diagonal of the Hessian at ``x`` (it is diagonal everywhere)."""
        u, v = np.asarray(x, dtype=np.float64)
        return np.array([1.0 + 3.0 * self.c * u * u, self.r + 3.0 * self.c * v * v])

    def _loss(self, x: np.ndarray) -> np.ndarray:
        u, v = x[..., 0], x[..., 1]
        return 0.5 * (u * u + self.r * v * v) + 0.25 * self.c * (u**4 + v**4)

    def _grad(self, x: np.ndarray) -> np.ndarray:
        u, v = x
        return np.array([u + self.c * u**3, self.r * v + self.c * v**3])
