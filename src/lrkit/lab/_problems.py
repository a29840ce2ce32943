"""Analytic loss surfaces where the effect of the learning rate can be computed and seen.

Every problem is a frozen dataclass with a vectorized ``loss(x)`` (``x`` of
shape ``(..., d)``, so a whole contour grid at once), a ``grad(x, rng)`` for one
point, a default start ``x0``, the minimum loss ``min_loss`` and plotting
``bounds``. :class:`Noisy` wraps any of them into a stochastic-gradient problem.
The non-convex surfaces (double well, saddle, quartic) are in ``_wells.py``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from lrkit.errors import LRKitError, check_finite, check_int, check_positive

__all__ = ["Problem", "Quadratic", "Rosenbrock", "Noisy"]


class Problem:
    """Base of the analytic problems (2-D unless stated, so they can be drawn).

    Example:
        >>> from lrkit.lab import Quadratic
        >>> q = Quadratic(L=1.0)
        >>> q.name, q.min_loss, q.start().tolist(), q.grad(q.start()).shape
        ('quadratic', 0.0, [-2.0, 2.5], (2,))
    """

    name: str = "problem"
    x0: tuple[float, ...]
    bounds: tuple[tuple[float, float], tuple[float, float]]
    min_loss: float = 0.0

    def loss(self, x: np.ndarray) -> np.ndarray | float:
        out = self._loss(np.asarray(x, dtype=np.float64))
        return float(out) if np.ndim(out) == 0 else out

    def grad(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        """Gradient at one point; ``rng`` is used only by stochastic problems."""
        return self._grad(np.asarray(x, dtype=np.float64))

    def start(self) -> np.ndarray:
        return np.array(self.x0, dtype=np.float64)

    def _loss(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _grad(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Quadratic(Problem):
    """A quadratic bowl ``f(x) = x^T H x / 2`` with a chosen condition number.

    ``H`` has eigenvalues ``L`` (stiff) and ``L / condition`` (flat), rotated by
    ``angle`` radians. Gradient descent with a constant rate ``eta`` multiplies
    each eigen-coordinate by ``1 - eta * lambda`` per step, so it converges iff
    ``eta < 2 / L`` (:attr:`stability_limit`), oscillates in sign when
    ``eta > 1 / L`` on the stiff axis, and the best constant rate is
    ``2 / (L + mu)``.

    Args:
        condition: kappa = L / mu (>= 1).
        L: the largest curvature (> 0).
        angle: rotation of the eigenbasis, radians.
        x0: the start.

    Example:
        >>> q = Quadratic(condition=10.0, L=2.0)
        >>> q.stability_limit, q.mu
        (1.0, 0.2)
        >>> q.loss([1.0, 0.0])
        1.0
    """

    condition: float = 10.0
    L: float = 1.0
    angle: float = 0.0
    x0: tuple[float, ...] = (-2.0, 2.5)
    name = "quadratic"

    def __post_init__(self) -> None:
        cond = check_finite("condition", self.condition, self.name)
        if cond < 1.0:
            raise LRKitError(f"`condition` of quadratic must be a finite number >= 1; got {self.condition}.")
        object.__setattr__(self, "condition", cond)
        object.__setattr__(self, "L", check_positive("L", self.L, self.name))
        object.__setattr__(self, "angle", check_finite("angle", self.angle, self.name))
        object.__setattr__(self, "x0", _point(self.x0, self.name))
        c, s = math.cos(self.angle), math.sin(self.angle)
        rot = np.array([[c, -s], [s, c]])
        # cached (not a field): the hot loop of minimize calls grad thousands of times
        object.__setattr__(self, "_hessian", rot @ np.diag([self.L, self.mu]) @ rot.T)

    @property
    def mu(self) -> float:
        """The smallest curvature, L / condition."""
        return self.L / self.condition

    @property
    def stability_limit(self) -> float:
        """2 / L: constant-rate gradient descent diverges above it."""
        return 2.0 / self.L

    @property
    def best_rate(self) -> float:
        """2 / (L + mu): the constant rate with the fastest worst-case contraction."""
        return 2.0 / (self.L + self.mu)

    @property
    def hessian(self) -> np.ndarray:
        """The 2 x 2 matrix H (a copy)."""
        return self._hessian.copy()

    @property
    def bounds(self) -> tuple[tuple[float, float], tuple[float, float]]:  # type: ignore[override]
        r = 1.2 * max(abs(v) for v in self.x0)
        return ((-r, r), (-r, r))

    def _loss(self, x: np.ndarray) -> np.ndarray:
        return 0.5 * ((x @ self._hessian) * x).sum(-1)

    def _grad(self, x: np.ndarray) -> np.ndarray:
        return self._hessian @ x


@dataclasses.dataclass(frozen=True)
class Rosenbrock(Problem):
    """Rosenbrock's banana valley ``f = (a - x)^2 + b (y - x^2)^2``; minimum 0 at ``(a, a^2)``.

    Example:
        >>> Rosenbrock().loss([1.0, 1.0]), Rosenbrock().grad([1.0, 1.0]).tolist() == [0.0, 0.0]
        (0.0, True)
    """

    a: float = 1.0
    b: float = 100.0
    x0: tuple[float, ...] = (-1.2, 1.0)
    bounds: tuple[tuple[float, float], tuple[float, float]] = ((-2.0, 2.0), (-1.0, 3.0))
    name = "rosenbrock"

    def __post_init__(self) -> None:
        object.__setattr__(self, "a", check_finite("a", self.a, self.name))
        object.__setattr__(self, "b", check_positive("b", self.b, self.name))
        object.__setattr__(self, "x0", _point(self.x0, self.name))

    def _loss(self, x: np.ndarray) -> np.ndarray:
        return (self.a - x[..., 0]) ** 2 + self.b * (x[..., 1] - x[..., 0] ** 2) ** 2

    def _grad(self, x: np.ndarray) -> np.ndarray:
        u, v = x
        return np.array([-2.0 * (self.a - u) - 4.0 * self.b * u * (v - u * u), 2.0 * self.b * (v - u * u)])


@dataclasses.dataclass(frozen=True)
class Noisy(Problem):
    """Stochastic gradients: ``g = grad f(x) + sigma / sqrt(batch_size) * N(0, I)``.

    The loss is the clean one; only the gradient is noisy, as with minibatches
    (noise variance falls as 1 / batch size). Pass an ``rng`` to ``grad``;
    :func:`~lrkit.lab.minimize` does, seeded.

    Example:
        >>> import numpy as np
        >>> p = Noisy(Quadratic(), sigma=1.0)
        >>> g = p.grad([0.0, 0.0], np.random.default_rng(0))
        >>> bool(np.any(g != 0)), p.loss([0.0, 0.0])
        (True, 0.0)
    """

    problem: Problem = dataclasses.field(default_factory=Quadratic)
    sigma: float = 1.0
    batch_size: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.problem, Problem) or isinstance(self.problem, Noisy):
            raise LRKitError(f"`problem` of noisy must be a deterministic lab problem; got {self.problem!r}.")
        object.__setattr__(self, "sigma", check_positive("sigma", self.sigma, "noisy", allow_zero=True))
        object.__setattr__(self, "batch_size", check_int("batch_size", self.batch_size, "noisy"))

    @property
    def name(self) -> str:  # type: ignore[override]
        return f"noisy_{self.problem.name}"

    @property
    def x0(self) -> tuple[float, ...]:  # type: ignore[override]
        return self.problem.x0

    @property
    def bounds(self) -> tuple[tuple[float, float], tuple[float, float]]:  # type: ignore[override]
        return self.problem.bounds

    @property
    def min_loss(self) -> float:  # type: ignore[override]
        return self.problem.min_loss

    def _loss(self, x: np.ndarray) -> np.ndarray:
        return self.problem._loss(x)

    def grad(self, x: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
        if rng is None:
            raise LRKitError("`rng` of noisy.grad must be a numpy Generator; got None.")
        clean = self.problem.grad(x)
        return clean + self.sigma / math.sqrt(self.batch_size) * rng.standard_normal(clean.shape)


def _point(x0: Any, owner: str) -> tuple[float, ...]:
    arr = np.asarray(x0, dtype=np.float64)
    if arr.shape != (2,) or not np.all(np.isfinite(arr)):
        raise LRKitError(f"`x0` of {owner} must be a finite 2-D point; got {x0!r}.")
    return (float(arr[0]), float(arr[1]))
