"""Lightning's ``LearningRateMonitor`` logs one rate tag per param group (``lr-AdamW/pg1``,
``lr-AdamW/pg2``). A fine-tune's first group is often a frozen backbone (``lr=0``), so the rate that
trained is a later group's. The CSV reader takes the first group's column that is not 0 throughout; the
TensorBoard reader took the first ``lr-*`` tag, the frozen group's zeros, which ``diagnose`` then set aside
as no rate. Both readers now make one choice (:func:`lrkit.diagnostics._rate_column.first_moving`);
written here with a real ``SummaryWriter``."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit.diagnostics import read_history
from lrkit.diagnostics._rate_column import first_moving

torch = pytest.importorskip("torch")
pytest.importorskip("tensorboard")

_N = 120
_LOSSES = 2.0 / (1.0 + 0.05 * np.arange(_N))
_HEAD = 1e-3 * 0.5 * (1 + np.cos(np.pi * np.arange(_N) / _N))


def _events(path, groups):
    """The scalars a Lightning run with ``LearningRateMonitor("step")`` writes, one tag per group."""
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(path))
    for step, loss in enumerate(_LOSSES):
        for g, rates in enumerate(groups):
            w.add_scalar(f"lr-AdamW/pg{g + 1}", float(rates[step]), step)
        w.add_scalar("train_loss", float(loss), step)
    w.close()
    return path


def test_a_frozen_first_group_tag_is_not_taken_for_the_rate(tmp_path):
    h = read_history(_events(tmp_path, [np.zeros(_N), _HEAD]))
    assert h.lrs is not None, "no rate read"
    np.testing.assert_allclose(h.lrs, _HEAD, rtol=1e-6)


def test_the_first_group_is_read_when_it_moves(tmp_path):
    h = read_history(_events(tmp_path, [_HEAD, 10 * _HEAD]))
    np.testing.assert_allclose(h.lrs, _HEAD, rtol=1e-6)


def test_every_group_frozen_leaves_the_zeros_for_diagnose_to_set_aside(tmp_path):
    h = read_history(_events(tmp_path, [np.zeros(_N), np.zeros(_N)]))
    assert h.lrs is not None and not h.lrs.any()


def test_tensorboard_and_csv_read_the_same_group(tmp_path):
    rows = ["epoch,lr-AdamW/pg1,lr-AdamW/pg2,step,train_loss"]
    for t, (loss, lr) in enumerate(zip(_LOSSES.tolist(), _HEAD.tolist())):
        rows += [f",0.0,{lr!r},{t},", f"0,,,{t},{loss!r}"]
    (tmp_path / "metrics.csv").write_text("\n".join(rows) + "\n")
    from_csv = read_history(tmp_path / "metrics.csv")
    from_tb = read_history(_events(tmp_path / "tb", [np.zeros(_N), _HEAD]))
    np.testing.assert_allclose(from_tb.lrs, from_csv.lrs, rtol=1e-6)


def test_first_moving():
    nan = np.full(3, np.nan)
    assert first_moving([np.zeros(3), nan, np.full(3, 1e-3)]).tolist() == [1e-3] * 3
    assert first_moving([None, np.array([0.0, 2e-3, 1e-3])]).tolist() == [0.0, 2e-3, 1e-3]
    assert first_moving([np.zeros(3), np.zeros(3)]).tolist() == [0.0] * 3  # all frozen: the first
    assert first_moving([nan]) is not None and np.isnan(first_moving([nan])).all()
    assert first_moving([None]) is None
