"""Regression tests for the CLI failures of issue 19: each was a traceback or a silent wrong output.

Output paths are checked before any work, counts against the free memory, a ``--script``'s dict
and its own exceptions are named in one line; nothing is left behind.
"""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lrkit.cli import app

runner = CliRunner()
SPEC = "cosine(lr=0.1, steps=5)"


def error_of(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize(
    ("out", "needle"),
    [
        ("/dev/null/x.png", "'/dev/null' is a file, not a folder"),
        ("{tmp}/x.txt", "must end in .png, .svg, .pdf"),
        ("{tmp}/adir", "is a folder; give a file name such as"),
    ],
)
def test_schedule_plot_checks_out_first(tmp_path: Path, out: str, needle: str) -> None:
    (tmp_path / "adir").mkdir()
    assert needle in error_of(["schedule", "plot", SPEC, "--out", out.format(tmp=tmp_path)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adir"]
    assert not any((tmp_path / "adir").iterdir())


@pytest.mark.parametrize("command", [["find"], ["tune", "--task", "diabetes-linear"], ["lab", "warmup"]])
def test_out_under_a_file_fails_before_any_work(command: list[str]) -> None:
    start = time.process_time()
    assert "'/dev/null' is a file" in error_of([*command, "--out", "/dev/null/o"])
    assert time.process_time() - start < 5  # no sweep, no study, no demo ran first


def test_out_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("keep")
    assert "is a file; give a folder" in error_of(["find", "--out", str(tmp_path / "f")])
    assert (tmp_path / "f").read_text() == "keep"


@pytest.mark.parametrize(
    "args",
    [
        ["schedule", "values", SPEC, "--steps", "1000000000000"],
        ["schedule", "plot", SPEC, "--steps", "1000000000000"],
        ["find", "--num-steps", "1000000000000"],
        ["find", "--repeats", "1000000000000"],
        ["train", "--task", "wine-logreg", "--lr", "0.1", "--steps", "100000000000000000000"],
        ["train", "--task", "wine-logreg", "--lr", "0.1", "--epochs", "1e300"],
    ],
)
def test_counts_beyond_memory_are_refused_at_once(tmp_path: Path, args: list[str]) -> None:
    start = time.process_time()
    message = error_of([*args, *(["--out", str(tmp_path / "o")] if args[0] == "find" else [])])
    assert "free memory" in message or "(2**63 - 1)" in message
    assert time.process_time() - start < 5
    assert not (tmp_path / "o").exists()


SCRIPT = textwrap.dedent(
    """
    import torch

    def strings(seed):
        return dict(model="m", optimizer="o", loss_fn="l", train_loader="t")

    def _parts(loss_fn):
        X, y = torch.randn(64, 2), torch.randn(64)
        model = torch.nn.Linear(2, 1)
        return dict(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), loss_fn=loss_fn,
                    train_loader=[(X[i:i + 8], y[i:i + 8]) for i in range(0, 64, 8)])

    def bad_loss(out, target):
        return 1 / 0

    def raises_in_loss(seed):
        return _parts(bad_loss)

    def raises_in_forward(seed):
        return _parts(lambda out, t: ((out @ torch.ones(5)) - t).pow(2).mean())
    """
)


@pytest.mark.parametrize(
    ("func", "needle"),
    [
        ("strings", "must be a torch.nn.Module; got 'm'"),
        ("raises_in_loss", "raised ZeroDivisionError at task.py:14 in bad_loss"),
        ("raises_in_forward", "raised RuntimeError at task.py:20 in <lambda>"),
    ],
)
def test_script_failures_are_one_line(tmp_path: Path, func: str, needle: str) -> None:
    (tmp_path / "task.py").write_text(SCRIPT)
    message = error_of(["find", "--script", f"{tmp_path / 'task.py'}:{func}", "--num-steps", "20",
                        "--out", str(tmp_path / "o")])
    assert needle in message
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--num-steps", str(10**12)], "`--num-steps` of lrkit find must be an integer in [10, "),
        (["--num-steps", "3"], "`--num-steps` of lrkit find"),
        (["--repeats", "0"], "`--repeats` of lrkit find"),
        (["--start", "1", "--end", "0.1"], "`--end` of lrkit find"),
    ],
)
def test_find_checks_the_sweep_before_the_script_runs(tmp_path: Path, args: list[str], needle: str) -> None:
    """The sweep's counts and rates are refused before FUNC builds anything (it can be costly)."""
    marker = tmp_path / "built"
    (tmp_path / "task.py").write_text(f"def build(seed):\n    open({str(marker)!r}, 'w').close()\n"
                                      "    raise SystemExit('built')\n")
    message = error_of(["find", "--script", f"{tmp_path / 'task.py'}:build", *args,
                        "--out", str(tmp_path / "o")])
    assert needle in message, message
    assert not marker.exists() and not (tmp_path / "o").exists()
