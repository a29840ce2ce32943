"""The one error type of lrkit and the validators that raise it.

Every message has one shape, naming the parameter, its owner, what is allowed
and what was given::

    `steps` of cosine must be a positive integer; got -5.

Validation happens at construction time, never mid-training.
"""

from __future__ import annotations

import difflib
import math
import numbers
import os
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["LRKitError", "RateConflictWarning", "MAX_INT", "MAX_SHOWN", "available_memory", "check_choice",
           "check_count", "check_finite", "check_flag", "check_instance", "check_int", "check_positive",
           "check_range", "exception_line", "group_rate_problem", "missing_package", "scalar_value", "shown",
           "unknown_name"]


#: Largest integer any count may be: numpy's int64, which step counters and array sizes use.
MAX_INT = 2**63 - 1


class LRKitError(ValueError):
    """Raised for every invalid input to lrkit.

    A subclass of :class:`ValueError`, so ``except ValueError`` keeps working.

    Example:
        >>> from lrkit import LRKitError
        >>> issubclass(LRKitError, ValueError)
        True
    """


class RateConflictWarning(UserWarning):
    """Two learning rates given for one run disagree; lrkit says which one it uses.

    lrkit's rule (``docs/schedule.md``, "Which rate wins"): a run's own rate (``lr=`` of
    :func:`lrkit.tasks.train`, ``--lr``) over the schedule's, the schedule's over the
    optimizer's own ``lr``. Filter it like any warning once the choice is deliberate:
    ``warnings.simplefilter("ignore", RateConflictWarning)``.

    Example:
        >>> import torch, warnings
        >>> from lrkit.torch import LRScheduler
        >>> opt = torch.optim.SGD(torch.nn.Linear(3, 1).parameters(), lr=0.1)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     _ = LRScheduler(opt, "cosine(lr=0.01, steps=100)")  # 0.1 or 0.01: the schedule's runs
        >>> [type(w.message).__name__ for w in caught]
        ['RateConflictWarning']
    """


#: Longest rendering of a bad value in a message; past it the value is cut (a 10 kB string or a
#: 4,000-bit integer would otherwise fill the terminal, and ``str`` of a huge int raises).
MAX_SHOWN = 80
#: Widest integer written out in a message (about 60 digits); a wider one is named by its width.
_MAX_BITS = 200


