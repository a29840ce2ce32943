"""The schedule value type, its registry, and spec formatting.

A schedule is an immutable value that maps the update number ``t`` (0, 1, 2, ...)
to a learning rate. Every family is a frozen dataclass whose fields are its
public parameters; subclasses implement ``_value(t)`` on a float64 array of
non-negative steps and return an array of rates of the same shape.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Collection
from typing import Any, ClassVar, overload

import numpy as np

from lrkit.errors import MAX_INT, LRKitError, shown, unknown_name

__all__ = [
    "Schedule",
    "ScheduleInfo",
    "register",
    "registry",
    "format_value",
    "spec_call",
    "plain",
    "steps_array",
]

def format_value(value: Any) -> str:
    """Render one parameter value in spec syntax (round-trips through ``parse``).

    Example:
        >>> [format_value(v) for v in (0.1, float("inf"), None, "cos", (30, 60), np.int64(7))]
        ['0.1', 'inf', 'None', "'cos'", '[30, 60]', '7']
    """
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


def _none_defaults(obj: Any) -> set[str]:
    """Names of dataclass fields whose default is ``None``."""
    return {f.name for f in dataclasses.fields(obj) if f.default is None}


def spec_call(name: str, params: dict[str, Any], omit_if_none: Collection[str] = ()) -> str:
    """Write ``name(key=value, ...)``, leaving out ``None`` values of ``omit_if_none`` keys.

    Example:
        >>> spec_call("cyclic", {"base_lr": 1e-3, "max_lr": 0.1, "step_size_up": 200, "step_size_down": None},
        ...           omit_if_none=("step_size_down",))
        'cyclic(base_lr=0.001, max_lr=0.1, step_size_up=200)'
    """
    args = ", ".join(
        f"{k}={format_value(v)}" for k, v in params.items() if not (v is None and k in omit_if_none)
    )
    return f"{name}({args})"


def plain(value: Any) -> Any:
    """Convert a parameter value to JSON-friendly plain data."""
    if isinstance(value, Schedule):
        return value.to_dict()
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def _step_values(t: Any) -> np.ndarray:
    """``t`` as a numpy array; a torch tensor read on the CPU, without its graph, bfloat16 widened."""
    if callable(getattr(t, "detach", None)) and callable(getattr(t, "is_floating_point", None)):
        t = t.detach().cpu()  # torch tensors: numpy reads neither grad-tracking, device nor bfloat16 ones
        t = t.double() if t.is_floating_point() else t
    return np.asarray(t)


def steps_array(t: Any, owner: str) -> np.ndarray:
    """Validate steps (an int or array of ints in ``[0, 2**63 - 1]``) and return them as float64.

    A step is any whole number up to int64's limit, numpy's and torch's step counters: an
    ``int``, a whole float, a numpy or torch integer, an array or tensor of them (0-d included).

    Example:
        >>> steps_array(3, "demo"), steps_array([0, 2.0], "demo").tolist()
        (array(3.), [0.0, 2.0])
        >>> steps_array(10**20, "demo")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `t` of demo must be an integer step in [0, 2**63 - 1]; got 1000...
    """
    allowed = f"`t` of {owner} must be an integer step in [0, 2**63 - 1]"
    try:
        arr = _step_values(t)
    except (TypeError, ValueError, OverflowError, RuntimeError):
        raise LRKitError(f"{allowed}; got {shown(t)}.") from None
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise LRKitError(f"{allowed}; got {shown(t)}.")
    if arr.size and np.issubdtype(arr.dtype, np.unsignedinteger) and int(arr.max()) > MAX_INT:
        raise LRKitError(f"{allowed}; got {int(arr.max())}.")
    tf = arr.astype(np.float64)
    if tf.size:
        # Integer input only needs a sign check; floats also need to be whole and
        # finite (``floor(nan) != nan``; ``inf`` is caught by the max), and below 2**63.
        ok = tf.min() >= 0 and (
            np.issubdtype(arr.dtype, np.integer) or (tf.max() < 2.0**63 and bool(np.all(tf == np.floor(tf))))
        )
        if not ok:
            bad = tf[(~np.isfinite(tf)) | (tf < 0) | (tf != np.floor(tf)) | (tf >= 2.0**63)].ravel()[0]
            raise LRKitError(f"{allowed}; got {float(bad)!r}.")
    return tf


class Schedule:
    """Base class of every schedule: a pure function of the step.

    Step convention: ``schedule(t)`` is the rate used by update number ``t``,
    counting from 0; the first ``optimizer.step()`` uses ``schedule(0)``.

    Subclasses are frozen dataclasses; they set ``name`` (the registry and spec
    name), validate their fields in ``__post_init__`` and implement ``_value``.
    ``horizon`` is how many updates the schedule lasts as a phase of ``a >> b``
    (``None`` when endless); past it, a schedule holds its final value.

    Example:
        >>> import numpy as np
        >>> from lrkit.schedules import cosine, parse
        >>> s = cosine(lr=0.1, steps=4)
        >>> s(0), s(np.arange(5)).round(4).tolist(), s.horizon  # scalar or vectorized; held past 4
        (0.1, [0.1, 0.0854, 0.05, 0.0146, 0.0], 4)
        >>> parse(repr(s)) == s, s.to_dict()
        (True, {'name': 'cosine', 'lr': 0.1, 'steps': 4, 'min_lr': 0.0})
    """

    name: ClassVar[str] = "schedule"

    # -- evaluation ---------------------------------------------------------
    @overload
    def __call__(self, t: int | np.integer[Any]) -> float: ...

    @overload
    def __call__(self, t: np.ndarray) -> np.ndarray: ...

    def __call__(self, t: int | np.ndarray) -> float | np.ndarray:
        """The rate at step ``t`` (an int, or an array of ints, vectorized).

        Raises:
            LRKitError: if a step is negative, fractional or not a number.
        """
        tf = steps_array(t, self.name)
        if tf.ndim == 0:
            # Evaluate a scalar as a 1-element array: numpy computes 0-d operands
            # with scalar math (e.g. ``**``), which can differ from its array
            # loops by an ulp; this keeps s(t) == s(array)[i] exactly.
            return float(self.evaluate(tf.reshape(1))[0])
        return self.evaluate(tf)

    def evaluate(self, t: np.ndarray) -> np.ndarray:
        """``_value`` on steps already validated as a float64 array, shaped like ``t``.

        Composites call this on their parts so a step array is validated once.
        """
        out = np.asarray(self._value(t), dtype=np.float64)
        return np.broadcast_to(out, t.shape).copy() if out.shape != t.shape else out

    def _value(self, t: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def horizon(self) -> int | None:
        """Updates this schedule lasts as a phase of a sequence, or ``None`` if endless.

        Defaults to the ``steps`` parameter when the family has one; families
        with another notion of length override this. ``a >> b`` runs ``a`` for
        ``a.horizon`` updates (``t = 0 .. horizon-1``), then ``b``. Past its
        horizon a schedule holds its final value.
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
        """The spec string: ``parse(s.to_spec()) == s``.

        Optional parameters left at ``None`` (meaning "not given", e.g. the
        ``steps`` of an endless ``constant``) are omitted, so specs stay short.
        """
        return spec_call(self.name, self.params(), _none_defaults(self))

    def to_dict(self) -> dict[str, Any]:
        """Plain data: ``{"name": ..., **params}``; ``from_dict`` inverts it."""
        return {"name": self.name, **{k: plain(v) for k, v in self.params().items()}}

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
        composite: True when the factory returns a composition of primitives
            (its value's ``name`` is then that of the outer primitive, usually
            ``"sequence"``).
        example: a valid spec of this family; the CLI, the docs and the
            conformance tests build it with :func:`lrkit.schedules.parse`.
        stateful: True for controllers such as ``reduce_on_plateau`` whose rate
            depends on observed metrics, not on the step alone.

    Example:
        >>> from lrkit.schedules import registry
        >>> info = registry["wsd"]
        >>> info.composite, info.stateful, info.factory(lr=1.0, warmup=1, stable=2, decay=1)(2)
        (True, False, 1.0)
    """

    name: str
    factory: Callable[..., Any]
    summary: str
    torch: str = "-"
    composite: bool = False
    example: str = ""
    stateful: bool = False


registry: dict[str, ScheduleInfo] = {}


def register(
    name: str,
    summary: str,
    *,
    torch: str = "-",
    composite: bool = False,
    example: str = "",
    stateful: bool = False,
) -> Callable[[Any], Any]:
    """Class or function decorator adding ``name`` to :data:`registry`.

    Args:
        name: the spec name.
        summary: one line for ``lrkit schedule list``.
        torch: the torch counterpart, if any.
        composite: the factory returns a composition of primitives.
        example: a valid spec of the family (defaults to none; every built-in
            family gives one and a conformance test checks it).
        stateful: the factory builds a metric-driven controller, not a schedule.

    Example:
        >>> from lrkit.schedules import exponential, lookup, parse, register, registry
        >>> @register("half_life", "halves every `period` updates", example="half_life(lr=1, period=10)")
        ... def half_life(lr, period):
        ...     return exponential(lr=lr, gamma=0.5 ** (1 / period))
        >>> lookup("half_life").summary, round(float(parse("half_life(lr=1, period=10)")(10)), 12)
        ('halves every `period` updates', 0.5)
        >>> del registry["half_life"]  # leave the registry as it was
    """

    def deco(obj: Any) -> Any:
        if name in registry:
            old = registry[name].factory
            # Re-executing the same module (pytest's importlib mode does, to doctest
            # one file) re-registers the same definition: allow that, nothing else.
            same = (old.__module__, old.__qualname__) == (obj.__module__, obj.__qualname__)
            if not same:
                raise LRKitError(f"schedule name {name!r} is registered twice.")
        registry[name] = ScheduleInfo(name, obj, summary, torch, composite, example, stateful)
        return obj

    return deco


def lookup(name: str) -> ScheduleInfo:
    """Return the registry record for ``name`` or raise with a did-you-mean hint.

    Example:
        >>> from lrkit.schedules import lookup
        >>> info = lookup("cosine")
        >>> info.torch, info.composite, info.factory(lr=0.1, steps=10)(5)
        ('CosineAnnealingLR', False, 0.05)
    """
    try:
        return registry[name]
    except KeyError:
        raise unknown_name("schedule", name, registry) from None
