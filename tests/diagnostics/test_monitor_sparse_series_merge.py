"""A history longer than the Monitor's capacity keeps its sparse weight norms (and gradient norms).

When the history fills, neighbouring points are merged in pairs. A series measured only now and then (the
Watchdog reads the weight norm at the first observation and at each refresh, every 50 by default) holds a
reading beside points with none (NaN); a pair's mean with a NaN is NaN, so the first merge erased nearly
every reading: a 2,100-step run whose weights grew 1.52x held 2 of its 42 readings and read a growth of
1.01, and the live policy's hold ("weights that did not grow: uncertain") then fired on a run whose
weights did grow. A merged point's reading is the mean of the readings it holds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from lrkit.diagnostics import Monitor
from lrkit.torch import Watchdog


@pytest.mark.parametrize("n", [2100, 5000])
def test_the_weight_growth_of_a_run_longer_than_the_capacity_is_read(n):
    w = torch.nn.Parameter(torch.ones(5))
    wd = Watchdog(every=50, weight_norms=True, optimizer=torch.optim.SGD([w], lr=0.1))
    for t in range(n):
        with torch.no_grad():
            w.mul_(1.0002)
        wd.observe(t, 1.0 / (1 + t / 100), lr=0.1)
    held = wd.monitor.history()["weight_norms"]
    assert np.isfinite(held).sum() >= n // 50 // 2  # at most two readings share a point after one merge
    true_growth = 1.0002 ** (n - 1)  # the last refresh, step n - 1, against the first observation
    assert wd.diagnosis.statistics["weight_growth"] == pytest.approx(true_growth, rel=0.02)


def test_a_merged_point_keeps_the_readings_it_holds():
    m = Monitor(every=1000, capacity=20)
    for t in range(20):
        m.observe(t, 1.0, weight_norm=float(t) if t % 3 == 0 else None, grad_norm=2.0 if t < 10 else None)
    h = m.history()
    # the 20 points merge into pairs (0,1) (2,3) ... (18,19); the readings at 0, 3, 6, ... each keep theirs
    nan = math.nan
    np.testing.assert_array_equal(h["weight_norms"], [0.0, 3.0, nan, 6.0, 9.0, nan, 12.0, 15.0, nan, 18.0])
    np.testing.assert_array_equal(h["grad_norms"], [2.0] * 5 + [nan] * 5)
