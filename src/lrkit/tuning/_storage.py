"""Where a study lives, following Optuna's own guidance, and per-worker seeds.

=============================  ===============================  ==========================
storage argument               backend                          for
=============================  ===============================  ==========================
``None`` (default)             SQLite file ``OUT/lrkit-tune.db``  one process, resumable
``sqlite:///path.db``          SQLite file                      one process
``journal:///path.log``        Optuna journal file              several processes, one host
``postgresql://user:pw@h/db``  PostgreSQL (psycopg2)            any number of hosts
=============================  ===============================  ==========================

Relational storages get Optuna heartbeats: a running trial writes a heartbeat
every ``heartbeat_interval`` seconds; a trial whose heartbeat is older than
``grace_period`` (a killed worker) is marked FAIL by the next worker that asks
for a trial, and :class:`optuna.storages.RetryHeartbeatStaleTrialCallback`
(the Optuna 5 name of ``RetryFailedTrialCallback``) re-queues its parameters as
a WAITING trial that the next free worker runs. A trial whose worker died before its
first heartbeat has no heartbeat to grow old, which Optuna's check skips: its start
stands in for that beat (:func:`never_beaten`). The journal backend has no
heartbeat in Optuna 5: a killed worker's trial there is judged by the process mark
of :func:`lrkit.tuning._study.requeue_dead_runs` alone.
"""

from __future__ import annotations

import os
import random
import socket
import time
import warnings
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from lrkit.errors import LRKitError, check_int
from lrkit.tuning._urls import mask_url, scrub

__all__ = ["open_storage", "worker_seed", "default_worker_id", "race_retry", "grace_for", "beating",
           "never_beaten", "past_grace", "DEFAULT_DB", "MAX_HEARTBEAT", "MISSED_BEATS", "RACE_TRIES",
           "MAX_REQUEUES"]

#: Heartbeats a trial may miss before it counts as dead (the default ``grace_period`` is this many
#: intervals): one late beat is a busy worker or a slow database, not a killed one.
MISSED_BEATS = 3
#: Longest interval between heartbeats, in seconds: a killed worker's trial is re-queued after
#: ``MISSED_BEATS`` missed beats, and past an hour that is longer than most trials (Optuna's own thread
#: also sleeps in a C call that overflows past ~2**31 seconds).
MAX_HEARTBEAT = 3600
#: Times one trial's parameters are queued again after its worker died or was interrupted: a trial
#: that kills its worker each time (out of memory at its rate) is not retried forever.
MAX_REQUEUES = 2
#: File name of the embedded default storage under ``out``.
DEFAULT_DB = "lrkit-tune.db"
#: Tries at what workers starting together race to create (Optuna's schema on a fresh database, a
#: study and its attributes): the loser of a race finds the winner's rows on its next try.
RACE_TRIES = 6
_FORMS = "sqlite:///PATH.db, journal:///PATH.log, postgresql://USER:PASSWORD@HOST:PORT/DB"


T = TypeVar("T")


def race_retry(action: Callable[[], T], races: tuple[type[BaseException], ...], *, pause: float) -> T:
    """``action()``, tried again while it loses a race to another worker (raises one of ``races``).

    Up to :data:`RACE_TRIES` tries, the ``k``-th pause ``pause * k`` plus up to ``pause`` of jitter
    (so racing workers spread out); the last try's error propagates.

    Example:
        >>> tries = []
        >>> def create():
        ...     tries.append(1)
        ...     if len(tries) < 3:
        ...         raise KeyError("another worker created it first")
        ...     return len(tries)
        >>> race_retry(create, (KeyError,), pause=0.0)
        3
    """
    for attempt in range(RACE_TRIES - 1):
        try:
            return action()
        except races:
            time.sleep(pause * (attempt + 1) + random.random() * pause)
    return action()


