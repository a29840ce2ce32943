"""``lrkit diagnose`` on a file with too few losses names the file and the way out, not a Python
parameter (session-10 new-user probe, ux; ``/work/notes/ux10/REPORT.md``).

A CSV of a handful of rows (a loop that logged every epoch) or a TensorBoard folder of a short run:
``lrkit diagnose run.csv`` said "error: `losses` of diagnose must hold at least 10 finite values; got 3."
A shell user passed no ``losses``; the round-5 probe fixed the same kind of message for 8 flags, and a
short ``trainer_state.json`` already gets a line naming the file and ``logging_steps`` (ux8). Expected,
and now: one line naming the file, how many losses it holds, the minimum, and what to do (log the loss
at more steps).
"""

from __future__ import annotations

import json
import subprocess
import sys


def _run(*args: str, cwd) -> subprocess.CompletedProcess:
    code = "import sys; from lrkit.cli import main; sys.argv[0] = 'lrkit'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def test_a_short_csv_names_the_file_and_the_way_out(tmp_path):
    (tmp_path / "run.csv").write_text("step,loss\n0,2.3\n1,2.1\n2,1.9\n")
    res = _run("diagnose", "run.csv", cwd=tmp_path)
    assert res.returncode == 2 and res.stdout == ""
    line = res.stderr.strip()
    assert line.count("\n") == 0 and line.startswith("error: "), line
    assert "run.csv" in line and "got 3" in line and "at least 10" in line, line
    assert "`losses`" not in line and "more steps" in line, line


def test_a_short_trainer_state_keeps_its_logging_steps_line(tmp_path):
    logs = [{"epoch": e, "loss": 2.3 - 0.2 * e, "learning_rate": 5e-5, "step": 44 * e} for e in range(1, 8)]
    (tmp_path / "trainer_state.json").write_text(json.dumps({"log_history": logs}))
    res = _run("diagnose", "trainer_state.json", cwd=tmp_path)
    assert res.returncode == 2 and "logging_steps" in res.stderr and "got 7" in res.stderr, res.stderr


def test_a_short_file_with_a_nan_still_gets_the_nan_verdict(tmp_path):
    (tmp_path / "run.csv").write_text("step,loss\n0,2.3\n1,2.1\n2,nan\n")
    res = _run("diagnose", "run.csv", cwd=tmp_path)
    assert res.returncode == 0 and "verdict: nan" in res.stdout, res.stdout + res.stderr
