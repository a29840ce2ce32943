"""``lrkit tune --script`` without ``--budget`` names the flag (session-14 new-user probe, ux;
``/work/notes/ux14/REPORT.md`` L11): it said "`budget` of tune is required for a protocol function task",
the Python parameter and the library's word for a task function, where the shell user typed neither.
"""

from __future__ import annotations

import subprocess
import sys

SCRIPT = "def build(seed):\n    raise AssertionError('not built: the flag is checked first')\n"


def test_the_missing_budget_is_named_as_the_flag(tmp_path):
    (tmp_path / "mine.py").write_text(SCRIPT)
    code = "import sys; from lrkit.cli import main; sys.argv[0] = 'lrkit'; main()"
    res = subprocess.run([sys.executable, "-c", code, "tune", "--script", "mine.py:build", "--trials", "1"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    line = res.stderr.strip()
    assert res.returncode == 2 and "\n" not in line, res.stderr
    assert line.startswith("error: `--budget` of lrkit tune is needed with --script 'mine.py:build'"), line
