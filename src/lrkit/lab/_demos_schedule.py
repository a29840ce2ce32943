"""Demos of a rate that changes: schedules, warmup, and per-parameter adaptive rates."""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.errors import check_int, check_positive
from lrkit.lab._adam import Adam
from lrkit.lab._adaptive import Adadelta, AdaGrad, RMSProp
from lrkit.lab._demo_base import DemoRecord, register_demo
from lrkit.lab._problems import Noisy, Quadratic
from lrkit.lab._run import Trajectory, minimize
from lrkit.lab._sgd import SGD
from lrkit.lab._wells import Quartic
from lrkit.schedules import constant, cosine, exponential, linear, step, warmup

__all__ = ["SchedulesComparedRecord", "WarmupRecord", "AdaptiveRecord"]


@dataclasses.dataclass(frozen=True, eq=False)
class SchedulesComparedRecord(DemoRecord):
    """Mean loss curves (over seeds) of SGD on a noisy quadratic under several schedules.

    Attributes:
        names, specs: each schedule's label and spec; the first two are constant high / low.
        rates: ``(n_schedules, steps)`` rate of each update.
        mean_loss: ``(n_schedules, steps + 1)`` loss averaged over ``seeds`` runs.
        early_step: where "early" progress is read (10% of the run).
        final_loss: mean of the last 10 losses per schedule.
    """

    demo = "schedules_compared"
    names: tuple[str, ...]
    specs: tuple[str, ...]
    rates: np.ndarray
    mean_loss: np.ndarray
    early_step: int
    final_loss: np.ndarray
    seeds: int

    def checks(self) -> dict[str, bool]:
        high, low, decays = self.final_loss[0], self.final_loss[1], self.final_loss[2:]
        early = self.mean_loss[:, self.early_step]
        return {
            "every decaying schedule ends at least 3x below the constant high rate (fine-tuning late)": bool(
                np.all(decays * 3 < high)
            ),
            "every decaying schedule is ahead of the constant low rate early on (big steps first)": bool(
                np.all(early[2:] < early[1])
            ),
            "the best decaying schedule ends below both constant rates": bool(decays.min() < min(high, low)),
        }


