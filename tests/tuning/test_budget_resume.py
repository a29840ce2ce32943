"""A study is one budget: resuming it with another is an error, not a silent mix (session-6 probe).

`lrkit tune --script t.py:build --budget 200 --trials 3 --out o`, then the same with `--budget 300
--trials 6`, resumed the study, trained the new trials for 300 updates beside the old ones' 200, and
answered `best_schedule = one_cycle(..., steps=200, ...)` - a schedule for another run length than the
one asked for (/work/notes/ux6/, tune_resume). The budget defines the objective (the validation loss
after `budget` updates) as much as the direction does, which was already checked.
"""

from __future__ import annotations

import optuna
import pytest

from lrkit import LRKitError
from lrkit.tuning import Storage, tune

SPACE = {"lr": [1e-3, 0.1], "schedules": ["constant"]}


def _objective(p):
    return (p["lr"] - 0.01) ** 2


def test_resuming_with_another_budget_is_one_error_and_adds_no_trial(tmp_path):
    tune(_objective, n_trials=2, budget=200, storage=Storage(out=tmp_path), pruner="none", space=SPACE)
    with pytest.raises(LRKitError, match=r"^`budget` of tune is 300, but study 'lrkit-_objective' was "
                                         r"created with budget 200"):
        tune(_objective, n_trials=4, budget=300, storage=Storage(out=tmp_path), pruner="none", space=SPACE)
    study = optuna.load_study(study_name="lrkit-_objective", storage=f"sqlite:///{tmp_path}/lrkit-tune.db")
    assert len(study.trials) == 2


def test_resuming_with_the_same_budget_goes_on(tmp_path):
    tune(_objective, n_trials=2, budget=200, storage=Storage(out=tmp_path), pruner="none", space=SPACE)
    r = tune(_objective, n_trials=3, budget=200, storage=Storage(out=tmp_path), pruner="none", space=SPACE)
    assert r.n_complete == 3
