"""The search space: validation, the dict/YAML form, sampling, and sample -> schedule."""

from __future__ import annotations

import math

import numpy as np
import optuna
import pytest

from lrkit import LRKitError
from lrkit.schedules import registry
from lrkit.tuning import (
    TUNABLE_SCHEDULES,
    WIDE_LR_RANGE,
    SearchSpace,
    first_trial,
    load_space,
    TunePolicy,
    lr_range_from_finder,
    schedule_from_params,
)
from lrkit.tuning._to_schedule import FIRST_BY_BUDGET, FIRST_TRIAL

REGISTERED = [n for n in TUNABLE_SCHEDULES if n in registry]


def test_default_space_is_every_registered_tunable_family():
    s = SearchSpace()
    assert s.schedules == tuple(REGISTERED)
    assert s.lr == WIDE_LR_RANGE and s.optimizers is None


def test_dict_round_trip_and_fixed_values():
    s = SearchSpace.from_dict({"lr": [1e-3, 0.1], "schedules": ["cosine"], "final_ratio": 0.01,
                               "optimizers": ["sgd", "adam"]})
    assert s.final_ratio == (0.01, 0.01)
    assert SearchSpace.from_dict(s.to_dict()) == s


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"lrr": [1e-3, 1]}, r"unknown search-space key 'lrr'; did you mean 'lr'\? Valid: "),
        ({"schedules": ["cosin"]}, r"unknown schedule 'cosin'; did you mean 'cosine'\?"),
        ({"optimizers": ["sgdm"]}, (r"unknown optimizer 'sgdm'.*Valid: adagrad, adam, adamw, nadam, "
                                   r"nesterov, radam, rmsprop, sgd, sgd-plain")),
        ({"lr": [0.1, 0.01]}, r"`lr` of the search space must have low <= high"),
        ({"lr": [0, 0.1]}, r"`lr` of the search space must lie in \(0, inf\]"),
        ({"lr": [1e-3, 1, 3]}, r"must be a number or a \[low, high\] pair"),
        ({"warmup_fraction": [0, 0.9]}, r"`warmup_fraction` of the search space must lie in \[0, 0.5\]"),
        ({"final_ratio": "abc"},
         r"`final_ratio` of the search space must be a finite number >= 0; got 'abc'"),
        ({"schedules": []}, r"non-empty list of names"),
        ({"schedules": ["cosine", "cosine"]}, r"must not repeat a name"),
    ],
)
def test_bad_spaces_name_the_problem(data, message):
    with pytest.raises(LRKitError, match=message):
        SearchSpace.from_dict(data)