def _with_postgres_driver(url: str) -> str:
    """Name the installed driver: SQLAlchemy 2.1 defaults to psycopg 3, lrkit[postgres] installs psycopg2."""
    import importlib.util

    for module, driver in (("psycopg2", "psycopg2"), ("psycopg", "psycopg")):
        if importlib.util.find_spec(module) is not None:
            return f"postgresql+{driver}://" + url[len("postgresql://"):]
    return url


def _check_reachable(url: str, connect_args: dict[str, Any]) -> None:
    """Open one connection (and read an SQLite file's header), so a bad URL fails before any study.

    Every message shows the URL masked, and the driver's own words scrubbed of its secrets.
    """
    import sqlalchemy
    from sqlalchemy import exc

    shown = mask_url(url)
    try:
        engine = sqlalchemy.create_engine(url, connect_args=connect_args)
    except ModuleNotFoundError as e:
        raise LRKitError(f"`storage` {shown!r} needs the database driver {e.name!r}; install it (PostgreSQL: "
                         "pip install 'lrkit[postgres]').") from None
    except Exception as e:  # ArgumentError, or ValueError for a bad port or an unclosed '[' of an IPv6 host
        raise LRKitError(f"`storage` {shown!r} is not a valid database URL ({_one_line(e, url)}); "
                         f"use {_FORMS}.") from None
    try:
        with engine.connect() as conn:
            if url.startswith("sqlite"):
                conn.exec_driver_sql("PRAGMA schema_version")  # "file is not a database" shows here
    except exc.SQLAlchemyError as e:
        raise _unusable(url, e, "reach") from None
    finally:
        engine.dispose()


def _one_line(e: BaseException, url: str) -> str:
    """An exception's words as one line, without the URL's secrets (drivers may quote the URL)."""
    return scrub(" ".join(str(e).split()), url)


def _unusable(url: str, e: Exception, what: str = "use") -> LRKitError:
    reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
    return LRKitError(f"cannot {what} storage {mask_url(url)!r}: {_one_line(reason, url)}")


def _in_memory(url: str) -> bool:
    """``sqlite://``, ``sqlite:///:memory:`` or ``mode=memory``: a database no other connection sees."""
    rest = url.split("://", 1)[1] if "://" in url else ""
    return rest in ("", "/") or ":memory:" in rest or "mode=memory" in rest


