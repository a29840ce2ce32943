"""``DiagnosePolicy(first_rise_hold=True)`` (opt-in): a rise above the first loss that rests on that loss
alone (from the second loss on nothing moved) is ``uncertain``, naming ``too_high_diverging``, not "lower".

The histories are ux16 D4's probe (``/work/notes/ux16/workloads16.py`` ``cnn1d``: a 1-D CNN, SGD momentum 0.9,
300 updates; grid-best rate 0.316): seed 0's first batch reads 1.036 against the 1.10 that every later loss
sits at, below the best rate (BENCHMARKS.md#diagnose_first_loss).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

import lrkit
from lrkit.diagnostics import DiagnosePolicy, measure
from lrkit.diagnostics._decide import first_loss_alone, measure_finite

DATA = Path(__file__).with_name("data") / "ux16_cnn1d_sgd_momentum.csv"
BELOW_BEST = (1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)  # 1/3000 .. 1/3 of the grid-best 0.316
HOLD = DiagnosePolicy(first_rise_hold=True)


def _run(seed: int, lr: float) -> np.ndarray:
    rows = [r for r in csv.DictReader(DATA.open()) if int(r["seed"]) == seed and float(r["lr"]) == lr]
    return np.array([float(r["loss"]) for r in sorted(rows, key=lambda r: int(r["step"]))])


def test_the_default_still_commits():
    assert DiagnosePolicy().first_rise_hold is False
    assert lrkit.diagnose(_run(0, 1e-3), [1e-3] * 300).direction == "lower"  # ux16 D4, open by default


@pytest.mark.parametrize("lr", BELOW_BEST)
def test_a_flat_run_with_an_easy_first_batch_is_not_told_to_lower(lr):
    d = lrkit.diagnose(_run(0, lr), [lr] * 300, policy=HOLD)
    assert d.verdict == "uncertain" and d.runner_up == "too_high_diverging", d.recommendation
    assert "rests on the first loss alone" in d.recommendation
    assert "at a third of the rate and at three times it" in d.recommendation


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("lr", BELOW_BEST)
def test_the_other_seeds_read_as_without_it(seed, lr):
    y = _run(seed, lr)
    assert lrkit.diagnose(y, [lr] * 300, policy=HOLD) == lrkit.diagnose(y, [lr] * 300)


def test_a_blow_up_that_goes_on_rising_is_still_told_to_lower():
    rng = np.random.default_rng(0)
    y = np.concatenate([[1.0], 1.2 + np.linspace(0.0, 2.0, 299) + 0.02 * rng.normal(size=299)])
    d = lrkit.diagnose(y, [1.0] * 300, policy=HOLD)
    assert d.verdict == "too_high_diverging" and d.direction == "lower", d.recommendation
    assert not first_loss_alone(measure_finite(y, None, HOLD), list(range(300)), HOLD)


def test_the_history_after_the_first_loss_is_measured_only_for_a_rise_under_the_hold():
    rng = np.random.default_rng(0)
    falling = np.exp(-np.arange(200) / 40.0) + 0.01 * rng.normal(size=200)
    flat = np.concatenate([[0.9], 1.0 + 0.01 * rng.normal(size=199)])
    assert measure(falling, policy=HOLD).after_first is None
    assert measure(flat).after_first is None  # the default measures nothing more
    rest = measure(flat, policy=HOLD).after_first
    assert rest is not None and rest.y.size == 199 and rest.after_first is None
    assert first_loss_alone(measure(flat, policy=HOLD), list(range(200)), HOLD)
    assert not first_loss_alone(measure(flat), list(range(200)), HOLD)  # measured without it
    assert not first_loss_alone(measure(flat, policy=HOLD), list(range(200)), DiagnosePolicy())