def test_yaml_file_including_yaml11_exponents(tmp_path):
    f = tmp_path / "space.yaml"
    # PyYAML reads `1e-4` (no dot) as a string; the space accepts it as a number.
    f.write_text("lr: [1e-4, 0.5]\nschedules: [constant, cosine]\nfinal_ratio: [1.0e-3, 0.1]\n")
    s = load_space(f)
    assert s.lr == (1e-4, 0.5) and s.schedules == ("constant", "cosine") and s.lr_source == "user"
    with pytest.raises(LRKitError, match="does not exist"):
        load_space(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("lr: [1, 2\n")
    with pytest.raises(LRKitError, match="not valid YAML"):
        load_space(tmp_path / "bad.yaml")


def test_suggest_with_optuna_fixed_trial_is_conditional():
    space = SearchSpace(lr=(1e-4, 1.0), schedules=("constant", "cosine"))
    got = space.suggest(optuna.trial.FixedTrial({"lr": 0.02, "schedule": "cosine", "final_ratio": 0.05}))
    assert got == {"lr": 0.02, "schedule": "cosine", "final_ratio": 0.05}
    # constant samples no shape parameter at all
    assert space.suggest(optuna.trial.FixedTrial({"lr": 0.02, "schedule": "constant"})) == {
        "lr": 0.02, "schedule": "constant"}


def test_suggest_distributions_are_log_uniform_for_rate_and_ratio():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    space = SearchSpace(lr=(1e-4, 1.0), schedules=("cosine",), optimizers=("sgd", "adam"))
    for _ in range(200):
        t = study.ask()
        space.suggest(t)
        study.tell(t, 0.0)
    dists = study.trials[0].distributions
    assert dists["lr"].log and dists["final_ratio"].log
    assert set(dists) == {"lr", "final_ratio", "optimizer"}  # one family: no `schedule` choice
    logs = np.log10([t.params["lr"] for t in study.trials])
    assert logs.min() >= -4 and logs.max() <= 0
    assert abs(np.median(logs) + 2) < 0.4  # the log-uniform median is the geometric centre


def test_schedule_from_params_closed_forms():
    T, lr = 200, 0.1
    cos = schedule_from_params({"lr": lr, "schedule": "cosine", "final_ratio": 0.01}, T)
    assert cos(0) == lr and math.isclose(cos(T), lr * 0.01)
    assert cos(T // 2) == pytest.approx(lr * 0.01 + (lr - lr * 0.01) / 2)
    assert schedule_from_params({"lr": lr, "schedule": "constant"}, T)(T - 1) == lr


@pytest.mark.parametrize("family", REGISTERED)
def test_every_registered_family_peaks_at_lr_and_round_trips(family):
    from lrkit.schedules import parse

    T, lr = 300, 0.05
    s = schedule_from_params({"lr": lr, "schedule": family, "warmup_fraction": 0.1, "final_ratio": 0.01,
                              "decay_fraction": 0.2}, T)
    values = s(np.arange(T))
    assert values.max() == pytest.approx(lr, rel=1e-9)
    assert parse(s.to_spec()) == s


def test_schedule_from_params_rejects_unknown_family_and_bad_rate():
    with pytest.raises(LRKitError, match="unknown schedule 'cosin'"):
        schedule_from_params({"lr": 0.1, "schedule": "cosin"}, 10)
    with pytest.raises(LRKitError, match="`lr` of a trial must be a finite number > 0"):
        schedule_from_params({"lr": -1.0, "schedule": "constant"}, 10)


def test_lr_range_from_finder():
    lo, hi = lr_range_from_finder(0.01)
    assert lo == pytest.approx(0.01 / 10**1.5) and hi == pytest.approx(0.1)
    assert math.log10(hi / lo) == pytest.approx(2.5)  # the near-best bands (docs/evidence.md)
    narrow = TunePolicy(lr_below=1, lr_above=1)
    assert lr_range_from_finder(0.01, policy=narrow) == pytest.approx((0.001, 0.1))
    with pytest.raises(LRKitError, match="`suggestion` of the finder result must be a finite number > 0"):
        lr_range_from_finder(0.0)
    with pytest.raises(LRKitError, match="`lr_below` of TunePolicy must be a finite number > 0"):
        lr_range_from_finder(0.01, policy=TunePolicy(lr_below=-1))


def test_first_trial_is_cosine_at_the_rate_and_replays_through_suggest():
    space = SearchSpace(lr=(1e-4, 1.0))
    params = first_trial(space, 0.02, budget=100_000)
    assert params == {"lr": 0.02, "schedule": "cosine", "final_ratio": 0.01}
    # Independent check: Optuna's FixedTrial replays it, and the schedule is cosine to 1% of the peak.
    got = space.suggest(optuna.trial.FixedTrial(params))
    assert got == params
    s = schedule_from_params(got, 100)
    assert s(0) == pytest.approx(0.02) and s(100) == pytest.approx(0.0002)


def test_first_trial_follows_the_space():
    # the first preferred family the space holds; shapes clipped into its ranges; fixed entries left out
    space = SearchSpace(lr=(1e-3, 0.1), schedules=("constant", "one_cycle"), warmup_fraction=(0.3, 0.5))
    assert first_trial(space, 0.5) == {"lr": 0.1, "schedule": "one_cycle", "warmup_fraction": 0.3}
    single = SearchSpace(lr=(1e-3, 0.1), schedules=("wsd",), final_ratio=0.05)
    assert first_trial(single, 1e-5) == {"lr": 1e-3, "warmup_fraction": 0.05, "decay_fraction": 0.2}
    assert first_trial(SearchSpace(lr=0.01, schedules=("constant",)), 0.02) == {}
    assert [f for f, _ in FIRST_TRIAL] == ["cosine", "warmup_cosine", "wsd", "one_cycle", "constant"]
    assert sorted(f for f, _ in FIRST_TRIAL) == sorted(TUNABLE_SCHEDULES)
    with pytest.raises(LRKitError, match="`lr` of first_trial must be a finite number > 0"):
        first_trial(space, math.nan)
    with pytest.raises(LRKitError, match="`space` of first_trial must be a SearchSpace; got dict"):
        first_trial({"lr": [1e-3, 1e-1]}, 0.01)


@pytest.mark.parametrize(
    ("budget", "family"),
    [(None, "cosine"), (1, "constant"), (20, "constant"), (49, "constant"), (50, "wsd"), (300, "wsd"),
     (999, "wsd"), (1000, "cosine"), (3000, "cosine")],
)
def test_first_trial_follows_the_measured_budget_rule(budget, family):
    """Regression of the rule measured on tune_dev: constant below 50 updates, wsd below 1000, then cosine."""
    assert FIRST_BY_BUDGET == ((50, "constant"), (1000, "wsd"))
    space = SearchSpace(lr=(1e-4, 1.0))
    params = first_trial(space, 0.02, budget=budget)
    assert params == {"lr": 0.02, "schedule": family, **dict(FIRST_TRIAL)[family]}
    assert space.suggest(optuna.trial.FixedTrial(params)) == params
    if budget is not None and budget >= 20:
        # The fraction of updates within 1% of the peak: all of constant's, wsd's plateau (75% of T) and
        # cosine's opening, closed form m + (1 - m)(1 + cos pi u) / 2 >= 0.99 with m = 0.01 (u <= 0.064).
        s = schedule_from_params(params, budget)
        at = np.asarray(s(range(budget)), dtype=float)
        end = 0.02 if family == "constant" else 2e-4
        assert at.max() == pytest.approx(0.02) and s(budget) == pytest.approx(end)
        held = {"constant": 1.0, "wsd": 0.75, "cosine": np.arccos(2 * 0.98 / 0.99 - 1) / np.pi}[family]
        assert np.mean(at >= 0.99 * 0.02) == pytest.approx(held, abs=0.05)


def test_first_trial_short_budget_falls_back_in_order_and_checks_the_budget():
    # a regime's family missing from the space: the next longer regime's, then FIRST_TRIAL's order
    def first(schedules, budget):
        return first_trial(SearchSpace(lr=(1e-3, 1.0), schedules=schedules), 0.02, budget=budget)["schedule"]

    assert first(("cosine", "wsd"), 40) == "wsd"
    assert first(("one_cycle", "cosine"), 40) == "cosine"
    assert first(("constant", "cosine"), 300) == "cosine"
    assert first(("constant", "one_cycle"), 300) == "one_cycle"
    assert first(("constant", "wsd"), 3000) == "wsd"
    for bad in (0, -5, 2.5, True):
        with pytest.raises(LRKitError, match="`budget` of first_trial must be a positive integer"):
            first_trial(SearchSpace(), 0.02, budget=bad)


def test_sampled_is_the_rule_suggest_and_first_trial_share():
    """A key is a trial parameter exactly when ``sampled`` says so: for suggest and first_trial alike."""
    space = SearchSpace(lr=(1e-3, 1e-1), schedules=("cosine", "wsd"), final_ratio=(0.05, 0.05),
                        optimizers=("sgd", "adam"))
    assert [space.sampled(k) for k in ("lr", "schedule", "final_ratio", "optimizer", "warmup_fraction")] == [
        True, True, False, True, True]
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    trial = study.ask()
    space.suggest(trial)
    assert all(space.sampled(k) for k in trial.params)
    assert set(first_trial(space, 0.01)) == {"lr", "schedule"}  # cosine's final_ratio is fixed here
