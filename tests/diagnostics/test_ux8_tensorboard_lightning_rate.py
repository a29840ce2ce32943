"""The rate Lightning's ``LearningRateMonitor`` logs is read from TensorBoard events as it is from CSV
(ux8 probe).

Lightning's ``LearningRateMonitor`` names its scalar ``lr-<Optimizer>`` (``lr-SGD``, ``lr-AdamW/pg1``),
under a ``CSVLogger`` and a ``TensorBoardLogger`` alike. The CSV reader takes that prefix
(``_LR_PREFIXES``); the TensorBoard reader did not, so the same run read from its event files had no
rates: a real `Trainer(logger=TensorBoardLogger(...), callbacks=[LearningRateMonitor("step")])` with a
CosineAnnealingLR (tags `lr-SGD`, `train_loss`, `epoch`) gave `lrkit diagnose` no rate column, and the
advice "Keep the rate: the loss falls steadily; decay it towards the end of the budget" for a run that
decays to zero (`/work/notes/ux8/p8_tb.py`). Owner: diag (``diagnostics/_history_tensorboard.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

from lrkit.diagnostics import read_history

torch = pytest.importorskip("torch")
pytest.importorskip("tensorboard")


def test_lightning_learning_rate_monitor_tag_is_read_from_tensorboard_events(tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    lrs = 1e-3 * 0.5 * (1 + np.cos(np.pi * np.arange(120) / 120))
    losses = 2.0 / (1.0 + 0.05 * np.arange(120))
    w = SummaryWriter(str(tmp_path))
    for step, (loss, lr) in enumerate(zip(losses, lrs)):  # the tags a Lightning run writes
        w.add_scalar("lr-SGD", float(lr), step)
        w.add_scalar("train_loss", float(loss), step)
        w.add_scalar("epoch", float(step // 40), step)
    w.close()
    h = read_history(tmp_path)
    assert len(h.losses) == 120
    assert h.lrs is not None, "no rate read from the lr-SGD tag"
    np.testing.assert_allclose(h.lrs, lrs, rtol=1e-6)
