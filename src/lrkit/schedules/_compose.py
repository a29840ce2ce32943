"""Composition of schedules: sequence (``a >> b``), scale, clip, per-epoch.

Composites such as ``warmup_cosine`` are built from these and the primitive
families, never re-implemented.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from lrkit.errors import LRKitError, check_finite, check_int, check_positive
from lrkit.schedules._base import Schedule, register

__all__ = ["Sequence", "Scale", "Clip", "PerEpoch", "sequence", "scale", "clip", "per_epoch"]


def _check_schedule(name: str, value: Any, owner: str) -> Schedule:
    if not isinstance(value, Schedule):
        raise LRKitError(f"`{name}` of {owner} must be a schedule; got {value!r}.")
    return value


@register(
    "sequence",
    "run each phase for its horizon, then the next (the >> operator)",
    torch="SequentialLR",
    example="sequence(phases=[linear(start=0.0, end=0.1, steps=100), cosine(lr=0.1, steps=900)])",
)
@dataclasses.dataclass(frozen=True, repr=False)
class Sequence(Schedule):
    """Phases run one after another; each phase's clock restarts at 0.

    .. math::  s(t) = s_k(t - T_k), \\quad T_k \\le t < T_{k+1},\\ T_k = \\sum_{j<k} \\mathrm{horizon}(s_j)

    The last phase may be endless. Nested sequences are flattened, so
    ``(a >> b) >> c == a >> (b >> c)``.

    Args:
        phases: two or more schedules; all but the last need a finite horizon.

    Example:
        >>> from lrkit.schedules import linear, cosine
        >>> s = linear(start=0.0, end=0.1, steps=10) >> cosine(lr=0.1, steps=90)
        >>> s(0), s(10), s(100)
        (0.0, 0.1, 0.0)
    """

    name = "sequence"
    phases: tuple[Schedule, ...]

    def __post_init__(self) -> None:
        phases = tuple(self.phases) if isinstance(self.phases, (list, tuple)) else self.phases
        if not isinstance(phases, tuple) or len(phases) < 2:
            raise LRKitError(
                f"`phases` of sequence must be a list of at least 2 schedules; got {self.phases!r}."
            )
        flat: list[Schedule] = []
        for p in phases:
            _check_schedule("phases", p, "sequence")
            flat.extend(p.phases if isinstance(p, Sequence) else (p,))
        for p in flat[:-1]:
            if p.horizon is None:
                raise LRKitError(
                    f"`phases` of sequence must have a finite horizon except the last; got {p.to_spec()} "
                    "which never ends (give it `steps`)."
                )
        object.__setattr__(self, "phases", tuple(flat))

    @property
    def boundaries(self) -> np.ndarray:
        """Step at which each phase after the first starts."""
        return np.cumsum([p.horizon for p in self.phases[:-1]], dtype=np.float64)

    @property
    def horizon(self) -> int | None:
        last = self.phases[-1].horizon
        return None if last is None else int(sum(p.horizon for p in self.phases))  # type: ignore[misc]

    def _value(self, t: np.ndarray) -> np.ndarray:
        bounds = self.boundaries
        starts = np.concatenate([[0.0], bounds])
        flat = t.ravel()
        out = np.empty_like(flat)
        if flat.size > 1 and bool(np.all(flat[1:] >= flat[:-1])):
            # Sorted steps (a whole run, the usual case): each phase is a contiguous
            # slice, found by bisection; no per-element masks or gathers.
            edges = [*np.searchsorted(flat, bounds, side="left"), flat.size]
            lo = 0
            for k, phase in enumerate(self.phases):
                hi = int(edges[k])
                if hi > lo:
                    out[lo:hi] = phase.evaluate(flat[lo:hi] - starts[k])
                lo = max(lo, hi)
        else:
            idx = np.searchsorted(bounds, flat, side="right")
            for k, phase in enumerate(self.phases):
                mask = idx == k
                if np.any(mask):
                    out[mask] = phase.evaluate(flat[mask] - starts[k])
        return out.reshape(t.shape)

    def to_spec(self) -> str:
        return " >> ".join(p.to_spec() for p in self.phases)


def sequence(*phases: Schedule) -> Sequence:
    """Join schedules end to end; ``sequence(a, b) == a >> b``.

    Example:
        >>> from lrkit.schedules import constant, linear
        >>> s = sequence(linear(start=0.0, end=1.0, steps=4), constant(lr=1.0))
        >>> s == linear(start=0.0, end=1.0, steps=4) >> constant(lr=1.0), s(2), s(4)
        (True, 0.5, 1.0)
    """
    return Sequence(tuple(phases))


@register(
    "scale",
    "multiply a schedule by a constant factor",
    example="scale(schedule=cosine(lr=1.0, steps=100), factor=0.1)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class Scale(Schedule):
    """``factor * schedule(t)``.

    Example:
        >>> from lrkit.schedules import constant
        >>> scale(constant(lr=0.1), 0.5)(3)
        0.05
    """

    name = "scale"
    schedule: Schedule
    factor: float

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule, "scale")
        object.__setattr__(self, "factor", check_positive("factor", self.factor, "scale", allow_zero=True))

    @property
    def horizon(self) -> int | None:
        return self.schedule.horizon

    def _value(self, t: np.ndarray) -> np.ndarray:
        return self.factor * self.schedule.evaluate(t)


def scale(schedule: Schedule, factor: float) -> Scale:
    """Multiply ``schedule`` by ``factor`` (>= 0).

    Example:
        >>> from lrkit.schedules import cosine
        >>> scale(cosine(lr=1.0, steps=100), 0.1)(0)
        0.1
    """
    return Scale(schedule, factor)


@register(
    "clip",
    "clamp a schedule into [lo, hi]",
    example="clip(schedule=exponential(lr=0.1, gamma=0.99), lo=0.001, hi=0.05)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class Clip(Schedule):
    """``min(max(schedule(t), lo), hi)``.

    Example:
        >>> from lrkit.schedules import exponential
        >>> clip(exponential(lr=1.0, gamma=0.5), lo=0.2)(10)
        0.2
    """

    name = "clip"
    schedule: Schedule
    lo: float = 0.0
    hi: float = float("inf")

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule, "clip")
        lo = check_finite("lo", self.lo, "clip")
        hi = float(self.hi) if self.hi == float("inf") else check_finite("hi", self.hi, "clip")
        if hi < lo:
            raise LRKitError(f"`hi` of clip must be >= lo ({lo:g}); got {hi:g}.")
        object.__setattr__(self, "lo", lo)
        object.__setattr__(self, "hi", hi)

    @property
    def horizon(self) -> int | None:
        return self.schedule.horizon

    def _value(self, t: np.ndarray) -> np.ndarray:
        return np.clip(self.schedule.evaluate(t), self.lo, self.hi)


def clip(schedule: Schedule, lo: float = 0.0, hi: float = float("inf")) -> Clip:
    """Clamp ``schedule`` into ``[lo, hi]``.

    Example:
        >>> from lrkit.schedules import linear
        >>> s = clip(linear(start=0.0, end=1.0, steps=10), lo=0.05, hi=0.5)
        >>> s(0), s(3), s(9)
        (0.05, 0.3, 0.5)
    """
    return Clip(schedule, lo, hi)


@register(
    "per_epoch",
    "a schedule written in epochs, held constant within each epoch",
    example="per_epoch(schedule=step(lr=0.1, step_size=30), steps_per_epoch=391)",
)
@dataclasses.dataclass(frozen=True, repr=False)
class PerEpoch(Schedule):
    """Convert a schedule whose clock is the epoch into one whose clock is the update.

    .. math::  s(t) = e(\\lfloor t / n \\rfloor)

    with ``e`` the epoch schedule and ``n = steps_per_epoch`` (optimizer updates
    per epoch, i.e. batches / accumulation steps). This is what torch does when
    ``scheduler.step()`` is called once per epoch.

    Example:
        >>> from lrkit.schedules import step
        >>> s = per_epoch(step(lr=1.0, step_size=2, gamma=0.1), steps_per_epoch=100)
        >>> s(199), s(200)
        (1.0, 0.1)
    """

    name = "per_epoch"
    schedule: Schedule
    steps_per_epoch: int

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule, "per_epoch")
        object.__setattr__(
            self, "steps_per_epoch", check_int("steps_per_epoch", self.steps_per_epoch, "per_epoch")
        )

    @property
    def horizon(self) -> int | None:
        h = self.schedule.horizon
        return None if h is None else h * self.steps_per_epoch

    def _value(self, t: np.ndarray) -> np.ndarray:
        return self.schedule.evaluate(np.floor(t / self.steps_per_epoch))


def per_epoch(schedule: Schedule, steps_per_epoch: int) -> PerEpoch:
    """Evaluate an epoch-clocked ``schedule`` at ``floor(t / steps_per_epoch)``.

    Example:
        >>> from lrkit.schedules import multistep
        >>> s = per_epoch(multistep(lr=1.0, milestones=[30, 60]), steps_per_epoch=391)
        >>> s(30 * 391 - 1), s(30 * 391), s.horizon  # the rate drops at the first update of epoch 30
        (1.0, 0.1, None)
    """
    return PerEpoch(schedule, steps_per_epoch)
