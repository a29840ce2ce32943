"""A running trial its worker has not marked yet, on an SQLite study.

A worker records which process runs a trial (host and pid, :func:`~lrkit.tuning._study.mark_worker`) just
after Optuna has created the trial RUNNING and sampled its parameters: a tenth of a second on a quiet
machine, more on a loaded one. A second process that looks at the study in that moment must still refuse
with the first worker's pid (it waits for the mark); a trial whose process died in that moment carries no
mark and no heartbeat, and must be re-queued once a grace period has passed since it started, not refuse
every later run.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from lrkit import LRKitError
from lrkit.tuning import Storage, tune
from lrkit.tuning._study import SPACE_ATTR, WORKER_ATTR

optuna = pytest.importorskip("optuna")
SPACE = {"lr": [1e-4, 1.0], "schedules": ["constant"]}
#: How long the emulated first worker takes to mark its trial once the second has joined (s): its sampling
#: on a loaded machine.
MARK_DELAY = 0.5


def test_a_trial_being_started_is_waited_for_and_its_worker_named(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/starting.db"
    study = optuna.create_study(storage=url, study_name="starting")
    trial = study.ask()  # RUNNING and not yet marked: the first worker is sampling it
    first = os.getppid()  # a live process on this host other than this one: the first worker

    def mark() -> None:
        # from when the second process has joined the study (it stores the search space), just before it looks
        while study.user_attrs.get(SPACE_ATTR) is None:
            time.sleep(0.01)
        time.sleep(MARK_DELAY)
        study._storage.set_trial_system_attr(trial._trial_id, WORKER_ATTR,
                                             {"host": socket.gethostname(), "pid": first})

    marker = threading.Thread(target=mark)
    marker.start()
    try:
        with pytest.raises(LRKitError, match=f"is being run by pid {first} on this host"):
            tune(lambda p: 1.0, n_trials=1, storage=Storage(url, study_name="starting"), space=SPACE,
                 pruner="none")
    finally:
        marker.join()
    assert [t.state.name for t in study.trials] == ["RUNNING"]  # the first worker's trial is left alone


def test_a_trial_left_unmarked_by_a_dead_process_is_requeued(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/orphan.db"
    study = optuna.create_study(storage=url, study_name="orphan")
    started = datetime.now() - timedelta(hours=1)  # killed while it sampled, an hour ago: no mark, no beat
    study.add_trial(optuna.trial.FrozenTrial(
        number=0, state=optuna.trial.TrialState.RUNNING, value=None, datetime_start=started,
        datetime_complete=None, params={}, distributions={}, user_attrs={}, system_attrs={},
        intermediate_values={}, trial_id=0))
    r = tune(lambda p: 1.0, n_trials=1, storage=Storage(url, study_name="orphan"), space=SPACE, pruner="none")
    assert any("re-queued 1 trial(s)" in n for n in r.notes), r.notes
    assert r.n_complete == 1
    states = [t.state.name for t in optuna.load_study(study_name="orphan", storage=url).trials]
    assert "RUNNING" not in states and states.count("COMPLETE") == 1, states


def test_a_running_worker_requeues_a_trial_killed_before_its_first_beat(tmp_path: Path) -> None:
    """A trial with no heartbeat whose start is older than the grace period found between two trials of a
    running study is failed and re-queued (Optuna's own check before each trial skips a trial never beaten),
    so the study is not left a trial short."""
    url = f"sqlite:///{tmp_path}/midrun.db"
    optuna.create_study(storage=url, study_name="midrun")

    def orphan(trial, n_finished, n_trials) -> None:
        if n_finished == 1:
            optuna.load_study(study_name="midrun", storage=url).add_trial(optuna.trial.FrozenTrial(
                number=0, state=optuna.trial.TrialState.RUNNING, value=None,
                datetime_start=datetime.now() - timedelta(hours=1), datetime_complete=None, params={},
                distributions={}, user_attrs={}, system_attrs={}, intermediate_values={}, trial_id=0))

    r = tune(lambda p: 1.0, n_trials=3, storage=Storage(url, study_name="midrun"), space=SPACE, pruner="none",
             on_trial=orphan)
    assert r.n_complete == 3, (r.n_complete, r.notes)
    assert any("re-queued 1 trial(s)" in n for n in r.notes), r.notes
