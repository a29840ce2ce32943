"""Optuna plumbing: samplers and pruners by name, and the study life cycle.

**Counting trials.** ``n_trials`` is the number of *finished* (complete or pruned)
trials a study should hold, whichever worker ran them and whenever. *Live*
trials are complete, pruned, running or waiting ones: a study is done when it
holds ``n_trials`` live trials and none waits for a worker.
"""

from __future__ import annotations

import os
import socket
import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lrkit.errors import LRKitError, unknown_name
from lrkit.tuning._policy import TunePolicy
from lrkit.tuning._space import SearchSpace
from lrkit.tuning._space_file import load_space
from lrkit.tuning._storage import MAX_REQUEUES, beating, never_beaten, past_grace, race_retry

if TYPE_CHECKING:
    from lrkit.tuning._objective import Target

__all__ = ["SAMPLERS", "PRUNERS", "make_sampler", "make_pruner", "first_rung", "open_study", "live_trials",
           "enough", "taken_for_dead", "fail_stale", "requeue_dead_runs", "still_running", "requeue",
           "mark_worker", "WORKER_ATTR", "MARK_POLL"]

SAMPLERS = ("tpe", "random")
PRUNERS = ("hyperband", "successive_halving", "median", "none")
SPACE_ATTR, FINDER_ATTR, BUDGET_ATTR = "lrkit_space", "lrkit_finder", "lrkit_budget"
SOURCE_ATTR = "lrkit_source"  # what the study tunes (Target.source): another script's is refused


def make_sampler(name: str, seed: int, n_trials: int, policy: TunePolicy = TunePolicy()) -> Any:
    """The Optuna sampler ``name`` (see :data:`SAMPLERS`) seeded with ``seed``.

    ``tpe`` is Optuna 5's :class:`~optuna.samplers.TPESampler` with its 5.x defaults
    (multivariate for one objective, ``constant_liar=True`` so parallel workers do
    not pile onto one point) and ``n_startup_trials = clip(n_trials // 4, 4, 10)``
    random start-up trials (``policy.tpe_startup_*``): the finder-seeded range needs few
    to get TPE going.

    Example:
        >>> type(make_sampler("tpe", seed=0, n_trials=20)).__name__
        'TPESampler'
        >>> make_sampler("cmaes", seed=0, n_trials=20)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: unknown sampler 'cmaes'...
    """
    import optuna

    if name not in SAMPLERS:
        raise unknown_name("sampler", str(name), SAMPLERS)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    p = policy
    startup = min(p.tpe_startup_max, max(p.tpe_startup_min, int(n_trials * p.tpe_startup_fraction)))
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup)


def make_pruner(name: str, *, min_resource: int | None, max_resource: int | None,
                policy: TunePolicy = TunePolicy()) -> Any:
    """The Optuna pruner ``name`` (see :data:`PRUNERS`) over training steps.

    Hyperband and successive halving use reduction factor 3 (``policy.reduction_factor``) with
    rungs at ``min_resource * 3^k`` steps (for a task, ``tune`` passes a third of the budget,
    ``policy.first_rung``: the first decision comes at the first report from there on); the
    median rule waits for 4 completed trials (``policy.median_startup``) and ``min_resource`` steps.

    Example:
        >>> type(make_pruner("hyperband", min_resource=10, max_resource=90)).__name__
        'HyperbandPruner'
        >>> type(make_pruner("none", min_resource=None, max_resource=None)).__name__
        'NopPruner'
    """
    import optuna

    if name not in PRUNERS:
        raise unknown_name("pruner", str(name), PRUNERS)
    lo = min_resource or "auto"
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=min_resource or 1,
                                              max_resource=max_resource or "auto",
                                              reduction_factor=policy.reduction_factor)
    if name == "successive_halving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=lo,
                                                      reduction_factor=policy.reduction_factor)
    if name == "median":
        return optuna.pruners.MedianPruner(n_startup_trials=policy.median_startup,
                                           n_warmup_steps=min_resource or 0)
    return optuna.pruners.NopPruner()


def first_rung(target: Target, policy: TunePolicy = TunePolicy()) -> int | None:
    """Steps before the pruner's first decision: ``policy.first_rung`` of the budget, on a report.

    Earlier rungs rank runs by their early progress, which favours a high constant rate over a
    schedule that pays off when it anneals (``docs/evidence.md#tune-pruning-and-sampling``). A
    user objective reports at steps of its own choosing: its first rung is ``eval_every``
    (``None``: the pruner's own default).
    """
    if target.task is None or target.budget is None or target.eval_every is None:
        return target.eval_every
    return max(target.eval_every, int(policy.first_rung * target.budget))


