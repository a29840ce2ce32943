"""On record (session 6, ux): `lrkit find`'s sweep-range errors name `Sweep`'s fields, not the flags.

Every other bad value of `lrkit find` names its flag (`--num-steps` of lrkit find ...). A bad range
names the library record instead, and blames `end` for a bad `--start`: `lrkit find --start 20`
(with the default end, 10) says "`end` of Sweep must be > start=20; got 10." though the user gave no
`--end`; `--start 0` says "`start` of Sweep". Owner: finder (finder CLI messages). Remove the xfail
marks when fixed.
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


@pytest.mark.xfail(strict=True, reason="names `start` of Sweep (ux finding, owner finder)")
def test_a_bad_start_names_the_flag(tmp_path):
    assert _error("--start", "0", tmp_path=tmp_path).startswith("error: `--start` of lrkit find")


@pytest.mark.xfail(strict=True, reason="blames `end` of Sweep for a --start above the default end "
                                       "(ux finding, owner finder)")
def test_a_start_above_the_default_end_names_start(tmp_path):
    assert _error("--start", "20", tmp_path=tmp_path).startswith("error: `--start` of lrkit find")


@pytest.mark.xfail(strict=True, reason="names `end` of Sweep (ux finding, owner finder)")
def test_an_end_below_start_names_the_flag(tmp_path):
    error = _error("--start", "1", "--end", "0.1", tmp_path=tmp_path)
    assert error.startswith("error: `--end` of lrkit find")
