"""`lrkit train`'s bad values name the flag the user typed (session-6 new-user probe, /work/notes/ux6/):
`--eval-every 0` said "`eval_every` of train", the library's argument, where `--steps 0` says
"`--steps` of lrkit train"."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lrkit.cli import app

runner = CliRunner()


@pytest.mark.parametrize("value", ["0", "-3"])
def test_bad_eval_every_names_the_flag(value):
    result = runner.invoke(app, ["train", "--task", "diabetes-linear", "--steps", "2", "--eval-every", value])
    assert result.exit_code == 2
    expected = f"error: `--eval-every` of lrkit train must be a positive integer; got {value}."
    assert result.stderr.strip() == expected
