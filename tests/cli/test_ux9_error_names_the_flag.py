"""A command-line error names the flag the user typed. Most do (``--lr`` of lrkit train must be ...);
these name a Python parameter under another name, or none (session-9 new-user probe,
``/work/notes/ux9/p6_flag_names.py``): ``lrkit tune --heartbeat 0`` says "`heartbeat_interval` of
Storage", ``--study ''`` "`study_name` of Storage", ``train --schedule ''`` "`spec` must be ...",
``find --seed -1`` "`seed` of task digits-mlp", ``tune --budget 0`` "`budget` of tune". A user who never
called ``Storage`` cannot map these back to a flag. (Errors that quote the value and the valid names,
"unknown sampler 'x'. Valid: random, tpe.", are left as they are: the value points at the flag.) The
commands now check these flags themselves before the library sees them."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lrkit.cli import app

runner = CliRunner()

_NAMED = [("find", "--num-steps", "0"), ("train", "--lr", "0"), ("tune", "--trials", "abc"),
          ("tune", "--worker-id", "-1")]
_UNNAMED = [("tune", "--heartbeat", "0"), ("tune", "--study", ""), ("train", "--schedule", ""),
            ("find", "--seed", "-1"), ("train", "--seed", "-1"), ("tune", "--seed", "-1"),
            ("tune", "--budget", "0"), ("tune", "--timeout", "0")]


def _error_line(command: str, flag: str, value: str, tmp_path, monkeypatch) -> str:
    monkeypatch.chdir(tmp_path)
    args = [command, flag, value] + (["--out", str(tmp_path / "o")] if command in ("find", "tune") else [])
    result = runner.invoke(app, args)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert not (tmp_path / "o").exists()
    return lines[0]


@pytest.mark.parametrize(("command", "flag", "value"), _NAMED)
def test_these_errors_name_the_flag(command, flag, value, tmp_path, monkeypatch):
    assert flag in _error_line(command, flag, value, tmp_path, monkeypatch)


@pytest.mark.parametrize(("command", "flag", "value"), _UNNAMED)
def test_these_errors_should_name_the_flag(command, flag, value, tmp_path, monkeypatch):
    assert flag in _error_line(command, flag, value, tmp_path, monkeypatch)