def open_storage(
    storage: str | None,
    out: Path,
    *,
    heartbeat_interval: int = 10,
    grace_period: int | None = None,
    max_retry: int = MAX_REQUEUES,
    connect_timeout: int = 5,
) -> tuple[Any, str, bool]:
    """Open the Optuna storage for ``storage``, failing fast when it is unreachable.

    Args:
        storage: ``None`` for the SQLite default under ``out``, or one of the URL
            forms in the module docstring.
        out: the output directory (holds the default database file).
        heartbeat_interval: seconds between heartbeats of a running trial.
        grace_period: seconds without a heartbeat after which a trial counts as
            dead (default ``MISSED_BEATS * heartbeat_interval``, 3 intervals).
        max_retry: how many times a dead trial's parameters are re-queued.
        connect_timeout: seconds to wait for a database server before failing.

    Returns:
        ``(optuna_storage, description, shared)``: the storage object, the URL
        with any password masked, and whether it is meant for several workers.

    Raises:
        LRKitError: for an unsupported URL, a missing driver or an unreachable
            server; nothing is created in that case.

    Example:
        >>> import tempfile
        >>> out = Path(tempfile.mkdtemp())
        >>> store, where, shared = open_storage(None, out)  # the default: one SQLite file under out
        >>> type(store).__name__, where.endswith("/lrkit-tune.db"), shared
        ('RDBStorage', True, False)
        >>> open_storage("redis://host", out)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: unsupported storage 'redis://host'; use sqlite:///PATH.db, ...
    """
    heartbeat_interval = check_int("heartbeat_interval", heartbeat_interval, "tune", high=MAX_HEARTBEAT)
    grace_period = grace_for(heartbeat_interval, grace_period)
    max_retry = check_int("max_retry", max_retry, "tune", low=0)
    if storage is None:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise LRKitError(f"`out` of tune {str(out)!r} cannot be created: "
                             f"{exc.strerror or exc}.") from None
        url, shared = f"sqlite:///{(out / DEFAULT_DB).resolve()}", False
    elif not isinstance(storage, str) or not storage.strip():
        raise LRKitError(f"`storage` must be a URL such as {_FORMS}; got {mask_url(repr(storage))}.")
    else:
        url = storage.strip()
        if url.startswith("postgres://"):  # the libpq spelling; SQLAlchemy wants postgresql://
            url = "postgresql://" + url[len("postgres://"):]
        shared = not url.startswith("sqlite")
        if url.startswith("postgresql://"):
            url = _with_postgres_driver(url)
    import optuna

    if url.startswith("journal://"):
        path = Path(url[len("journal://"):])
        if not path.parent.is_dir():
            raise LRKitError(f"cannot reach storage {mask_url(url)!r}: directory "
                             f"{scrub(str(path.parent), url)!r} does not exist.")
        if path.is_dir():
            inside = scrub(str(path / "tune.log"), url).lstrip("/")
            raise LRKitError(f"cannot reach storage {mask_url(url)!r}: {scrub(str(path), url)!r} is a "
                             f"folder; give a file, such as journal:///{inside}.")
        backend = optuna.storages.journal.JournalFileBackend(str(path))
        try:  # the storage replays the file's log now: another kind of file fails here, untouched
            return optuna.storages.JournalStorage(backend), mask_url(url), True
        except (ValueError, UnicodeDecodeError):  # json.JSONDecodeError is a ValueError
            raise LRKitError(f"cannot reach storage {mask_url(url)!r}: {scrub(str(path), url)!r} is not an "
                             "Optuna journal file; give a new file or one an earlier journal:/// run "
                             "wrote.") from None
    scheme = url.split(":", 1)[0].split("+", 1)[0]
    if "://" not in url or scheme not in ("sqlite", "postgresql", "mysql"):
        raise LRKitError(f"unsupported storage {mask_url(url)!r}; use {_FORMS}.")
    if scheme == "sqlite" and _in_memory(url):
        raise LRKitError(f"`storage` {url!r} is an in-memory database: each connection (Optuna's heartbeat "
                         "thread has its own) sees an empty one and nothing is kept; give a file, "
                         "sqlite:///PATH.db, or leave --storage out for the file under --out.")
    connect_args = {"connect_timeout": connect_timeout} if scheme in ("postgresql", "mysql") else {}
    if scheme == "sqlite":
        # Optuna's guidance: SQLite is for one process; a long busy timeout covers the heartbeat thread.
        connect_args = {"timeout": 60}
    _check_reachable(url, connect_args)
    from sqlalchemy import exc

    with warnings.catch_warnings():  # heartbeat_interval is still marked experimental in Optuna 5
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        retry = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=max_retry)

        def connect() -> Any:
            return optuna.storages.RDBStorage(
                url,
                engine_kwargs={"connect_args": connect_args, "pool_pre_ping": True},
                heartbeat_interval=heartbeat_interval,
                grace_period=grace_period,
                heartbeat_stale_trial_callback=retry,
            )

        try:
            # Workers starting together on a fresh database race to create Optuna's schema
            # (CREATE TYPE / version row); the loser retries and finds the tables there.
            rdb = race_retry(connect, (exc.IntegrityError, exc.ProgrammingError), pause=0.2)
        except exc.SQLAlchemyError as e:  # not an Optuna database, a locked or read-only file
            raise _unusable(url, e) from None
    return rdb, mask_url(url), shared


def grace_for(heartbeat_interval: int, grace_period: int | None) -> int:
    """Seconds a running trial may go without a sign of its worker before it counts as dead: ``grace_period``
    checked, by default :data:`MISSED_BEATS` heartbeat intervals.

    Example:
        >>> grace_for(10, None), grace_for(10, 60)
        (30, 60)
    """
    if grace_period is None:
        grace_period = MISSED_BEATS * heartbeat_interval
    return check_int("grace_period", grace_period, "tune", low=heartbeat_interval + 1,
                     high=MISSED_BEATS * MAX_HEARTBEAT)


