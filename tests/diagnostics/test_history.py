"""Reading CSV histories (and TensorBoard event files where tensorboard is installed)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.diagnostics import read_history


def _write(tmp_path, text, name="h.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_reads_step_loss_lr_sorted_by_step(tmp_path):
    h = read_history(_write(tmp_path, "step,loss,lr\n2,0.5,0.1\n0,1.0,0.1\n1,0.7,0.1\n"))
    assert h.steps.tolist() == [0, 1, 2]
    assert h.losses.tolist() == [1.0, 0.7, 0.5]
    assert h.lrs.tolist() == [0.1, 0.1, 0.1]


def test_extra_columns_blank_lines_and_train_loss_header(tmp_path):
    text = "epoch,step,train_loss,val_acc\n\n0,0,2.0,0.1\n\n0,1,1.5,\n1,2,1.2,0.5\n\n"
    h = read_history(_write(tmp_path, text))
    assert h.steps.tolist() == [0, 1, 2] and h.losses.tolist() == [2.0, 1.5, 1.2] and h.lrs is None


def test_missing_or_partial_lr_column_gives_no_rates(tmp_path):
    assert read_history(_write(tmp_path, "step,loss\n0,1\n1,0.5\n")).lrs is None
    assert read_history(_write(tmp_path, "step,loss,lr\n0,1,0.1\n1,0.5,\n")).lrs is None


def test_no_step_column_numbers_rows(tmp_path):
    h = read_history(_write(tmp_path, "loss\n3\n2\n1\n"))
    assert h.steps.tolist() == [0, 1, 2]


def test_nan_and_inf_losses_are_kept(tmp_path):
    h = read_history(_write(tmp_path, "step,loss\n0,1.0\n1,nan\n2,inf\n"))
    assert np.isnan(h.losses[1]) and np.isinf(h.losses[2])


@pytest.mark.parametrize(
    "text, match",
    [
        ("", "empty"),
        ("step,lr\n0,0.1\n", "needs a `loss` column"),
        ("step,loss\n", "no rows"),
        ("step,loss\n0,abc\n", r"`loss` in .* line 2 must be a number; got 'abc'"),
        ("step,loss\n0,\n", "line 2 is missing"),
        ("step,loss\n0,1\n0,2\n", "step 0 appears twice"),
        ("step,loss\n0.5,1\n", "must hold integers"),
    ],
)
def test_bad_files_raise_one_clear_error(tmp_path, text, match):
    with pytest.raises(LRKitError, match=match):
        read_history(_write(tmp_path, text))


def test_missing_file(tmp_path):
    with pytest.raises(LRKitError, match="cannot read the history file"):
        read_history(tmp_path / "nope.csv")


def test_tensorboard_events(tmp_path):
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(tmp_path))
    for t in range(20):
        w.add_scalar("train/loss", 1.0 / (1 + t), t)
        w.add_scalar("train/lr", 0.1, t)
    w.close()
    h = read_history(tmp_path)
    assert h.steps.tolist() == list(range(20))
    np.testing.assert_allclose(h.losses, 1.0 / (1 + np.arange(20)), rtol=1e-6)
    np.testing.assert_allclose(h.lrs, 0.1, rtol=1e-6)


def test_tensorboard_without_the_package_is_a_clear_error(tmp_path, monkeypatch):
    # Whether or not tensorboard is installed: a None entry in sys.modules makes its import fail.
    for name in ("tensorboard", "tensorboard.backend", "tensorboard.backend.event_processing",
                 "tensorboard.backend.event_processing.event_accumulator"):
        monkeypatch.setitem(sys.modules, name, None)
    (tmp_path / "events.out.tfevents.1").write_bytes(b"")
    with pytest.raises(LRKitError, match="needs the `tensorboard` package"):
        read_history(tmp_path / "events.out.tfevents.1")


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_and_tab_separated_histories_are_read(tmp_path, sep):
    # A spreadsheet export in many locales (';') or a TSV: the header holds a loss column, so the file
    # is read rather than refused with "needs a `loss` column" while showing that very column.
    text = sep.join(["step", "loss", "lr"]) + "\n" + "\n".join(
        sep.join([str(i), str(1.0 / (i + 1)), "0.1"]) for i in range(4)) + "\n"
    h = read_history(_write(tmp_path, text, name="h.tsv" if sep == "\t" else "h.csv"))
    assert h.steps.tolist() == [0, 1, 2, 3]
    assert h.losses.tolist() == [1.0, 0.5, 1.0 / 3, 0.25]
    assert h.lrs.tolist() == [0.1] * 4


def test_a_comma_in_the_header_keeps_commas_as_the_separator(tmp_path):
    # A comma header decides, whatever else the cells hold: a ';' inside a note column stays text.
    h = read_history(_write(tmp_path, "step,loss,note\n0,1.0,a;b\n1,0.5,c\td\n"))
    assert h.losses.tolist() == [1.0, 0.5]
