"""A rate or loss named with spaces and capitals ("Learning Rate", "Train Loss") is read like its
underscored name (ux8: a plain ``SummaryWriter`` tag ``Learning Rate`` gave ``lrkit diagnose`` no rate
column, so a run that decays to zero was told "decay it"). The CSV and TensorBoard readers share one
rule for a column's name: trimmed, lower-cased, spaces as underscores.
"""

from __future__ import annotations

import numpy as np
import pytest

from lrkit.diagnostics import VAL_NAMES, column_key, read_history

LRS = 1e-3 * 0.5 * (1 + np.cos(np.pi * np.arange(60) / 60))
LOSSES = 2.0 / (1.0 + 0.05 * np.arange(60))


def test_column_key_trims_lowers_and_underscores():
    assert column_key("  Learning Rate ") == "learning_rate" and column_key("Train/Loss") == "train/loss"


def test_a_csv_with_spaced_names_gives_its_rates(tmp_path):
    f = tmp_path / "run.csv"
    rows = "".join(f"{i},{float(loss)!r},{float(lr)!r}\n" for i, (loss, lr) in enumerate(zip(LOSSES, LRS)))
    f.write_text("Step,Train Loss,Learning Rate\n" + rows)
    h = read_history(f)
    np.testing.assert_allclose(h.losses, LOSSES)
    np.testing.assert_allclose(h.lrs, LRS)


def test_a_tensorboard_tag_with_spaces_gives_its_rates(tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(tmp_path))
    for step, (loss, lr) in enumerate(zip(LOSSES, LRS)):
        w.add_scalar("Learning Rate", float(lr), step)
        w.add_scalar("Train Loss", float(loss), step)
    w.close()
    h = read_history(tmp_path)
    np.testing.assert_allclose(h.lrs, LRS, rtol=1e-6)


def test_every_validation_name_is_already_in_the_form_the_readers_match():
    # The readers (and the Watchdog's Lightning callback) compare column_key(name) with VAL_NAMES, so
    # a name listed in another spelling could never match.
    assert VAL_NAMES and all(column_key(name) == name for name in VAL_NAMES)
