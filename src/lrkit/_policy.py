"""Policy records: the tuned numbers of a heuristic, each with its reason and its evidence.

A heuristic (the finder's rules, ``diagnose``'s tests, the Autopilot, ``tune``'s defaults)
is mechanism plus a handful of numbers that were chosen by measurement. The mechanism is
code; the numbers live in one frozen *policy record* per heuristic, passed as the public,
keyword-only ``policy=`` argument of its entry point, whose default is the measured one.
Varying a heuristic (a benchmark, a cross-validation, a user who knows better) is then a
loop over that argument, never a patch of a private function.

Every field of a record is declared with :func:`tuned`: its default, one line saying why
that value, a pointer to the evidence (a section of ``BENCHMARKS.md``, written
``BENCHMARKS.md#finder_dev``, or an anchor of ``docs/evidence.md``), and the check that
rejects a bad value with a :class:`~lrkit.LRKitError` when the record is built. The
class docstring lists the fields with their reasons (see :func:`policy_record`).

Example:
    >>> from lrkit._policy import Policy, policy_record, positive, tuned
    >>> @policy_record
    ... class Demo(Policy):
    ...     '''A demonstration policy.'''
    ...     width: float = tuned(0.3, "wide enough to average a few batches", "docs/evidence.md#smoothing",
    ...                          positive)
    >>> Demo().width, Demo(width=0.5).replace(width=1.0).width
    (0.3, 1.0)
    >>> Demo(width=-1)
    Traceback (most recent call last):
    ...
    lrkit.errors.LRKitError: `width` of Demo must be a finite number > 0; got -1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from lrkit.errors import (LRKitError, check_choice, check_instance, check_int, check_positive, check_range,
                          unknown_name)

__all__ = ["Policy", "policy_record", "tuned", "positive", "non_negative", "integer", "fraction", "choice",
           "at_least", "rate_band", "nested"]

Check = Callable[[str, Any, str], Any]
P = TypeVar("P", bound="Policy")


def tuned(default: Any, why: str, evidence: str, check: Check | None = None) -> Any:
    """Declare one field of a policy record: its default, why, where the evidence is, its check.

    Args:
        default: the measured value (immutable: a number, a string, a tuple).
        why: one line: what the number does and why this value.
        evidence: ``BENCHMARKS.md#<section>`` or ``docs/evidence.md#<anchor>``.
        check: ``check(name, value, owner) -> value`` raising :class:`~lrkit.LRKitError`.
    """
    return dataclasses.field(default=default, metadata={"why": why, "evidence": evidence, "check": check})


def positive(name: str, value: Any, owner: str) -> float:
    """A finite number > 0."""
    return check_positive(name, value, owner)


def non_negative(name: str, value: Any, owner: str) -> float:
    """A finite number >= 0."""
    return check_positive(name, value, owner, allow_zero=True)


def integer(name: str, value: Any, owner: str) -> int:
    """A positive integer."""
    return check_int(name, value, owner)


def at_least(low: float, *, whole: bool = False) -> Check:
    """A number (an integer when ``whole``) of at least ``low``."""
    def check(name: str, value: Any, owner: str) -> Any:
        if whole:
            return check_int(name, value, owner, low=int(low))
        return check_range(name, value, owner, low, float("inf"))
    return check


def fraction(name: str, value: Any, owner: str) -> float:
    """A number in (0, 1)."""
    return check_range(name, value, owner, 0.0, 1.0, low_open=True, high_open=True)


def rate_band(name: str, value: Any, owner: str) -> tuple[float, float]:
    """A ``(lo, hi)`` pair of rates with ``0 < lo < hi``."""
    ok = isinstance(value, (tuple, list)) and len(value) == 2
    lo, hi = (float(v) for v in value) if ok else (0.0, 0.0)
    if not ok or not 0.0 < lo < hi:
        raise LRKitError(f"`{name}` of {owner} must be a (lo, hi) pair of rates with 0 < lo < hi; "
                         f"got {value!r}.")
    return lo, hi


def nested(kind: type) -> Check:
    """An instance of ``kind`` (a nested policy record)."""
    def check(name: str, value: Any, owner: str) -> Any:
        return check_instance(name, value, owner, kind)
    return check


def choice(*options: str) -> Check:
    """One of ``options``."""
    def check(name: str, value: Any, owner: str) -> str:
        return check_choice(name, value, owner, options)
    return check


class Policy:
    """Base of the policy records: validation on construction, ``replace``, dict round trip."""

    def __post_init__(self) -> None:
        owner = type(self).__name__
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            check = f.metadata.get("check")
            if check is not None:
                object.__setattr__(self, f.name, check(f.name, getattr(self, f.name), owner))
        self._check_together()

    def _check_together(self) -> None:
        """Checks that involve several fields (none by default)."""

    def replace(self: P, **changes: Any) -> P:
        """A copy with some fields changed (validated like a new record).

        Raises:
            LRKitError: for an unknown field or a bad value.
        """
        names = [f.name for f in dataclasses.fields(self)]  # type: ignore[arg-type]
        for key in changes:
            if key not in names:
                raise unknown_name(f"field of {type(self).__name__}", key, names)
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    def __repr__(self) -> str:
        """The fields that differ from the defaults, as a call: ``FinderPolicy(diverge_threshold=1.0)``."""
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        changed = [f"{f.name}={getattr(self, f.name)!r}" for f in fields
                   if getattr(self, f.name) != f.default]
        return f"{type(self).__name__}({', '.join(changed)})"

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain data (tuples become lists); :meth:`from_dict` reads it back."""
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        return {f.name: _plain(getattr(self, f.name)) for f in fields}

    @classmethod
    def from_dict(cls: type[P], data: Mapping[str, Any]) -> P:
        """Rebuild from :meth:`to_dict` output; keys left out take the defaults.

        Raises:
            LRKitError: for a non-mapping, an unknown key or a bad value.
        """
        if not isinstance(data, Mapping):
            kind = type(data).__name__
            raise LRKitError(f"`data` of {cls.__name__}.from_dict must be a mapping; got {kind}.")
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        for key in data:
            if key not in fields:
                raise unknown_name(f"field of {cls.__name__}", str(key), fields)
        values = {k: tuple(v) if isinstance(fields[k].default, tuple) else v for k, v in data.items()}
        return cls(**values)


def _plain(value: Any) -> Any:
    return [_plain(v) for v in value] if isinstance(value, (tuple, list)) else value


def policy_record(cls: type[P]) -> type[P]:
    """Make ``cls`` a frozen dataclass and append its fields, with their reasons, to its docstring.

    Every field must be declared with :func:`tuned` (a field without a reason or evidence is
    an error at import time).
    """
    cls = dataclasses.dataclass(frozen=True, repr=False)(cls)
    doc = (cls.__doc__ or "").rstrip()
    pad = " " * min((len(line) - len(line.lstrip()) for line in doc.splitlines()[1:] if line.strip()),
                    default=4)
    lines = ["", "", f"{pad}Fields (default: why; evidence):"]
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not f.metadata.get("why") or not f.metadata.get("evidence"):
            raise TypeError(f"field {f.name!r} of {cls.__name__} must be declared with tuned(...)")
        lines.append(f"{pad}    {f.name} = {f.default!r}: {f.metadata['why']}; {f.metadata['evidence']}")
    cls.__doc__ = doc + "\n".join(lines) + "\n"
    return cls

