"""`diagnose` on histories the sixth new-user probe wrote with real training code (session 10, ux;
`/work/notes/ux10/REPORT.md`). Each test is a strict xfail until its defect is fixed; owner diag.

* ``data/ux10_autopilot_script_cooldown.csv`` is ``lrkit train --script mytask.py:build --autopilot
  --steps 400 --history run.csv`` (a digits MLP, SGD momentum 0.9; the script is in the test below): the
  Autopilot ramps for 86 updates, holds 0.047 and cools down over its last 63 updates to 0.00038 (1/125
  of the peak; its own ``schedule``: ``constant(...) >> one_minus_sqrt(...)``). ``lrkit diagnose`` reads
  it as ``plateau`` with "the rate is not decayed" and advises "Decay: ... Cut the rate by 10x now (or
  anneal it to zero ...)": what the run did. ``rate_decayed`` compares the mean rate over the last 30%
  with half the peak, and a cool-down over the last 20% (the Autopilot's, ``wsd``'s) keeps that mean at
  0.56 of the peak.
* A Hugging Face ``Trainer`` run at ``learning_rate=3.0`` (plain SGD, digits MLP) died in its first 16
  updates; logged with ``logging_steps=10`` (a common setting), its history is flat at chance level
  (ln 10 = 2.30) from the first log on: total progress 0.5 standard errors. The "nothing moved" test
  needs the end at or above the first reading (``end_z >= 0``), and this one ended 0.03 s.e. below it,
  so the run reads "moved too little or too slowly, which often means a rate too low" and the only side
  run proposed is 3x higher. Logged every step, the same run reads "nothing moved: run at 10x and at
  1/10" (right: 1/10 trains).
* The TensorBoard tags of PyTorch's own example (``torch.utils.tensorboard`` docs:
  ``writer.add_scalar('Loss/train', ...)``, ``writer.add_scalar('Loss/test', ...)``) give the training
  loss but no validation loss: ``loss/test`` is not among ``VAL_NAMES``, so the guard never sees it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import lrkit
from lrkit.diagnostics import read_history

DATA = Path(__file__).parent / "data" / "ux10_autopilot_script_cooldown.csv"

# HF Trainer, digits MLP, optim="sgd", learning_rate=3.0, logging_steps=10, 300 updates: the logged losses.
_HF_DEAD_LOGGED_EVERY_10 = [
    2.3312, 2.442, 2.2531, 2.3396, 2.3266, 2.3977, 2.3287, 2.3235, 2.335, 2.2678, 2.3277, 2.328, 2.3325,
    2.3393, 2.3373, 2.3297, 2.3224, 2.327, 2.3342, 2.3306, 2.3223, 2.331, 2.329, 2.3246, 2.3328, 2.3275,
    2.3372, 2.3318, 2.331, 2.3166]


def test_the_recorded_autopilot_history_cools_down_to_a_hundredth_of_its_peak():
    h = read_history(DATA)
    assert len(h.losses) == 400 and h.lrs[-1] < h.lrs[200] / 100


def test_a_run_that_cooled_down_to_near_zero_is_not_told_to_decay():
    h = read_history(DATA)
    d = lrkit.diagnose(h.losses, lrs=h.lrs, steps=h.steps, val_losses=h.val_losses, val_steps=h.val_steps)
    details = " ".join(e.detail for e in d.evidence)
    assert "the rate is not decayed" not in details, details
    assert not d.recommendation.startswith("Decay"), d.recommendation


def test_a_flat_history_of_a_dead_run_is_read_as_nothing_moved():
    losses = np.array(_HF_DEAD_LOGGED_EVERY_10)
    d = lrkit.diagnose(losses, lrs=np.full(len(losses), 3.0), steps=np.arange(10, 310, 10))
    assert d.statistics["total_progress_z"] < 1.0  # nothing measurable moved
    assert "1/10" in d.recommendation, d.recommendation  # the side run below the rate too


def test_pytorch_tutorial_tags_give_the_validation_loss(tmp_path):
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(tmp_path))
    for step in range(60):
        w.add_scalar("Loss/train", 2.0 * np.exp(-step / 20) + 0.1, step)
        if step % 10 == 0:
            w.add_scalar("Loss/test", 2.0 * np.exp(-step / 25) + 0.2, step)
    w.close()
    h = read_history(tmp_path)
    assert len(h.losses) == 60
    assert h.val_losses is not None and len(h.val_losses) == 6
