"""``tune`` end to end on real tasks (tiny budgets), SQLite resume, pruning, bad input."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import optuna
import pytest

from lrkit import LRKitError
from lrkit.finder._next_step import round_rate
from lrkit.schedules import parse
from lrkit.tasks import train
from lrkit.tuning import Storage, TrialParams, schedule_from_params, spec_from_params, tune

WORKER = Path(__file__).with_name("_worker.py")
SMALL = {"lr": [1e-3, 0.3], "schedules": ["constant", "cosine"]}


def test_best_result_is_the_best_complete_trial_and_retrains_exactly(tmp_path):
    r = tune("diabetes-linear", n_trials=6, budget=40, space=SMALL, storage=Storage(out=tmp_path),
             pruner="none")
    done = [t for t in r.trials if t["state"] == "COMPLETE"]
    assert r.n_complete == 6 and r.metric == "val_mse" and r.direction == "minimize"
    assert r.best_value == min(t["value"] for t in done)
    schedule = parse(r.best_schedule)
    assert float(np.max(schedule(np.arange(40)))) == pytest.approx(r.best_lr)
    # Independent check: training the task again at the reported rate and schedule gives the value.
    again = train("diabetes-linear", lr=r.best_lr, schedule=schedule, budget=40, seed=0)
    assert again.metric == pytest.approx(r.best_value, rel=1e-9)
    assert r.compute_steps == 6 * 40
    data = json.loads(r.to_json())
    assert list(data)[:3] == ["best_lr", "best_schedule", "best_value"]
    assert data["versions"]["optuna"] == optuna.__version__ and "lrkit" in data["versions"]


def test_hyperband_prunes_on_intermediate_validation_reports(tmp_path):
    space = {"lr": [1e-4, 1.0], "schedules": ["constant"]}
    r = tune("digits-mlp", n_trials=10, budget=90, eval_every=10, space=space, storage=Storage(out=tmp_path),
             pruner="hyperband")
    pruned = [t for t in r.trials if t["state"] == "PRUNED" and not t["diverged"]]
    assert pruned, "hyperband should stop some of 10 trials spread over four decades"
    # the first decision comes at a third of the budget (30 steps), never at the first report
    assert all(30 <= t["steps"] < 90 for t in pruned)
    study = optuna.load_study(study_name=r.study_name, storage=r.storage)
    for t in study.trials:  # reports come after every 10 updates, valued by the task's metric
        assert set(t.intermediate_values) <= set(range(10, 90, 10))
        assert all(0.0 <= v <= 1.0 for v in t.intermediate_values.values())
    assert r.compute_steps == sum(t["steps"] for t in r.trials) < 10 * 90


def test_divergent_rates_are_pruned_and_marked(tmp_path):
    r = tune("diabetes-linear", n_trials=3, budget=30, space={"lr": [50.0, 500.0], "schedules": ["constant"]},
             storage=Storage(out=tmp_path), pruner="none")
    assert r.n_pruned == 3 and all(t["diverged"] for t in r.trials)
    assert r.best_lr is None and r.best_schedule is None and r.best_value is None
    assert json.loads(r.to_json())["best_value"] is None


def test_sqlite_run_interrupt_resume_is_one_study(tmp_path):
    calls = []

    def objective(p: TrialParams) -> float:
        calls.append(p.number)
        if len(calls) == 3:
            raise KeyboardInterrupt  # what Ctrl-C does in the middle of trial 2
        return (math.log10(p["lr"]) + 2) ** 2

    kw = dict(n_trials=5, storage=Storage(out=tmp_path, study_name="resume"), pruner="none",
              space={"lr": [1e-4, 1.0], "schedules": ["constant"]})
    with pytest.raises(KeyboardInterrupt):
        tune(objective, **kw)
    first = optuna.load_study(study_name="resume", storage=f"sqlite:///{tmp_path}/lrkit-tune.db")
    # the interrupted trial is queued again (its parameters run on the re-run, as a killed worker's do)
    assert [t.state.name for t in first.trials] == ["COMPLETE", "COMPLETE", "FAIL", "WAITING"]
    assert first.trials[3].params == first.trials[2].params
    kept = [t.params for t in first.trials[:3]]
    r = tune(objective, **kw)  # the same command again
    assert r.n_complete == 5 and r.n_failed == 1 and len(r.trials) == 6
    assert [t["params"] for t in r.trials[:3]] == kept and r.trials[3]["params"] == kept[2]
    assert r.trials[3]["state"] == "COMPLETE" and r.trials[3]["retry_of"] == 2
    assert any("resumed study 'resume' with 4 stored trial(s)" in n for n in r.notes)
    assert tune(objective, **kw).n_complete == 5  # a finished study runs nothing more
    assert len(calls) == 3 + 3


def test_sqlite_resume_after_kill_9_requeues_the_dead_trial(tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    url = f"sqlite:///{tmp_path}/k.db"
    proc = subprocess.Popen([sys.executable, str(WORKER), url, "kill", "4", "0", "2.0", str(markers)])
    (markers / "go").touch()  # one worker: no need to wait for others
    _wait_for(lambda: list(markers.glob("w0-t1.start")), proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    study = optuna.load_study(study_name="kill", storage=url)
    assert [t.state.name for t in study.trials] == ["COMPLETE", "RUNNING"]
    r = tune(lambda p: (math.log10(p["lr"]) + 2) ** 2, n_trials=4, storage=Storage(url=url,
                                                                                   study_name="kill"),
             space={"lr": [1e-4, 1.0], "schedules": ["constant"]}, pruner="none")
    assert any("re-queued 1 trial(s)" in n for n in r.notes)
    assert [t["state"] for t in r.trials] == ["COMPLETE", "FAIL", "COMPLETE", "COMPLETE", "COMPLETE"]
    assert r.trials[2]["retry_of"] == 1 and r.trials[2]["params"] == r.trials[1]["params"]


def _wait_for(condition, proc, timeout=60.0):
    end = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, "worker exited early"
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def test_user_objective_can_prune_through_report(tmp_path):
    def objective(p: TrialParams) -> float:
        value = abs(math.log10(p["lr"]) + 2)
        for step in range(1, 6):
            if p.report(value * (1 + 1 / step), step):
                break
        return value

    r = tune(objective, n_trials=12, storage=Storage(out=tmp_path), pruner="median", space={"lr": [1e-5, 1.0],
                                                                         "schedules": ["constant"]})
    assert r.n_complete + r.n_pruned == 12 and r.n_pruned >= 1
    assert r.best_value == min(t["value"] for t in r.trials if t["state"] == "COMPLETE")


def test_protocol_function_task_and_fallback_note(tmp_path):
    from lrkit.tasks import get_task

    task = get_task("diabetes-linear")

    def make(seed):
        return task.build(seed)

    r = tune(make, n_trials=3, budget=20, storage=Storage(out=tmp_path), use_finder=False, pruner="none",
             space={"schedules": ["constant"]})
    assert r.metric == "val_loss" and r.n_complete == 3
    assert r.lr_source == "fallback" and r.lr_range == (1e-5, 10.0)
    assert any("finder is disabled; searching the wide range 1e-05..10." in n for n in r.notes)


def test_finder_seeds_the_rate_range_and_the_first_trial(tmp_path):
    kw = dict(n_trials=2, budget=60, storage=Storage(out=tmp_path), pruner="none",
              space={"schedules": ["constant", "cosine", "wsd"]})
    r = tune("diabetes-linear", **kw)
    s = r.finder["suggestion"]
    assert r.finder["rule"] == "default"  # rule="auto": plain SGD takes the default rule
    assert r.lr_source == "finder" and r.lr_range == pytest.approx((s / 10**1.5, s * 10))
    assert all(r.lr_range[0] <= t["lr"] <= r.lr_range[1] for t in r.trials)
    # trial 0 is the suggestion itself; a 60-update budget is short (50 <= T < 1000), so it holds the
    # peak: wsd, 3 warmup updates, 45 at s, a 12-update linear cool-down to 1% of s. Then the sampler's own.
    assert r.trials[0]["params"] == {"lr": s, "schedule": "wsd", "warmup_fraction": 0.05,
                                     "decay_fraction": 0.2, "final_ratio": 0.01}
    q, lo = round_rate(s), round_rate(round_rate(s) * 0.01)  # a spec's rates have 4 significant digits
    # reported as the user would write it (regression: it printed wsd's three expanded phases)
    assert r.trials[0]["schedule"] == f"wsd(lr={q!r}, warmup=3, stable=45, decay=12, min_lr={lo!r})"
    assert r.trials[1]["lr"] != s
    # Independent check: the finder alone, trained the same way, gives trial 0's value.
    again = train("diabetes-linear", lr=q, schedule=parse(r.trials[0]["schedule"]), budget=60, seed=0)
    assert r.trials[0]["value"] == pytest.approx(again.metric, rel=1e-9)
    # a resumed study does not queue it again
    r2 = tune("diabetes-linear", **{**kw, "n_trials": 3})
    assert [t["lr"] for t in r2.trials].count(q) == 1 and r2.n_complete == 3


def test_a_space_sampling_optimizers_queues_the_task_optimizer_or_nothing(tmp_path):
    kw = dict(n_trials=1, budget=4, pruner="none")
    space = {"schedules": ["constant"], "optimizers": ["sgd", "adamw"]}
    r = tune("charlm-small", storage=Storage(out=tmp_path / "a"), space=space, **kw)
    # the range test swept the task's own AdamW, so its rate is queued with AdamW
    assert r.trials[0]["params"] == {"lr": r.finder["suggestion"], "optimizer": "adamw"}
    other = tune("charlm-small", storage=Storage(out=tmp_path / "b"),
                 space={**space, "optimizers": ["sgd", "adam"]}, **kw)
    assert other.trials[0]["lr"] != other.finder["suggestion"]


def test_adaptive_optimizers_get_the_falling_rule_and_user_rates_no_first_trial(tmp_path):
    r = tune("charlm-small", n_trials=1, budget=4, storage=Storage(out=tmp_path / "a"), pruner="none",
             space={"schedules": ["constant"]})
    assert r.finder["rule"] == "falling" and r.trials[0]["lr"] == round_rate(r.finder["suggestion"])
    user = tune("diabetes-linear", n_trials=1, budget=10, storage=Storage(out=tmp_path / "b"), pruner="none",
                seed=3,
                space={"lr": [1e-3, 1e-2], "schedules": ["constant"]})
    assert user.finder is None
    for res, queued in ((r, True), (user, False)):
        first = optuna.load_study(study_name=res.study_name, storage=res.storage).trials[0]
        assert (first.user_attrs.get("first") == "finder") is queued


def test_joining_a_study_keeps_its_space_and_direction(tmp_path):
    kw = dict(storage=Storage(out=tmp_path, study_name="s"), pruner="none")
    tune(lambda p: p["lr"], n_trials=2, space={"lr": [1e-3, 1e-2], "schedules": ["constant"]}, **kw)
    with pytest.raises(LRKitError, match="study 's' was created with another search space"):
        tune(lambda p: p["lr"], n_trials=3, space={"lr": [1e-3, 1.0], "schedules": ["constant"]}, **kw)
    with pytest.raises(LRKitError, match="study 's' exists and minimizes; this target maximizes"):
        tune(lambda p: p["lr"], n_trials=3, direction="maximize", **kw)
    r = tune(lambda p: p["lr"], n_trials=3, **kw)  # no space given: the stored one is used
    assert r.n_complete == 3 and all(1e-3 <= t["lr"] <= 1e-2 for t in r.trials)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(n_trials=0), r"`n_trials` of tune must be a positive integer; got 0"),
        (dict(n_trials=2, sampler="tpee"),
         r"unknown sampler 'tpee'; did you mean 'tpe'\? Valid: random, tpe"),
        (dict(n_trials=2, pruner="hyper"),
         r"unknown pruner 'hyper'.*Valid: hyperband, median, none, successive_"),
        (dict(n_trials=2, space={"schedules": ["cosin"]}),
         r"unknown schedule 'cosin'; did you mean 'cosine'"),
        (dict(n_trials=2, timeout=-1), r"`timeout` of tune must be a number of seconds > 0"),
        (dict(n_trials=2, budget=0), r"`budget` of tune must be a positive integer"),
    ],
)
def test_bad_input_fails_before_anything_is_written(tmp_path, kwargs, message):
    with pytest.raises(LRKitError, match=message):
        tune("diabetes-linear", storage=Storage(out=tmp_path / "out"), **kwargs)
    assert not (tmp_path / "out").exists()


def test_unknown_task_lists_the_valid_ones(tmp_path):
    with pytest.raises(LRKitError, match=r"unknown task 'digits-mpl'; did you mean 'digits-mlp'\?"):
        tune("digits-mpl", n_trials=2, storage=Storage(out=tmp_path))


def test_specs_have_short_rates_and_round_trip(tmp_path):
    # Regression (issue 18 item 6): the best schedule printed 16-digit floats (0.0014606797962271570).
    import re

    r = tune("diabetes-linear", n_trials=4, budget=60, storage=Storage(out=tmp_path), pruner="none",
             space={"schedules": ["cosine", "wsd", "warmup_cosine", "one_cycle"]})
    for t in r.trials:
        numbers = re.findall(r"\d+\.\d+(?:e-?\d+)?", t["schedule"])
        assert numbers and all(len(n.split("e")[0].replace(".", "").strip("0")) <= 4 for n in numbers), t
        assert parse(t["schedule"]) == schedule_from_params(t["params"], 60)
    best = parse(r.best_schedule)
    assert float(np.max(best(np.arange(60)))) == r.best_lr


@pytest.mark.parametrize(
    ("family", "spec"),
    [("constant", "constant(lr=0.1)"),
     ("cosine", "cosine(lr=0.1, steps=300, min_lr=0.001)"),
     ("warmup_cosine", "warmup_cosine(lr=0.1, warmup=15, steps=300, min_lr=0.001)"),
     ("one_cycle", "one_cycle(max_lr=0.1, steps=300, pct_start=0.05)"),
     ("wsd", "wsd(lr=0.1, warmup=15, stable=225, decay=60, min_lr=0.001)")],
)
def test_a_trial_spec_is_the_family_call_the_user_would_write(family, spec):
    # Regression: `lrkit tune` printed a wsd best schedule as its expanded phases
    # ("linear(...) >> constant(...) >> linear(...)"), not the wsd(...) call that builds it.
    params = {"lr": 0.1, "schedule": family, "warmup_fraction": 0.05, "final_ratio": 0.01,
              "decay_fraction": 0.2}
    assert spec_from_params(params, 300) == spec
    assert parse(spec) == schedule_from_params(params, 300)  # the same schedule the trial ran


@pytest.mark.parametrize("family", ["constant", "cosine", "warmup_cosine", "one_cycle", "wsd"])
def test_every_family_builds_a_short_spec_from_long_samples(family):
    import re

    params = {"lr": 0.0014606797962271570, "schedule": family, "warmup_fraction": 0.17934333991649068,
              "final_ratio": 0.013579246813579246, "decay_fraction": 0.2468013579246801}
    spec = schedule_from_params(params, 300).to_spec()
    numbers = re.findall(r"\d+\.\d+(?:e-?\d+)?", spec)
    assert all(len(n.split("e")[0].replace(".", "").strip("0")) <= 4 for n in numbers), spec
    assert parse(spec).to_spec() == spec
