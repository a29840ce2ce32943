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
default schedule chosen by the budget (constant below 50 updates, wsd below 1000,
cosine from there on; :data:`FIRST_BY_BUDGET`), queued so that a search is never
worse than the finder alone (``docs/tune.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lrkit.errors import LRKitError, check_int, check_positive, unknown_name
from lrkit.finder._next_step import BUDGET_RULE, SHAPES, build_schedule, schedule_kwargs
from lrkit.schedules import Schedule, spec_call
from lrkit.tuning._space import TUNABLE_SCHEDULES, SearchSpace

__all__ = ["schedule_from_params", "spec_from_params", "first_trial", "FIRST_TRIAL", "FIRST_BY_BUDGET"]

#: The first trial's schedule for a long budget, in order of preference (the first one
#: the space holds), and its shape: the finder's next step (:mod:`lrkit.finder._next_step`),
#: one rule for both.
FIRST_TRIAL: tuple[tuple[str, dict[str, float]], ...] = SHAPES
#: ``(bound, family)``: a budget of fewer than ``bound`` updates puts ``family`` first
#: (:func:`first_trial`; the evidence: ``docs/evidence.md#tune-the-first-trial``).
FIRST_BY_BUDGET: tuple[tuple[int, str], ...] = BUDGET_RULE


def schedule_from_params(params: Mapping[str, Any], steps: int) -> Schedule:
    """The lrkit schedule for one sample over a budget of ``steps`` updates.

    Args:
        params: a sample from :meth:`SearchSpace.suggest` (``lr``, ``schedule``
            and the family's shape parameters; missing ones take the space defaults).
        steps: the training budget ``T`` in optimizer updates.

    Returns:
        The schedule value (rates rounded to 4 significant digits, so the spec is short and is
        exactly what the trial ran); its ``to_spec()`` is the string reported for the trial.

    Raises:
        LRKitError: for an unknown family or parameters the family rejects.

    Example:
        >>> schedule_from_params({"lr": 0.1, "schedule": "cosine", "final_ratio": 0.01}, 100)
        cosine(lr=0.1, steps=100, min_lr=0.001)
    """
    family, lr, steps, shape = _sample(params, steps)
    return build_schedule(family, lr, steps, shape)


def spec_from_params(params: Mapping[str, Any], steps: int) -> str:
    """The spec of :func:`schedule_from_params` as the user would write it: the family's own call.

    A composite's ``to_spec()`` spells its phases (wsd is ``linear >> constant >> linear``);
    this writes the call that builds them (``wsd(lr=..., warmup=..., ...)``), which parses to the
    same schedule. It is the string a trial reports, and ``lrkit tune`` prints for the best one.

    Args:
        params: a sample, as for :func:`schedule_from_params`.
        steps: the training budget ``T`` in optimizer updates.

    Raises:
        LRKitError: as :func:`schedule_from_params`.

    Example:
        >>> spec_from_params({"lr": 0.1, "schedule": "wsd", "warmup_fraction": 0.05,
        ...                   "decay_fraction": 0.2, "final_ratio": 0.01}, 100)
        'wsd(lr=0.1, warmup=5, stable=75, decay=20, min_lr=0.001)'
    """
    family, lr, steps, shape = _sample(params, steps)
    return spec_call(family, schedule_kwargs(family, lr, steps, shape))


def _sample(params: Mapping[str, Any], steps: int) -> tuple[str, float, int, dict[str, float]]:
    """``(family, lr, steps, shape)`` of a sample, checked; missing shape keys take the space defaults."""
    steps = check_int("steps", steps, "the tuning budget", low=1)
    family = params.get("schedule", "constant")
    if family not in TUNABLE_SCHEDULES:
        raise unknown_name("schedule", str(family), TUNABLE_SCHEDULES)
    lr = check_positive("lr", params.get("lr"), "a trial")
    defaults = SearchSpace()

    def get(key: str) -> float:
        return float(params.get(key, getattr(defaults, key)[0]))

    return family, lr, steps, {key: get(key) for key in dict(SHAPES)[family]}


def _preference(budget: int | None) -> tuple[tuple[str, dict[str, float]], ...]:
    """:data:`FIRST_TRIAL`'s order, led by the family of every regime of :data:`FIRST_BY_BUDGET`
    the budget falls below, the shortest first (so 40 updates: constant, wsd, cosine, ...)."""
    front = [] if budget is None else [family for bound, family in FIRST_BY_BUDGET if budget < bound]
    return tuple(sorted(FIRST_TRIAL, key=lambda e: front.index(e[0]) if e[0] in front else len(front)))


def first_trial(space: SearchSpace, lr: float, *, budget: int | None = None) -> dict[str, Any]:
    """The Optuna parameters of a study's first trial: rate ``lr`` with a budget-aware schedule.

    A run of ``T`` updates at peak :math:`\\eta` ends at a loss made of two parts: the
    distance not yet travelled, which shrinks with the area :math:`\\sum_t \\eta_t` under
    the schedule, and a noise floor that grows with the rate at the end. The shorter the run,
    the more the first part dominates and the longer the schedule should hold the peak:

    .. math::

        \\text{family}(T) = \\begin{cases}
            \\text{constant} & T < 50 \\quad (\\text{area } \\eta T) \\\\
            \\text{wsd} & 50 \\le T < 1000 \\quad (\\approx 0.9\\, \\eta T) \\\\
            \\text{cosine} & T \\ge 1000 \\text{ or unknown} \\quad (\\approx 0.5\\, \\eta T)
        \\end{cases}

    (wsd: 5% warmup, the peak, a linear cool-down over the last 20% to :math:`\\eta / 100`;
    cosine to :math:`\\eta / 100`). How the bounds were measured:
    ``docs/evidence.md#tune-the-first-trial``.

    The family is the first of :func:`_preference`'s order that ``space`` holds (the
    regime's own, then the ones for longer budgets, then :data:`FIRST_TRIAL`'s), with its
    shape clipped into the space's ranges. Only what :meth:`SearchSpace.suggest` would
    sample is returned (a fixed value or a single family is not a parameter), so
    ``study.enqueue_trial(first_trial(space, s, budget=T))`` replays exactly this point.

    Args:
        space: the study's search space.
        lr: the peak rate, clipped into ``space.lr``.
        budget: the trial's training budget ``T`` in optimizer updates (``None``: unknown,
            treated as long).

    Returns:
        ``{"lr": ..., "schedule": ..., <shape keys>}`` as Optuna parameter names.

    Raises:
        LRKitError: for a ``space`` that is not a :class:`SearchSpace`, a rate that is
            not a finite number > 0, or a budget that is not a positive integer.

    Example:
        >>> space = SearchSpace(lr=(1e-3, 1.0))
        >>> first_trial(space, 0.02, budget=40)
        {'lr': 0.02, 'schedule': 'constant'}
        >>> first_trial(space, 0.02, budget=300)
        {'lr': 0.02, 'schedule': 'wsd', 'warmup_fraction': 0.05, 'decay_fraction': 0.2, 'final_ratio': 0.01}
        >>> first_trial(space, 0.02, budget=1000)
        {'lr': 0.02, 'schedule': 'cosine', 'final_ratio': 0.01}
        >>> two = SearchSpace(lr=(1e-3, 1.0), schedules=("constant", "wsd"), final_ratio=(0.1, 0.3))
        >>> first_trial(two, 5.0)
        {'lr': 1.0, 'schedule': 'wsd', 'warmup_fraction': 0.05, 'decay_fraction': 0.2, 'final_ratio': 0.1}
    """
    if not isinstance(space, SearchSpace):
        raise LRKitError(f"`space` of first_trial must be a SearchSpace; got {type(space).__name__}.")
    lr = check_positive("lr", lr, "first_trial")
    if budget is not None:
        budget = check_int("budget", budget, "first_trial", low=1)
    family, shape = next((f, s) for f, s in _preference(budget) if f in space.schedules)
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
