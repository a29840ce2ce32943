"""A live reading counts a fall in the first updates as progress (``DiagnosePolicy.first_fall_z``,
``LIVE_POLICY``'s 2): a loss that fell at once, then sat in its noise, is not told "no measurable progress,
raise the rate" (ux17 D3's history; BENCHMARKS.md#diagnose_live_onset).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import lrkit
from lrkit.diagnostics import LIVE_POLICY, DiagnosePolicy

DATA = Path(__file__).with_name("data") / "ux17_poisson_adam_lr0.0316_s0.csv"


def _poisson(n: int) -> tuple[np.ndarray, np.ndarray]:
    rows = list(csv.DictReader(DATA.open()))[:n]
    return np.array([float(r["loss"]) for r in rows]), np.array([float(r["lr"]) for r in rows])


def _slow(drop: float, seed: int) -> np.ndarray:
    """60 noisy losses (SD 0.5) drifting down by ``drop`` from a first loss of 2."""
    y = 2.0 - drop * np.arange(60) / 60 + 0.5 * np.random.default_rng(seed).standard_normal(60)
    y[0] = 2.0
    return y


def test_only_the_live_policy_counts_the_first_fall():
    assert DiagnosePolicy().first_fall_z == 1e9
    assert LIVE_POLICY.first_fall_z == 2.0 == DiagnosePolicy().still_z  # "something measurable moved"
    y, lrs = _poisson(50)
    d = lrkit.diagnose(y, lrs, momentum=0.9)
    assert d.direction == "raise" and "no measurable progress" in d.recommendation


def test_a_fall_in_the_first_updates_is_progress():
    y, lrs = _poisson(50)
    d = lrkit.diagnose(y, lrs, momentum=0.9, policy=LIVE_POLICY)
    assert d.direction != "raise", d.recommendation
    # no measurable progress from the start level, but well below the first loss
    assert d.statistics["total_progress_z"] < LIVE_POLICY.progress_z
    assert d.statistics["end_vs_y0_z"] < -LIVE_POLICY.first_fall_z
    assert not next(e for e in d.evidence if e.test == "slow").fired


@pytest.mark.parametrize(("drop", "seed", "raised"), [(0.8, 1, True), (1.0, 1, False)])
def test_a_run_whose_end_is_within_the_margin_of_its_first_loss_still_made_no_progress(drop, seed, raised):
    # (0.8, 1): 1.7 s.e. below y_0, no measurable progress either way; (1.0, 1): 2.0 s.e., progress live
    y = _slow(drop, seed)
    d = lrkit.diagnose(y, np.full(60, 1e-3), policy=LIVE_POLICY)
    assert (d.direction == "raise") is raised, d.recommendation
    assert (d.statistics["end_vs_y0_z"] >= -LIVE_POLICY.first_fall_z) is raised
    assert lrkit.diagnose(y, np.full(60, 1e-3)).direction == "raise"  # off: the start level alone


def test_first_fall_z_is_checked():
    with pytest.raises(lrkit.LRKitError, match="first_fall_z"):
        DiagnosePolicy(first_fall_z=-1.0)
