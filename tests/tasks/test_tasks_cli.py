"""`lrkit tasks list` and `lrkit train` through Typer's CliRunner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lrkit.cli import app
from lrkit.tasks import get_task, registry, train

runner = CliRunner()


def test_tasks_list_json_is_the_registry():
    result = runner.invoke(app, ["tasks", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == sorted(registry)
    assert rows[[r["name"] for r in rows].index("digits-mlp")] == get_task("digits-mlp").info.to_dict()


def test_tasks_list_table_names_data_size_budget_and_cost():
    result = runner.invoke(app, ["tasks", "list"])
    assert result.exit_code == 0, result.output
    for name in registry:
        assert name in result.stdout
    assert "load_digits" in result.stdout and "9.6k" in result.stdout and "cost" in result.stdout


def test_train_json_prints_the_train_result_with_named_metrics():
    result = runner.invoke(app, ["train", "--task", "digits-mlp", "--lr", "0.05", "--steps", "30",
                                 "--seed", "2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["final"]) == {"val_acc", "val_loss"} and data["metric_name"] == "val_acc"
    assert data["steps"] == 30 and len(data["history"]) == 30 and data["seed"] == 2
    assert data["final"] == train("digits-mlp", lr=0.05, budget=30, seed=2).final  # same run as the library


def test_train_with_schedule_epochs_and_optimizer():
    result = runner.invoke(app, ["train", "--task", "diabetes-linear", "--lr", "0.1", "--epochs", "2",
                                 "--schedule", "cosine(lr=0.1, steps=24)", "--optimizer", "adam", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["steps"] == 2 * get_task("diabetes-linear").info.steps_per_epoch == 24
    assert data["optimizer"] == "adam"
    assert data["history"][0]["lr"] == 0.1 and data["history"][-1]["lr"] < 0.001
    assert set(data["final"]) == {"val_mse", "train_objective"}


def test_train_table_output():
    result = runner.invoke(app, ["train", "--task", "wine-logreg", "--lr", "1", "--steps", "10"])
    assert result.exit_code == 0, result.output
    assert "train_objective (main)" in result.stdout and "val_acc" in result.stdout


def test_diverged_run_is_reported_with_null_metrics():
    result = runner.invoke(app, ["train", "--task", "diabetes-linear", "--lr", "1e6", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["diverged"] is True and data["final"] == {"val_mse": None, "train_objective": None}


def _one_error_line(result):
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_bad_task_name_lists_the_valid_ones():
    result = runner.invoke(app, ["train", "--task", "digits-mpl", "--lr", "0.1"])
    assert result.exit_code == 2
    line = _one_error_line(result)
    assert "did you mean 'digits-mlp'" in line and all(name in line for name in registry)


@pytest.mark.parametrize("lr", ["0", "-0.1", "nan", "inf"])
def test_bad_lr_exits_2_with_one_line(lr):
    result = runner.invoke(app, ["train", "--task", "digits-mlp", "--lr", lr])
    assert result.exit_code == 2
    assert "`--lr` of lrkit train must be a finite number > 0" in _one_error_line(result)


@pytest.mark.parametrize(
    ("args", "needle"),
    [(["--steps", "0"], "`--steps` of lrkit train must be a positive integer; got 0."),
     (["--epochs", "-1"], "`--epochs` of lrkit train must be a finite number > 0"),
     (["--epochs", "1", "--steps", "3"], "`--epochs` and `--steps` of lrkit train are exclusive"),
     (["--optimizer", "sgdd"], "unknown optimizer 'sgdd'"),
     (["--schedule", "cosine(lr=0.1, stepz=3)"], "stepz")],
)
def test_other_bad_arguments_exit_2_with_one_line(args, needle):
    result = runner.invoke(app, ["train", "--task", "diabetes-linear", "--lr", "0.1", *args])
    assert result.exit_code == 2
    assert needle in _one_error_line(result)
