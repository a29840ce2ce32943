"""The diagnose page's headline states a hint as a verdict (session-12 new-user probe, ux;
``/work/notes/ux12/REPORT.md``, L2; ``plotting/_diagnosis_report.py``).

A reading right on a new workload too rarely to act on keeps its verdict's name, and its advice opens
"I can't tell: the history reads most like plateau (...) ... Check that in a short side run before
changing the rate." The page's headline, the largest text on it, said "The loss has stopped improving
at this rate" above it: a fact where the advice says it cannot tell. Now the headline of such a page
says it cannot tell and names what the history reads most like; a committed verdict keeps its title.
"""

from __future__ import annotations

import re

import numpy as np

import lrkit
from lrkit.plotting._diagnosis_report import VERDICT_TITLES


def _headline(page: str) -> str:
    return re.search(r'id="verdict">(.*?)</p>', page).group(1)


def test_a_hint_is_headed_as_a_hint():
    y = 1 / np.sqrt(1 + np.arange(300.0))  # a slowing descent at a constant rate: plateau, a hint
    d = lrkit.diagnose(y, steps=np.arange(300) * 10 + 5)
    assert d.verdict == "plateau" and d.recommendation.startswith("I can't tell")
    head = _headline(lrkit.report(d, losses=y, steps=np.arange(300) * 10 + 5).html())
    assert head != VERDICT_TITLES["plateau"]
    assert "can&#x27;t tell" in head and "plateau" in head


def test_a_committed_verdict_keeps_its_title():
    y = np.r_[np.exp(-np.arange(200) / 50.0), np.exp(np.arange(100) * 0.5)]  # turned upward
    d = lrkit.diagnose(y)
    assert not d.recommendation.startswith("I can't tell")
    assert _headline(lrkit.report(d, losses=y).html()) == VERDICT_TITLES[d.verdict]
