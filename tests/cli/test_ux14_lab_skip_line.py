"""``lrkit lab`` without torch names the extra in its skip line (session-14 new-user probe, ux;
``/work/notes/ux14/REPORT.md`` L1).

The line read "skipping batch_size_scaling: needs torch (pip install 'lrkit')": rich took ``[torch]``
for markup and dropped it, so the advice installed lrkit again. The missing packages are simulated
with ``sys.modules[name] = None`` in a child process (matplotlib too, so the command stops right after
its skip lines instead of running the demos).
"""

from __future__ import annotations

import subprocess
import sys

_CODE = ("import sys; sys.modules.update(torch=None, matplotlib=None); "
         "sys.argv = ['lrkit', 'lab', '--out', 'o']; from lrkit.cli import main; main()")


def test_the_skip_line_names_the_torch_extra(tmp_path):
    res = subprocess.run([sys.executable, "-c", _CODE], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert "skipping batch_size_scaling: needs torch (pip install 'lrkit[torch]')" in res.stderr, res.stderr
