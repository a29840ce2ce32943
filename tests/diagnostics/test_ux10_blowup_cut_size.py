"""An early blow-up that never came back is told to divide the rate by 3 (session-10 new-user probe, ux;
``/work/notes/ux10/REPORT.md``; owner diag, ``diagnostics/_advice.py`` ``_blowup``).

``data/ux10_hf_sgd_lr1e12.csv`` is the log of a Hugging Face ``Trainer`` run (digits MLP, ``optim="sgd"``,
``learning_rate=1e12``, ``logging_steps=1``, 100 updates; the ``step``, ``loss``, ``learning_rate`` and
``grad_norm`` of ``trainer_state.json``): the loss goes from 2.31 to 1e22 at update 2 and ends near 5e11,
eleven decades above its start. ``lrkit diagnose`` (and the live ``Watchdog.hf_callback()``) says "Divide
the rate by about 3 and add 100 warmup steps: the loss blew up at step 3 (the rate there was 1e+12)". The
docs' table (docs/watch.md) says "divide the rate by about 3 (10 if it ended above its start)", and the
rise path (``_diverging``) does use ``big_cut`` when the run ended worse than its start; the early
blow-up path (``_blowup``) always uses ``cut``. Expected: at least the big cut ("by about 10") for a
blow-up after which the loss ended above its start.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import lrkit
from lrkit.diagnostics import read_history

DATA = Path(__file__).parent / "data" / "ux10_hf_sgd_lr1e12.csv"


def test_the_recorded_run_ended_far_above_its_start():
    h = read_history(DATA)
    assert len(h.losses) == 100 and h.losses[0] < 3 and min(h.losses[-10:]) > 1e9


def test_a_blow_up_that_never_came_back_gets_the_big_cut():
    h = read_history(DATA)
    d = lrkit.diagnose(h.losses, lrs=h.lrs, steps=h.steps, grad_norms=h.grad_norms)
    assert d.verdict == "too_high_diverging" and d.statistics["ended_above_start"] == 1.0
    assert "by about 10" in d.recommendation, d.recommendation


def test_a_blow_up_the_run_came_back_from_keeps_the_cut_of_3():
    # The same first updates, then a recovery below the start: the rate was near the edge, the small cut
    # (quoted as a hypothesis: a blow-up the run recovered from is uncertain, test_recovered_blowup.py).
    h = read_history(DATA)
    y = np.concatenate([h.losses[:5], np.geomspace(2.0, 0.3, h.losses.size - 5)])
    d = lrkit.diagnose(y, lrs=h.lrs, steps=h.steps)
    assert d.statistics["ended_above_start"] == 0.0
    assert d.runner_up == "too_high_diverging" and "blew up" in d.recommendation, d.recommendation
    assert "by about 3" in d.recommendation, d.recommendation
