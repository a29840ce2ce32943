"""Objectives: what one trial runs, and how it reports for pruning.

Two kinds of target are tuned:

* a **task** (a built-in name, a :class:`lrkit.tasks.Task`, or a protocol function
  ``FUNC(seed) -> dict`` whose first parameter is named ``seed``, the others with defaults): each trial trains
  it with :func:`lrkit.tasks.train` at the sampled rate and schedule, evaluating
  every ``eval_every`` steps; each evaluation is reported to Optuna
  (``trial.report(metric, step)``) and a pruner decision stops the run;
* a **user objective** ``objective(params) -> float``, any other callable. ``params``
  is a :class:`TrialParams`: the sampled values plus ``params.schedule`` (the
  schedule value) and ``params.report(value, step) -> bool`` for pruning.

A run that diverges is recorded as PRUNED with the user attribute ``diverged``:
Optuna's TPE ranks pruned trials below every completed one, which is what a
divergent rate deserves, and a NaN would instead be a FAIL the sampler ignores.
"""

from __future__ import annotations

import inspect
import math
from pathlib import Path
from collections.abc import Callable
from typing import Any

from lrkit.errors import LRKitError
from lrkit.finder._next_step import round_rate
from lrkit.tuning._space import SearchSpace
from lrkit.tuning._to_schedule import schedule_from_params, spec_from_params

__all__ = ["TrialParams", "Target", "resolve_target", "source_of", "check_horizon", "MIN_BUDGET"]

#: The fewest updates a trial may train: a family with a warmup warms up over at least one update and
#: never the whole run (``finder._next_step.schedule_kwargs``), so one update is all warmup (rate 0 for
#: warmup_cosine); at two every tunable family runs (tests/tuning/test_ux12_tune_budget_too_short.py).
MIN_BUDGET = 2


def _check_budget(name: str, value: Any, owner: str) -> int:
    """``value`` as a trial budget of at least :data:`MIN_BUDGET` updates, else one ``LRKitError``.

    Example:
        >>> _check_budget("budget", 2, "tune")
        2
        >>> try:
        ...     _check_budget("budget", 1, "tune")
        ... except LRKitError as e:
        ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
        `budget` of tune must be an integer >= 2 (a trial's schedule warms up over at least one
        update and never the whole run); got 1.
    """
    from lrkit.errors import check_int

    budget = check_int(name, value, owner)
    if budget < MIN_BUDGET:
        raise LRKitError(f"`{name}` of {owner} must be an integer >= {MIN_BUDGET} (a trial's schedule warms "
                         f"up over at least one update and never the whole run); got {budget}.")
    return budget


def check_horizon(schedules: Any, budget: int | None) -> None:
    """An objective's schedules other than ``constant`` need ``budget`` (their horizon), else ``LRKitError``.

    ``tune`` checks the search space's families with it before any study is written.

    Example:
        >>> check_horizon(("constant",), None)
        >>> try:
        ...     check_horizon(("constant", "cosine", "wsd"), None)
        ... except LRKitError as e:
        ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
        `budget` of tune is required for an objective whose search space holds cosine, wsd (a schedule's
        shape is written over the run's updates); pass budget=STEPS or restrict the space to
        schedules=['constant'].
    """
    shaped = [name for name in schedules if name != "constant"]
    if shaped and budget is None:
        raise LRKitError(f"`budget` of tune is required for an objective whose search space holds "
                         f"{', '.join(shaped)} (a schedule's shape is written over the run's updates); pass "
                         "budget=STEPS or restrict the space to schedules=['constant'].")


class TrialParams(dict):
    """The sampled parameters of one trial, handed to a user objective.

    Keys are the sampled names (``lr``, ``schedule``, ``warmup_fraction`` ...);
    ``schedule`` holds the family name and :attr:`spec` the full schedule spec.

    Attributes:
        schedule_value: the :class:`~lrkit.schedules.Schedule` over the budget.
        spec: its spec, as the user would write it (the family's call,
            :func:`~lrkit.tuning.spec_from_params`; ``schedule_value.to_spec()`` when not given).
        number: the Optuna trial number.

    Example:
        >>> p = TrialParams({"lr": 0.1, "schedule": "constant"}, None, None)
        >>> p["lr"], p.report(0.5, 1)
        (0.1, False)
    """

    def __init__(self, params: dict[str, Any], trial: Any, schedule: Any, spec: str | None = None) -> None:
        super().__init__(params)
        self._trial = trial
        self.schedule_value = schedule
        self.spec = spec if spec is not None or schedule is None else schedule.to_spec()
        self.number = None if trial is None else trial.number
        self.pruned = False

    def report(self, value: float, step: int) -> bool:
        """Report an intermediate value; returns True when the trial should stop (pruned)."""
        if self._trial is None:
            return False
        self._trial.report(float(value), int(step))
        self.pruned = self.pruned or bool(self._trial.should_prune())
        return self.pruned


