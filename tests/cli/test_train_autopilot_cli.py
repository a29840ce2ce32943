"""``lrkit train --autopilot`` and ``lrkit train --script``: the library's runs, the same JSON,
one-line errors."""

from __future__ import annotations

import importlib.util
import json
import re
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lrkit.cli import app
from lrkit.tasks import TrainResult, train, train_autopilot

runner = CliRunner()

SCRIPT = textwrap.dedent(
    """
    import torch

    def build(seed):
        g = torch.Generator().manual_seed(seed)
        X = torch.randn(512, 3, generator=g)
        y = X @ torch.tensor([1.0, -1.0, 0.5])
        model = torch.nn.Linear(3, 1)
        batches = [(X[i:i + 16], y[i:i + 16]) for i in range(0, 512, 16)]
        return {
            "model": model,
            "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
            "loss_fn": lambda out, t: ((out.squeeze(1) - t) ** 2).mean(),
            "train_loader": batches,
            "val_loader": batches[:4],
        }

    def broken(seed):
        raise RuntimeError("no data here")
    """
)


def _same_run(data: dict, expected: TrainResult) -> None:
    """The CLI's JSON is the library's TrainResult (all but its wall time)."""
    got = TrainResult.from_dict(data)
    assert got.to_dict() | {"wall_time": 0.0} == expected.to_dict() | {"wall_time": 0.0}


def _script(tmp_path: Path) -> tuple[str, object]:
    path = tmp_path / "task.py"
    path.write_text(SCRIPT)
    spec = importlib.util.spec_from_file_location("cli_autopilot_task", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return f"{path}:build", module.build


def test_autopilot_on_a_built_in_task_prints_the_train_autopilot_result():
    result = runner.invoke(app, ["train", "--task", "diabetes-linear", "--autopilot", "--steps", "40",
                                 "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["steps"] == 40 and data["autopilot"]["mode"] == "ramp"
    assert data["lr"] == data["autopilot"]["peak"]
    _same_run(data, train_autopilot("diabetes-linear", budget=40))


def test_autopilot_on_a_zoo_workload_and_the_table():
    result = runner.invoke(app, ["train", "--task", "zoo/linear-logistic-sgd512", "--autopilot",
                                 "--steps", "20"])
    assert result.exit_code == 0, result.output
    assert "(main)" in result.stdout and "20" in result.stdout


def test_autopilot_on_a_script_prints_the_train_autopilot_result(tmp_path):
    spec, build = _script(tmp_path)
    result = runner.invoke(app, ["train", "--script", spec, "--autopilot", "--json"])  # one pass: 32 updates
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["steps"] == data["budget"] == 32 and "val_loss" in data["final"]
    _same_run(data, train_autopilot(build, budget=32))


def test_a_script_trains_at_a_rate_too(tmp_path):
    spec, build = _script(tmp_path)
    result = runner.invoke(app, ["train", "--script", spec, "--lr", "0.05", "--epochs", "2", "--json"])
    assert result.exit_code == 0, result.output
    _same_run(json.loads(result.stdout), train(build, lr=0.05, budget=64))


@pytest.mark.parametrize("args, needle", [
    (["--autopilot", "--lr", "0.1"], "`--lr` of lrkit train does not apply with --autopilot"),
    (["--autopilot", "--schedule", "cosine(lr=0.1, steps=9)"], "`--schedule` of lrkit train does not apply"),
    (["--autopilot", "--task", "wine-logreg", "--steps", "10"],
     "`--steps` of lrkit train --autopilot must be >= 16"),
    (["--task", "wine-logreg", "--script", "x.py:f"], "`--task` and `--script` are exclusive"),
    (["--script", "nowhere.py:build", "--autopilot"], "`--script` file 'nowhere.py' does not exist"),
])
def test_bad_input_is_one_line(args, needle):
    result = runner.invoke(app, ["train", *args])
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0] and result.stdout == ""


def test_a_script_that_raises_is_one_line(tmp_path):
    path = tmp_path / "task.py"
    path.write_text(SCRIPT)
    result = runner.invoke(app, ["train", "--script", f"{path}:broken", "--autopilot"])
    assert result.exit_code == 2
    assert "raised RuntimeError: no data here" in result.stderr and result.stdout == ""


def test_the_table_names_the_peak_the_autopilot_chose():
    """ux13 L5: `lrkit train --autopilot` printed its metrics only; the rate it chose was in --json alone."""
    table = runner.invoke(app, ["train", "--autopilot", "--steps", "64"])
    data = json.loads(runner.invoke(app, ["train", "--autopilot", "--steps", "64", "--json"]).stdout)
    assert table.exit_code == 0, table.output
    peak = re.escape(format(data["lr"], ".4g"))
    assert re.search(r"peak lr \(Autopilot\)\s*│ " + peak + r"\s", table.stdout), table.stdout
    plain = runner.invoke(app, ["train", "--steps", "64"])
    assert "peak lr" not in plain.stdout
