"""What ``LRScheduler`` is given, checked before it touches an optimizer: schedule, plateau, saved state.

Five inputs of the adapter can be wrong in ways a user must hear about at once, not mid-run: the
schedule and plateau controller pair (a spec, a bare ``reduce_on_plateau`` meaning torch's
``ReduceLROnPlateau``), the rate the optimizer was built with when it disagrees with the schedule's
peak (a warning: the schedule's rate runs), a keyword it does not take (torch's ``last_epoch``
above all, which is ``last_step`` here), a resume (``last_step``) over a param group whose base
value is unknown, and a saved state that does not fit this scheduler.
"""

from __future__ import annotations

import warnings
from typing import Any

from lrkit.errors import LRKitError, RateConflictWarning, check_int, shown, unknown_name
from lrkit.schedules import ReduceOnPlateau, Schedule, constant, from_dict, parse, peak_rate, rates_disagree
from lrkit.torch._groups import GroupKey, check_scales

__all__ = ["ARGUMENTS", "check_keywords", "check_rates", "check_resume_bases", "check_saved_state",
           "schedule_and_plateau"]

#: The methods the adapter calls on a plateau controller (an lrkit ``reduce_on_plateau`` has them).
PLATEAU_API = ("observe", "apply", "state_dict", "load_state_dict")
#: The keyword arguments ``LRScheduler`` takes after ``optimizer`` and ``schedule``.
ARGUMENTS = ("plateau", "key", "last_step", "group_scales", "per_update")
#: The keys of ``LRScheduler.state_dict()`` that loading needs (``step_count`` is optional).
STATE_KEYS = ("t", "key", "group_scales", "schedule", "plateau")


def schedule_and_plateau(schedule: Any, plateau: Any) -> tuple[Schedule, Any]:
    """The schedule to follow and the plateau controller (or ``None``), specs parsed.

    A bare controller as ``schedule`` is torch's ``ReduceLROnPlateau``: a constant rate that only
    cuts lower, so it becomes ``constant(lr=controller.lr)`` with the controller as ``plateau``.

    Raises:
        LRKitError: for a ``schedule`` that is neither a schedule nor a spec, a controller given
            both ways, or a ``plateau`` without the controller methods (:data:`PLATEAU_API`).

    Example:
        >>> s, p = schedule_and_plateau("reduce_on_plateau(lr=0.1, patience=2)", None)
        >>> s, type(p).__name__
        (constant(lr=0.1), 'ReduceOnPlateau')
    """
    if not isinstance(schedule, (Schedule, ReduceOnPlateau, str)):
        raise LRKitError(
            "`schedule` of LRScheduler must be an lrkit Schedule or a spec string such as "
            f"'cosine(lr=0.1, steps=1000)'; got {schedule!r}."
        )
    parsed = parse(schedule)
    if isinstance(plateau, str):
        plateau = parse(plateau)
    if isinstance(parsed, ReduceOnPlateau):
        if plateau is not None:
            raise LRKitError(
                "`schedule` of LRScheduler must be a schedule when `plateau` is given; "
                "got the controller "
                f"{schedule!r} (pass it as plateau= only)."
            )
        parsed, plateau = constant(lr=parsed.initial_lr), parsed
    if plateau is not None and not all(callable(getattr(plateau, m, None)) for m in PLATEAU_API):
        raise LRKitError(
            "`plateau` of LRScheduler must be an lrkit reduce_on_plateau controller "
            "(with observe, apply, "
            f"state_dict, load_state_dict); got {plateau!r}."
        )
    return parsed, plateau


def check_keywords(unknown: dict[str, Any]) -> None:
    """Refuse a keyword ``LRScheduler`` does not take, naming the ones it does.

    torch's ``last_epoch`` is ``last_step`` here and counts the same updates: the index of the last one
    already done (``-1``: a fresh run), so ``last_step=9``, like torch's ``last_epoch=9``, starts at
    ``t = 10`` and writes ``schedule(10)``.

    Raises:
        LRKitError: for any keyword in ``unknown``; ``last_epoch`` named with ``last_step``.

    Example:
        >>> check_keywords({})
        >>> try:
        ...     check_keywords({"last_epoch": 9})
        ... except LRKitError as exc:
        ...     print(str(exc)[:67])
        `last_epoch` of LRScheduler is torch's name for lrkit's `last_step`
    """
    for name, value in unknown.items():
        if name == "last_epoch":
            raise LRKitError(
                f"`last_epoch` of LRScheduler is torch's name for lrkit's `last_step`, which counts the same "
                "updates: the index of the last one already done (-1: a fresh run), so last_step=9 starts "
                f"at t = 10 as torch's last_epoch=9 does; got last_epoch={shown(value)}. Pass "
                "last_step= (or, to resume, load_state_dict).")
        raise unknown_name("argument of LRScheduler", name, ARGUMENTS)


