"""A rate column that is 0 at every step while the loss falls: the logged rate is not the one that trained.
The common cause is a fine-tune whose first param group is a frozen backbone (``lr=0``): the docs' Watchdog
loop logs ``optimizer.param_groups[0]["lr"]``, the Hugging Face Trainer logs group 0's rate. ``diagnose``
reads the column as the rate and advises "Multiply the rate by about 10 ...; current rate 0" (session-9
new-user probe): ten times zero. Either refuse the column (one ``LRKitError`` naming ``lrs``) or say the
rate column cannot be the training rate; never quote 0 as the rate to multiply.

The same from a file: Lightning's ``LearningRateMonitor`` logs one column per group (``lr-AdamW/pg1``,
``lr-AdamW/pg2``); the CSV reader takes the first, the frozen backbone's zeros, though the head's column
holds the rate that trained (a real ``Trainer`` + ``CSVLogger`` run, written here in the same layout:
``/work/notes/ux9/p7_lightning_groups_csv.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit import LRKitError, diagnose
from lrkit.diagnostics import read_history

_N = 300
_SLOW = 2.0 - 0.001 * np.arange(_N) + 0.02 * np.random.default_rng(0).standard_normal(_N)


def test_the_same_history_with_its_real_rate_reads_too_slow():
    d = diagnose(_SLOW, lrs=np.full(_N, 1e-4))
    assert d.verdict == "too_low_slow" and "Multiply the rate" in d.recommendation


def test_a_warmup_from_zero_is_a_rate_column_like_any_other():
    lrs = np.minimum(np.arange(_N) / 50, 1.0) * 1e-4
    assert diagnose(_SLOW, lrs=lrs).verdict == "too_low_slow"


def test_a_zero_rate_column_under_a_falling_loss_is_not_multiplied():
    try:
        d = diagnose(_SLOW, lrs=np.zeros(_N))
    except LRKitError as e:
        assert "`lrs`" in str(e)
        return
    assert "current rate 0." not in d.recommendation and "current rate 0 " not in d.recommendation
    assert "rate" in d.recommendation and ("0" in d.recommendation or "zero" in d.recommendation)


def _lightning_csv(path, rates):
    """metrics.csv as Lightning's CSVLogger writes it: a rate row, then a loss row, per step."""
    head = ",".join(f"lr-AdamW/pg{g + 1}" for g in range(len(rates)))
    rows = [f"epoch,{head},step,train_loss"]
    for t, loss in enumerate(_SLOW.tolist()):
        rows.append("," + ",".join(repr(r) for r in rates) + f",{t},")
        rows.append("0" + "," * len(rates) + f",{t},{loss!r}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_one_rate_column_per_group_is_read(tmp_path):
    h = read_history(_lightning_csv(tmp_path / "m.csv", [1e-4, 1e-3]))
    assert h.lrs is not None and h.lrs[0] == 1e-4


def test_a_frozen_first_group_column_is_not_taken_for_the_rate(tmp_path):
    path = _lightning_csv(tmp_path / "metrics.csv", [0.0, 1e-3])
    try:
        h = read_history(path)
    except LRKitError as e:
        assert "pg1" in str(e) or "lr-AdamW" in str(e)
        return
    assert h.lrs is None or float(h.lrs.max()) > 0
