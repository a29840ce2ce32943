"""ux16 D7: the live Watchdog tells a small vision transformer trained at 10x its best rate to multiply the
rate by 10 (confidence 0.75).

Probe (``/work/notes/ux16/workloads16.py`` ``vit``: 2x2 patches of the 8x8 digits, one pre-norm encoder
layer (d=32, 4 heads), AdamW weight decay 0.05, batch 64, 300 updates; ``wprobe.py``, ``vit_live.py``):
constant-rate grid val loss 0.001: 0.381, **0.00316: 0.210**, 0.01: 0.340, 0.0316: 0.430, 0.1: 1.03,
0.316: 2.39 (untrained 2.37: 0.316 does not train). At 0.0316, seed 0 (the history below: the loss sits
near 2.3 for ~30 updates, falls to 0.93, climbs back to 1.0 and falls again), a ``Watchdog(every=50,
optimizer=opt)`` reports ``too_low_slow`` at update 100 ("Multiply the rate by about 10: the loss is still
falling faster at the end than earlier (in log-time); current rate 0.0316", confidence 0.75) and at 150
(0.56): the advice lands at 0.316, a rate that does not train. (Seed 1 at 0.0316 reads ``healthy``; at the
best rate 0.00316 both seeds also hear "multiply by about 10" at 100-200.) docs/watch.md: on the zoo "runs
labelled too high hear ... none 'raise'"; ``slow_min_updates`` (100) and ten of the optimizer's transients
(AdamW's beta1 0.9: 100 updates) have passed. A transformer's slow start makes the log-time pace test read
"still speeding up" at any rate for its first hundred or more updates. Expected: no "raise" on a run at
10x its best rate (``uncertain`` while the start is still this recent).

Fixed: ``LIVE_POLICY.onset_wait = 0.2`` (the loss took 25% of the history to make its first tenth of its
drop: an onset, not a pace; the report at 100 reads ``healthy``, runner-up ``too_low_slow``, with a side run
to try).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from lrkit.torch import Watchdog  # noqa: E402

DATA = Path(__file__).with_name("data") / "ux16_vit_adamw_lr0.0316_s0.csv"


def test_a_transformer_at_ten_times_its_best_rate_is_not_told_to_raise_it():
    rows = list(csv.DictReader(DATA.open()))
    opt = torch.optim.AdamW([torch.zeros(1, requires_grad=True)], lr=0.0316, weight_decay=0.05)
    wd = Watchdog(every=50, optimizer=opt, report=None)
    directions = []
    for row in rows[:150]:
        wd.observe(int(row["step"]), float(row["loss"]), lr=float(row["lr"]))
        if int(row["step"]) % 50 == 49:
            directions.append(wd.diagnosis.direction)
    assert "raise" not in directions, directions