class Target:
    """What is tuned: its name, metric, direction, budget and the per-trial run.

    Built by :func:`resolve_target`; ``run(trial, space, seed)`` trains once and
    returns the value (raising ``optuna.TrialPruned`` when pruned or diverged); ``check(seed)``
    validates it before the study starts.
    """

    def __init__(self, name: str, metric: str, direction: str, budget: int | None,
                 run: Callable[..., float], task: Any = None, eval_every: int | None = None,
                 check: Callable[[int], None] | None = None, source: str | None = None) -> None:
        self.name, self.metric, self.direction, self.budget = name, metric, direction, budget
        self.run, self.task, self.eval_every = run, task, eval_every
        self._check = check
        self.source = name if source is None else source  # what the study is of (:func:`source_of`)

    def check(self, seed: int) -> None:
        """Check the target before any study exists (a protocol function's parts, its validation split).

        Raises:
            LRKitError: naming what is wrong, e.g. a missing or unusable ``val_loader``.
        """
        if self._check is not None:
            self._check(seed)


def source_of(fn: Any) -> str:
    """What a user's function is, for telling two of them apart: its file's name and its qualified name
    (``mlp.py:build``; the file's name, not its path, so a moved folder still resumes), else its module's.

    Two scripts in one folder both name their function ``build``; the study they would share by that
    name is another script's.

    A wrapper that calls another's function says whose it is in ``fn.lrkit_source`` (the CLI's
    ``--script`` wrapper does).

    Example:
        >>> source_of(source_of)
        '_objective.py:source_of'
    """
    given = getattr(fn, "lrkit_source", None)
    if isinstance(given, str):
        return given
    kind = fn if inspect.isroutine(fn) else type(fn)  # a callable object: its class
    qualname = getattr(kind, "__qualname__", getattr(kind, "__name__", repr(kind)))
    try:
        where = Path(inspect.getsourcefile(kind) or "").name
    except TypeError:  # a builtin or a C extension: no source file
        where = ""
    return f"{where or getattr(kind, '__module__', '?')}:{qualname}"


