"""``python -m lrkit`` runs the command (session-14 new-user probe, ux; ``/work/notes/ux14/REPORT.md`` L7):
it said "No module named lrkit.__main__; 'lrkit' is a package and cannot be directly executed", the way
to reach the CLI of an environment whose scripts are not on PATH (pip, pytest, ruff all run so).
"""

from __future__ import annotations

import subprocess
import sys


def test_python_m_lrkit_is_the_command(tmp_path):
    res = subprocess.run([sys.executable, "-m", "lrkit", "--version"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0 and res.stdout.startswith("lrkit "), res.stderr
