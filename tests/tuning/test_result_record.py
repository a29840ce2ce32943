"""``TuneResult`` against the Optuna study it summarizes, for every name in ``SAMPLERS``.

The study is re-opened with Optuna's own API (``optuna.load_study``) and the record's best
trial, value and counts must equal what Optuna reports; the record must round-trip through JSON.
``PRUNERS`` is the set ``tune`` accepts: each listed pruner runs, and a name outside it is refused
naming the valid ones.
"""

from __future__ import annotations

import json
import math

import optuna
import pytest

from lrkit import LRKitError
from lrkit.tuning import PRUNERS, SAMPLERS, Storage, TuneResult, tune

SPACE = {"lr": [1e-4, 1.0], "schedules": ["constant"]}


def _bowl(params) -> float:
    """A minimum at lr = 0.01 in log space: |log10(lr) + 2|."""
    return abs(math.log10(params["lr"]) + 2.0)


@pytest.mark.parametrize("sampler", SAMPLERS)
def test_record_agrees_with_optuna_and_round_trips(tmp_path, sampler: str) -> None:
    result = tune(_bowl, n_trials=6, space=SPACE, sampler=sampler, pruner="none", seed=3,
                  storage=Storage(out=tmp_path), use_finder=False)
    assert isinstance(result, TuneResult) and result.sampler == sampler
    study = optuna.load_study(study_name=result.study_name, storage=result.storage)
    assert result.best_trial == study.best_trial.number
    assert result.best_value == pytest.approx(study.best_value)
    assert result.best_lr == pytest.approx(study.best_trial.params["lr"], rel=1e-3)  # 4 significant digits
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert result.n_complete == len(done) == 6
    # each row's lr is the rate as the trial ran it: the objective recomputed there gives its value
    assert [row["value"] for row in result.trials] == pytest.approx([_bowl(row) for row in result.trials])
    assert result.best_value == min(_bowl(row) for row in result.trials)
    assert json.loads(result.to_json()) == json.loads(json.dumps(result.to_dict()))


@pytest.mark.parametrize("pruner", PRUNERS)
def test_every_listed_pruner_runs(tmp_path, pruner: str) -> None:
    result = tune(_bowl, n_trials=2, space=SPACE, sampler="random", pruner=pruner,
                  storage=Storage(out=tmp_path), use_finder=False)
    assert result.pruner == pruner and result.n_complete + result.n_pruned == 2


def test_unknown_sampler_and_pruner_list_the_valid_names(tmp_path) -> None:
    with pytest.raises(LRKitError, match="Valid: " + ", ".join(sorted(SAMPLERS))):
        tune(_bowl, n_trials=1, space=SPACE, sampler="grid", storage=Storage(out=tmp_path))
    with pytest.raises(LRKitError, match="unknown pruner 'asha'"):
        tune(_bowl, n_trials=1, space=SPACE, pruner="asha", storage=Storage(out=tmp_path))
