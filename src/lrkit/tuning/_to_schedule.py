"""How one tuning sample becomes an lrkit schedule.

A trial (:class:`~lrkit.tuning.SearchSpace`) samples a peak rate :math:`\\eta`
log-uniformly in ``[lo, hi]``, a schedule family, that family's own shape
parameters, and optionally the optimizer. The sample is turned into an lrkit
schedule over the training budget ``T`` steps:

=================  ====================================================================
family             schedule (``f_w`` warmup fraction, ``r`` final ratio, ``f_d`` decay)
=================  ====================================================================
``constant``       ``constant(lr=η)``
``cosine``         ``cosine(lr=η, steps=T, min_lr=r·η)``
``warmup_cosine``  ``warmup_cosine(lr=η, warmup=⌈f_w·T⌉, steps=T, min_lr=r·η)``
``one_cycle``      ``one_cycle(max_lr=η, steps=T, pct_start=f_w)``
``wsd``            ``wsd(lr=η, warmup=⌈f_w·T⌉, stable=T-warmup-decay, decay=⌈f_d·T⌉, min_lr=r·η)``
=================  ====================================================================

The parameter names (``lr``, ``schedule``, ``warmup_fraction``, ``final_ratio``,
``decay_fraction``, ``optimizer``) are shared by the families that use them, so
the sampler learns e.g. one good final ratio across cosine and wsd.

:func:`first_trial` is the study's first point: the range test's suggestion with a
robust default schedule, queued so that a search is never worse than the finder
alone (``docs/tuning.md``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from lrkit.errors import LRKitError, check_int, check_positive, unknown_name
from lrkit.schedules import Schedule, lookup
from lrkit.tuning._space import TUNABLE_SCHEDULES, SearchSpace

__all__ = ["schedule_from_params", "first_trial", "FIRST_TRIAL"]

#: The first trial's schedule, in order of preference (the first one the space holds),
#: and its shape. Chosen on the development set (``benchmarks/tune_dev.py``, 8
#: workloads x 3 seeds x budgets of 60, 300 and 1500 steps): at the suggested rate,
#: cosine to 1% of the peak came within 1% of the constant-rate grid's best on 36 of 72
#: runs, as did cosine to 10% and wsd (20% cool-down); warmup_cosine 29, constant 28.
#: Cosine is the simplest of the tied three (one shape parameter) and the usual default.
FIRST_TRIAL: tuple[tuple[str, dict[str, float]], ...] = (
    ("cosine", {"final_ratio": 0.01}),
    ("warmup_cosine", {"warmup_fraction": 0.05, "final_ratio": 0.01}),
    ("wsd", {"warmup_fraction": 0.05, "decay_fraction": 0.2, "final_ratio": 0.01}),
    ("one_cycle", {"warmup_fraction": 0.25}),
    ("constant", {}),
)


def schedule_from_params(params: Mapping[str, Any], steps: int) -> Schedule:
    """The lrkit schedule for one sample over a budget of ``steps`` updates.

    Args:
        params: a sample from :meth:`SearchSpace.suggest` (``lr``, ``schedule``
            and the family's shape parameters; missing ones take the space defaults).
        steps: the training budget ``T`` in optimizer updates.

    Returns:
        The schedule value; its ``to_spec()`` is the string reported for the trial.

    Raises:
        LRKitError: for an unknown family or parameters the family rejects.

    Example:
        >>> schedule_from_params({"lr": 0.1, "schedule": "cosine", "final_ratio": 0.01}, 100)
        cosine(lr=0.1, steps=100, min_lr=0.001)
    """
    steps = check_int("steps", steps, "the tuning budget", low=1)
    family = params.get("schedule", "constant")
    if family not in TUNABLE_SCHEDULES:
        raise unknown_name("schedule", str(family), TUNABLE_SCHEDULES)
    lr = check_positive("lr", params.get("lr"), "a trial")
    defaults = SearchSpace()

    def get(key: str) -> float:
        return float(params.get(key, getattr(defaults, key)[0]))

    factory = lookup(family).factory
    if family == "constant":
        return factory(lr=lr)
    min_lr = lr * get("final_ratio")
    if family == "cosine":
        return factory(lr=lr, steps=steps, min_lr=min_lr)
    # Warmup and decay lengths are whole updates, at least one each, and never the whole budget.
    warmup = min(max(1, math.ceil(get("warmup_fraction") * steps)), max(steps - 1, 1))
    if family == "warmup_cosine":
        return factory(lr=lr, warmup=warmup, steps=max(steps, warmup + 1), min_lr=min_lr)
    if family == "one_cycle":
        return factory(max_lr=lr, steps=steps, pct_start=min(max(get("warmup_fraction"), 1.0 / steps), 0.5))
    decay = max(1, math.ceil(get("decay_fraction") * steps))
    stable = max(steps - warmup - decay, 0)
    return factory(lr=lr, warmup=warmup, stable=stable, decay=decay, min_lr=min_lr)


def first_trial(space: SearchSpace, lr: float) -> dict[str, Any]:
    """The Optuna parameters of a study's first trial: rate ``lr`` with a default schedule.

    The family is the first of :data:`FIRST_TRIAL` that ``space`` holds, with that
    entry's shape clipped into the space's ranges. Only what :meth:`SearchSpace.suggest`
    would sample is returned (a fixed value or a single family is not a parameter), so
    ``study.enqueue_trial(first_trial(space, s))`` replays exactly this point.

    Args:
        space: the study's search space.
        lr: the peak rate, clipped into ``space.lr``.

    Returns:
        ``{"lr": ..., "schedule": ..., <shape keys>}`` as Optuna parameter names.

    Raises:
        LRKitError: for a ``space`` that is not a :class:`SearchSpace`, or a rate that is
            not a finite number > 0.

    Example:
        >>> first_trial(SearchSpace(lr=(1e-3, 1.0)), 0.02)
        {'lr': 0.02, 'schedule': 'cosine', 'final_ratio': 0.01}
        >>> space = SearchSpace(lr=(1e-3, 1.0), schedules=("constant", "wsd"), final_ratio=(0.1, 0.3))
        >>> first_trial(space, 5.0)
        {'lr': 1.0, 'schedule': 'wsd', 'warmup_fraction': 0.05, 'decay_fraction': 0.2, 'final_ratio': 0.1}
    """
    if not isinstance(space, SearchSpace):
        raise LRKitError(f"`space` of first_trial must be a SearchSpace; got {type(space).__name__}.")
    lr = check_positive("lr", lr, "first_trial")
    family, shape = next((f, s) for f, s in FIRST_TRIAL if f in space.schedules)
    params: dict[str, Any] = {}

    def put(key: str, value: float) -> None:
        if space.sampled(key):  # a fixed entry is not sampled, so it is not a trial parameter
            low, high = getattr(space, key)
            params[key] = min(max(value, low), high)

    put("lr", lr)
    if space.sampled("schedule"):
        params["schedule"] = family
    for key, value in shape.items():
        put(key, value)
    return params