@register_demo(
    "schedules_compared",
    "Schedules (step, exponential, linear decay) start with a large rate for fast progress and "
    "reduce it to fine-tune near the minimum.",
    "the Quantum ML study guide (must-know fact 5), the SoulPage explainer, "
    "the course lesson ('start with a high learning rate ... gradually reduce it'), the Russian article",
)
def schedules_compared(*, steps: int = 300, sigma: float = 0.5, seeds: int = 8) -> SchedulesComparedRecord:
    """SGD with stochastic gradients (noise ``sigma``) on a quadratic, kappa = 10, L = 1.

    Schedules: constant 1.0 (high), constant 0.05 (low), and decays from 1.0: step
    (x0.1 every third of the run), exponential (to 1% at the end), linear to 0, cosine.

    Args:
        steps: updates per run.
        sigma: gradient noise standard deviation.
        seeds: runs averaged per schedule.

    Returns:
        A :class:`SchedulesComparedRecord`.

    Raises:
        LRKitError: for a non-positive argument.

    Example:
        >>> r = schedules_compared(seeds=2)
        >>> r.names[:2]
        ('constant, high', 'constant, low')
    """
    steps = check_int("steps", steps, "schedules_compared")
    seeds = check_int("seeds", seeds, "schedules_compared")
    problem = Noisy(
        Quadratic(condition=10.0, L=1.0), sigma=check_positive("sigma", sigma, "schedules_compared")
    )
    schedules = {
        "constant, high": constant(lr=1.0),
        "constant, low": constant(lr=0.05),
        "step decay": step(lr=1.0, step_size=max(steps // 3, 1), gamma=0.1),
        "exponential": exponential(lr=1.0, gamma=float(0.01 ** (1.0 / steps))),
        "linear decay": linear(start=1.0, end=0.0, steps=steps),
        "cosine": cosine(lr=1.0, steps=steps),
    }
    t = np.arange(steps)
    mean = np.array(
        [
            np.mean([minimize(problem, SGD(lr=s), steps=steps, seed=k).losses for k in range(seeds)], axis=0)
            for s in schedules.values()
        ]
    )
    return SchedulesComparedRecord(
        names=tuple(schedules),
        specs=tuple(s.to_spec() for s in schedules.values()),
        rates=np.array([s(t) for s in schedules.values()]),
        mean_loss=mean,
        early_step=max(steps // 10, 1),
        final_loss=mean[:, -10:].mean(axis=1),
        seeds=seeds,
    )


#: Gradient descent is stable while rate x curvature stays below 2 (the quadratic bound ``2 / L``, applied to
#: the local curvature).
STABLE_SHARPNESS = 2.0


@dataclasses.dataclass(frozen=True, eq=False)
class WarmupRecord(DemoRecord):
    """Runs with and without warmup on a bowl that is sharp at the start and gentle at the minimum.

    Attributes:
        problem: the quartic bowl.
        names: ("no warmup", "warmup", "low constant").
        runs: the trajectories.
        sharpness: ``lr(t) * max curvature at x_t`` per run (> 2 means a locally unstable step).
        steps_to_target: updates to ``loss <= 1e-8`` (``None``: never).
    """

    demo = "warmup"
    problem: Quartic
    names: tuple[str, ...]
    specs: tuple[str, ...]
    runs: tuple[Trajectory, ...]
    sharpness: tuple[np.ndarray, ...]
    steps_to_target: tuple[int | None, ...]

    def checks(self) -> dict[str, bool]:
        cold, warm, _ = self.runs
        return {
            "without warmup the peak rate diverges from the start": cold.diverged_at is not None,
            "with warmup the same peak rate converges": warm.diverged_at is None
            and self.steps_to_target[1] is not None,
            f"warmup keeps lr x local curvature below the stability bound {STABLE_SHARPNESS:g}": bool(
                self.sharpness[1].max() < STABLE_SHARPNESS
            ),
            "the warmup's start rate alone is too slow to reach the target": self.steps_to_target[2] is None,
        }


@register_demo(
    "warmup",
    "Warmup avoids early instability: far from the minimum the gradients (and curvature) are large, "
    "so a small rate first prevents overshooting, and the full rate is safe later.",
    "the Russian article ('learning rate warmup ... a lower learning rate can prevent overshooting "
    "in the initial phases')",
)
def warmup_demo(
    *, peak: float = 0.5, warmup_steps: int = 40, start: float = 0.005, steps: int = 150
) -> WarmupRecord:
    """SGD on :class:`~lrkit.lab.Quartic` at ``peak``, with and without a linear warmup from ``start``.

    Registered as the demo ``"warmup"`` (the function is named so it does not
    shadow :func:`lrkit.schedules.warmup`).

    Args:
        peak: the rate after warmup (stable at the minimum, not at the start).
        warmup_steps: length of the linear ramp.
        start: the ramp's first rate (also the "low constant" baseline).
        steps: updates per run.

    Returns:
        A :class:`WarmupRecord`.

    Raises:
        LRKitError: for a non-positive ``peak`` or ``warmup_steps``, or ``start`` above ``peak``.

    Example:
        >>> r = warmup_demo()
        >>> r.runs[0].diverged_at, r.steps_to_target[1] is not None
        (3, True)
    """
    q = Quartic()
    peak = check_positive("peak", peak, "warmup")
    schedules = {
        "no warmup": constant(lr=peak),
        "warmup": warmup(
            constant(lr=peak), steps=check_int("warmup_steps", warmup_steps, "warmup"), start=start
        ),
        "low constant": constant(lr=start),
    }
    runs = tuple(minimize(q, SGD(lr=s), steps=steps) for s in schedules.values())
    sharp = tuple(tr.lrs * np.array([q.curvature(x).max() for x in tr.xs[: len(tr.lrs)]]) for tr in runs)
    return WarmupRecord(
        q,
        tuple(schedules),
        tuple(s.to_spec() for s in schedules.values()),
        runs,
        sharp,
        tuple(tr.steps_to(1e-8) for tr in runs),
    )


#: How much larger an adaptive method's rate on the flat coordinate must be than on the stiff one: an order
#: of magnitude, where per-coordinate normalisation of gradients 100x apart (the default condition) gives
#: up to 100x (measured 88x for Adadelta, ~100x for the others).
FLAT_GAIN = 10


@dataclasses.dataclass(frozen=True, eq=False)
class AdaptiveRecord(DemoRecord):
    """Effective per-coordinate rates of adaptive methods on an ill-conditioned, axis-aligned bowl.

    Attributes:
        problem: the quadratic ``diag(1, 1 / condition)``.
        names: optimizer names (SGD first, at its best constant rate ``2 / (L + mu)``).
        runs: the trajectories.
        flat_over_stiff: median over the run of (effective rate on the flat axis) / (on the stiff axis);
            1 for SGD by construction.
        effective_rates: ``(steps, 2)`` per-coordinate rate over time, per optimizer.
        steps_to_target: updates to ``loss <= 1e-3 loss_0``.
    """

    demo = "adaptive_per_parameter"
    problem: Quadratic
    condition: float
    names: tuple[str, ...]
    runs: tuple[Trajectory, ...]
    effective_rates: tuple[np.ndarray, ...]
    flat_over_stiff: np.ndarray
    steps_to_target: tuple[int | None, ...]

    def checks(self) -> dict[str, bool]:
        sgd = self.steps_to_target[0]
        fast = [s for n, s in zip(self.names, self.steps_to_target) if n in ("adagrad", "rmsprop", "adam")]
        return {
            f"every adaptive method gives the flat coordinate a >{FLAT_GAIN}x larger rate": bool(
                np.all(self.flat_over_stiff[1:] > FLAT_GAIN)
            ),
            "AdaGrad, RMSProp and Adam reach the target in fewer steps than tuned SGD": sgd is not None
            and all(s is not None and s < sgd for s in fast),
        }


@register_demo(
    "adaptive_per_parameter",
    "Adaptive methods (AdaGrad, RMSProp, Adam, Adadelta) adapt the rate per parameter.",
    "the SoulPage explainer, the course lesson "
    "('Adam adjusts the learning rate based on the moments of past gradients'), the Russian article",
)
def adaptive_per_parameter(*, condition: float = 100.0, steps: int = 300) -> AdaptiveRecord:
    """Each method's per-coordinate step factor on ``diag(1, 1/condition)``.

    SGD runs at its best constant rate ``2 / (L + mu)``; AdaGrad 0.5, RMSProp 0.05,
    Adam 0.1, Adadelta 1.0 (near their usual defaults' scale).

    Args:
        condition: L / mu of the bowl (L = 1).
        steps: updates per run.

    Returns:
        An :class:`AdaptiveRecord`.

    Raises:
        LRKitError: for ``condition`` < 1 or non-positive ``steps``.

    Example:
        >>> r = adaptive_per_parameter()
        >>> float(r.flat_over_stiff[0]), bool(r.flat_over_stiff[3] > 50)
        (1.0, True)
    """
    q = Quadratic(
        condition=check_positive("condition", condition, "adaptive_per_parameter"), L=1.0, x0=(1.0, 1.0)
    )
    opts = [SGD(lr=q.best_rate), AdaGrad(lr=0.5), RMSProp(lr=0.05), Adam(lr=0.1), Adadelta(lr=1.0)]
    runs, rates = [], []
    for opt in opts:
        x, state, eff = q.start(), opt.init(q.start()), []
        for t in range(check_int("steps", steps, "adaptive_per_parameter")):
            x = opt.step(x, q.grad(x), state)
            # SGD's per-coordinate rate is the scalar lr on both axes
            eff.append(state.get("scale", np.full(2, opt.rate(t))))
        rates.append(np.array(eff))
        runs.append(minimize(q, opt, steps=steps))
    ratio = np.array([np.median(r[:, 1] / r[:, 0]) for r in rates])
    return AdaptiveRecord(
        q,
        q.condition,
        tuple(o.name for o in opts),
        tuple(runs),
        tuple(rates),
        ratio,
        tuple(tr.steps_to(1e-3 * tr.losses[0]) for tr in runs),
    )
