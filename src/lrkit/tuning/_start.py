"""Where a study starts: the rate range around the range test's suggestion, and the first trial.

``tune`` runs lrkit's range test on the task (its own optimizer) to centre the log-uniform rate
range on the suggestion (:func:`~lrkit.tuning.lr_range_from_finder`), and queues the suggestion
itself, with the schedule the budget calls for, as a new study's first trial. Without a finder (an
objective, a disabled or failed one) the range is ``TunePolicy.wide_lr_range`` and a note says why.

The suggestion is a rate for the optimizer the range test swept: a space that samples optimizers
gets it as the first trial with that optimizer's lrkit name (a built-in task's own, a task function's
read from its torch optimizer by :func:`lrkit.tasks.optimizer_name`), and one that cannot run that
optimizer (no name, or a name the space leaves out) gets no first trial and a note saying why.
"""

from __future__ import annotations

import warnings
from typing import Any

from lrkit.errors import LRKitError
from lrkit.tuning._objective import Target
from lrkit.tuning._policy import TunePolicy
from lrkit.tuning._space import OPTIMIZERS, SearchSpace, lr_range_from_finder
from lrkit.tuning._space_file import load_space
from lrkit.tuning._to_schedule import first_trial

__all__ = ["build_space", "first_params", "run_finder"]


def run_finder(target: Target, seed: int, notes: list[str], policy: TunePolicy) -> dict[str, Any]:
    """Run lrkit's range test on the task (its own optimizer) and return plain data.

    ``optimizer`` is the lrkit name of the optimizer swept (a built-in task's own; a task function's
    read by :func:`lrkit.tasks.optimizer_name`, ``None`` when it has none), ``optimizer_class`` its torch
    class.

    Raises:
        ImportError: without the torch finder runner.
        LRKitError: when the range test finds no suggestion, or only its blow-up fallback, "a guess, not a
            measurement" (the reason is given): the range falls back to the wide one, as with none.

    Example:
        >>> from lrkit.tuning._objective import resolve_target
        >>> target = resolve_target("diabetes-linear", budget=60, eval_every=None, direction=None)
        >>> found = run_finder(target, 0, [], TunePolicy())
        >>> sorted(found), found["interval"][0] < found["suggestion"] < found["interval"][1]
        (['interval', 'optimizer', 'optimizer_class', 'rule', 'steps', 'suggestion'], True)
        >>> found["optimizer"], found["optimizer_class"]
        ('sgd-plain', 'SGD')
    """
    from lrkit.tasks import optimizer_name
    from lrkit.torch import find_lr

    parts = target.task.build(seed) if hasattr(target.task, "build") else target.task(seed)
    with warnings.catch_warnings(record=True) as caught:  # a user's model may warn: keep them as notes
        warnings.simplefilter("always")
        # rule="auto" (find_lr's default): the rule follows the optimizer's kind; the search
        # range around its suggestion was measured for it (docs/evidence.md#tune-the-rate-range).
        res = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                      rule="auto", policy=policy.finder)
    notes.extend(f"finder: {w.message}" for w in caught)
    if res.suggestion is None:
        raise LRKitError(f"the range test found no suggestion: {res.reason}")
    if res.is_guess:  # no descent seen: nothing measured to centre a range on
        raise LRKitError(f"the range test gave {res.reason}")
    # The sweep's reading is the reference group's rate (find_lr's meta["rate_group"]); a trial's `lr` is
    # group 0's (train keeps the others' ratios to it), so the range is centred on group 0's share.
    c0 = res.group_0_factor
    interval = res.interval
    # a built-in task builds its trials' optimizers under its own name (options included); a task
    # function's is rebuilt from the name's table (lrkit.tasks.regroup), so it is read from the object
    info = getattr(target.task, "info", None)
    own = info.default_optimizer if info is not None else optimizer_name(parts["optimizer"])
    return {"suggestion": float(res.suggestion) * c0, "steps": int(res.steps), "rule": res.rule,
            "interval": None if interval is None else [float(interval[0]) * c0, float(interval[1]) * c0],
            "optimizer": own, "optimizer_class": type(parts["optimizer"]).__name__}


