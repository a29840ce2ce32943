"""Demo of a non-convex landscape: a small rate settles in the nearest (local) minimum."""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.errors import check_int, check_positive
from lrkit.lab._demo_base import DemoRecord, register_demo
from lrkit.lab._run import Trajectory, minimize
from lrkit.lab._sgd import SGD
from lrkit.lab._wells import DoubleWell

__all__ = ["LocalMinimumRecord"]


#: The rates the claim calls low: on the default well the first step from ``x0 = 1.6`` reaches the
#: barrier only from ``(x0 - barrier_x) / f'(x0) = 1.525 / 10.28 = 0.148`` up, so every rate up to 0.1
#: stays in the right well (the grid has none between 0.1 and 0.15; the lab report's figure shows the split).
LOW_RATE = 0.1


@dataclasses.dataclass(frozen=True, eq=False)
class LocalMinimumRecord(DemoRecord):
    """Where gradient descent ends on a tilted double well, by rate.

    Attributes:
        problem: the double well.
        rates: the constant rates swept.
        final_x: final x-coordinate per rate; ``local_x``/``global_x``/``barrier_x`` locate the wells.
        in_global: whether each run ended in the global (left) well.
        final_loss: final loss per rate.
        runs: the trajectories of a low and a high representative rate.
    """

    demo = "local_minimum"
    problem: DoubleWell
    rates: np.ndarray
    final_x: np.ndarray
    in_global: np.ndarray
    final_loss: np.ndarray
    local_x: float
    global_x: float
    barrier_x: float
    runs: tuple[Trajectory, ...]

    def checks(self) -> dict[str, bool]:
        low = self.rates <= LOW_RATE
        return {
            f"every low rate (<= {LOW_RATE}) settles in the local minimum": not self.in_global[low].any(),
            "a larger (still stable) rate reaches the global minimum": bool(self.in_global[~low].any()),
            "the local minimum's loss is higher than the global one": bool(
                self.final_loss[low].min() > self.final_loss[self.in_global].max()
            ),
        }


@register_demo(
    "local_minimum",
    "A too-low learning rate can get stuck in a local minimum.",
    "the Quantum ML study guide (review question 1), "
    "the SoulPage explainer ('stuck in suboptimal solutions'), the course lesson, the Russian article",
)
def local_minimum(
    *, steps: int = 300, rates: tuple[float, ...] = (0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.18, 0.2, 0.22)
) -> LocalMinimumRecord:
    """Gradient descent from ``(1.6, 1.5)`` (the local well's basin) at each rate.

    Args:
        steps: updates per run.
        rates: the constant rates swept (the checks call <= 0.1 "low").

    Returns:
        A :class:`LocalMinimumRecord`.

    Raises:
        LRKitError: for a non-positive rate or ``steps``.

    Example:
        >>> r = local_minimum()
        >>> r.in_global.tolist()
        [False, False, False, False, False, True, True, True, True]
    """
    w = DoubleWell()
    grid = np.array([check_positive("rates", r, "local_minimum") for r in rates])
    all_runs = [minimize(w, SGD(lr=float(r)), steps=check_int("steps", steps, "local_minimum")) for r in grid]
    final_x = np.array([tr.xs[-1, 0] for tr in all_runs])
    low_i, high_i = int(np.argmin(np.abs(grid - 0.02))), int(np.argmin(np.abs(grid - 0.2)))
    return LocalMinimumRecord(
        w,
        grid,
        final_x,
        final_x < w.barrier_x,
        np.array([tr.final_loss for tr in all_runs]),
        w.local_x,
        w.global_x,
        w.barrier_x,
        (all_runs[low_i], all_runs[high_i]),
    )
