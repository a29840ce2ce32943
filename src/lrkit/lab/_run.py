"""Running an optimizer on a problem: trajectories, the optimizer registry, rate grids."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from lrkit.errors import LRKitError, check_int, check_positive, unknown_name
from lrkit.lab._adam import Adam, AdamW
from lrkit.lab._adaptive import Adadelta, AdaGrad, RMSProp
from lrkit.lab._optim_base import Optimizer
from lrkit.lab._problems import Problem, Quadratic, Rosenbrock
from lrkit.lab._sgd import SGD, Momentum, Nesterov
from lrkit.lab._wells import DoubleWell, Saddle
from lrkit.schedules import Schedule

__all__ = [
    "optimizers",
    "make_optimizer",
    "Trajectory",
    "minimize",
    "TrajectoryGrid",
    "trajectory_grid",
    "standard_grids",
]

#: Every reference optimizer by name (the interactive page's selector reads this).
optimizers: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Momentum, Nesterov, AdaGrad, RMSProp, Adam, AdamW, Adadelta)
}

#: Past this norm a run counts as diverged and stops (its loss is already astronomically large).
BLOWUP = 1e6


def make_optimizer(name: str, lr: Schedule | float, **hyper: Any) -> Optimizer:
    """Build a reference optimizer by name.

    Example:
        >>> make_optimizer("adam", 0.1).describe()
        'adam(lr=constant(lr=0.1), betas=(0.9, 0.999), eps=1e-08, weight_decay=0.0, amsgrad=False)'
    """
    if name not in optimizers:
        raise unknown_name("optimizer", name, optimizers)
    return optimizers[name](lr=lr, **hyper)


@dataclasses.dataclass(frozen=True, eq=False)
class Trajectory:
    """One optimization run (``eq=False``: it holds arrays; compare ``to_dict()``).

    Attributes:
        optimizer: the optimizer's ``describe()`` line.
        problem: the problem's name.
        xs: iterates, shape ``(n + 1, d)``: the start, then after each update.
        losses: loss at each iterate, shape ``(n + 1,)``.
        lrs: the rate used by each update, shape ``(n,)``.
        diverged_at: the update after which the iterate left ``|x| < 1e6`` or
            became non-finite (the run stopped there), else ``None``.
        min_loss: the problem's minimum loss (for gaps).

    Example:
        >>> from lrkit.lab import SGD, Quadratic, minimize
        >>> t = minimize(Quadratic(L=1.0), SGD(lr=0.5), steps=10)
        >>> t.xs.shape, t.losses.shape, t.lrs.shape, t.diverged_at
        ((11, 2), (11,), (10,), None)
    """

    optimizer: str
    problem: str
    xs: np.ndarray
    losses: np.ndarray
    lrs: np.ndarray
    diverged_at: int | None
    min_loss: float = 0.0

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    def gap(self) -> np.ndarray:
        """``loss - min_loss`` at each iterate."""
        return self.losses - self.min_loss

    def steps_to(self, target: float) -> int | None:
        """First update count after which ``loss - min_loss <= target``, or ``None``."""
        hit = np.flatnonzero(self.gap() <= target)
        return int(hit[0]) if hit.size else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "optimizer": self.optimizer,
            "problem": self.problem,
            "xs": self.xs.tolist(),
            "losses": self.losses.tolist(),
            "lrs": self.lrs.tolist(),
            "diverged_at": self.diverged_at,
            "min_loss": self.min_loss,
        }


def minimize(
    problem: Problem,
    optimizer: Optimizer,
    *,
    steps: int = 100,
    x0: Sequence[float] | np.ndarray | None = None,
    seed: int = 0,
) -> Trajectory:
    """Run ``steps`` updates of ``optimizer`` on ``problem`` from ``x0`` (default: the problem's).

    The gradient noise of stochastic problems comes from ``numpy.random.default_rng(seed)``.
    A run whose iterate leaves the ball ``|x| < 1e6`` (or turns non-finite) stops
    and records ``diverged_at``.

    Example:
        >>> from lrkit.lab import Quadratic, SGD
        >>> q = Quadratic(L=1.0)
        >>> minimize(q, SGD(lr=2.5), steps=60).diverged_at is not None   # above 2 / L
        True
        >>> minimize(q, SGD(lr=1.0), steps=30).final_loss < 1e-2
        True
    """
    if not isinstance(problem, Problem):
        raise LRKitError(f"`problem` of minimize must be a lab Problem; got {problem!r}.")
    if not isinstance(optimizer, Optimizer):
        raise LRKitError(f"`optimizer` of minimize must be a lab Optimizer; got {optimizer!r}.")
    steps = check_int("steps", steps, "minimize")
    rng = np.random.default_rng(seed)
    x = problem.start() if x0 is None else np.asarray(x0, dtype=np.float64).copy()
    state = optimizer.init(x)
    xs, losses = [x.copy()], [problem.loss(x)]
    rates = np.asarray(optimizer.lr(np.arange(steps)), dtype=np.float64)
    diverged_at = None
    for t in range(steps):
        x = optimizer.step(x, problem.grad(x, rng), state, rate=float(rates[t]))
        if not np.all(np.isfinite(x)) or np.linalg.norm(x) > BLOWUP:
            diverged_at = t + 1
            # keep the escaping point (clipped to finite) so plots show the blow-up direction
            xs.append(np.nan_to_num(x, nan=BLOWUP, posinf=BLOWUP, neginf=-BLOWUP))
            losses.append(np.inf)
            break
        xs.append(x.copy())
        losses.append(problem.loss(x))
    return Trajectory(
        optimizer=optimizer.describe(),
        problem=problem.name,
        xs=np.array(xs),
        losses=np.array(losses, dtype=np.float64),
        lrs=rates[: len(xs) - 1],
        diverged_at=diverged_at,
        min_loss=float(problem.min_loss),
    )


@dataclasses.dataclass(frozen=True, eq=False)
class TrajectoryGrid:
    """Trajectories of several optimizers at a grid of constant rates on one problem.

    Computed in Python so the interactive page only draws: ``runs[name][i]`` is
    the run of optimizer ``name`` at ``rates[i]``.

    Example:
        >>> from lrkit.lab import Quadratic, trajectory_grid
        >>> g = trajectory_grid(Quadratic(), ["sgd"], rates=[0.1, 3.0], steps=20)
        >>> g.rates, [run.diverged_at is not None for run in g.runs["sgd"]]  # 3.0 is above 2 / L
        ((0.1, 3.0), [False, True])
    """

    problem: Problem
    rates: tuple[float, ...]
    steps: int
    runs: dict[str, list[Trajectory]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "problem": self.problem.name,
            "bounds": [list(b) for b in self.problem.bounds],
            "rates": list(self.rates),
            "steps": self.steps,
            "runs": {k: [r.to_dict() for r in v] for k, v in self.runs.items()},
        }


def trajectory_grid(
    problem: Problem,
    names: Sequence[str] = tuple(optimizers),
    *,
    rates: Sequence[float] | None = None,
    steps: int = 60,
) -> TrajectoryGrid:
    """Run every named optimizer at every rate (default: 25 rates log-spaced in [1e-3, 3]).

    Example:
        >>> from lrkit.lab import Quadratic
        >>> g = trajectory_grid(Quadratic(), ["sgd", "adam"], rates=[0.1, 1.0], steps=5)
        >>> len(g.runs["adam"]), g.runs["sgd"][1].xs.shape
        (2, (6, 2))
    """
    steps = check_int("steps", steps, "trajectory_grid")
    grid = tuple(float(r) for r in (np.logspace(-3, np.log10(3.0), 25) if rates is None else rates))
    if not grid:
        raise LRKitError("`rates` of trajectory_grid must be a non-empty list of rates > 0; got [].")
    for r in grid:
        check_positive("rates", r, "trajectory_grid")
    runs = {n: [minimize(problem, make_optimizer(n, r), steps=steps) for r in grid] for n in names}
    return TrajectoryGrid(problem=problem, rates=grid, steps=steps, runs=runs)


def standard_grids(*, steps: int = 60, num_rates: int = 25) -> tuple[TrajectoryGrid, ...]:
    """The interactive page's data: every optimizer at ``num_rates`` rates in [1e-4, 3] (log grid)
    on a quadratic (kappa = 10, L = 1, so 2/L = 2), Rosenbrock, the double well and the saddle.

    Example:
        >>> grids = standard_grids(steps=5, num_rates=3)
        >>> [g.problem.name for g in grids], grids[0].rates[-1]
        (['quadratic', 'rosenbrock', 'double_well', 'saddle'], 3.0)
    """
    n = check_int("num_rates", num_rates, "standard_grids", low=2)
    rates = [float(r) for r in np.logspace(-4, np.log10(3.0), n)]
    rates[-1] = 3.0  # exact end point (logspace rounds)
    problems = (Quadratic(condition=10.0, L=1.0), Rosenbrock(), DoubleWell(), Saddle())
    return tuple(trajectory_grid(p, rates=rates, steps=steps) for p in problems)