def build_space(target: Target, space: Any, seed: int, use_finder: bool, notes: list[str],
                policy: TunePolicy) -> tuple[SearchSpace, dict[str, Any] | None]:
    """The study's search space and the finder's plain data (``None`` when no finder set the range).

    A user's rate range wins; else the range test's, else the wide fallback (``notes`` says why).

    Example:
        >>> from lrkit.tuning._objective import resolve_target
        >>> target = resolve_target("diabetes-linear", budget=60, eval_every=None, direction=None)
        >>> space, finder = build_space(target, {"lr": [1e-3, 0.1]}, 0, True, [], TunePolicy())
        >>> space.lr, space.lr_source, finder
        ((0.001, 0.1), 'user', None)
        >>> notes = []
        >>> space, finder = build_space(target, None, 0, False, notes, TunePolicy())
        >>> space.lr, space.lr_source, notes
        ((1e-05, 10.0), 'fallback', ['the finder is disabled; searching the wide range 1e-05..10.'])
    """
    user = load_space(space) if not isinstance(space, SearchSpace) else space
    if user is not None and user.lr_source == "user":
        return user, None
    finder = None
    why = "the finder is disabled" if not use_finder else "an objective has no model to range-test"
    if use_finder and target.task is not None:
        try:
            finder = run_finder(target, seed, notes, policy)
        except (ImportError, LRKitError, RuntimeError) as exc:
            why = f"the finder is unavailable ({type(exc).__name__}: {exc})"
    if finder is not None:
        lr, source = lr_range_from_finder(finder["suggestion"], policy=policy), "finder"
    else:
        lr, source = policy.wide_lr_range, "fallback"
        notes.append(f"{why}; searching the wide range {lr[0]:g}..{lr[1]:g}.")
    base = {} if user is None else user.to_dict()
    base.pop("lr", None)
    return SearchSpace.from_dict(base, lr=lr, lr_source=source), finder


def first_params(target: Target, space: SearchSpace, finder: dict[str, Any] | None,
                 notes: list[str]) -> dict[str, Any] | None:
    """A new study's first trial: the finder's rate with the budget's schedule (``None``: none is queued).

    None without a finder range. The suggestion is a rate for the optimizer the range test swept
    (``finder["optimizer"]``, its lrkit name), so a space that samples optimizers queues it with that
    one; when the space cannot run it (it has no lrkit name, or the space leaves its name out), nothing
    is queued and ``notes`` says why.

    Example:
        >>> from lrkit.tuning._objective import resolve_target
        >>> target = resolve_target("diabetes-linear", budget=60, eval_every=None, direction=None)
        >>> space = SearchSpace(lr=(1e-3, 0.3), schedules=("constant", "wsd"), lr_source="finder")
        >>> found = {"suggestion": 0.02, "optimizer": "sgd-plain", "optimizer_class": "SGD"}
        >>> first_params(target, space, found, [])  # 60 updates: wsd holds the peak
        {'lr': 0.02, 'schedule': 'wsd', 'warmup_fraction': 0.05, 'decay_fraction': 0.2, 'final_ratio': 0.01}
        >>> notes = []
        >>> first_params(target, SearchSpace(lr=(1e-3, 0.3), optimizers=("adam",), lr_source="finder"),
        ...              found, notes) is None  # found for the task's own optimizer, sgd-plain
        True
        >>> print(notes[0][:94])
        no first trial is queued: the range test swept the task's own optimizer, sgd-plain (torch SGD)
    """
    if finder is None or space.lr_source != "finder":
        return None
    params = first_trial(space, finder["suggestion"], budget=target.budget)
    if space.optimizers is not None:
        own = finder.get("optimizer")
        if own not in space.optimizers:
            notes.append(_not_queued(own, finder.get("optimizer_class"), space.optimizers))
            return None
        if space.sampled("optimizer"):
            params["optimizer"] = own
    return params


def _not_queued(own: str | None, torch_class: str | None, optimizers: tuple[str, ...]) -> str:
    """Why a space that samples optimizers starts without the finder's trial (one note)."""
    which = (f"{own} (torch {torch_class})" if own is not None
             else f"a torch {torch_class} that no lrkit optimizer name is (lrkit.tasks.OPTIMIZERS)")
    add = f" or add {own} to them" if own in OPTIMIZERS else ""
    return (f"no first trial is queued: the range test swept the task's own optimizer, {which}, and its "
            f"rate is for that optimizer, which the space's optimizers ({', '.join(optimizers)}) do not "
            "hold; the sampler starts the study. To start from the finder's rate, leave `optimizers` out "
            f"of the space (the task's own optimizer is tuned){add}.")
