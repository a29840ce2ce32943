"""A live worker whose running trial another worker took for dead (its heartbeat older than the grace
period: the process was stalled, a laptop slept) keeps going instead of crashing.

Optuna's ``study.optimize`` then raises ``ValueError: Cannot tell a FAIL trial`` when the trial's
result comes back; ``tune`` drops that one result (the other worker has re-queued its parameters),
says so in ``notes`` and runs on until the study holds its trials. The other worker is emulated
deterministically: the objective marks its own running trial FAIL through a second storage handle,
which is what :func:`optuna.storages.fail_stale_trials` does from another process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lrkit import LRKitError
from lrkit.tuning import Storage, tune
from lrkit.tuning._study import taken_for_dead

optuna = pytest.importorskip("optuna")
SPACE = {"lr": [1e-4, 1.0], "schedules": ["constant"]}


def _fail_running_trial(url: str, study_name: str, number: int) -> None:
    """What another worker's stale-heartbeat sweep does to a trial it takes for dead."""
    storage = optuna.storages.RDBStorage(url)
    study_id = storage.get_study_id_from_name(study_name)
    trial_id = storage.get_trial_id_from_study_id_trial_number(study_id, number)
    storage.set_trial_state_values(trial_id, optuna.trial.TrialState.FAIL)


def test_a_trial_taken_for_dead_is_dropped_and_the_study_finishes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/taken.db"
    taken: list[int] = []

    def objective(params) -> float:
        if not taken:
            taken.append(params.number)
            _fail_running_trial(url, "taken", params.number)
        return (params["lr"] - 0.01) ** 2

    r = tune(objective, n_trials=4, storage=Storage(url, study_name="taken"), space=SPACE, pruner="none")
    assert r.n_complete == 4
    assert any(f"trial {taken[0]}" in n and "taken for dead" in n for n in r.notes), r.notes
    states = [t.state.name for t in optuna.load_study(study_name="taken", storage=url).trials]
    assert states.count("COMPLETE") == 4 and states.count("FAIL") == 1 and "RUNNING" not in states


def test_a_usage_error_still_stops_at_once(tmp_path: Path) -> None:
    """Only the taken-for-dead case is absorbed: an LRKitError (also a ValueError) from the objective
    still ends ``tune`` at once."""
    url = f"sqlite:///{tmp_path}/usage.db"

    def objective(params) -> float:
        raise LRKitError("`lr` of objective is bad; got 1.")

    with pytest.raises(LRKitError, match="`lr` of objective is bad"):
        tune(objective, n_trials=3, storage=Storage(url, study_name="usage"), space=SPACE, pruner="none")


def test_taken_for_dead_reads_the_stored_state(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/state.db"
    study = optuna.create_study(study_name="state", storage=url)
    study.ask()
    study.tell(study.ask(), 1.0)
    assert not taken_for_dead(study, 0) and not taken_for_dead(study, 1)  # running, complete
    _fail_running_trial(url, "state", 0)
    assert taken_for_dead(study, 0) and not taken_for_dead(study, 7)  # failed; no such trial
