"""`diagnose` on the history of a healthy Autopilot run (ux finding, session 6).

`data/autopilot_digits_mlp_s0.csv` is `lrkit.tasks.train_autopilot("digits-mlp", seed=0)`'s
history (`write_history`; `lrkit train --autopilot --history run.csv` writes the same): the ramp
climbs to 2.15 at update 88, the loss there reaches 21.7, and the Autopilot rolls back to its peak,
0.118, and trains to the end (val_acc 0.97). Read as training, that probe was a fault: `loss_spikes`,
"clip gradients and add warmup" (7 of 10 built-in Autopilot runs, seeds 0-1, read `loss_spikes` or
`uncertain`; `/work/notes/ux6/`). `diagnose` now recognises a rate range test at the head of a
history from the rate column (`lrkit.diagnostics._probe`: a geometric ramp over decades, then a drop)
and reads the run from after it. (A "1000 warmup steps" on a 920-step run is fixed too; its
regression test is `test_warmup_rounding.py`.)
"""

from __future__ import annotations

from pathlib import Path

import lrkit
from lrkit.diagnostics import read_history

DATA = Path(__file__).parent / "data" / "autopilot_digits_mlp_s0.csv"


def _diagnose():
    h = read_history(DATA)
    return lrkit.diagnose(h.losses, lrs=h.lrs)


def test_the_recorded_history_is_what_the_docstring_says():
    h = read_history(DATA)
    assert len(h.losses) == 920 and max(h.losses) > 20 and round(float(h.lrs[-200]), 4) == 0.1182


def test_a_healthy_autopilot_run_is_not_read_as_a_fault():
    faults = ("loss_spikes", "too_high_diverging", "too_high_oscillating", "uncertain")
    d = _diagnose()
    assert d.verdict not in faults
    assert d.statistics["probe_rows"] == 89 and "rate range test" in d.recommendation
