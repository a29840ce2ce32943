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
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from lrkit.errors import check_int, check_positive, unknown_name
from lrkit.schedules import Schedule, lookup
from lrkit.tuning._space import TUNABLE_SCHEDULES, SearchSpace

__all__ = ["schedule_from_params"]


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
