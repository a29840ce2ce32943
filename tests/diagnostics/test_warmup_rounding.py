"""The warmup `diagnose` advises is twice the steps before the trouble, rounded up to 100, 200, 500, 1000, ...

Regression test (ux finding): the rounding looped over the bases outside the scales, so every count
in (100, 1000] became 1000, and a 920-step Autopilot run whose loss spiked at step 85 was told to add
1000 warmup steps instead of 200.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

import lrkit
from lrkit.diagnostics import read_history

DATA = Path(__file__).parent / "data" / "autopilot_digits_mlp_s0.csv"


def _advised_warmup(recommendation: str) -> int:
    found = re.search(r"add (\d+) warmup steps", recommendation)
    assert found is not None, recommendation
    return int(found.group(1))


def test_the_recorded_spike_at_step_85_is_advised_200_warmup_steps():
    # Read whole (diagnose now leaves the Autopilot's probe out: test_autopilot_history.py), the probe's
    # blow-up at step 85 is the spike the rounding was wrong for.
    whole = lrkit.diagnostics.DiagnosePolicy(probe_decades=100.0)
    h = read_history(DATA)
    assert _advised_warmup(lrkit.diagnose(h.losses, lrs=h.lrs, policy=whole).recommendation) == 200


def test_a_blow_up_at_step_300_is_advised_1000_warmup_steps_and_at_step_60_200():
    for step, warmup in ((300, 1000), (60, 200)):
        losses = np.r_[np.linspace(2.0, 1.0, step), np.inf]
        d = lrkit.diagnose(losses, policy=lrkit.diagnostics.DiagnosePolicy(warmup_factor=2.0, min_warmup=10))
        assert d.verdict == "nan" and _advised_warmup(d.recommendation) == warmup, d.recommendation
