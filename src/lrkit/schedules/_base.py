"""The schedule value type, its registry, and spec formatting.

A schedule is an immutable value that maps the update number ``t`` (0, 1, 2, ...)
to a learning rate. Every family is a frozen dataclass whose fields are its
public parameters; subclasses implement ``_value(t)`` on a float64 array of
non-negative steps and return an array of rates of the same shape.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from lrkit.errors import LRKitError, unknown_name

__all__ = ["Schedule", "ScheduleInfo", "register", "registry", "format_value"]


def format_value(value: Any) -> str:
    """Render one parameter value in spec syntax (round-trips through ``parse``)."""
    if isinstance(value, Schedule):
        return value.to_spec()
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    raise LRKitError(f"cannot write a value of type {type(value).__name__} in a spec; got {value!r}.")


def _plain(value: Any) -> Any:
    """Convert a parameter value to JSON-friendly plain data."""
    if isinstance(value, Schedule):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


class Schedule:
    """Base class of every schedule: a pure function of the step.

    Step convention: ``schedule(t)`` is the rate used by update number ``t``,
    counting from 0; the first ``optimizer.step()`` uses ``schedule(0)``.

    Subclasses are frozen dataclasses; they set ``name`` (the registry and spec
    name) and implement ``_value``. ``horizon`` is the number of
    updates after which the schedule holds its final value (``None`` when it has
    none); ``a >> b`` needs ``a.horizon``.
    """

    name: ClassVar[str] = "schedule"

    # -- evaluation ---------------------------------------------------------
    def __call__(self, t: int | np.ndarray) -> float | np.ndarray:
        arr = np.asarray(t)
        if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
            raise LRKitError(f"`t` of {self.name} must be an integer step >= 0; got {t!r}.")
        tf = arr.astype(np.float64)
        if tf.size and (not np.all(np.isfinite(tf)) or np.any(tf < 0) or np.any(tf != np.floor(tf))):
            bad = tf[(~np.isfinite(tf)) | (tf < 0) | (tf != np.floor(tf))].ravel()[0]
            raise LRKitError(f"`t` of {self.name} must be an integer step >= 0; got {bad!r}.")
        out = np.asarray(self._value(tf), dtype=np.float64)
        if arr.ndim == 0:
            return float(out)
        return np.broadcast_to(out, tf.shape).copy() if out.shape != tf.shape else out

    def _value(self, t: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def horizon(self) -> int | None:
        """Updates until the final value is reached, or ``None`` if endless.

        Defaults to the ``steps`` parameter when the family has one; families
        with another notion of length override this. ``a >> b`` runs ``a`` for
        ``a.horizon`` updates.
        """
        steps = self.__dict__.get("steps")
        return int(steps) if isinstance(steps, (int, np.integer)) else None

    # -- composition --------------------------------------------------------
    def __rshift__(self, other: Schedule) -> Schedule:
        from lrkit.schedules._compose import sequence

        if not isinstance(other, Schedule):
            return NotImplemented
        return sequence(self, other)

    # -- serialisation -------------------------------------------------------
    def params(self) -> dict[str, Any]:
        """The constructor arguments, in declaration order."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    def to_spec(self) -> str:
        """The spec string: ``parse(s.to_spec()) == s``."""
        args = ", ".join(f"{k}={format_value(v)}" for k, v in self.params().items())
        return f"{self.name}({args})"

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``{"name": ..., **params}``; ``from_dict`` inverts it."""
        return {"name": self.name, **{k: _plain(v) for k, v in self.params().items()}}

    def __repr__(self) -> str:
        return self.to_spec()

    def __str__(self) -> str:
        return self.to_spec()


@dataclasses.dataclass(frozen=True)
class ScheduleInfo:
    """Registry record for one schedule name.

    Attributes:
        name: the spec name, e.g. ``"cosine"``.
        factory: builds the schedule from keyword parameters.
        summary: one line for ``lrkit schedule list``.
        torch: the matching ``torch.optim.lr_scheduler`` class or recipe, if any.
        composite: True when the factory returns a composition of primitives.
    """

    name: str
    factory: Callable[..., Any]
    summary: str
    torch: str = "-"
    composite: bool = False


registry: dict[str, ScheduleInfo] = {}


def register(name: str, summary: str, *, torch: str = "-", composite: bool = False) -> Callable[[Any], Any]:
    """Class or function decorator adding ``name`` to :data:`registry`."""

    def deco(obj: Any) -> Any:
        if name in registry:
            raise LRKitError(f"schedule name {name!r} is registered twice.")
        registry[name] = ScheduleInfo(name, obj, summary, torch, composite)
        return obj

    return deco


def lookup(name: str) -> ScheduleInfo:
    """Return the registry record for ``name`` or raise with a did-you-mean hint."""
    try:
        return registry[name]
    except KeyError:
        raise unknown_name("schedule", name, registry) from None
