"""`lrkit find`'s sweep-range errors name the flags, as its other bad values do (`--num-steps` of ...).

Regression test (ux finding): a bad range named the library record `Sweep`, which a CLI user never
saw, and blamed `end` for a bad `--start`: `lrkit find --start 20` (with the default end, 10) said
"`end` of Sweep must be > start=20; got 10." though the user gave no `--end`.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lrkit.cli import app

runner = CliRunner()


def _error(*args: str, tmp_path) -> str:
    result = runner.invoke(app, ["find", "--task", "diabetes-linear", *args, "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    return result.stderr.strip()


def test_a_bad_start_names_the_flag(tmp_path):
    assert _error("--start", "0", tmp_path=tmp_path).startswith("error: `--start` of lrkit find")


def test_a_start_above_the_default_end_names_start(tmp_path):
    assert _error("--start", "20", tmp_path=tmp_path).startswith("error: `--start` of lrkit find")


def test_an_end_below_start_names_the_flag(tmp_path):
    error = _error("--start", "1", "--end", "0.1", tmp_path=tmp_path)
    assert error.startswith("error: `--end` of lrkit find")
