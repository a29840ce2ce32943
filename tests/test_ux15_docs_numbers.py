"""Numbers a guide states, traced to BENCHMARKS.md or to what the code makes now (session-15 new-user probe,
ux; ``/work/notes/ux15/REPORT.md`` D5, D6).

D5 (medium). docs/find.md's overhead table ("Measured by ``benchmarks/finder_overhead.py`` ... the latest
figures are in BENCHMARKS.md") says the sweep loop over plain steps is 1.06 (digits-mlp, SGD, "0.25 ms" an
update) and 1.00 (digits-cnn, Adam, "3 ms"), end to end 1.59 and 1.04, "a model whose 100 updates take 25
ms". BENCHMARKS.md's ``finder_overhead`` section (the README quotes it: 1.05x and 1.01x) has sweep / plain
1.049 and 1.010, end to end / plain **4.90** and **2.27**, 100 plain steps 16.3 ms and 171.5 ms (0.16 and
1.7 ms an update). A student sizing the finder's cost reads an end-to-end overhead three times lower than
the one measured. Expected: the guide's table is BENCHMARKS.md's.

D6 (medium). docs/see.md's demo table ("Numbers are from `lrkit lab` (seed 0)"):
"`lrkit.finder.range_test` on a noisy quadratic suggests 0.43 (< 2/L = 2)". ``lrkit lab`` (and
``run_demo("finder_explained")``) answers 0.0761 today, and its figure says so ("suggestion 0.0761"): the
guide's number is from an older finder. Expected: the guide states the suggestion the demo makes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _bench_section(name: str) -> str:
    text = (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")
    start = text.index(f"<!-- bench:{name} -->")
    return text[start:text.index(f"<!-- /bench:{name} -->", start)]


def test_the_finder_overhead_table_in_the_guide_is_the_measured_one():
    # The guide's table is the benchmark's headline: the CPU-time ratios (the last two columns).
    rows = {}
    for line in _bench_section("finder_overhead").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 9 and cells[0] in ("digits-mlp", "digits-cnn"):
            rows[cells[0]] = (float(cells[7]), float(cells[8]))
    assert set(rows) == {"digits-mlp", "digits-cnn"}
    guide = (ROOT / "docs" / "find.md").read_text(encoding="utf-8")
    for task, (sweep, end_to_end) in rows.items():
        m = re.search(rf"^\| {task}, [^|]*\| ([0-9.]+) \| ([0-9.]+) \|$", guide, re.M)
        assert m, task
        assert float(m.group(1)) == pytest.approx(sweep, abs=0.006), (task, m.group(0), sweep)
        assert float(m.group(2)) == pytest.approx(end_to_end, rel=0.02), (task, m.group(0), end_to_end)


def test_the_finder_demo_suggestion_in_the_guide_is_the_demos():
    pytest.importorskip("matplotlib")
    from lrkit.lab import run_demo

    made = run_demo("finder_explained").finder.suggestion
    guide = (ROOT / "docs" / "see.md").read_text(encoding="utf-8")
    line = next(x for x in guide.splitlines() if x.startswith("| `finder_explained`"))
    said = float(re.search(r"suggests ([0-9.]+)", line).group(1))
    assert said == pytest.approx(made, rel=0.05), (said, made)
