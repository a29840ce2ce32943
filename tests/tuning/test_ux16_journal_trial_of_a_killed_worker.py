"""ux16 D6: on a journal storage a killed worker's RUNNING trial blocks the study from ever holding the
trials asked for, and the re-run says nothing about it.

Probe (``/work/notes/ux16/t1_tune_resume.py journal KILL``): ``lrkit tune --task digits-mlp --trials 6
--budget 150 --storage journal:///F.log`` killed (SIGKILL) while trial 3 runs, then the same command
again: it runs two more trials, the progress bar ends at "5/6", exit 0, ``n_complete`` 5, ``notes`` only
"resumed study ... with 4 stored trial(s)."; trial 3 stays RUNNING, and every later re-run or added worker
stops at 5 the same way (it counts the dead trial among the live ones). docs/tune.md says a journal
storage has "no heartbeat: a killed worker's trial stays RUNNING", but not that the study then never
completes, and the answer does not say a trial is stuck (an SQLite file re-queues a dead process's trial;
PostgreSQL a silent one by its heartbeat). Expected: the study reaches the trials asked for, or the
result's notes name the RUNNING trial that is counted as live (and how to clear it), so a run one trial
short is not reported as done.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from lrkit.tuning import Storage, tune
from lrkit.tuning._study import WORKER_ATTR

optuna = pytest.importorskip("optuna")
SPACE = {"lr": [1e-4, 1.0], "schedules": ["constant"]}


def test_a_run_one_trial_short_because_of_a_running_trial_says_so(tmp_path):
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    log = tmp_path / "study.log"
    study = optuna.create_study(storage=JournalStorage(JournalFileBackend(str(log))), study_name="killed")
    study.ask()  # a worker created this trial and was killed: RUNNING, never finished
    storage = Storage(f"journal:///{log}", study_name="killed")
    r = tune(lambda p: 1.0, n_trials=1, storage=storage, space=SPACE, pruner="none")
    assert r.n_complete == 1 or any("running" in note.lower() for note in r.notes), r.notes


def _journal(log):
    from optuna.storages import JournalStorage
    from optuna.storages.journal import JournalFileBackend

    return JournalStorage(JournalFileBackend(str(log)))


def _running(study, *, worker: dict | None, ago: timedelta) -> None:
    """A RUNNING trial started ``ago``, marked by ``worker`` (host and pid) or by none."""
    study.add_trial(optuna.trial.FrozenTrial(
        number=0, state=optuna.trial.TrialState.RUNNING, value=None, datetime_start=datetime.now() - ago,
        datetime_complete=None, params={}, distributions={}, user_attrs={},
        system_attrs={} if worker is None else {WORKER_ATTR: worker}, intermediate_values={}, trial_id=0))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid  # exited and reaped: no process has it now (the kernel does not reuse it at once)


@pytest.mark.parametrize("killed", ["marked by a process now gone", "unmarked, past the grace period"])
def test_a_killed_workers_trial_on_a_journal_is_requeued_and_run(tmp_path, killed):
    log = tmp_path / "study.log"
    if killed.startswith("marked"):  # killed mid-trial (the probe's case): re-queued at once
        worker, ago = {"host": socket.gethostname(), "pid": _dead_pid()}, timedelta(0)
    else:  # killed while it sampled, before its worker marked it
        worker, ago = None, timedelta(hours=1)
    _running(optuna.create_study(storage=_journal(log), study_name="killed"), worker=worker, ago=ago)
    r = tune(lambda p: 1.0, n_trials=2, storage=Storage(f"journal:///{log}", study_name="killed"),
             space=SPACE, pruner="none")
    assert r.n_complete == 2, (r.n_complete, r.notes)
    assert any("re-queued 1 trial(s)" in n for n in r.notes), r.notes
    assert not any("still RUNNING" in n for n in r.notes), r.notes


def test_a_live_workers_trial_on_a_journal_is_left_running_and_named(tmp_path):
    log = tmp_path / "study.log"
    alive = {"host": socket.gethostname(), "pid": os.getppid()}  # another live process: a second worker
    _running(optuna.create_study(storage=_journal(log), study_name="live"), worker=alive,
             ago=timedelta(hours=1))
    r = tune(lambda p: 1.0, n_trials=2, storage=Storage(f"journal:///{log}", study_name="live"), space=SPACE,
             pruner="none")
    assert r.n_complete == 1 and not any("re-queued 1" in n for n in r.notes), r.notes
    named = "trial(s) 0 still RUNNING count toward the 2 asked for"
    assert any(n.startswith(named) for n in r.notes), r.notes
    states = [t.state.name for t in optuna.load_study(study_name="live", storage=_journal(log)).trials]
    assert sorted(states) == ["COMPLETE", "RUNNING"], states
