"""The Watchdog reads under ``lrkit.diagnostics.LIVE_POLICY``: an early blow-up whose descent is still
under way is ``uncertain`` in its reports, naming ``too_high_diverging``; ``diagnose`` (a finished
history) keeps committing.

A Watchdog's first reports (50, 100, 150 losses) read the catapult of plain SGD or a fine-tuning at its
best rate before its descent has settled; under ``diagnose``'s default such a reading said "lower the
rate" to 33, 34 and 17 zoo runs at or below their best rate (``BENCHMARKS.md#diagnose_live_policy``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

import lrkit
from lrkit.diagnostics import LIVE_POLICY, DiagnosePolicy, Monitor
from lrkit.torch import Watchdog

_T = np.arange(50)


def _first_report(seed: int = 0) -> np.ndarray:
    """A Watchdog's first 50 losses: a 10x jump on the first updates, then a descent still falling."""
    y = 0.2 + 1.0 * np.exp(-_T / 30) + 0.04 * np.random.default_rng(seed).standard_normal(_T.size)
    y[1:4] = [8.0, 10.0, 5.0]
    return y


def _watch(y: np.ndarray) -> lrkit.Diagnosis:
    wd = Watchdog(every=50)
    for t, v in enumerate(y):
        wd.observe(t, torch.tensor(float(v)), lr=0.1)
    return wd.monitor._diagnosis  # the report made at the 50th loss


@pytest.mark.parametrize("seed", range(3))
def test_the_watchdogs_first_report_holds_a_blowup_still_descending(seed):
    y = _first_report(seed)
    offline = lrkit.diagnose(y, np.full(y.size, 0.1))
    assert offline.verdict == "too_high_diverging" and offline.direction == "lower"  # the whole-run default
    d = _watch(y)
    assert d.verdict == "uncertain" and d.direction == "none"
    assert d.runner_up == "too_high_diverging" and "too_high_diverging" in d.fired
    assert "next reports" in d.recommendation


def test_a_blowup_that_stalled_still_commits_in_the_watchdog():
    y = _first_report()
    y[10:] = y[10] + 0.04 * np.random.default_rng(1).standard_normal(40)  # settled high: no descent left
    d = _watch(y)
    assert d.verdict == "too_high_diverging" and d.direction == "lower"


def test_live_policy_is_the_default_but_for_the_descent_and_start_rules_and_the_weight_norms_opt_in():
    live = dataclasses.asdict(LIVE_POLICY)
    default = dataclasses.asdict(DiagnosePolicy())
    # weight_growth_hold reads weight norms only, which a Watchdog reads with weight_norms=True (opt-in)
    assert {k for k in live if live[k] != default[k]} == {"blowup_descending_z", "weight_growth_hold",
                                                          "onset_wait", "first_fall_z"}
    assert LIVE_POLICY.blowup_descending_z == DiagnosePolicy().still_z  # "measurably falling"
    assert Watchdog().monitor.policy == LIVE_POLICY
    assert Monitor().policy == DiagnosePolicy()  # the Autopilot's Monitor reads as diagnose does