def _is_protocol_function(fn: Callable[..., Any]) -> bool:
    """``FUNC(seed, ...)``: a first parameter named ``seed`` and nothing else required."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    rest_optional = all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                        for p in params[1:])
    return bool(params) and params[0].name == "seed" and rest_optional


def _task_run(task: Any, metric: str, budget: int, eval_every: int) -> Callable[..., float]:
    def run(trial: Any, space: SearchSpace, seed: int) -> float:
        import optuna

        from lrkit.tasks import train

        params = space.suggest(trial)
        schedule = schedule_from_params(params, budget)
        trial.set_user_attr("schedule_spec", spec_from_params(params, budget))
        pruned = False

        def report(info: dict[str, Any]) -> bool:
            nonlocal pruned
            if metric in info:  # an evaluation step: `step` is the update index, so step + 1 updates done
                value = float(info[metric])
                if not math.isfinite(value):
                    return False  # divergence is recorded by train itself
                trial.report(value, int(info["step"]) + 1)
                pruned = trial.should_prune()
            return pruned

        # lr=None: the schedule runs exactly as its spec reads (lrkit's rate rule; a short one_cycle's
        # discrete peak sits below max_lr, and rescaling it to max_lr would run another schedule)
        result = train(task, lr=None, schedule=schedule, optimizer=params.get("optimizer"),
                       budget=budget, seed=seed, callbacks=(report,), eval_every=eval_every)
        trial.set_user_attr("steps", int(result.steps))
        if result.diverged:
            trial.set_user_attr("diverged", True)
            raise optuna.TrialPruned(f"diverged after {result.steps} steps")
        if pruned:
            raise optuna.TrialPruned(f"pruned after {result.steps} steps")
        if not math.isfinite(result.metric):  # no metric at all: every trial would fail the same way
            raise LRKitError(f"the task {result.task} gave no {metric} after training (got {result.metric}); "
                             "give it a val_loader.")
        return float(result.metric)

    return run


def _objective_run(fn: Callable[[TrialParams], float], budget: int | None) -> Callable[..., float]:
    def run(trial: Any, space: SearchSpace, seed: int) -> float:
        import optuna

        params = space.suggest(trial)
        check_horizon((params["schedule"],), budget)  # tune checked the space already: a guard
        schedule = schedule_from_params(params, budget or 1)
        spec = spec_from_params(params, budget or 1)
        trial.set_user_attr("schedule_spec", spec)
        # `lr` rounded as the spec writes it, so the objective runs the spec
        tp = TrialParams({**params, "lr": round_rate(params["lr"])}, trial, schedule, spec)
        value = fn(tp)
        if tp.pruned:
            raise optuna.TrialPruned("pruned by the objective's reports")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise LRKitError(f"the objective must return a number; got {value!r}.") from None
        if not math.isfinite(value):
            trial.set_user_attr("diverged", True)
            raise optuna.TrialPruned("the objective returned a non-finite value")
        return value

    return run


def resolve_target(target: Any, *, budget: int | None, eval_every: int | None,
                   direction: str | None, reports: int = 10) -> Target:
    """Turn ``tune``'s first argument into a :class:`Target`.

    ``reports`` sets the default ``eval_every`` of a task, ``budget // reports``
    (``TunePolicy.reports``).

    Raises:
        LRKitError: for an unknown task name, a bad budget or direction, or a
            value that is neither a task nor a callable.
    """
    from lrkit.errors import check_choice, check_count, check_int

    if direction is not None:
        check_choice("direction", direction, "tune", ("minimize", "maximize"))
    is_task = isinstance(target, str) or hasattr(target, "info") or (
        callable(target) and _is_protocol_function(target))
    if budget is not None:
        budget = _check_budget("budget", budget, "tune")
    if eval_every is not None:  # checked for an objective too, which has no use for it
        eval_every = check_int("eval_every", eval_every, "tune")
    if budget is not None and is_task:  # each trial keeps a history row per step
        from lrkit.tasks import HISTORY_BYTES_PER_STEP

        budget = check_count("budget", budget, "tune", bytes_each=HISTORY_BYTES_PER_STEP)
    if not is_task:
        if not callable(target):
            raise LRKitError(f"`task_or_objective` of tune must be a task name, a Task, a protocol function "
                             f"FUNC(seed) or an objective callable(params); got {target!r}.")
        name = getattr(target, "__name__", type(target).__name__)
        return Target(name, "value", direction or "minimize", budget, _objective_run(target, budget),
                      source=source_of(target))
    from lrkit.tasks import get_task

    task = get_task(target) if isinstance(target, str) else target
    info = getattr(task, "info", None)
    check = None  # a built-in task needs no check; a protocol function does
    if info is not None:
        name, metric = info.name, info.metric
        natural = "maximize" if info.higher_is_better else "minimize"
        budget = budget or info.budget
    else:  # a protocol function: lrkit.tasks.train evaluates it by mean validation loss
        name, metric, natural = getattr(task, "__name__", "user-task"), "val_loss", "minimize"
        if budget is None:
            raise LRKitError("`budget` of tune is required for a protocol function task.")
        check = _protocol_check(task, name)
    if direction is not None and direction != natural:
        raise LRKitError(f"`direction` of tune must be {natural!r} for task {name} ({metric}); "
                         f"got {direction!r}.")
    every = eval_every if eval_every is not None else max(1, budget // reports)
    source = None if info is not None else source_of(task)  # a registered task is its name
    return Target(name, metric, natural, budget, _task_run(task, metric, budget, every), task, every, check,
                  source)


_WHY_VAL = (" for tune: each trial is scored by its mean validation loss (return a held-out split as "
            "val_loader, or tune an objective callable(params) that returns your own score)")


def _protocol_check(build: Callable[[int], Any], name: str) -> Callable[[int], None]:
    """Build a protocol function once and check its parts and its validation split.

    The global torch RNG is left as it was: the trials and the range test seed their own builds.
    """

    def check(seed: int) -> None:
        import torch

        from lrkit.tasks import check_parts

        owner = f"the task function {name}"
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            try:
                parts = build(seed)
            except Exception as exc:  # the user's code: one line naming it
                raise LRKitError(f"{owner} raised {type(exc).__name__}: {exc}") from exc
            check_parts(parts, owner, need_val=True, why_val=_WHY_VAL)

    return check
