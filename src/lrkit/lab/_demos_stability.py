"""Demos of where a constant rate's limits lie on a quadratic bowl: oscillation above ``1 / L``,
divergence above ``2 / L``, and a limit that moves with the curvature.

On ``f(x) = x^T H x / 2`` gradient descent multiplies each eigen-coordinate by
``1 - eta * lambda`` per update: the stiff coordinate changes sign every update iff
``eta > 1 / L`` and grows iff ``eta > 2 / L``, so no rate is "typical" apart from the curvature.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.errors import check_int, check_positive
from lrkit.lab._demo_base import DemoRecord, register_demo
from lrkit.lab._problems import Quadratic
from lrkit.lab._run import Trajectory, minimize
from lrkit.lab._sgd import SGD

__all__ = ["OscillationRecord", "StabilityLimitRecord"]


#: Share of updates that must flip the stiff coordinate's sign above ``1/L``: each update overshoots its
#: minimum, so all of them do (measured 1.0 over the default 30 steps); the slack is for a run that reaches
#: float zero before its end.
FLIP_SHARE = 0.95


@dataclasses.dataclass(frozen=True, eq=False)
class OscillationRecord(DemoRecord):
    """The stiff coordinate's sign pattern at a rate below and above ``1 / L``.

    Attributes:
        problem: the quadratic (axis-aligned, so coordinate 1 is the stiff one).
        rates: (calm, oscillating).
        stiff: the stiff coordinate over time for each run, shape ``(2, steps + 1)``.
        sign_flip_fraction: fraction of updates that flip the stiff coordinate's sign, per run.
        runs: the trajectories.
    """

    demo = "oscillation"
    problem: Quadratic
    rates: np.ndarray
    stiff: np.ndarray
    sign_flip_fraction: np.ndarray
    runs: tuple[Trajectory, ...]

    def checks(self) -> dict[str, bool]:
        return {
            "below 1/L the stiff coordinate never changes sign": bool(self.sign_flip_fraction[0] == 0),
            "above 1/L it flips sign at (nearly) every update": bool(
                self.sign_flip_fraction[1] >= FLIP_SHARE
            ),
            "the oscillating run still converges (rate < 2/L)": bool(
                self.runs[1].losses[-1] < self.runs[1].losses[0]
            ),
        }


@register_demo(
    "oscillation",
    "A high learning rate overshoots the minimum and oscillates around it.",
    "the SoulPage explainer ('oscillate around the optimal solution'), the course lesson, "
    "the Russian article ('overshoot ... oscillate')",
)
def oscillation(*, calm: float = 0.5, high: float = 1.8, steps: int = 30) -> OscillationRecord:
    """Rates ``calm / L`` and ``high / L`` (both stable) on an axis-aligned quadratic with L = 1.

    Args:
        calm: a rate below 1 / L (no overshoot).
        high: a rate in (1/L, 2/L) (overshoots every step, still converges).
        steps: updates per run.

    Returns:
        An :class:`OscillationRecord`.

    Raises:
        LRKitError: for a non-positive rate.

    Example:
        >>> oscillation().sign_flip_fraction.tolist()
        [0.0, 1.0]
    """
    q = Quadratic(condition=10.0, L=1.0, x0=(2.0, 2.0))
    rates = np.array(
        [check_positive("calm", calm, "oscillation"), check_positive("high", high, "oscillation")]
    )
    runs = tuple(minimize(q, SGD(lr=float(r)), steps=steps) for r in rates)
    stiff = np.array([tr.xs[:, 0] for tr in runs])
    flips = np.mean(np.sign(stiff[:, 1:]) != np.sign(stiff[:, :-1]), axis=1)
    return OscillationRecord(q, rates, stiff, flips, runs)


#: Width of the measured bracket around ``2/L``, relative to it: adjacent rates of the default grid (81
#: over 2.7 decades) are 8% apart, so the bracket is the two grid rates around the bound (measured 7.8-8.0%).
BRACKET = 0.1
#: A 'typical' rate chosen without looking at the curvature: stable below ``L = 2 / 0.7 ~ 2.9`` only, so
#: the default curvatures 0.5, 1 and 4 fall on both sides.
RULE_OF_THUMB = 0.7


@dataclasses.dataclass(frozen=True, eq=False)
class StabilityLimitRecord(DemoRecord):
    """Measured versus predicted divergence threshold for several curvatures.

    Attributes:
        curvatures: the values of L.
        predicted: 2 / L.
        rates: the swept rate grid (shared).
        loss_ratio: final / initial loss, shape ``(len(curvatures), len(rates))``.
        last_stable, first_unstable: the bracket found on the grid, per L.
        rule_of_thumb: for each L, whether 0.7 (a "large" value of the 0-to-1 rule) converges.
    """

    demo = "stability_limit"
    curvatures: np.ndarray
    predicted: np.ndarray
    rates: np.ndarray
    loss_ratio: np.ndarray
    last_stable: np.ndarray
    first_unstable: np.ndarray
    rule_of_thumb: np.ndarray

    def checks(self) -> dict[str, bool]:
        inside = (self.last_stable < self.predicted) & (self.predicted < self.first_unstable)
        return {
            "for every L the measured threshold brackets 2/L": bool(np.all(inside)),
            f"the bracket is tight (within {BRACKET:.0%} of 2/L)": bool(
                np.all((self.first_unstable - self.last_stable) / self.predicted < BRACKET)
            ),
            f"a fixed 'typical' rate ({RULE_OF_THUMB}) is stable for some curvatures and not others": bool(
                self.rule_of_thumb.any() and not self.rule_of_thumb.all()
            ),
        }


@register_demo(
    "stability_limit",
    "How high is too high is set by the curvature: gradient descent is stable iff lr < 2/L, "
    "so 'typical values' (0.001-0.1, or 0 to 1) are only rules of thumb.",
    "the Quantum ML study guide (must-know fact 3), the Russian article ('chosen in the range 0 to 1'), "
    "the SoulPage explainer ('problem-dependent')",
)
def stability_limit(
    *, curvatures: tuple[float, ...] = (0.5, 1.0, 4.0), steps: int = 100, num_rates: int = 81
) -> StabilityLimitRecord:
    """Sweep constant rates over [0.02, 10] (log grid) for quadratics of several ``L``.

    A run counts as unstable when its loss after ``steps`` updates exceeds the initial loss.

    Args:
        curvatures: the values of L.
        steps: updates per run.
        num_rates: points of the rate grid (>= 3).

    Returns:
        A :class:`StabilityLimitRecord`.

    Raises:
        LRKitError: for a non-positive curvature or too few rates.

    Example:
        >>> r = stability_limit()
        >>> bool(r.last_stable[1] < 2.0 < r.first_unstable[1])
        True
    """
    Ls = np.array([check_positive("curvatures", c, "stability_limit") for c in curvatures])
    rates = np.logspace(np.log10(0.02), 1.0, check_int("num_rates", num_rates, "stability_limit", low=3))
    ratios = np.empty((Ls.size, rates.size))
    for i, L in enumerate(Ls):
        # condition 2 keeps the flat mode from masking a slowly growing stiff mode
        q = Quadratic(condition=2.0, L=float(L), x0=(1.0, 1.0))
        for j, r in enumerate(rates):
            tr = minimize(q, SGD(lr=float(r)), steps=steps)
            ratios[i, j] = tr.losses[-1] / tr.losses[0]
    grows = ratios > 1.0
    first = np.array([rates[np.argmax(g)] if g.any() else np.inf for g in grows])
    last = np.array([rates[rates < f].max() if np.any(rates < f) else 0.0 for f in first])
    return StabilityLimitRecord(Ls, 2.0 / Ls, rates, ratios, last, first, RULE_OF_THUMB < 2.0 / Ls)
