"""The finder's next step: which schedule to run a suggested rate with, for a run of ``T`` updates.

A range test answers "which peak rate"; a run also needs a shape. The shape here is the one
``tune`` queues as a study's first trial (:func:`lrkit.tuning.first_trial`), chosen by the
run's length: the shorter the run, the longer the schedule should hold the peak, since the
distance still to travel (which shrinks with the area under the schedule) outweighs the noise
floor a high final rate leaves.

.. math::

    \\text{family}(T) = \\begin{cases}
        \\text{constant} & T < 50 \\\\
        \\text{wsd (5\\% warmup, cool-down over the last 20\\% to } \\eta/100) & 50 \\le T < 1000 \\\\
        \\text{cosine to } \\eta/100 & T \\ge 1000 \\text{ or unknown}
    \\end{cases}

How the bounds were measured: ``docs/evidence.md#tune-the-first-trial`` (``BENCHMARKS.md``,
section ``tune_dev``).

Example:
    >>> next_schedule(0.02, 40)
    constant(lr=0.02)
    >>> print(next_schedule(0.02, 300).to_spec().replace(" >> ", "\\n"))  # wsd: warmup, hold, cool-down
    linear(start=0.0002, end=0.02, steps=15)
    constant(lr=0.02, steps=225)
    linear(start=0.02, end=0.0002, steps=60)
    >>> next_schedule(0.02, None)
    cosine(lr=0.02, steps=10000, min_lr=0.0002)
"""

from __future__ import annotations

import math
from typing import Any

from lrkit.errors import LRKitError, check_int, check_positive, unknown_name
from lrkit.schedules import Schedule, format_value, lookup, spec_call

__all__ = ["BUDGET_RULE", "LONG_RUN", "SHAPES", "PLACEHOLDER_STEPS", "SPEC_DIGITS", "family_for",
           "schedule_kwargs", "build_schedule", "next_schedule", "next_spec", "round_rate"]

#: ``(bound, family)``: a run of fewer than ``bound`` updates uses ``family`` (the first that
#: applies); longer runs, and runs of unknown length, use :data:`LONG_RUN`. The bounds sit between
#: the budgets measured (``docs/evidence.md#tune-the-first-trial``).
BUDGET_RULE: tuple[tuple[int, str], ...] = ((50, "constant"), (1000, "wsd"))
#: The family for long runs and for runs of unknown length.
LONG_RUN = "cosine"
#: Each family's shape, in ``tune``'s order of preference for a study's first trial: cosine to 1%
#: of the peak (the usual default), warmup 5% of the run, a wsd cool-down over its last 20%.
SHAPES: tuple[tuple[str, dict[str, float]], ...] = (
    ("cosine", {"final_ratio": 0.01}),
    ("warmup_cosine", {"warmup_fraction": 0.05, "final_ratio": 0.01}),
    ("wsd", {"warmup_fraction": 0.05, "decay_fraction": 0.2, "final_ratio": 0.01}),
    ("one_cycle", {"warmup_fraction": 0.25}),
    ("constant", {}),
)
#: The run length a spec is written for when the caller does not know it (the code snippets
#: name it ``total_steps`` so that it is replaced, and cosine suits any long run).
PLACEHOLDER_STEPS = 10_000
#: Significant digits of a rate written into a spec: rates that differ in the fifth digit train
#: alike, and a spec with 16-digit floats is unreadable (``0.0014606797962271570``).
SPEC_DIGITS = 4


def round_rate(value: float, digits: int = SPEC_DIGITS) -> float:
    """``value`` rounded to ``digits`` significant digits (what a spec shows, and what runs).

    Example:
        >>> round_rate(0.0014606797962271570), round_rate(123456.0)
        (0.001461, 123500.0)
    """
    if value == 0 or not math.isfinite(value):
        return float(value)
    return float(f"{value:.{digits}g}")


def family_for(budget: int | None) -> str:
    """The schedule family for a run of ``budget`` updates (:data:`BUDGET_RULE`; ``None``: long).

    Example:
        >>> family_for(10), family_for(50), family_for(999), family_for(1000), family_for(None)
        ('constant', 'wsd', 'wsd', 'cosine', 'cosine')
    """
    if budget is not None:
        for bound, family in BUDGET_RULE:
            if budget < bound:
                return family
    return LONG_RUN


