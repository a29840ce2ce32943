"""``lrkit tune`` without matplotlib shows the study it ran, or refuses before the first trial
(session-14 new-user probe, ux; ``/work/notes/ux14/REPORT.md`` D8; fixed by a1df28b).

``pip install 'lrkit[torch,tune]'`` (no ``plot``) and ``lrkit tune --task diabetes-linear --trials 3``: every
trial runs (36 s), then writing tune.html imports matplotlib: "error: unexpected ModuleNotFoundError: No
module named 'matplotlib' ... please report it", no best rate printed, no tune.json; ``--json`` and every
re-run fail the same way (the trials are kept in lrkit-tune.db, so nothing is lost but nothing is shown).
The sibling of D4 (``lrkit find``). Expected: the result printed and tune.json written (the figure
skipped with a note naming ``lrkit[plot]``), or the missing extra named in one line before any trial.
The missing package is simulated with ``sys.modules['matplotlib'] = None`` in a child process.
Fixed with D4 (a1df28b): the missing extra is named in one line before any trial.
"""

from __future__ import annotations

import subprocess
import sys

_CODE = ("import sys; sys.modules['matplotlib'] = None; sys.argv = ['lrkit'] + sys.argv[1:]; "
         "from lrkit.cli import main; main()")


def test_tune_without_matplotlib_shows_its_result_or_refuses_first(tmp_path):
    args = ["tune", "--task", "diabetes-linear", "--budget", "20", "--no-finder", "--pruner", "none",
            "--trials", "2", "--out", "out"]
    res = subprocess.run([sys.executable, "-c", _CODE, *args], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    shown = (tmp_path / "out" / "tune.json").exists() and "best lr" in res.stdout
    refused_first = res.stderr.strip().startswith("error: ") and "lrkit[plot]" in res.stderr \
        and "unexpected" not in res.stderr and "\n" not in res.stderr.strip()
    assert shown or refused_first, (res.stdout, res.stderr[-1500:])
