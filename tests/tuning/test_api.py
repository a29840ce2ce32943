"""The public surface of lrkit.tuning, and the Optuna objects it builds by name."""

from __future__ import annotations

import time

import optuna
import pytest

import lrkit.tuning as tuning
from lrkit import LRKitError


def test_public_names_are_pinned():
    assert sorted(tuning.__all__) == sorted([
        "tune", "TuneResult", "SearchSpace", "TrialParams", "load_space", "lr_range_from_finder",
        "schedule_from_params", "spec_from_params", "first_trial", "open_storage", "mask_url", "worker_seed",
        "default_worker_id",
        "make_sampler", "make_pruner", "plot_lr_scatter", "plot_history", "tune_report", "SAMPLERS",
        "PRUNERS", "TUNABLE_SCHEDULES", "OPTIMIZERS", "WIDE_LR_RANGE", "MAX_CONSECUTIVE_FAILURES",
        "MIN_BUDGET", "TunePolicy", "Storage",
    ])
    for name in tuning.__all__:
        assert getattr(tuning, name) is not None


def test_make_sampler_uses_optuna_5_tpe_with_few_startup_trials():
    s = tuning.make_sampler("tpe", 7, 12)
    assert isinstance(s, optuna.samplers.TPESampler)
    assert s._n_startup_trials == 4 and s._constant_liar is True  # Optuna 5 default: constant liar on
    assert tuning.make_sampler("tpe", 7, 100)._n_startup_trials == 10
    assert isinstance(tuning.make_sampler("random", 0, 5), optuna.samplers.RandomSampler)
    with pytest.raises(LRKitError, match=r"unknown sampler 'cmaes'.*Valid: random, tpe"):
        tuning.make_sampler("cmaes", 0, 5)


def test_make_pruner_resources_are_training_steps():
    hb = tuning.make_pruner("hyperband", min_resource=30, max_resource=300)
    assert isinstance(hb, optuna.pruners.HyperbandPruner)
    assert (hb._min_resource, hb._max_resource, hb._reduction_factor) == (30, 300, 3)
    sh = tuning.make_pruner("successive_halving", min_resource=30, max_resource=300)
    assert isinstance(sh, optuna.pruners.SuccessiveHalvingPruner) and sh._min_resource == 30
    assert isinstance(tuning.make_pruner("median", min_resource=30, max_resource=300),
                      optuna.pruners.MedianPruner)
    assert isinstance(tuning.make_pruner("none", min_resource=None, max_resource=None),
                      optuna.pruners.NopPruner)


def test_timeout_stops_starting_trials(tmp_path):
    def slow(p):
        time.sleep(0.4)
        return p["lr"]

    start = time.perf_counter()
    r = tuning.tune(slow, n_trials=50, timeout=1.0, storage=tuning.Storage(out=tmp_path), pruner="none",
                    space={"lr": [1e-3, 1.0], "schedules": ["constant"]})
    assert 1 <= r.n_complete < 50 and time.perf_counter() - start < 30
