"""Storages: URL forms, failing fast without leaving anything behind, worker seeds."""

from __future__ import annotations

import socket
import time

import optuna
import pytest

from lrkit import LRKitError
from lrkit.tuning import Storage, default_worker_id, mask_url, open_storage, tune, worker_seed


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket is closed


def test_default_is_sqlite_file_under_out(tmp_path):
    store, desc, shared = open_storage(None, tmp_path / "out")
    assert isinstance(store, optuna.storages.RDBStorage) and not shared
    assert desc == f"sqlite:///{(tmp_path / 'out' / 'lrkit-tune.db').resolve()}"
    assert store.heartbeat_interval == 10 and store.grace_period == 30
    assert (tmp_path / "out" / "lrkit-tune.db").is_file()


def test_unreachable_postgres_fails_fast_and_creates_nothing(tmp_path):
    url = f"postgresql://bob:secret@127.0.0.1:{_closed_port()}/lr"
    start = time.perf_counter()
    with pytest.raises(LRKitError,
                       match=r"cannot reach storage 'postgresql\+psycopg2://bob:\*\*\*@127.0.0.1"):
        tune(lambda p: p["lr"], n_trials=3, storage=Storage(url=url, out=tmp_path / "out"),
             space={"lr": [1e-3, 1], "schedules": ["constant"]})
    assert time.perf_counter() - start < 10
    assert not (tmp_path / "out").exists()  # no default database, no report, no partial study


def test_error_messages_never_show_the_password(tmp_path):
    with pytest.raises(LRKitError) as info:
        open_storage(f"postgresql://bob:hunter2@127.0.0.1:{_closed_port()}/lr", tmp_path)
    assert "hunter2" not in str(info.value)
    assert mask_url("postgresql://bob:hunter2@h/db") == "postgresql://bob:***@h/db"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("redis://localhost", r"unsupported storage 'redis://localhost'; use sqlite:///PATH.db, journal:///"),
        ("", r"`storage` must be a URL such as"),
        ("journal:///no/such/dir/x.log", r"directory '/no/such/dir' does not exist"),
        ("sqlite:////no/such/dir/x.db", r"cannot reach storage 'sqlite:////no/such/dir/x.db'"),
    ],
)
def test_bad_storage_urls(tmp_path, url, message):
    with pytest.raises(LRKitError, match=message):
        open_storage(url, tmp_path)


def test_heartbeat_settings_are_validated(tmp_path):
    with pytest.raises(LRKitError, match=r"`grace_period` of tune must be an integer in \[6, 10800\]"):
        open_storage(None, tmp_path, heartbeat_interval=5, grace_period=5)


def test_journal_storage_runs_a_study(tmp_path):
    r = tune(lambda p: (p["lr"] - 0.1) ** 2, n_trials=4,
             storage=Storage(url=f"journal:///{tmp_path}/study.log", worker_id=3),
             space={"lr": [1e-3, 1], "schedules": ["constant"]}, pruner="none")
    assert r.n_complete == 4 and r.storage.startswith("journal://") and r.worker_id == 3
    assert (tmp_path / "study.log").stat().st_size > 0


def test_worker_seeds_differ_by_worker_and_by_resume_point():
    seeds = {worker_seed(0, w, 0) for w in range(50)}
    assert len(seeds) == 50
    assert worker_seed(0, 0, 5) != worker_seed(0, 0, 0)  # a resumed run does not replay its start-up trials
    assert worker_seed(7, 1, 2) == worker_seed(7, 1, 2)
    with pytest.raises(LRKitError, match="`worker_id` of worker_seed must be an integer >= 0"):
        worker_seed(0, -1, 0)


def test_default_worker_id_reads_the_environment(monkeypatch):
    monkeypatch.setenv("LRKIT_WORKER_ID", "12")
    assert default_worker_id() == 12
    monkeypatch.setenv("LRKIT_WORKER_ID", "x")
    with pytest.raises(LRKitError,
                       match="`LRKIT_WORKER_ID` of the environment must be an integer >= 0; got 'x'"):
        default_worker_id()
    monkeypatch.delenv("LRKIT_WORKER_ID")
    assert default_worker_id() == default_worker_id()  # stable within a process (host + pid)
