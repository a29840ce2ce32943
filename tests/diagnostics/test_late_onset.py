"""``DiagnosePolicy(slow_onset=True)`` (opt-in): a descent that began inside the last decade of time is an
onset, not a pace, and is not told to raise the rate (ux16 D7's history; BENCHMARKS.md#diagnose_live_onset).
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np

import lrkit
from lrkit.diagnostics import LIVE_POLICY, DiagnosePolicy

DATA = Path(__file__).with_name("data") / "ux16_vit_adamw_lr0.0316_s0.csv"


def _vit(n: int) -> tuple[np.ndarray, np.ndarray]:
    rows = list(csv.DictReader(DATA.open()))[:n]
    return np.array([float(r["loss"]) for r in rows]), np.array([float(r["lr"]) for r in rows])


def test_the_default_reads_the_onset_as_before():
    assert DiagnosePolicy().slow_onset is False and LIVE_POLICY.slow_onset is False
    y, lrs = _vit(100)
    assert lrkit.diagnose(y, lrs, momentum=0.9, policy=LIVE_POLICY).direction == "raise"  # ux16 D7, open


def test_a_late_onset_is_not_told_to_raise_the_rate():
    y, lrs = _vit(100)
    d = lrkit.diagnose(y, lrs, momentum=0.9, policy=replace(LIVE_POLICY, slow_onset=True))
    assert d.direction != "raise", d.recommendation
    slow = next(e for e in d.evidence if e.test == "slow")
    assert not slow.fired and "an onset, not a pace" in slow.detail


def test_a_crawl_from_the_first_update_is_still_told_to_raise_it():
    t = np.arange(300)
    # linear from the first update: the decade before the last fell too
    y = 2.0 - 0.004 * t + 0.01 * np.random.default_rng(0).standard_normal(300)
    d = lrkit.diagnose(y, np.full(300, 1e-4), policy=DiagnosePolicy(slow_onset=True))
    assert d.direction == "raise", d.recommendation
