"""The conventions every ``lrkit`` command follows, checked over the whole command tree.

One ``error:`` line and exit 2 for every usage error (Click's and Typer's own included, never a
boxed panel), readable help (no ``<bool>`` after a flag, no ``{spec}`` positionals),
``lrkit --version``, and one ``--task`` rule across ``find``, ``train`` and ``tune``.
"""

from __future__ import annotations

import json
import re
import textwrap
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from lrkit.cli import app
from lrkit.cli._app import Command, Group
from lrkit.cli._options import DEFAULT_TASK
from lrkit.schedules import parse

runner = CliRunner()


def _leaves(group: typer.core.TyperGroup, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, typer.core.TyperGroup):
            assert isinstance(cmd, Group), f"group {' '.join(path + (name,))} must be a cli._app.Group"
            out += _leaves(cmd, path + (name,))
        else:
            out.append((path + (name,), cmd))
    return out


ROOT = typer.main.get_command(app)
COMMANDS = _leaves(ROOT)


def one_error_line(result) -> str:
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines
    assert "╭" not in result.output and "Traceback" not in result.output
    return lines[0]


def test_every_command_uses_the_shared_classes():
    assert isinstance(ROOT, Group)
    assert len(COMMANDS) >= 9
    for path, cmd in COMMANDS:
        assert isinstance(cmd, Command), f"lrkit {' '.join(path)} must be registered with cls=Command"


@pytest.mark.parametrize("path", [(), *[p for p, _ in COMMANDS]], ids=lambda p: " ".join(p) or "lrkit")
def test_help_has_readable_metavars(path):
    result = runner.invoke(app, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert not re.search(r"<(bool|int|str|float|path)>", result.stdout), result.stdout
    usage = next(ln for ln in result.stdout.splitlines() if "Usage:" in ln)
    assert "{" not in usage and "}" not in usage, usage


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"lrkit {version('lrkit')}"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["schedule", "values"], "Missing argument 'SPEC'"),
        (["schedule", "values", "constant(lr=0.1)", "--steps", "abc"],
         "`--steps` of lrkit schedule values must be an integer; got 'abc'."),
        (["schedule", "values", "constant(lr=0.1)", "--steps=2.5"], "must be an integer; got '2.5'."),
        (["train", "--lr", "fast"], "`--lr` of lrkit train must be a number; got 'fast'."),
        (["find", "--bogus"], "No such option: --bogus"),
        (["tune", "--trials"], "requires an argument"),
        (["nonsense"], "No such command 'nonsense'"),
        (["schedule", "values", "constant(lr=0.1)", "extra"], "unexpected extra argument"),
        (["lab", "--interactive=maybe"], "--interactive"),
    ],
)
def test_click_usage_errors_are_one_line_exit_2(args, needle):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert needle in one_error_line(result)


def test_task_defaults_to_the_same_builtin_everywhere():
    for command in ("find", "train", "tune"):
        text = runner.invoke(app, [command, "--help"], terminal_width=200).stdout
        assert f"default {DEFAULT_TASK}" in text, command
    result = runner.invoke(app, ["train", "--lr", "0.05", "--steps", "3", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["task"] == DEFAULT_TASK


def test_train_takes_the_rate_from_the_schedule_when_no_lr():
    spec = "cosine(lr=0.02, steps=6)"
    result = runner.invoke(app, ["train", "--task", "diabetes-linear", "--schedule", spec, "--steps", "6",
                                 "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["lr"] == 0.02
    assert [row["lr"] for row in data["history"]] == pytest.approx(list(parse(spec)(np.arange(6))), rel=1e-12)
    assert "disagree" not in result.stderr


def test_train_says_when_lr_and_schedule_disagree():
    result = runner.invoke(app, ["train", "--task", "diabetes-linear", "--lr", "0.01", "--schedule",
                                 "cosine(lr=0.02, steps=6)", "--steps", "6", "--json"])
    assert result.exit_code == 0, result.output
    assert "note: train: lr=0.01 and the schedule's own peak 0.02" in result.stderr  # lrkit's one rate rule
    assert json.loads(result.stdout)["history"][0]["lr"] == pytest.approx(0.01)


def test_train_without_any_rate_uses_the_task_default_and_says_so():
    result = runner.invoke(app, ["train", "--task", "diabetes-linear", "--steps", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert "default rate" in result.stderr


@pytest.mark.parametrize("command", ["values", "plot"])
def test_schedule_steps_default_to_the_spec_length(command, tmp_path):
    spec = "linear(start=0, end=0.1, steps=10) >> cosine(lr=0.1, steps=30)"
    extra = ["--out", str(tmp_path / "s.png")] if command == "plot" else []
    result = runner.invoke(app, ["schedule", command, spec, *extra])
    assert result.exit_code == 0, result.output
    if command == "values":
        assert len(json.loads(result.stdout)) == 40
    else:
        assert (tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"


def test_schedule_without_length_needs_steps():
    result = runner.invoke(app, ["schedule", "values", "exponential(lr=0.1, gamma=0.9)"])
    assert result.exit_code == 2
    assert "has no length of its own" in one_error_line(result)


SCRIPT = textwrap.dedent(
    """
    import torch

    def build(seed):
        g = torch.Generator().manual_seed(seed)
        X = torch.randn(256, 3, generator=g)
        y = X @ torch.tensor([1.0, -1.0, 0.5])
        model = torch.nn.Linear(3, 1)
        batches = [(X[i:i + 32], y[i:i + 32]) for i in range(0, 256, 32)]
        return {
            "model": model,
            "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
            "loss_fn": lambda out, t: ((out.squeeze(1) - t) ** 2).mean(),
            "train_loader": batches,
            "val_loader": batches[:2],
        }
    """
)


def test_tune_script(tmp_path: Path):
    (tmp_path / "task.py").write_text(SCRIPT)
    result = runner.invoke(app, ["tune", "--script", f"{tmp_path / 'task.py'}:build", "--trials", "2",
                                 "--budget", "8", "--no-finder", "--pruner", "none", "--out",
                                 str(tmp_path / "out"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["metric"] == "val_loss" and data["n_complete"] == 2
    assert (tmp_path / "out" / "tune.html").is_file()
