"""A live reading does not tell a run whose loss waited near its start to raise the rate: its pace, read from
the first update, is the onset's (``DiagnosePolicy.onset_wait``, ``LIVE_POLICY``'s 0.2; ux16 D7's history;
BENCHMARKS.md#diagnose_live_onset).
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import lrkit
from lrkit.diagnostics import LIVE_POLICY, DiagnosePolicy, measure
from lrkit.diagnostics._measure import levels, onset_wait

DATA = Path(__file__).with_name("data") / "ux16_vit_adamw_lr0.0316_s0.csv"


def _vit(n: int) -> tuple[np.ndarray, np.ndarray]:
    rows = list(csv.DictReader(DATA.open()))[:n]
    return np.array([float(r["loss"]) for r in rows]), np.array([float(r["lr"]) for r in rows])


def _crawl(n: int, wait: int, seed: int = 0) -> np.ndarray:
    """Flat at 2 for ``wait`` losses, then linear down by 0.8 over the rest, with noise 0.01."""
    t = np.arange(n)
    trend = 2.0 - 0.8 * np.clip(t - wait, 0, None) / (n - wait)
    return trend + 0.01 * np.random.default_rng(seed).standard_normal(n)


def test_only_the_live_policy_reads_the_wait():
    assert DiagnosePolicy().onset_wait == 0.0 and LIVE_POLICY.onset_wait == 0.2
    y, lrs = _vit(100)
    # diagnose reads a whole history from its first update, as before
    assert lrkit.diagnose(y, lrs, momentum=0.9).direction == "raise"


def test_a_late_onset_is_not_told_to_raise_the_rate():
    y, lrs = _vit(100)
    d = lrkit.diagnose(y, lrs, momentum=0.9, policy=LIVE_POLICY)
    assert d.direction != "raise", d.recommendation
    slow = next(e for e in d.evidence if e.test == "slow")
    assert not slow.fired and "an onset, not a pace" in slow.detail and "25% of the history" in slow.detail


def test_a_crawl_from_the_first_update_is_still_told_to_raise_it():
    y = _crawl(300, 0)
    assert measure(y, np.full(300, 1e-4)).pace.wait < LIVE_POLICY.onset_wait
    d = lrkit.diagnose(y, np.full(300, 1e-4), policy=LIVE_POLICY)
    assert d.direction == "raise", d.recommendation


@pytest.mark.parametrize(("wait", "raised"), [(15, True), (40, False)])
def test_the_wait_is_read_against_the_share_of_the_history(wait, raised):
    # 15 of 150 losses flat is a crawl's own first tenth; 40 of 150 (27%) is a wait
    y = _crawl(150, wait)
    d = lrkit.diagnose(y, np.full(150, 1e-3), policy=LIVE_POLICY)
    assert (d.direction == "raise") is raised, d.recommendation
    assert lrkit.diagnose(y, np.full(150, 1e-3)).direction == "raise"  # off: the pace alone


def test_onset_wait_measures_the_first_fall_by_onset_drop_of_the_drop():
    p = DiagnosePolicy()
    flat_then_fall = np.r_[np.full(50, 2.0), np.linspace(2.0, 1.0, 50)]
    lv = levels(flat_then_fall, 1e-9, p)
    # the smoothed loss passes 2 - 0.1 at step 50 + 5 (+ the running median's half window)
    assert 0.5 < onset_wait(lv, p) < 0.6
    assert onset_wait(lv, replace(p, onset_drop=0.5)) > onset_wait(lv, p)
    assert onset_wait(levels(np.full(50, 1.0), 1e-9, p), p) == 0.0  # no drop: no onset to read


@pytest.mark.parametrize(("field", "value"), [("onset_wait", 1.5), ("onset_wait", -0.1), ("onset_drop", 0.0)])
def test_the_onset_fields_are_checked(field, value):
    with pytest.raises(lrkit.LRKitError, match=field):
        DiagnosePolicy(**{field: value})
