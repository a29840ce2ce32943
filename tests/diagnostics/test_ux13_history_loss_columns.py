"""ux13 L9: a Lightning CSVLogger file of a GAN (``g_loss``, ``d_loss``, no ``loss``): ``lrkit diagnose``
said "needs a `loss` column; its header is '...'" without saying why ``g_loss`` was not read; now it names
the loss-like columns and the way out (rename the one to diagnose)."""

from __future__ import annotations

import pytest

from lrkit import LRKitError
from lrkit.diagnostics import read_history


def test_loss_like_columns_are_named_with_the_way_out(tmp_path):
    f = tmp_path / "metrics.csv"
    rows = "".join(f"0,{i},1.0,0.7,0.001\n" for i in range(20))
    f.write_text("epoch,step,g_loss,d_loss,lr-Adam\n" + rows)
    with pytest.raises(LRKitError, match=r"needs a `loss` column; its header is '.*' \(g_loss, d_loss are "
                                         r"not read as the training loss: rename the one to diagnose "
                                         r"`loss`\)\.$"):
        read_history(f)


def test_a_header_with_no_loss_like_column_keeps_the_short_message(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("step,lr\n0,0.1\n")
    with pytest.raises(LRKitError, match=r"needs a `loss` column; its header is 'step,lr'\.$"):
        read_history(f)