def check_rates(group: dict[str, Any], schedule: Schedule) -> None:
    """Warn when the optimizer was built with another rate than the schedule's (the schedule's runs).

    ``initial_lr`` (set by any torch scheduler attached before, and restored by
    ``optimizer.load_state_dict``) is the rate the optimizer was built with; ``lr`` otherwise.
    Called from ``LRScheduler.__init__``: the warning points at the line that built the scheduler.

    Example:
        >>> from lrkit.schedules import cosine
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     check_rates({"lr": 0.1}, cosine(lr=0.1, steps=10))  # agree: silent
        ...     check_rates({"lr": 0.01}, cosine(lr=0.1, steps=10))
        >>> [w.category.__name__ for w in caught], "peaks at 0.1" in str(caught[0].message)
        (['RateConflictWarning'], True)
    """
    built = group.get("initial_lr", group.get("lr"))
    if not isinstance(built, (int, float)) or built <= 0:
        return
    # one step past the horizon: a schedule holds its final value there (a ramp's end is a rate it runs)
    peak = peak_rate(schedule, None if schedule.horizon is None else schedule.horizon + 1)
    if peak > 0 and rates_disagree(float(built), peak):
        warnings.warn(
            f"LRScheduler: the optimizer was built with lr={built:g} but the schedule peaks at {peak:g}; "
            "the schedule's rate is used (it sets group 0's rate every step; the optimizer's lr only sets "
            f"the other groups' ratios to it). Build the optimizer with lr={peak:g}, or put the rate you "
            "mean into the schedule.", RateConflictWarning, stacklevel=3)


def check_resume_bases(gkey: GroupKey, groups: list[dict[str, Any]], last_step: int) -> None:
    """Refuse a resume (``last_step >= 0``) over a param group added after a scheduler ran.

    A scheduler records each group's base value (``initial_lr``, torch's name; ``initial_<key>`` for
    other keys) and the adapter keeps each group at its base over group 0's. A group added later
    (``optimizer.add_param_group``) has no base; its value is a mid-run one, and whether the user
    meant it as the rate at step 0 or the rate now cannot be told. torch's schedulers built with
    ``last_epoch >= 0`` refuse it (``KeyError``), and so does this. When *no* group has a base (an
    optimizer no scheduler ran on), every value was set at one moment and their ratios are the run's
    whichever step they belong to, so they are used (where torch refuses).

    Raises:
        LRKitError: if some group has ``initial_<key>`` and another lacks it; the message says to
            set the missing base (the value it would hold at step 0) or pass ``group_scales=``.

    Example:
        >>> from lrkit.torch._groups import LR_KEY
        >>> check_resume_bases(LR_KEY, [{"lr": 0.05}, {"lr": 0.005}], last_step=9)  # no bases: fine
        >>> check_resume_bases(LR_KEY, [{"lr": 0.05, "initial_lr": 0.1}, {"lr": 1e-5}], last_step=9)
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `last_step` of LRScheduler must come with every param group's base \
value when some group has one; got last_step=9, but param group 1 has no 'initial_lr' (added after \
a scheduler recorded group 0's), so its lr=1e-05 is a mid-run value, not its base: set its \
'initial_lr' to the lr it would hold at step 0 (torch's rule), or pass group_scales=.
    """
    name = gkey.initial_name
    has_base = [name in group for group in groups]
    if last_step < 0 or all(has_base) or not any(has_base):
        return
    missing, recorded = has_base.index(False), has_base.index(True)
    raise LRKitError(
        f"`last_step` of LRScheduler must come with every param group's base value when some group "
        f"has one; got last_step={last_step}, but param group {missing} has no {name!r} (added after "
        f"a scheduler recorded group {recorded}'s), so its {gkey.key}={gkey.read(groups[missing]):g} "
        f"is a mid-run value, not its base: set its {name!r} to the {gkey.key} it would hold at "
        "step 0 (torch's rule), or pass group_scales=.")


def check_saved_state(state_dict: Any, key: str, n_groups: int, *,
                      has_plateau: bool) -> tuple[int, list[float], Schedule, Any]:
    """``(t, group_scales, schedule, plateau_state)`` of a saved ``LRScheduler.state_dict()``.

    Raises:
        LRKitError: if the state is malformed, was saved for another ``key`` or number of param
            groups, or holds plateau state when ``has_plateau`` is false (or vice versa).

    Example:
        >>> saved = {"t": 3, "key": "lr", "group_scales": [1.0, 0.1], "plateau": None,
        ...          "schedule": {"name": "cosine", "lr": 0.1, "steps": 10, "min_lr": 0.0}}
        >>> check_saved_state(saved, "lr", 2, has_plateau=False)
        (3, [1.0, 0.1], cosine(lr=0.1, steps=10, min_lr=0.0), None)
        >>> check_saved_state(saved, "momentum", 2, has_plateau=False)
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `state_dict` of LRScheduler must be saved for key 'momentum'; got 'lr'.
    """
    if not isinstance(state_dict, dict) or any(k not in state_dict for k in STATE_KEYS):
        raise LRKitError(
            f"`state_dict` of LRScheduler must be a dict with keys {', '.join(STATE_KEYS)}; "
            f"got {state_dict!r}."
        )
    if state_dict["key"] != key:
        raise LRKitError(
            f"`state_dict` of LRScheduler must be saved for key {key!r}; "
            f"got {state_dict['key']!r}."
        )
    t = check_int("t", state_dict["t"], "LRScheduler.load_state_dict", low=0)
    scales = check_scales(state_dict["group_scales"], n_groups)
    saved = state_dict["schedule"]
    schedule = saved if isinstance(saved, Schedule) else from_dict(saved)
    plateau_state = state_dict["plateau"]
    if (plateau_state is None) == has_plateau:
        raise LRKitError(
            "`state_dict` of LRScheduler must match the plateau= setting: the saved state has "
            f"{'no' if plateau_state is None else 'a'} plateau controller and this scheduler "
            f"{'has' if has_plateau else 'has none'}."
        )
    return t, scales, schedule, plateau_state