def shown(value: Any) -> str:
    """``value`` as a message quotes it, on one line: cut to :data:`MAX_SHOWN` characters, a huge integer
    by its width, the line breaks of a multi-line ``str`` (a module, a matrix) made spaces.

    Example:
        >>> shown("x" * 100)[-5:], shown(10**5000)
        ('xx...', 'an integer of 16610 bits')
        >>> import numpy as np
        >>> shown(np.eye(2))  # str of a matrix spans two lines
        '[[1. 0.] [0. 1.]]'
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > _MAX_BITS:
        return f"an integer of {value.bit_length()} bits"
    text = repr(value) if isinstance(value, str) else " ".join(str(value).split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _fail(name: str, owner: str, allowed: str, value: Any) -> LRKitError:
    return LRKitError(f"`{name}` of {owner} must be {allowed}; got {shown(value)}.")


def scalar_value(value: Any) -> Any:
    """A number held in a 0-d array or tensor (numpy, torch) as that Python number; else ``value``.

    ``np.float32(0.1)`` is a number to these checks, so ``np.array(0.1)`` and ``torch.tensor(0.1)``
    are too; a 1-element 1-d array is a list, not a number.

    Example:
        >>> import numpy as np
        >>> scalar_value(np.array(3)), scalar_value(np.array([3])), scalar_value("3")
        (3, array([3]), '3')
    """
    if getattr(value, "ndim", None) == 0 and not isinstance(value, numbers.Number) and hasattr(value, "item"):
        try:
            return value.item()
        except (TypeError, ValueError, RuntimeError):  # an object array, a tensor without a value
            return value
    return value


# What an optimizer whose rate is no number is told (the commonest one: transformers' Adafactor with its
# defaults, ``lr=None, relative_step=True``).
_SELF_STEPS = (" (an optimizer that sets its own step sizes, as transformers' Adafactor with "
               "relative_step=True, has no rate to drive: build it with an lr and relative_step=False)")


def group_rate_problem(param_groups: Any) -> tuple[int, bool, str] | None:
    """The first param group whose ``"lr"`` is missing or no number: ``(index, has the key, what it
    holds)``; ``None`` when every group's rate is a number (a 0-d tensor's too).

    Everything lrkit does to an optimizer drives ``group["lr"]``: an optimizer whose rate has another
    name (``step_size``) or none (Adafactor's ``lr=None``, relative steps) has none to drive, and each
    caller refuses it naming itself.

    Example:
        >>> group_rate_problem([{"params": [], "lr": 0.1}]) is None
        True
        >>> group_rate_problem([{"params": [], "lr": 0.1}, {"params": [], "step_size": 0.1}])
        (1, False, "no 'lr' (its keys: ['step_size'])")
        >>> group_rate_problem([{"params": [], "lr": None}])[:2]
        (0, True)
    """
    for i, group in enumerate(param_groups):
        if "lr" not in group:
            return i, False, f"no 'lr' (its keys: {sorted(str(k) for k in group if k != 'params')})"
        if not _is_real(scalar_value(group["lr"])):
            return i, True, f"lr={shown(group['lr'])}{_SELF_STEPS}"
    return None


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _as_float(value: Any) -> float:
    """``float(value)``, with an integer too large for a float read as infinite (not OverflowError)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _finite(value: Any) -> bool:
    return _is_real(value) and math.isfinite(_as_float(value))


def check_finite(name: str, value: Any, owner: str) -> float:
    """Return ``value`` as a float if it is a finite real number, else raise.

    Example:
        >>> check_finite("min_lr", -1, "cosine")
        -1.0
        >>> check_finite("min_lr", float("inf"), "cosine")
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `min_lr` of cosine must be a finite number; got inf.
    """
    value = scalar_value(value)
    if not _finite(value):
        raise _fail(name, owner, "a finite number", value)
    return float(value)


def check_positive(name: str, value: Any, owner: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is finite and > 0 (or >= 0), else raise.

    Example:
        >>> check_positive("lr", 0, "cosine", allow_zero=True)
        0.0
        >>> check_positive("lr", 0, "cosine")
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `lr` of cosine must be a finite number > 0; got 0.
    """
    value = scalar_value(value)
    allowed = "a finite number >= 0" if allow_zero else "a finite number > 0"
    if not _finite(value):
        raise _fail(name, owner, allowed, value)
    if float(value) < 0 or (float(value) == 0 and not allow_zero):
        raise _fail(name, owner, allowed, value)
    return float(value)


def check_int(name: str, value: Any, owner: str, *, low: int = 1, high: int | None = None) -> int:
    """Return ``value`` as an int if it is an integer in ``[low, high]``, else raise.

    Integral floats such as ``100.0`` (what a JSON or YAML file may hold) are
    accepted; ``100.5`` and booleans are not.

    Example:
        >>> check_int("steps", 100.0, "cosine")
        100
        >>> check_int("warmup", 7, "wsd", low=0, high=5)
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `warmup` of wsd must be an integer in [0, 5]; got 7.
    """
    value = scalar_value(value)
    if high is None:
        allowed = {1: "a positive integer", 0: "an integer >= 0"}.get(low, f"an integer >= {low}")
    else:
        allowed = f"an integer in [{low}, {high}]"
    ok = _finite(value) and (isinstance(value, numbers.Integral) or float(value) == int(value))
    if not ok:
        raise _fail(name, owner, allowed, value)
    ivalue = int(value)
    if ivalue < low or (high is not None and ivalue > high):
        raise _fail(name, owner, allowed, value)
    if ivalue > MAX_INT:  # numpy's int64 step counters and array sizes end here
        raise _fail(name, owner, f"an integer <= {MAX_INT} (2**63 - 1)", value)
    return ivalue


def exception_line(exc: BaseException) -> str:
    """``exc`` as one line, ``Type: message`` with its whitespace collapsed, for quoting inside an error.

    Example:
        >>> exception_line(AssertionError("needs   a closure"))
        'AssertionError: needs a closure'
    """
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def available_memory() -> int | None:
    """Bytes of memory this machine can give a new allocation now (``None`` if unknown).

    Linux's ``MemAvailable`` (free plus reclaimable cache), else the physical memory.

    Example:
        >>> m = available_memory()
        >>> m is None or m > 0
        True
    """
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - not a POSIX system
        return None


def check_count(name: str, value: Any, owner: str, *, bytes_each: float, low: int = 1) -> int:
    """:func:`check_int`, then refuse a count whose memory this machine cannot hold.

    A count the user gives (steps, rows, trials) sizes arrays and records; ``bytes_each`` is
    what one unit costs, so ``value * bytes_each`` must fit in :func:`available_memory`.
    Checked before any work starts, so ``--steps 1e12`` fails at once instead of after hours.

    Example:
        >>> check_count("steps", 100, "demo", bytes_each=8)
        100
        >>> check_count("steps", 10**15, "demo", bytes_each=8)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `steps` of demo must be an integer in [1, ...] ...; got 1000000000000000.
    """
    value = check_int(name, value, owner, low=low)
    memory = available_memory()
    if memory is not None and value * bytes_each > memory:
        cap = max(low, int(memory // bytes_each))
        raise LRKitError(
            f"`{name}` of {owner} must be an integer in [{low}, {cap}] (at {bytes_each:g} bytes each, what "
            f"the {memory / 2**30:.1f} GiB of free memory holds); got {value}."
        )
    return value


def check_range(
    name: str,
    value: Any,
    owner: str,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a float if it lies in the interval, else raise.

    The interval is written in the message with brackets, e.g. ``(0, 1]``.

    Example:
        >>> check_range("pct_start", 0.3, "one_cycle", 0, 1, low_open=True, high_open=True)
        0.3
        >>> check_range("pct_start", 1, "one_cycle", 0, 1, low_open=True, high_open=True)
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `pct_start` of one_cycle must be a number in (0, 1); got 1.
    """
    value = scalar_value(value)
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if not _finite(value):
        raise _fail(name, owner, f"a number in {interval}", value)
    v = float(value)
    too_low = v <= low if low_open else v < low
    too_high = v >= high if high_open else v > high
    if too_low or too_high:
        raise _fail(name, owner, f"a number in {interval}", value)
    return v


def check_choice(name: str, value: Any, owner: str, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise listing them.

    Example:
        >>> check_choice("mode", "max", "reduce_on_plateau", ("min", "max"))
        'max'
        >>> check_choice("mode", "up", "reduce_on_plateau", ("min", "max"))
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `mode` of reduce_on_plateau must be one of 'min', 'max'; got 'up'.
    """
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise _fail(name, owner, f"one of {listed}", value)
    return value


def check_flag(name: str, value: Any, owner: str) -> bool:
    """Return ``value`` if it is ``True`` or ``False`` (a switch, not any truthy value), else raise.

    Example:
        >>> check_flag("retry", "no", "find_lr")
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `retry` of find_lr must be True or False; got 'no'.
    """
    if not isinstance(value, bool):
        raise _fail(name, owner, "True or False", value)
    return value


def check_instance(name: str, value: Any, owner: str, kind: type) -> Any:
    """Return ``value`` if it is a ``kind`` (a record such as a policy), else raise naming the type.

    Example:
        >>> check_instance("policy", {"a": 1}, "range_test", dict)
        {'a': 1}
    """
    if not isinstance(value, kind):
        article = "an" if kind.__name__[:1] in "AEIOU" else "a"
        raise _fail(name, owner, f"{article} {kind.__name__}", value)
    return value


def unknown_name(kind: str, name: str, valid: Iterable[str]) -> LRKitError:
    """Build the error for an unknown registry name, with a "did you mean" hint.

    Example:
        >>> print(unknown_name("schedule", "cosin", ["cosine", "step"]))
        unknown schedule 'cosin'; did you mean 'cosine'? Valid: cosine, step.
    """
    valid = sorted(valid)
    text = str(name)
    close = difflib.get_close_matches(text, valid, n=1) if len(text) <= MAX_SHOWN else []
    hint = f"; did you mean {close[0]!r}?" if close else "."
    quoted = shown(name) if isinstance(name, str) else repr(name)[:MAX_SHOWN]
    return LRKitError(f"unknown {kind} {quoted}{hint} Valid: {', '.join(valid)}.")


def missing_package(errors: Mapping[str, ImportError], needs: str, package: str, install: str) -> ImportError:
    """The error to raise when an optional package failed to import under each name tried.

    ``errors`` maps each top-level module name tried (``lightning``, then the pre-2.0
    ``pytorch_lightning``) to the error its import raised. When none of them is installed: one
    ``ModuleNotFoundError`` saying what needs the package and how to install it (its ``name`` the first
    module's, so ``except ModuleNotFoundError`` still catches it). When one is installed but fails
    inside (a module it imports is missing, a version conflict): that error, whose own words say
    what is wrong, not "not installed".

    Example:
        >>> gone = {"lightning": ModuleNotFoundError("No module named 'lightning'", name="lightning")}
        >>> print(missing_package(gone, "lrkit.lightning", "Lightning", "pip install lightning"))
        lrkit.lightning needs Lightning, which is not installed: pip install lightning.
        >>> broken = {"lightning": ModuleNotFoundError("No module named 'fsspec'", name="fsspec")}
        >>> missing_package(broken, "lrkit.lightning", "Lightning", "pip") is broken["lightning"]
        True
    """
    for module, exc in errors.items():
        if not (isinstance(exc, ModuleNotFoundError) and (exc.name or "").split(".")[0] == module):
            return exc
    return ModuleNotFoundError(f"{needs} needs {package}, which is not installed: {install}.",
                               name=next(iter(errors), None))
