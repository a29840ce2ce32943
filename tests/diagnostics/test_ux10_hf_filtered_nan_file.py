"""A Hugging Face run that broke reads as "raise the rate" from its ``trainer_state.json`` (session-10
new-user probe, ux; ``/work/notes/ux10/REPORT.md``; owner diag, ``diagnostics/_history_json.py``).

``data/ux10_hf_nan_filtered_trainer_state.json`` is a real ``Trainer`` run (digits MLP, ``optim="sgd"``,
``learning_rate=0.1``, ``logging_steps=1``, one training sample with a NaN pixel): at step 44 the batch
holding it makes the loss NaN. With the Trainer's default ``logging_nan_inf_filter=True`` the log of that
step holds ``"loss": 0.0`` and ``"grad_norm": NaN``. The live ``Watchdog.hf_callback()`` reads the
non-finite ``grad_norm`` as a NaN loss (docs/watch.md) and says "Training broke at step 44". ``lrkit
diagnose trainer_state.json`` on the same run reads the 0.0 as a loss (the best of the run) and says
``too_low_slow``, "Multiply the rate by about 10". The file and the callback should read a log the same
way: a non-finite ``grad_norm`` beside a filtered loss is a NaN loss (not under ``fp16``, where the state's
``TrainingArguments`` are not in the file, but an fp16 skip logs the real, finite loss, not 0.0).
Expected: the ``nan`` verdict at step 44.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

import pytest

import lrkit
from lrkit.diagnostics import read_history
from lrkit.diagnostics._history_json import unfilter

DATA = Path(__file__).parent / "data" / "ux10_hf_nan_filtered_trainer_state.json"


def test_the_recorded_log_holds_the_filtered_step():
    # The file as the Trainer wrote it (the reader's NaN is pinned below).
    last = [e for e in json.loads(DATA.read_text())["log_history"] if "loss" in e][-1]
    assert last["step"] == 44 and last["loss"] == 0.0 and not math.isfinite(last["grad_norm"])


def test_the_reader_puts_the_filtered_nan_back_and_keeps_the_rest():
    h = read_history(DATA)
    assert h.steps[-1] == 44 and math.isnan(h.losses[-1]) and not math.isfinite(h.grad_norms[-1])
    assert np.all(np.isfinite(h.losses[:-1]))


def test_unfilter_needs_both_a_zero_loss_and_a_non_finite_norm():
    # An fp16 overflow (non-finite norm, real loss) and a zero loss with a finite or missing norm stay.
    losses, bad = np.array([2.3, 0.0, 0.0, 1.7]), np.array([False, True, False, True])
    assert [math.isnan(v) for v in unfilter(losses, bad)] == [False, True, False, False]


def test_a_filtered_nan_step_in_trainer_state_reads_as_nan():
    h = read_history(DATA)
    d = lrkit.diagnose(h.losses, lrs=h.lrs, steps=h.steps, val_losses=h.val_losses, val_steps=h.val_steps)
    assert d.verdict == "nan", (d.verdict, d.recommendation)
    assert "step 44" in d.recommendation, d.recommendation


def test_the_same_run_in_tensorboard_reads_as_nan_too(tmp_path):
    # The Trainer's TensorBoardCallback logs the same numbers as train/loss, train/grad_norm (report_to=
    # "tensorboard"); the folder and the file must read one log the same way.
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    logs = [e for e in json.loads(DATA.read_text())["log_history"] if "loss" in e]
    with SummaryWriter(str(tmp_path)) as w:
        for e in logs:
            for tag in ("loss", "grad_norm", "learning_rate"):
                w.add_scalar(f"train/{tag}", e[tag], e["step"])
    h = read_history(tmp_path)
    assert h.steps[-1] == 44 and math.isnan(h.losses[-1]) and np.all(np.isfinite(h.losses[:-1]))
    d = lrkit.diagnose(h.losses, lrs=h.lrs, steps=h.steps, grad_norms=h.grad_norms)
    assert d.verdict == "nan" and "step 44" in d.recommendation, d.recommendation
