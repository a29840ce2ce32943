"""ux17 D3: the live Watchdog tells a Poisson regression at 10-30x its best rate to multiply the rate by 10.

Probe (``/work/notes/ux17/w1_poisson_live.py``, workload ``myjobs.py:poisson``, none in the zoo): a 12-64-1
tanh MLP with a log-rate head, ``PoissonNLLLoss(log_input=True)`` on counts drawn from ``make_regression``
latents, Adam, batch 32, 300 updates at a constant rate. Grid (``grid.py``, seeds 0-1), validation loss:
1e-4 0.80/0.72, 3.2e-4 0.38/0.36, **1e-3 0.356/0.357**, 3.2e-3 0.371/0.372, 0.01 0.378/0.414, 0.0316
0.50/0.58, 0.1 0.82/3.68, 0.316 5.8/76.5 (untrained 1.21). At 0.0316 the loss falls from 1.54 to about 0.2 in
two updates and then sits in batch noise (SD 0.58 about a mean of 0.2). ``Watchdog(every=50,
optimizer=opt)`` says at update 50 (seed 0) ``too_low_slow``, "Multiply the rate by about 10: the loss
made no measurable progress; current rate 0.0316", confidence 0.75 (the late-share test fired on noise:
"the second half of the run made 91.0% of its drop (noise skew -1.21; total progress 2.8 s.e.)"); seed 1
hears it at 150, and at 0.01 (10x) seed 1 at 150: 3 of 8 runs at 10-30x (seeds 0-3). The advice lands on
0.316, where the run ends at 5.8-76 (a blow-up). The whole history offline reads ``uncertain``. README: "Read
live, at a Watchdog(every=50)'s first reports (50, 100, 150 losses): 'raise' on 0, 0 and 0 of the too-high
runs". The test replays the stored history (``data/ux17_poisson_adam_lr0.0316_s0.csv``) through a
Watchdog. Expected: no "raise" on a run 30x above its best rate (``uncertain`` while its fall is all noise).

Fixed: ``LIVE_POLICY.first_fall_z = 2`` (the end level is 3.6 standard errors below the first loss: the fall
came in the first updates, hidden in the start level; the report at 50 reads ``healthy``, not "no progress").
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from lrkit.torch import Watchdog  # noqa: E402

DATA = Path(__file__).with_name("data") / "ux17_poisson_adam_lr0.0316_s0.csv"


def test_a_noisy_regression_at_thirty_times_its_best_rate_is_not_told_to_raise_it():
    rows = list(csv.DictReader(DATA.open()))
    opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=0.0316)
    wd = Watchdog(every=50, optimizer=opt, report=None)
    directions = []
    for row in rows[:150]:
        wd.observe(int(row["step"]), float(row["loss"]), lr=float(row["lr"]))
        if int(row["step"]) % 50 == 49:
            directions.append(wd.diagnosis.direction)
    assert "raise" not in directions, directions
