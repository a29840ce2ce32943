"""Demos of a constant rate on a quadratic bowl, the two ways to get it wrong: too high diverges,
too low crawls.

On ``f(x) = x^T H x / 2`` gradient descent multiplies each eigen-coordinate by
``1 - eta * lambda`` per update, so each claim has a closed form: divergence iff
``eta > 2 / L``, and the number of steps to a target grows like ``1 / (eta * mu)``
for small rates. Where between the limits a rate oscillates, and how the limit moves
with the curvature, is :mod:`lrkit.lab._demos_stability`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.errors import check_int, check_positive
from lrkit.lab._demo_base import DemoRecord, register_demo
from lrkit.lab._problems import Quadratic
from lrkit.lab._run import Trajectory, minimize
from lrkit.lab._sgd import SGD

__all__ = ["DivergenceRecord", "SlowConvergenceRecord"]


#: How many times its first loss a run must end at to count as diverged: far from any slow start, yet the
#: nearest rate above ``2/L`` (2.1 on the default bowl) already grows ``|1 - 2.1|^80 ~ 2e3`` in 40 steps.
BLOW_UP = 100


@dataclasses.dataclass(frozen=True, eq=False)
class DivergenceRecord(DemoRecord):
    """Runs at rates below and above ``2 / L``.

    Attributes:
        problem: the quadratic.
        stability_limit: 2 / L.
        rates: the constant rates tried.
        runs: one trajectory per rate.
        loss_ratio: final / initial loss per rate (``inf`` when the run blew up).
        growth_factor: predicted per-step factor ``|1 - eta L|`` of the stiff coordinate.
    """

    demo = "divergence"
    problem: Quadratic
    stability_limit: float
    rates: np.ndarray
    runs: tuple[Trajectory, ...]
    loss_ratio: np.ndarray
    growth_factor: np.ndarray

    def checks(self) -> dict[str, bool]:
        above = self.rates > self.stability_limit
        return {
            f"every rate above 2/L ends with a larger loss than it started (x{BLOW_UP})": bool(
                np.all(self.loss_ratio[above] > BLOW_UP)
            ),
            "every rate below 2/L ends with a smaller loss": bool(np.all(self.loss_ratio[~above] < 1)),
            "the predicted growth factor |1 - eta L| exceeds 1 exactly above 2/L": bool(
                np.array_equal(self.growth_factor > 1, above)
            ),
        }


@register_demo(
    "divergence",
    "If the learning rate is too high, the loss diverges rather than converges.",
    "the Quantum ML study guide (must-know fact 4), the course lesson, "
    "the Russian article: 'diverge and produce large errors'",
)
def divergence(
    *,
    L: float = 1.0,
    condition: float = 10.0,
    steps: int = 40,
    factors: tuple[float, ...] = (0.5, 0.95, 1.05, 1.5),
) -> DivergenceRecord:
    """Gradient descent on a quadratic at ``factor * 2/L`` for each factor.

    Args:
        L: the largest curvature (stability limit ``2 / L``).
        condition: L / mu of the bowl.
        steps: updates per run.
        factors: rates as multiples of ``2 / L``.

    Returns:
        A :class:`DivergenceRecord`.

    Raises:
        LRKitError: for non-positive ``L``, ``condition`` < 1, ``steps`` or ``factors``.

    Example:
        >>> r = divergence()
        >>> r.checks()["every rate above 2/L ends with a larger loss than it started (x100)"]
        True
    """
    q = Quadratic(condition=check_positive("condition", condition, "divergence"), L=L)
    steps = check_int("steps", steps, "divergence")
    rates = np.array([check_positive("factors", f, "divergence") * q.stability_limit for f in factors])
    runs = tuple(minimize(q, SGD(lr=float(r)), steps=steps) for r in rates)
    ratio = np.array([tr.losses[-1] / tr.losses[0] for tr in runs])
    return DivergenceRecord(q, q.stability_limit, rates, runs, ratio, np.abs(1 - rates * q.L))


@dataclasses.dataclass(frozen=True, eq=False)
class SlowConvergenceRecord(DemoRecord):
    """Steps needed to shrink the loss by ``tolerance`` at several rates.

    Attributes:
        tuned_rate: ``2 / (L + mu)``, the best constant rate.
        rates: rates tried, the tuned one last.
        steps_to_target: updates to reach ``loss <= tolerance * loss_0`` (``None``: not within ``steps``).
        predicted_steps: the closed form ``log(tol) / (2 log max|1 - eta lambda|)``.
        runs: the trajectories.
    """

    demo = "slow_convergence"
    tuned_rate: float
    tolerance: float
    rates: np.ndarray
    steps_to_target: tuple[int | None, ...]
    predicted_steps: np.ndarray
    runs: tuple[Trajectory, ...]

    def checks(self) -> dict[str, bool]:
        tuned = self.steps_to_target[-1]
        low = [s if s is not None else np.inf for s in self.steps_to_target[:-1]]
        return {
            "the tuned rate reaches the target": tuned is not None,
            "every lower rate needs more steps, the lowest over 10x the tuned rate's": tuned is not None
            and all(s > tuned for s in low)
            and low[0] >= 10 * tuned,
            "steps to target fall as the rate rises to the tuned value": bool(
                np.all(np.diff(low + [tuned]) < 0)
            ),
        }


@register_demo(
    "slow_convergence",
    "A too-low learning rate converges slowly: it needs many more steps to reach the same loss.",
    "the Quantum ML study guide (must-know fact 1), the SoulPage explainer, the course lesson, "
    "the Russian article ('0.1-0.3 ... the number of steps increases')",
)
def slow_convergence(
    *,
    condition: float = 10.0,
    tolerance: float = 1e-6,
    steps: int = 2000,
    low_rates: tuple[float, ...] = (0.01, 0.05, 0.3),
) -> SlowConvergenceRecord:
    """Count steps to ``tolerance * loss_0`` for small rates and for the tuned ``2/(L+mu)``.

    Args:
        condition: L / mu of the bowl (L = 1).
        tolerance: target loss as a fraction of the initial loss.
        steps: budget of updates per run.
        low_rates: the small rates compared with the tuned one.

    Returns:
        A :class:`SlowConvergenceRecord`.

    Raises:
        LRKitError: for a non-positive argument.

    Example:
        >>> r = slow_convergence()
        >>> r.steps_to_target[-1] < 40 < 600 < r.steps_to_target[1]
        True
    """
    q = Quadratic(condition=condition, L=1.0)
    tol = check_positive("tolerance", tolerance, "slow_convergence")
    rates = np.array([*(check_positive("low_rates", r, "slow_convergence") for r in low_rates), q.best_rate])
    runs = tuple(minimize(q, SGD(lr=float(r)), steps=steps) for r in rates)
    reached = tuple(tr.steps_to(tol * tr.losses[0]) for tr in runs)
    contraction = np.maximum(np.abs(1 - rates * q.L), np.abs(1 - rates * q.mu))
    predicted = np.log(tol) / (2 * np.log(contraction))
    return SlowConvergenceRecord(q.best_rate, tol, rates, reached, predicted, runs)
