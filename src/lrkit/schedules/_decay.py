"""Endless decay families: step, multistep, exponential, inverse_time, inverse_sqrt.

None of these has a horizon (they decay forever), so in a sequence they can
only be the last phase.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.errors import LRKitError, check_int, check_positive, check_range
from lrkit.schedules._base import Schedule, register
from lrkit.schedules._powers import int_power

__all__ = [
    "Step",
    "MultiStep",
    "Exponential",
    "InverseTime",
    "InverseSqrt",
    "step",
    "multistep",
    "exponential",
    "inverse_time",
    "inverse_sqrt",
]


def _gamma(value: object, owner: str) -> float:
    # Decay families decay: a gamma above 1 grows without bound (use exp_sweep for that).
    return check_range("gamma", value, owner, 0.0, 1.0, low_open=True)


@register(
    "step",
    "multiply by gamma every step_size updates",
    torch="StepLR",
    example="step(lr=0.1, step_size=30, gamma=0.1)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class Step(Schedule):
    """Step decay: the rate drops by ``gamma`` every ``step_size`` updates.

    .. math::  s(t) = \\eta\\, \\gamma^{\\lfloor t / k \\rfloor}

    where :math:`\\eta` = ``lr``, :math:`\\gamma` = ``gamma``, :math:`k` = ``step_size``.
    The drop applies from ``t = k`` on (torch ``StepLR``).

    Args:
        lr: the initial rate (>= 0).
        step_size: updates between drops (positive integer).
        gamma: the factor per drop, in ``(0, 1]``.

    Raises:
        LRKitError: for a negative rate, non-positive ``step_size`` or ``gamma`` outside ``(0, 1]``.

    Example:
        >>> s = step(lr=1.0, step_size=10, gamma=0.5)
        >>> s(9), s(10), s(25)
        (1.0, 0.5, 0.25)
    """

    name = "step"
    lr: float
    step_size: int
    gamma: float = 0.1

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check_positive("lr", self.lr, self.name, allow_zero=True))
        object.__setattr__(self, "step_size", check_int("step_size", self.step_size, self.name))
        object.__setattr__(self, "gamma", _gamma(self.gamma, self.name))

    def _value(self, t: np.ndarray) -> np.ndarray:
        return self.lr * int_power(self.gamma, np.floor(t / self.step_size))


@register(
    "multistep",
    "multiply by gamma at each milestone",
    torch="MultiStepLR",
    example="multistep(lr=0.1, milestones=[30, 60, 90], gamma=0.1)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class MultiStep(Schedule):
    """Drop the rate by ``gamma`` at each milestone.

    .. math::  s(t) = \\eta\\, \\gamma^{\\#\\{j : m_j \\le t\\}}

    A milestone at :math:`m` applies from ``t = m`` on. Milestones are stored as
    a sorted tuple; a repeated milestone drops twice, as in torch ``MultiStepLR``.

    Args:
        lr: the initial rate (>= 0).
        milestones: a non-empty list of positive integer steps.
        gamma: the factor per milestone, in ``(0, 1]``.

    Raises:
        LRKitError: for an empty list, a milestone that is not a positive
            integer, or ``gamma`` outside ``(0, 1]``.

    Example:
        >>> s = multistep(lr=1.0, milestones=[20, 10], gamma=0.1)
        >>> s.milestones
        (10, 20)
        >>> s(9), s(10), round(s(20), 12)
        (1.0, 0.1, 0.01)
    """

    name = "multistep"
    lr: float
    milestones: tuple[int, ...]
    gamma: float = 0.1

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check_positive("lr", self.lr, self.name, allow_zero=True))
        raw = self.milestones
        if isinstance(raw, (str, bytes)) or not isinstance(raw, (list, tuple)) or len(raw) == 0:
            raise LRKitError(
                f"`milestones` of multistep must be a non-empty list of positive integers; got {raw!r}."
            )
        ms = [check_int("milestones", m, self.name) for m in raw]
        object.__setattr__(self, "milestones", tuple(sorted(ms)))
        object.__setattr__(self, "gamma", _gamma(self.gamma, self.name))

    def _value(self, t: np.ndarray) -> np.ndarray:
        passed = np.searchsorted(np.asarray(self.milestones, dtype=np.float64), t, side="right")
        return self.lr * int_power(self.gamma, passed)


@register(
    "exponential",
    "multiply by gamma every update",
    torch="ExponentialLR",
    example="exponential(lr=0.1, gamma=0.999)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class Exponential(Schedule):
    """Exponential decay.

    .. math::  s(t) = \\eta\\, \\gamma^{t}

    Args:
        lr: the initial rate (>= 0).
        gamma: the factor per update, in ``(0, 1]``.

    Raises:
        LRKitError: for a negative rate or ``gamma`` outside ``(0, 1]`` (a growing
            rate is a range-test sweep: see ``exp_sweep``).

    Example:
        >>> s = exponential(lr=1.0, gamma=0.5)
        >>> s(0), s(3)
        (1.0, 0.125)
    """

    name = "exponential"
    lr: float
    gamma: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check_positive("lr", self.lr, self.name, allow_zero=True))
        object.__setattr__(self, "gamma", _gamma(self.gamma, self.name))

    def _value(self, t: np.ndarray) -> np.ndarray:
        # numpy's ``**`` rather than exp(t log gamma): slower, but exact where
        # users look (0.5**3 == 0.125) and equal to torch's closed form.
        return self.lr * self.gamma**t


@register(
    "inverse_time",
    "Keras inverse-time decay lr / (1 + rate * t / decay_steps)",
    example="inverse_time(lr=0.1, decay_rate=0.5, decay_steps=100, staircase=True)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class InverseTime(Schedule):
    """Inverse-time decay (Keras ``InverseTimeDecay``).

    .. math::  s(t) = \\frac{\\eta}{1 + r\\, u(t)}, \\qquad
               u(t) = t / k \\;\\text{or, with staircase,}\\; \\lfloor t / k \\rfloor

    where :math:`\\eta` = ``lr``, :math:`r` = ``decay_rate``, :math:`k` = ``decay_steps``.

    Args:
        lr: the initial rate (>= 0).
        decay_rate: :math:`r` (>= 0).
        decay_steps: :math:`k` (positive integer).
        staircase: decay in discrete steps every ``decay_steps`` updates.

    Raises:
        LRKitError: for negative rates, non-positive ``decay_steps`` or a non-bool ``staircase``.

    Example:
        >>> s = inverse_time(lr=1.0, decay_rate=1.0, decay_steps=10)
        >>> s(0), s(10), s(30)
        (1.0, 0.5, 0.25)
        >>> inverse_time(lr=1.0, decay_rate=1.0, decay_steps=10, staircase=True)(19)
        0.5
    """

    name = "inverse_time"
    lr: float
    decay_rate: float
    decay_steps: int = 1
    staircase: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check_positive("lr", self.lr, self.name, allow_zero=True))
        object.__setattr__(
            self, "decay_rate", check_positive("decay_rate", self.decay_rate, self.name, allow_zero=True)
        )
        object.__setattr__(self, "decay_steps", check_int("decay_steps", self.decay_steps, self.name))
        if not isinstance(self.staircase, bool):
            raise LRKitError(f"`staircase` of inverse_time must be True or False; got {self.staircase!r}.")

    def _value(self, t: np.ndarray) -> np.ndarray:
        u = t / self.decay_steps
        if self.staircase:
            u = np.floor(u)
        return self.lr / (1.0 + self.decay_rate * u)


@register(
    "inverse_sqrt",
    "linear warmup, then lr * sqrt(timescale / t) (Hugging Face inverse_sqrt)",
    torch="HF get_inverse_sqrt_schedule",
    example="inverse_sqrt(lr=0.001, warmup=100)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class InverseSqrt(Schedule):
    """Inverse square-root decay after a linear warmup, with Hugging Face semantics.

    .. math::

        s(t) = \\begin{cases}
            \\eta\\, t / w & t < w \\\\
            \\eta \\big/ \\sqrt{(t - w + \\tau) / \\tau} & t \\ge w
        \\end{cases}

    where :math:`\\eta` = ``lr``, :math:`w` = ``warmup`` and :math:`\\tau` =
    ``timescale`` (default :math:`w`, or 10,000 when ``warmup=0``). With the
    default timescale the decay is :math:`\\eta \\sqrt{w / t}`, the Transformer
    ("Noam") schedule. This equals ``transformers.get_inverse_sqrt_schedule``
    (``LambdaLR``, whose first update uses ``s(0) = 0`` when ``warmup > 0``).

    Args:
        lr: the peak rate, reached at ``t = warmup`` (>= 0).
        warmup: linear warmup updates (integer >= 0).
        timescale: :math:`\\tau` (positive integer) or ``None`` for the default.

    Raises:
        LRKitError: for a negative rate or warmup, or a non-positive timescale.

    Example:
        >>> s = inverse_sqrt(lr=1.0, warmup=100)
        >>> s(0), s(50), s(100), s(400)
        (0.0, 0.5, 1.0, 0.5)
    """

    name = "inverse_sqrt"
    lr: float
    warmup: int
    timescale: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr", check_positive("lr", self.lr, self.name, allow_zero=True))
        object.__setattr__(self, "warmup", check_int("warmup", self.warmup, self.name, low=0))
        if self.timescale is not None:
            object.__setattr__(self, "timescale", check_int("timescale", self.timescale, self.name))

    @property
    def tau(self) -> int:
        """The effective timescale (HF: ``timescale or warmup or 10_000``)."""
        return self.timescale if self.timescale is not None else (self.warmup or 10_000)

    def _value(self, t: np.ndarray) -> np.ndarray:
        w, tau = float(self.warmup), float(self.tau)
        ramp = t / max(1.0, w)
        # For t >= w the argument t + tau - w is >= tau, so the clamp only keeps
        # warmup steps (where this branch is unused) away from sqrt of a negative.
        decay = 1.0 / np.sqrt(np.maximum(t + (tau - w), tau) / tau)
        return self.lr * np.where(t < w, ramp, decay)


step = Step
multistep = MultiStep
exponential = Exponential
inverse_time = InverseTime
inverse_sqrt = InverseSqrt
