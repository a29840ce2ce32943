"""A docstring example does not depend on torch's thread count (session-14 new-user probe, ux;
``/work/notes/ux14/REPORT.md`` L10).

``settled_statistics``'s example printed ``round(float(out.mean()), 4)`` of a batch-normalised output,
whose mean is zero up to rounding: at torch's default thread count (2 here; the suite pins 1) it was
``-0.0`` and the example failed when a user ran the module's doctests in an installed venv.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("torch")

_CODE = ("import doctest, torch; torch.set_num_threads(2); import lrkit.torch._finder_norm as m; "
         "r = doctest.testmod(m, optionflags=doctest.ELLIPSIS); print('FAILED', r.failed)")


def test_the_settled_statistics_example_holds_at_two_threads(tmp_path):
    res = subprocess.run([sys.executable, "-c", _CODE], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert "FAILED 0" in res.stdout, res.stdout[-2000:]
