"""ux16 D2: on PostgreSQL a worker killed between creating its trial and the trial's first heartbeat leaves
a RUNNING trial that no later run fails or re-queues, so every re-run counts it among the study's live
trials and exits 0 one trial short, silently.

Probe (``/work/notes/ux16/t1_tune_resume.py pg KILL``): ``lrkit tune --task digits-mlp --trials 6 --budget 150
--heartbeat 2 --storage postgresql://...`` killed (SIGKILL) right after trial 5 was created (params ``{}``,
no row in ``trial_heartbeats``). Re-running the same command, at once or minutes later: "note: resumed study
... with 6 stored trial(s)", exit 0, ``n_complete`` 5 of ``n_trials`` 6, trial 5 still RUNNING, no note about
it. Optuna's stale-trial check (``fail_stale_trials``) looks only at trials that have a heartbeat row. On an
SQLite file the same trial (no worker mark, no beat) is re-queued once a grace period has passed since it
started (``tests/tuning/test_unmarked_trial.py``); docs/tune.md promises that killed workers' trials are
re-queued on relational storages. Expected: the same here: the trial is failed and its run re-queued (or
at least counted as dead), and the study reaches the trials asked for.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timedelta

import pytest

from lrkit.tuning import Storage, tune

optuna = pytest.importorskip("optuna")
URL = os.environ.get("LRKIT_TEST_POSTGRES_URL")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not URL, reason="LRKIT_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL)"),
]
SPACE = {"lr": [1e-4, 1.0], "schedules": ["constant"]}


def _killed_before_its_first_beat(study, ago: timedelta = timedelta(hours=1)) -> None:
    """A RUNNING trial with no mark and no heartbeat row, started ``ago``: its worker killed as it sampled."""
    study.add_trial(optuna.trial.FrozenTrial(
        number=0, state=optuna.trial.TrialState.RUNNING, value=None, datetime_start=datetime.now() - ago,
        datetime_complete=None, params={}, distributions={}, user_attrs={}, system_attrs={},
        intermediate_values={}, trial_id=0))


def _states(name: str, url: str) -> list[str]:
    return [t.state.name for t in optuna.load_study(study_name=name, storage=url).trials]


def test_a_trial_killed_before_its_first_heartbeat_does_not_count_as_live() -> None:
    name = f"ux16-d2-{uuid.uuid4().hex[:8]}"
    url = URL.replace("postgresql://", "postgresql+psycopg2://")
    _killed_before_its_first_beat(optuna.create_study(storage=url, study_name=name))
    r = tune(lambda p: 1.0, n_trials=1, storage=Storage(URL, study_name=name), space=SPACE, pruner="none")
    assert r.n_complete == 1, (r.n_complete, r.notes)
    assert any("re-queued 1 trial(s)" in n for n in r.notes), r.notes
    states = _states(name, url)
    assert "RUNNING" not in states and states.count("COMPLETE") == 1, states


def test_a_trial_started_within_the_grace_period_is_left_running() -> None:
    name = f"ux16-d2-{uuid.uuid4().hex[:8]}"
    url = URL.replace("postgresql://", "postgresql+psycopg2://")
    _killed_before_its_first_beat(optuna.create_study(storage=url, study_name=name), ago=timedelta(0))
    # a worker that is starting it (its first beat may come any moment): counted live, not failed
    r = tune(lambda p: 1.0, n_trials=2, storage=Storage(URL, study_name=name, heartbeat_interval=60),
             space=SPACE, pruner="none")
    assert r.n_complete == 1 and not any("re-queued 1" in n for n in r.notes), r.notes
    assert sorted(_states(name, url)) == ["COMPLETE", "RUNNING"]


def test_a_running_worker_requeues_a_trial_killed_before_its_first_beat() -> None:
    """Another worker died before its trial's first beat while this one runs: this one re-queues that trial
    (after the trial it is running) and runs it, instead of stopping a trial short."""
    name = f"ux16-d2-{uuid.uuid4().hex[:8]}"
    url = URL.replace("postgresql://", "postgresql+psycopg2://")
    optuna.create_study(storage=url, study_name=name)

    def kill_a_sibling(trial, n_finished, n_trials) -> None:
        if n_finished == 1:
            _killed_before_its_first_beat(optuna.load_study(study_name=name, storage=url))

    r = tune(lambda p: 1.0, n_trials=3, storage=Storage(URL, study_name=name), space=SPACE, pruner="none",
             on_trial=kill_a_sibling)
    assert r.n_complete == 3, (r.n_complete, r.notes)
    assert any("re-queued 1 trial(s)" in n for n in r.notes), r.notes