def beating(storage: Any) -> Any:
    """The ``RDBStorage`` under ``storage`` when its trials record heartbeats and it has a grace period to
    judge them by (every relational storage ``open_storage`` opens), else ``None`` (a journal file).

    Example:
        >>> import optuna
        >>> beating(optuna.storages.InMemoryStorage()) is None
        True
    """
    import optuna

    backend = getattr(storage, "_backend", storage)  # a study holds its RDBStorage inside Optuna's cache
    if (isinstance(backend, optuna.storages.RDBStorage) and backend.heartbeat_interval is not None
            and backend.grace_period is not None):
        return backend
    return None


def past_grace(trial: Any, grace: float) -> bool:
    """Whether ``trial`` started more than ``grace`` seconds ago by this host's clock (a trial not yet
    started has not): long enough that a live worker would have shown itself (a mark, a heartbeat).

    Example:
        >>> from types import SimpleNamespace
        >>> past_grace(SimpleNamespace(datetime_start=datetime.now() - timedelta(seconds=60)), 30)
        True
        >>> past_grace(SimpleNamespace(datetime_start=None), 30)
        False
    """
    start = trial.datetime_start
    return start is not None and datetime.now() > start + timedelta(seconds=grace)


def never_beaten(study: Any) -> list[int]:
    """Ids of the study's RUNNING trials that never recorded a heartbeat and started longer than the
    storage's grace period ago: their worker died between creating them and its first beat.

    Optuna's stale check (:func:`optuna.storages.fail_stale_trials`) reads only trials with a heartbeat
    row, so such a trial would stay RUNNING, counted live, forever; its start stands in for the missing
    beat (a live worker beats within moments of the start: Optuna starts the heartbeat thread before the
    objective). The start is the creating worker's clock, read against this one's, so hosts' clocks must
    agree to within the grace period (Optuna's check reads the database's). Empty for a storage without
    heartbeats (a journal file: there a running trial cannot be told dead).
    """
    from optuna.trial import TrialState

    if (backend := beating(study._storage)) is None:
        return []
    from optuna.storages._rdb import models  # the heartbeat rows have no public reader

    model = models.TrialModel
    db = backend.scoped_session()
    try:
        silent = {row[0] for row in db.query(model.trial_id).filter(
            model.study_id == study._study_id, model.state == TrialState.RUNNING, ~model.heartbeats.any())}
        db.commit()
    finally:
        db.close()
    return [t._trial_id for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
            if t._trial_id in silent and past_grace(t, backend.grace_period)]


def default_worker_id() -> int:
    """This process's worker id: ``$LRKIT_WORKER_ID`` if set, else from host and pid.

    Example:
        >>> 0 <= default_worker_id() < 2**31
        True
    """
    env = os.environ.get("LRKIT_WORKER_ID")
    if env is not None:
        try:
            return check_int("LRKIT_WORKER_ID", int(env), "the environment", low=0)
        except ValueError:
            raise LRKitError("`LRKIT_WORKER_ID` of the environment must be an integer >= 0; "
                             f"got {env!r}.") from None
    return zlib.crc32(f"{socket.gethostname()}:{os.getpid()}".encode()) & 0x7FFFFFFF


def worker_seed(seed: int, worker_id: int, n_existing: int) -> int:
    """The sampler seed of one worker: a hash of (seed, worker id, trials already in the study).

    Distinct workers on one study must not share a seed, or they all sample the
    same first points; a resumed study must not replay its first run's random
    start-up trials, so the number of trials already stored enters the hash.

    Example:
        >>> worker_seed(0, 0, 0) == worker_seed(0, 0, 0) != worker_seed(0, 1, 0)
        True
    """
    entropy = [check_int(n, v, "worker_seed", low=0) for n, v in
               (("seed", seed), ("worker_id", worker_id), ("n_existing", n_existing))]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0] & 0x7FFFFFFF)
