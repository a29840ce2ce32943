"""The command line takes zoo workloads as `--task zoo/NAME` and lists them with `tasks list --zoo`."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lrkit import zoo
from lrkit.cli import app
from lrkit.tasks import train

runner = CliRunner()


def test_tasks_list_zoo_json_is_the_zoo_registry():
    result = runner.invoke(app, ["tasks", "list", "--zoo", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == zoo.names()
    assert all("family" in r and "optimizer_options" in r for r in rows)


def test_train_a_zoo_workload_is_the_library_run():
    args = ["train", "--task", "zoo/tabular-blobs-sgd", "--lr", "0.1", "--steps", "15", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["final"] == train(zoo.get("tabular-blobs-sgd"), lr=0.1, budget=15).final


def test_find_on_a_zoo_workload(tmp_path):
    args = ["find", "--task", "zoo/linear-softmax-adagrad", "--num-steps", "30", "--json",
            "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["steps"] > 0


def test_an_unknown_zoo_name_is_one_line_and_exit_2():
    result = runner.invoke(app, ["train", "--task", "zoo/tabular-blob-sgd", "--lr", "0.1"])
    assert result.exit_code == 2
    assert "did you mean 'tabular-blobs-sgd'" in result.output