def schedule_kwargs(family: str, lr: float, steps: int, shape: dict[str, Any]) -> dict[str, Any]:
    """The factory arguments of ``family`` peaking at ``lr`` over ``steps`` updates, from ``shape``.

    ``shape`` holds the fractions the family uses: ``final_ratio`` (``min_lr = final_ratio * lr``),
    ``warmup_fraction`` and ``decay_fraction`` (of ``steps``, rounded up to whole updates, at least
    one each and never the whole run). Rates (and one_cycle's ``pct_start``) are rounded to
    :data:`SPEC_DIGITS` significant digits, so the spec is short and is exactly what runs.

    Raises:
        LRKitError: for an unknown family, a rate that is not a finite number > 0, or ``steps < 1``.

    Example:
        >>> shape = {"warmup_fraction": 0.05, "decay_fraction": 0.2, "final_ratio": 0.01}
        >>> schedule_kwargs("wsd", 0.1, 100, shape)
        {'lr': 0.1, 'warmup': 5, 'stable': 75, 'decay': 20, 'min_lr': 0.001}
    """
    families = [f for f, _ in SHAPES]
    if family not in families:
        raise unknown_name("schedule", str(family), families)
    lr = round_rate(check_positive("lr", lr, "the schedule"))
    steps = check_int("steps", steps, "the schedule", low=1)
    if family == "constant":
        return {"lr": lr}
    if family == "one_cycle":
        return {"max_lr": lr, "steps": steps,
                "pct_start": round_rate(min(max(float(shape["warmup_fraction"]), 1.0 / steps), 0.5))}
    min_lr = round_rate(lr * float(shape["final_ratio"]))
    if family == "cosine":
        return {"lr": lr, "steps": steps, "min_lr": min_lr}
    warmup = min(max(1, math.ceil(float(shape["warmup_fraction"]) * steps)), max(steps - 1, 1))
    if family == "warmup_cosine":
        return {"lr": lr, "warmup": warmup, "steps": max(steps, warmup + 1), "min_lr": min_lr}
    decay = max(1, math.ceil(float(shape["decay_fraction"]) * steps))
    stable = max(steps - warmup - decay, 0)
    return {"lr": lr, "warmup": warmup, "stable": stable, "decay": decay, "min_lr": min_lr}


def build_schedule(family: str, lr: float, steps: int, shape: dict[str, Any]) -> Schedule:
    """The schedule of :func:`schedule_kwargs` (``family``'s factory called with them).

    Example:
        >>> build_schedule("warmup_cosine", 0.1, 100, {"warmup_fraction": 0.05, "final_ratio": 0.01})
        linear(start=0.0, end=0.1, steps=5) >> cosine(lr=0.1, steps=95, min_lr=0.001)
    """
    return lookup(family).factory(**schedule_kwargs(family, lr, steps, shape))


def next_spec(lr: float, budget: int | None) -> str:
    """:func:`next_schedule` written as its family's call, e.g. ``wsd(lr=0.02, warmup=15, ...)``.

    Shorter than the schedule's own spec (which spells a composite's phases) and parsed to the
    same schedule. Without a budget, ``steps`` reads ``{total_steps}``: a template to fill with
    ``str.format`` (or an f-string) once the run's length is known.

    Example:
        >>> next_spec(0.02, 300)
        'wsd(lr=0.02, warmup=15, stable=225, decay=60, min_lr=0.0002)'
        >>> next_spec(0.02, None)
        'cosine(lr=0.02, steps={total_steps}, min_lr=0.0002)'
    """
    family = family_for(_budget(budget))
    kwargs = schedule_kwargs(family, _rate(lr), budget or PLACEHOLDER_STEPS, dict(SHAPES)[family])
    text = spec_call(family, kwargs)
    if budget is None and "steps" in kwargs:
        text = text.replace(f"steps={format_value(kwargs['steps'])}", "steps={total_steps}")
    return text


def _budget(budget: int | None) -> int | None:
    return None if budget is None else check_int("budget", budget, "next_schedule")


def _rate(lr: float | None) -> float:
    if lr is None:
        raise LRKitError("`lr` of next_schedule must be a finite number > 0; got None.")
    return check_positive("lr", lr, "next_schedule")


def next_schedule(lr: float, budget: int | None) -> Schedule:
    """The schedule to run rate ``lr`` with for ``budget`` updates (``None``: :data:`PLACEHOLDER_STEPS`).

    Raises:
        LRKitError: for a rate that is not a finite number > 0 or a budget that is not a positive integer.

    Example:
        >>> s = next_schedule(0.1, 2000)
        >>> round(s(0), 4), round(s(1000), 4), round(s(2000), 4)  # a cosine from the peak to 1% of it
        (0.1, 0.0505, 0.001)
        >>> next_schedule(None, 2000)
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `lr` of next_schedule must be a finite number > 0; got None.
    """
    budget = _budget(budget)
    family = family_for(budget)
    return build_schedule(family, _rate(lr), budget or PLACEHOLDER_STEPS, dict(SHAPES)[family])
