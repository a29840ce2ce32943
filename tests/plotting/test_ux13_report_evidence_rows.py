"""ux13 D8: the diagnose report's evidence table contradicts its own rule, and names two tests alike.

A noisy run that settled (2.5 + 2 exp(-t/15) + noise, or a real Hugging Face run's trainer_state.json)
reads "uncertain" / "plateau"; the report says "Each test below looks at one statistic of the curve; the
first that fires decides the verdict. A statistic past its threshold 'fires'." and then lists
``rise | no | 0.087 | 0.03 | the loss stopped falling ... (0.6 s.e. beyond chance)``: past its threshold,
not fired (the drift test also needs the rise beyond chance). Its "test" column shows the statistic, so two
rows read ``rise`` (too_high_diverging's test at 0.5 and the drift test at 0.03) and two ``late_share``,
with nothing to tell them apart (``--json``'s evidence has no test name either). Expected: each row names
its test uniquely (e.g. the verdict it argues for), and no row reads as past its threshold yet not fired
without the page saying what else that test needs.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pytest

import lrkit


def _rows(page: str) -> list[list[str]]:
    table = page[page.index("The evidence"):]
    body = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)
    cells = [[html.unescape(re.sub(r"<.*?>", "", c)).strip()
              for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in body]
    return [c for c in cells if c]



def test_each_evidence_row_names_its_test_and_none_contradicts_the_rule():
    rng = np.random.default_rng(1)
    losses = 2.5 + 2 * np.exp(-np.arange(200) / 15) + rng.normal(0, 0.2, 200)
    page = lrkit.report(lrkit.diagnose(losses), losses=losses).html()
    rows = _rows(page)
    names = [r[0] for r in rows]
    assert len(names) == len(set(names)), names
    drift = next(r for r in rows if r[4].startswith("the loss stopped falling"))
    past_not_fired = drift[1] == "no" and float(drift[2]) > float(drift[3])
    assert not (past_not_fired and "A statistic past its threshold 'fires'" in html.unescape(page)), drift


def test_the_json_evidence_names_each_test_once_and_an_older_record_still_reads():
    from lrkit.diagnostics import Diagnosis

    rng = np.random.default_rng(1)
    d = lrkit.diagnose(2.5 + 2 * np.exp(-np.arange(200) / 15) + rng.normal(0, 0.2, 200))
    entries = d.to_dict()["evidence"]
    tests = [e["test"] for e in entries]
    assert len(tests) == len(set(tests)) == 11 and {"rise", "drift", "plateau", "slow"} <= set(tests)
    assert [e["statistic"] for e in entries if e["test"] in ("rise", "drift")] == ["rise", "rise"]
    assert Diagnosis.from_dict(d.to_dict()) == d
    older = d.to_dict()
    for e in older["evidence"]:
        del e["test"]  # a record saved before tests were named
    assert {e.test for e in Diagnosis.from_dict(older).evidence} == {""}
    assert "drift (rise)" in lrkit.report(d).html()