def open_study(store: Any, name: str, direction: str, space: Any,
               build_space: Any, budget: int | None = None, source: str | None = None,
               check: Callable[[SearchSpace | None], None] | None = None,
               ) -> tuple[Any, SearchSpace, dict[str, Any] | None]:
    """Create or join the study; the first worker stores the space (and finder run) for all others.

    ``build_space()`` returns ``(SearchSpace, finder_dict | None)``; it runs only when the
    study has no stored space yet. The study's ``budget`` (the updates every trial trains: part of
    its objective, as the direction is) is stored too, and joining with another is an error; so is
    its ``source`` (what it tunes, ``Target.source``: ``mlp.py:build``; given for a study under its
    default name, which is the function's name alone, so another script's ``build`` would resume it and
    answer with its trials). A study stored without one takes the first it is run with.

    ``check(stored)`` sees the space the study holds (``None``: no such study, or no space stored yet)
    before anything is written, from the same read that joins the study; it raises to refuse.

    Example:
        >>> import optuna
        >>> store = optuna.storages.InMemoryStorage()
        >>> def constant_only(stored):
        ...     if stored is None or stored.schedules != ("constant",):
        ...         raise LRKitError(f"refused: {stored}")
        >>> open_study(store, "s", "minimize", None, lambda: (SearchSpace(), None), check=constant_only)
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: refused: None
        >>> optuna.get_all_study_names(store)  # refused before anything was written
        []
        >>> constant = SearchSpace(schedules=("constant",))
        >>> _, space, _ = open_study(store, "s", "minimize", None, lambda: (constant, None))
        >>> open_study(store, "s", "minimize", None, None, check=constant_only)[1] == space
        True
    """
    import optuna
    from sqlalchemy.exc import IntegrityError

    built = None

    def create() -> Any:
        nonlocal built
        try:  # one read joins a study that exists and shows what it holds
            probe = optuna.load_study(study_name=name, storage=store)
            attrs = probe.user_attrs
        except KeyError:  # optuna's "Record does not exist": no study of that name yet
            probe, attrs = None, {}
        if check is not None:
            check(None if attrs.get(SPACE_ATTR) is None else SearchSpace(**attrs[SPACE_ATTR]))
        if probe is None:  # another worker may create it meanwhile: then this joins it
            probe = optuna.create_study(storage=store, study_name=name, direction=direction,
                                        load_if_exists=True)
            attrs = probe.user_attrs
        if probe.direction.name.lower() != direction:
            raise LRKitError(f"study {name!r} exists and {probe.direction.name.lower()}s; this target "
                             f"{direction}s. Choose another --study name.")
        if attrs.get(SPACE_ATTR) is None:
            built = built or build_space()
            probe.set_user_attr(FINDER_ATTR, built[1])
            probe.set_user_attr(SPACE_ATTR, {**built[0].to_dict(), "lr_source": built[0].lr_source})
        if budget is not None and attrs.get(BUDGET_ATTR) is None:
            probe.set_user_attr(BUDGET_ATTR, budget)
        if source is not None and attrs.get(SOURCE_ATTR) is None:
            probe.set_user_attr(SOURCE_ATTR, source)
        return probe

    # workers starting together race to create the study or its attributes
    probe = race_retry(create, (IntegrityError,), pause=0.1)
    # Read back what is stored (another worker may have written first): every worker searches one space.
    attrs = optuna.load_study(study_name=name, storage=store).user_attrs
    stored = attrs.get(BUDGET_ATTR)
    if budget is not None and stored is not None and stored != budget:
        raise LRKitError(f"`budget` of tune is {budget}, but study {name!r} was created with budget {stored} "
                         "(its trials are scored after that many updates); give that budget to resume it, or "
                         "a new --study name (or --out folder) for this one.")
    owner = attrs.get(SOURCE_ATTR)
    if source is not None and owner is not None and owner != source:
        raise LRKitError(f"study {name!r} holds the trials of {owner}, not of {source}: run {owner} to "
                         "resume it, or give this one its own study: a new --study name "
                         "(in Python, Storage(study_name=...)) or --out folder.")
    the_space = SearchSpace(**attrs[SPACE_ATTR])
    if space is not None and built is None and not _same_space(load_space(space), the_space):
        raise LRKitError(f"study {name!r} was created with another search space; "
                         "use a new --study name to search a different space.")
    return probe, the_space, attrs.get(FINDER_ATTR)


