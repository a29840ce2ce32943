"""``tune``: search the learning rate and its schedule with Optuna.

Optuna samples, prunes and stores; lrkit brings the learning-rate knowledge: a
rate range from the range test, schedule families as specs, pruning on the
task's validation metric, and the result as an lrkit schedule.

**Counting trials.** ``n_trials`` is the number of *finished* (complete or pruned)
trials the study should hold, whichever worker ran them and whenever: re-running
the same command after an interruption runs only the missing ones, and several
workers on one study stop together at ``n_trials``. Before a trial trains, it
checks that fewer than ``n_trials`` live (complete, pruned, running or waiting)
trials precede it; a trial that lost that race (two workers asked at the same
instant) is marked FAIL with the user attribute ``surplus`` and never trains.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lrkit.errors import LRKitError, check_count, check_flag, check_instance, check_int, unknown_name
from lrkit.tuning._objective import check_horizon, resolve_target
from lrkit.tuning._policy import TunePolicy
from lrkit.tuning._result import TuneResult, result_from_study
from lrkit.tuning._space import SearchSpace
from lrkit.tuning._space_file import load_space
from lrkit.tuning._start import build_space, first_params
from lrkit.tuning._storage import default_worker_id, grace_for, open_storage, worker_seed
from lrkit.tuning._study import (PRUNERS, SAMPLERS, first_rung, make_pruner, make_sampler, open_study,
                                 requeue_dead_runs, still_running)
from lrkit.tuning._trials import MAX_CONSECUTIVE_FAILURES, TrialLoop, quiet_optuna
from lrkit.tuning._where import Storage

__all__ = ["tune", "MAX_CONSECUTIVE_FAILURES"]


#: Memory one finished trial costs in the result read back from the study (its parameters, the
#: schedule spec, up to a few dozen intermediate reports, user attributes); generous on purpose.
TRIAL_BYTES = 16_384


def tune(
    task_or_objective: Any,
    *,
    n_trials: int,
    space: SearchSpace | dict[str, Any] | str | Path | None = None,
    sampler: str = "tpe",
    pruner: str = "hyperband",
    seed: int = 0,
    timeout: float | None = None,
    budget: int | None = None,
    eval_every: int | None = None,
    direction: str | None = None,
    use_finder: bool = True,
    storage: Storage | str | None = None,
    policy: TunePolicy = TunePolicy(),
    on_trial: Callable[[Any, int, int], None] | None = None,
) -> TuneResult:
    """Tune the learning rate and its schedule of a task (or an objective) with Optuna.

    Each trial samples a peak rate :math:`\\eta \\sim \\text{LogUniform}(lo, hi)`, a
    schedule family and its shape (see :class:`SearchSpace`), trains for ``budget``
    steps and returns the task's validation metric. By default ``[lo, hi]`` spans a
    decade above and a decade and a half below the range test's suggestion ``s``
    (``find_lr(rule="auto")``, :func:`lr_range_from_finder`), and a new study's first
    trial is ``s`` itself with a schedule chosen by the budget (constant below 50
    updates, wsd below 1000, cosine from there on: :func:`first_trial`); without a
    finder the range is ``policy.wide_lr_range`` and ``result.notes`` says so.

    Args:
        task_or_objective: a built-in task name, a ``Task``, a protocol function
            ``FUNC(seed) -> dict``, or an objective ``callable(params) -> float``
            (see :class:`TrialParams`).
        n_trials: finished trials the study should hold (counted across workers
            and re-runs).
        space: a :class:`SearchSpace`, its dict form, or a YAML file; keys left out
            take the defaults (``lr`` from the finder).
        sampler: one of :data:`SAMPLERS`.
        pruner: one of :data:`PRUNERS`; reports come every ``eval_every`` steps.
        seed: the base seed (trials all train with it; the sampler gets
            :func:`worker_seed` of it).
        timeout: stop starting trials after this many seconds.
        budget: training steps per trial (default: the task's budget). An objective needs it
            unless the space holds ``constant`` alone (the other families' shapes span it).
        eval_every: steps between validation reports (default ``budget // policy.reports``).
        direction: ``"minimize"``/``"maximize"`` for an objective (tasks know theirs).
        use_finder: run the range test to centre the rate range and queue its
            suggestion as the first trial.
        storage: where the study lives (:class:`Storage`: its URL, ``out`` folder for the
            default SQLite file, study name, worker id, heartbeats), or just its URL; ``None``:
            ``Storage()``, an SQLite file under ``./lrkit-out``.
        policy: the tuned defaults (:class:`TunePolicy`: the rate range around the finder's
            suggestion, the first rung, TPE's start-up, the finder's own policy).
        on_trial: ``cb(frozen_trial, n_finished, n_trials)`` after each trial (progress).

    Returns:
        A :class:`TuneResult` read back from the whole study.

    Raises:
        LRKitError: for ``n_trials <= 0``, unknown sampler / pruner / schedule
            names (listing the valid ones), a bad space, an objective without ``budget`` whose
            space holds a family other than ``constant``, an unreachable storage, or a
            protocol function whose parts or ``val_loader`` cannot be used (all before any
            study is written); and when :data:`MAX_CONSECUTIVE_FAILURES` trials in a row
            fail (the message names the last cause; the failed trials stay in the study).

    Example:
        >>> import tempfile
        >>> r = tune(lambda p: (p["lr"] - 0.01) ** 2, n_trials=6, storage=Storage(out=tempfile.mkdtemp()),
        ...          space={"lr": [1e-4, 1], "schedules": ["constant"]}, pruner="none")
        >>> r.n_complete, r.best_schedule.startswith("constant(lr=")
        (6, True)
    """
    import optuna

    n_trials, seed, where = _checked(n_trials, seed, sampler, pruner, timeout, policy, use_finder, on_trial,
                                     storage)
    user_space = load_space(space)  # validate eagerly, before any storage or training
    target = resolve_target(task_or_objective, budget=budget, eval_every=eval_every, direction=direction,
                            reports=policy.reports)
    objective_without_budget = target.task is None and target.budget is None
    if objective_without_budget and user_space is not None:  # shaped families need a horizon: not trial 0's
        check_horizon(user_space.schedules, None)
    target.check(seed)  # a user's task is built and its validation split tried before any study exists
    store, storage_desc, shared = open_storage(where.url, Path(where.out),
                                               heartbeat_interval=where.heartbeat_interval,
                                               grace_period=where.grace_period)
    worker_id = where.worker_id
    if worker_id is None:
        worker_id = default_worker_id() if shared else 0
    name = where.study_name or f"lrkit-{target.name}"
    # an objective without budget or space searches the space of the study it resumes, else the default
    horizon = _searchable_without_budget if objective_without_budget and user_space is None else None
    notes: list[str] = []

    with quiet_optuna() as quiet:
        probe, the_space, finder = open_study(store, name, target.direction, space,
                                              lambda: build_space(target, space, seed, use_finder, notes,
                                                                   policy), budget=target.budget,
                                              # a name given on purpose joins whatever it names
                                              source=None if where.study_name else target.source,
                                              check=horizon)
        # a killed worker's trials, failed and re-queued before counting what is left
        grace = grace_for(where.heartbeat_interval, where.grace_period)  # the storage's (a journal has none)
        if n_dead := requeue_dead_runs(probe, storage_desc, grace, shared=shared):
            notes.append(f"re-queued {n_dead} trial(s) left running by a killed process.")
        n_existing = len(probe.get_trials(deepcopy=False))
        if n_existing:
            notes.append(f"resumed study {name!r} with {n_existing} stored trial(s).")
        s_seed = worker_seed(seed, worker_id, n_existing)
        study = optuna.load_study(
            study_name=name, storage=store, sampler=make_sampler(sampler, s_seed, n_trials, policy),
            pruner=make_pruner(pruner, min_resource=first_rung(target, policy), max_resource=target.budget,
                               policy=policy))
        if n_existing == 0 and (first := first_params(target, the_space, finder, notes)) is not None:
            # skip_if_exists: a worker that found the study empty just after this one does not
            # queue it again (only a truly simultaneous start can run it twice)
            study.enqueue_trial(first, user_attrs={"first": "finder"}, skip_if_exists=True)
        TrialLoop(study, lambda trial: target.run(trial, the_space, seed), n_trials=n_trials, notes=notes,
                  quiet=quiet, on_trial=on_trial).run(timeout)
        if short := still_running(study, n_trials, grace):
            notes.append(short)
        return result_from_study(study, n_trials=n_trials, metric=target.metric, storage=storage_desc,
                                 space=the_space, finder=finder, sampler=sampler, pruner=pruner, seed=seed,
                                 sampler_seed=s_seed, worker_id=worker_id, notes=notes)


def _searchable_without_budget(stored: SearchSpace | None) -> None:
    """Refuse (``LRKitError``) a space, the study's or else the default, that needs a budget it lacks."""
    check_horizon((stored or SearchSpace()).schedules, None)


def _checked(n_trials: Any, seed: Any, sampler: Any, pruner: Any, timeout: Any, policy: Any, use_finder: Any,
             on_trial: Any, storage: Any) -> tuple[int, int, Storage]:
    """``tune``'s plain arguments checked, before anything is built: ``(n_trials, seed, storage)``."""
    n_trials = check_count("n_trials", n_trials, "tune", bytes_each=TRIAL_BYTES)
    seed = check_int("seed", seed, "tune", low=0)
    if sampler not in SAMPLERS:
        raise unknown_name("sampler", str(sampler), SAMPLERS)
    if pruner not in PRUNERS:
        raise unknown_name("pruner", str(pruner), PRUNERS)
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise LRKitError(f"`timeout` of tune must be a number of seconds > 0; got {timeout!r}.")
    check_instance("policy", policy, "tune", TunePolicy)
    check_flag("use_finder", use_finder, "tune")
    if on_trial is not None and not callable(on_trial):
        raise LRKitError(f"`on_trial` of tune must be a callable (trial, n_finished, n_trials) or None; "
                         f"got {on_trial!r:.80}.")
    where = Storage(url=storage) if isinstance(storage, str) else Storage() if storage is None else storage
    check_instance("storage", where, "tune", Storage)
    return n_trials, seed, where
