"""One JSON convention for non-finite numbers: ``null``, in every record lrkit writes and in the CLI.

The finder's and tune's records and the CLI's ``--json`` wrote NaN and infinity as ``null``
(``lrkit._json.json_safe``; ``docs/architecture.md#conventions``), while a diagnosis wrote ``"inf"`` /
``"-inf"`` strings, so a reader of ``lrkit diagnose --json`` met a string where a number was expected. Every
writer now gives strict JSON with ``null`` for any non-finite number: the text parses with no NaN/Infinity
constant and holds no ``"inf"`` string, and ``from_dict`` reads ``null`` back as NaN (a JSON reader that
needs infinity to survive the round trip keeps the Python objects instead).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np

import lrkit
from lrkit.diagnostics import Diagnosis

# the loss flat for 80 updates, then falling: the decade before the last made no progress (ratio inf)
_FLAT_THEN_DROP = np.r_[np.full(80, 2.0), np.linspace(2.0, 1.0, 20)]


def _strict(text: str):
    """``json.loads`` that refuses the NaN / Infinity constants Python's json module would accept."""
    def refuse(name):
        raise AssertionError(f"non-strict JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def _strings(data):
    if isinstance(data, dict):
        return [s for v in data.values() for s in _strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings(v)]
    return [data] if isinstance(data, str) else []


def test_a_diagnosis_writes_non_finite_numbers_as_null():
    d = lrkit.diagnose(_FLAT_THEN_DROP)
    assert math.isinf(d.statistics["decade_ratio"])
    data = d.to_dict()
    assert data["statistics"]["decade_ratio"] is None
    assert not {"inf", "-inf", "nan"} & set(_strings(data))
    assert _strict(d.to_json())["statistics"]["decade_ratio"] is None
    back = Diagnosis.from_dict(data)
    assert math.isnan(back.statistics["decade_ratio"]) and back.verdict == d.verdict


def test_a_diagnosis_saved_with_the_old_strings_still_loads():
    data = lrkit.diagnose(_FLAT_THEN_DROP).to_dict()
    data["statistics"]["decade_ratio"] = "inf"
    assert Diagnosis.from_dict(data).statistics["decade_ratio"] == math.inf


def test_the_finders_record_writes_null_too():
    from lrkit.finder import FinderResult

    r = FinderResult(lrs=[1e-3, 1e-2], losses=[1.0, math.nan], smoothed=[1.0, None], stop_reason="nan",
                     suggestion=None, interval=None, rule="default", reason="too few points", steps=2,
                     wall_time=0.0)
    assert _strict(r.to_json())["losses"][-1] is None


def test_lrkit_diagnose_json_is_strict_with_null(tmp_path):
    rows = "\n".join(f"{i},{float(v)!r}" for i, v in enumerate(_FLAT_THEN_DROP))
    (tmp_path / "run.csv").write_text("step,loss\n" + rows + "\n")
    code = "import sys; from lrkit.cli import main; sys.argv[0] = 'lrkit'; main()"
    res = subprocess.run([sys.executable, "-c", code, "diagnose", "run.csv", "--json"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    data = _strict(res.stdout)
    assert data["statistics"]["decade_ratio"] is None
    assert not {"inf", "-inf", "nan"} & set(_strings(data))
