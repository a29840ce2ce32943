"""``Monitor.refreshes_next`` says whether the next observation refreshes the diagnosis, and both the
Monitor and the Watchdog (which reads the weight norm only for the refreshes) decide by it: one rule, not
a copy of it in the Watchdog that left out the Monitor's 10-point minimum and its non-finite case
(session-16 review)."""

from __future__ import annotations

import math
import random

import pytest
import torch

from lrkit.diagnostics import Monitor
from lrkit.torch import Watchdog


@pytest.mark.parametrize("seed", range(12))
def test_it_says_exactly_when_observe_refreshes(seed):
    rnd = random.Random(seed)
    m = Monitor(every=rnd.choice([1, 2, 3, 7, 10, 50]), capacity=rnd.choice([20, 22, 64, 2048]))
    loss = 2.0
    for t in range(rnd.randint(5, 300)):
        loss *= math.exp(rnd.gauss(-0.01, 0.05))
        value = rnd.choice([math.nan, math.inf]) if rnd.random() < 0.03 else loss
        says = m.refreshes_next(value)
        m.observe(t, value, lr=None if rnd.random() < 0.1 else 0.1)
        assert says == (not m.state_dict()["stale"]), (t, value)  # a refresh leaves nothing stale


def test_the_watchdog_reads_the_weight_norm_at_the_first_observation_and_at_each_refresh():
    w = torch.nn.Parameter(torch.ones(3))
    wd = Watchdog(every=3, on_nan="ignore", weight_norms=True, optimizer=torch.optim.SGD([w], lr=0.1))
    due = []
    for t in range(40):
        value = math.nan if t == 22 else 1.0 / (1 + t)
        if t == 0 or wd.monitor.refreshes_next(value):
            due.append(t)
        wd.observe(t, value, lr=0.1)
    measured = [t for t, v in zip(wd.monitor.history()["steps"], wd.monitor.history()["weight_norms"])
                if math.isfinite(v)]
    # every 3rd observation once 10 points are held (not at 2, 5, 8), and at once on the NaN at 22
    assert measured == due == [0, 11, 14, 17, 20, 22, 23, 26, 29, 32, 35, 38]