def _same_space(user: SearchSpace, stored: SearchSpace) -> bool:
    """Does the user's space agree with the study's? (A space without ``lr`` took the finder's.)"""
    a, b = user.to_dict(), stored.to_dict()
    if user.lr_source != "user":
        a.pop("lr"), b.pop("lr")
    return a == b


def live_trials(study: Any) -> list[Any]:
    from optuna.trial import TrialState

    states = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)
    return study.get_trials(deepcopy=False, states=states)


def enough(study: Any, n_trials: int) -> bool:
    """True when the study holds ``n_trials`` live trials and none is waiting for a worker."""
    from optuna.trial import TrialState

    live = live_trials(study)
    return len(live) >= n_trials and not any(t.state == TrialState.WAITING for t in live)


def taken_for_dead(study: Any, number: int) -> bool:
    """True when trial ``number``, whose objective this worker saw return, is stored as FAIL.

    Only another worker writes that: its stale-heartbeat sweep fails a trial whose last beat is older
    than the grace period, which a live but stalled process (a loaded machine, a laptop asleep) can
    also show. That worker re-queues the parameters, so this worker's result can be dropped.
    """
    from optuna.trial import TrialState

    done = [t for t in study.get_trials(deepcopy=False) if t.number == number]
    return bool(done) and done[0].state == TrialState.FAIL


#: System attribute of a trial: the host and process id of the worker running it.
WORKER_ATTR = "lrkit_worker"
#: Seconds between two looks at a running trial its worker has not marked yet (a worker marks it a tenth
#: of a second or so after Optuna creates it): short beside that, long beside one SQLite read.
MARK_POLL = 0.02


def mark_worker(trial: Any) -> None:
    """Record on a starting trial which process runs it (read by :func:`requeue_dead_runs`)."""
    trial.storage.set_trial_system_attr(trial._trial_id, WORKER_ATTR,
                                        {"host": socket.gethostname(), "pid": os.getpid()})


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return pid > 0  # someone else's process: alive
    return True


def _marked(study: Any, trial: Any, grace: float) -> Any:
    """``trial`` once its worker has marked it, or unmarked ``grace`` seconds after it started; ``None``
    when it stops running meanwhile.

    A worker marks its trial (:func:`mark_worker`) right after Optuna has created it RUNNING and sampled
    its parameters, so another process can find it unmarked for that moment, longer on a loaded machine.
    A trial still unmarked a grace period after it started has no live worker: its process died while
    starting it, before its first heartbeat too (the heartbeat thread starts just before the mark).
    """
    from optuna.trial import TrialState

    while not trial.system_attrs.get(WORKER_ATTR) and not past_grace(trial, grace):
        time.sleep(MARK_POLL)
        trial = study._storage.get_trial(trial._trial_id)
        if trial.state != TrialState.RUNNING:
            return None
    return trial


def fail_stale(study: Any) -> int:
    """Fail the RUNNING trials whose heartbeats say their worker is gone, and re-queue each one's parameters
    (the storage's :class:`~optuna.storages.RetryHeartbeatStaleTrialCallback`).

    Gone: a last heartbeat older than the storage's grace period (Optuna's
    :func:`~optuna.storages.fail_stale_trials`), or no heartbeat at all and a start older than that
    (:func:`~lrkit.tuning._storage.never_beaten`: killed before its first beat, a trial Optuna's check
    skips). Of several workers doing this at once, the one whose FAIL is stored re-queues.

    Returns:
        The number of trials this call found gone (those another worker failed meanwhile included).
    """
    import optuna
    from optuna.trial import TrialState

    before = {t._trial_id for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)  # a heartbeat older than the grace period (re-queued too)
        storage, failed = study._storage, []
        for trial_id in never_beaten(study):
            try:
                if storage.set_trial_state_values(trial_id, state=TrialState.FAIL):
                    failed.append(trial_id)
            except optuna.exceptions.UpdateFinishedTrialError:
                pass  # another worker failed it first, and re-queues it
        if failed and (retry := storage.get_heartbeat_stale_trial_callback()) is not None:
            for trial_id in failed:
                retry(study, storage.get_trial(trial_id))
    now = {t._trial_id: t.state for t in study.get_trials(deepcopy=False)}
    return sum(now.get(i) == TrialState.FAIL for i in before)


