"""On record (session 6, ux): `diagnose` on the history of a healthy Autopilot run.

`data/autopilot_digits_mlp_s0.csv` is `lrkit.tasks.train_autopilot("digits-mlp", seed=0)`'s
history (`write_history`; `lrkit train --autopilot --history run.csv` writes the same): the ramp
climbs to 2.15 at update 88, the loss there reaches 21.7, and the Autopilot rolls back to its peak,
0.118, and trains to the end (val_acc 0.97). Fed to `lrkit diagnose`, that probe is a fault:

1. the verdict is `loss_spikes`, "1 loss spike(s), first at step 85: clip gradients (e.g. max-norm
   1.0) and add 1000 warmup steps". The ramp is the Autopilot's own search (its updates above the
   peak were undone), so lrkit's two tools disagree about one run (7 of 10 built-in Autopilot runs,
   seeds 0-1, read `loss_spikes` or `uncertain`; `/work/notes/ux6/`). Owners: diag / auto (the
   history could mark the probe rows, diagnose could read the mark).
2. (fixed; its regression test is `test_warmup_rounding.py`) "add 1000 warmup steps" on a 920-step run.
Remove the xfail marks when fixed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lrkit
from lrkit.diagnostics import read_history

DATA = Path(__file__).parent / "data" / "autopilot_digits_mlp_s0.csv"


def _diagnose():
    h = read_history(DATA)
    return lrkit.diagnose(h.losses, lrs=h.lrs)


def test_the_recorded_history_is_what_the_docstring_says():
    h = read_history(DATA)
    assert len(h.losses) == 920 and max(h.losses) > 20 and round(float(h.lrs[-200]), 4) == 0.1182


@pytest.mark.xfail(strict=True, reason="the Autopilot's own ramp reads as a loss spike (ux finding, owners "
                                       "diag/auto)")
def test_a_healthy_autopilot_run_is_not_read_as_a_fault():
    faults = ("loss_spikes", "too_high_diverging", "too_high_oscillating", "uncertain")
    assert _diagnose().verdict not in faults
