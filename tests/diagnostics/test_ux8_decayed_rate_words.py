"""A too-low run under a decaying schedule is told which rate to raise: the peak, not the decayed end
(ux8 probe).

The history is real (`data/digits_mlp_cosine_lr5e-4.csv`): `lrkit train --task digits-mlp --schedule
"cosine(lr=0.0005, steps=920)" --history run.csv` (SGD momentum 0.9; the finder suggests 0.053 on
this task, so a peak of 5e-4 is about a hundred times too low). `diagnose` reads `too_low_slow`, the
right direction, and says "Multiply the rate by about 10 ...; current rate 1.46e-09": the rate of the
cosine's last update, which the schedule was built to reach. The knob a scheduled run has is its peak
(5e-4): the same run, diagnosed live by `Watchdog.hf_callback()` on a Trainer with
`warmup_cosine`, said "current rate 2.46e-05" of a 4.8e-3 peak (`/work/notes/ux8/p2_hf.py`). The
advice knows the rate decayed (`rate_decayed`, used by the healthy and plateau advice); the too-slow
advice did not use it. Owner: diag (`diagnostics/_advice.py` `_too_slow`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import lrkit
from lrkit.diagnostics import Monitor, read_history

DATA = Path(__file__).parent / "data" / "digits_mlp_cosine_lr5e-4.csv"


def test_the_recorded_history_is_a_cosine_from_5e_4():
    h = read_history(DATA)
    assert len(h.losses) == 920 and h.lrs[0] == 5e-4 and h.lrs[-1] < 1e-8


def test_too_low_advice_on_a_decayed_schedule_names_the_peak_rate():
    h = read_history(DATA)
    d = lrkit.diagnose(h.losses, lrs=h.lrs, val_losses=h.val_losses, val_steps=h.val_steps)
    assert d.direction == "raise"  # the right way (it is, today)
    assert "1.46e-09" not in d.recommendation, d.recommendation
    assert "0.0005" in d.recommendation or "5e-04" in d.recommendation, d.recommendation


def test_the_live_monitor_names_the_peak_rate_too():
    # The Watchdog (and its HF / Lightning callbacks) diagnose through a Monitor fed step by step.
    h = read_history(DATA)
    mon = Monitor(every=50)
    for step, (loss, lr) in enumerate(zip(h.losses, h.lrs)):
        mon.observe(step, loss, lr)
    d = mon.diagnosis
    assert d is not None and d.direction == "raise", d
    assert "peak rate was 0.0005" in d.recommendation and "current rate" not in d.recommendation, d


def test_an_undecayed_too_low_run_still_quotes_its_current_rate():
    h = read_history(DATA)
    flat = np.full(len(h.losses), 5e-4)  # the same curve, read as a constant rate: nothing decayed
    d = lrkit.diagnose(h.losses, lrs=flat)
    assert d.verdict == "too_low_slow", d
    assert "current rate 0.0005" in d.recommendation and "peak" not in d.recommendation, d.recommendation