def requeue_dead_runs(study: Any, where: str, grace: float, *, shared: bool = False) -> int:
    """Fail and re-queue the RUNNING trials of a study whose worker is gone.

    A trial is dead when its heartbeats say so (:func:`fail_stale`: a last beat older than the grace
    period ``grace``, in seconds, or none and a start older than that). A shared storage with heartbeats
    (PostgreSQL: workers on many hosts, or in containers that share a host name) is judged by them alone.
    Elsewhere a trial is also dead when the process that started it on this host (:func:`mark_worker`)
    no longer exists, or, on an SQLite file, is this very process (an interrupted earlier call), or when
    it carries no mark a grace period after it started (its process died while starting it). On a
    ``shared`` journal file a trial of a live process or of another host is left running; an SQLite file
    (``shared=False``) holds one worker, so a second one is refused at once rather than left to race the
    first (a trial being started is waited for until its worker has marked it, so the refusal names it).

    Returns:
        The number of trials re-queued.

    Raises:
        LRKitError: on an SQLite file, when another live process is running a trial of the study.
    """
    from optuna.trial import TrialState

    stale = fail_stale(study)
    if shared and beating(study._storage) is not None:
        return stale
    host, dead = socket.gethostname(), []
    for running in study.get_trials(deepcopy=True, states=(TrialState.RUNNING,)):
        if (t := running if shared else _marked(study, running, grace)) is None:
            continue  # it finished while its mark was awaited
        worker = t.system_attrs.get(WORKER_ATTR) or {}
        pid = int(worker.get("pid", -1))
        here = worker.get("host") == host
        if worker and here and ((pid == os.getpid() and not shared) or not _process_alive(pid)):
            dead.append(t)
        elif not worker and past_grace(t, grace):
            dead.append(t)
        elif not shared:
            who = f"pid {pid} on this host" if here else f"a worker on {worker['host']!r}"
            raise LRKitError(
                f"study {study.study_name!r} in {where} is being run by {who} (trial {t.number} is running): "
                "an SQLite file holds one worker. Wait for it to finish and run the command again, or give "
                "several workers journal:///PATH.log or PostgreSQL (--storage)."
            )
    requeue(study, dead)
    return stale + len(dead)


def still_running(study: Any, n_trials: int, grace: float) -> str | None:
    """A note when RUNNING trials, counted live, leave the study short of ``n_trials`` finished ones.

    A running trial counts toward ``n_trials`` (another worker is finishing it), so a worker stops
    while it runs; one whose worker was killed and that nothing could yet judge dead (a journal file
    has no heartbeat: a trial marked by a process on another host, or unmarked and younger than the
    grace period) would otherwise leave the result reading as a finished study one trial short.
    """
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    running = [t.number for t in trials if t.state == TrialState.RUNNING]
    finished = sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)
    if not running or finished >= n_trials:
        return None
    return (f"trial(s) {', '.join(map(str, running))} still RUNNING count toward the {n_trials} asked for, "
            f"so the study holds {finished} finished: a live worker's trial finishes there; a killed "
            f"worker's is re-queued by the next run of the study once its process on this host is gone "
            f"or {grace:g} s have passed without a heartbeat (without a mark, on a journal file), so run "
            "the command again then.")


def requeue(study: Any, trials: list[Any]) -> None:
    """Mark ``trials`` FAIL (those still RUNNING) and queue each one's parameters again as a WAITING trial.

    One way for every trial that did not finish through no fault of its own: a killed worker's
    (:func:`requeue_dead_runs`) and an interrupted one's (Ctrl-C, :class:`~lrkit.tuning._trials.TrialLoop`).
    The copy is Optuna's :class:`~optuna.storages.RetryHeartbeatStaleTrialCallback`'s (the same parameters,
    user attributes such as ``first``, and the ``retry_history``), so a trial is queued again at most
    :data:`MAX_REQUEUES` times, and never twice for the same failure.
    """
    import optuna
    from optuna.trial import TrialState

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        retry = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_REQUEUES)
    queued = {n for t in study.get_trials(deepcopy=False) for n in t.system_attrs.get("retry_history", ())}
    for t in trials:
        if t.number in queued:
            continue  # another worker re-queued it already (it took this one for dead)
        if study._storage.get_trial(t._trial_id).state == TrialState.RUNNING:
            study._storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL)
        retry(study, study._storage.get_trial(t._trial_id))
