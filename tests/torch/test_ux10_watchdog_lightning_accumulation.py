"""``Watchdog.lightning_callback()`` under ``accumulate_grad_batches`` (session-10 new-user probe, ux;
``/work/notes/ux10/REPORT.md``; owner: whoever owns ``torch/_watchdog.py``).

A digits MLP trained by a real Lightning ``Trainer(accumulate_grad_batches=4, max_steps=150)`` with
the callback: the watchdog's history ran to step 599 (one point per micro-batch, numbered past the
Trainer's ``global_step`` by ``max(global_step, last + 1)``), while the validation losses it was fed
sat at ``global_step - 1`` (11, 24, ..., 149): train and validation histories in two units, the
validation points squeezed into the first quarter of the training one. Its advice named "step 4"
where the run's own ``metrics.csv`` (and ``lrkit diagnose`` on it) said step 1, and each loss it held
was the micro-batch loss divided by 4 (Lightning's normalized closure loss). The docs
(docs/watch.md) promise one history per optimizer step, as in ``lrkit.tasks.train`` and the Hugging
Face callback. Expected: one point per optimizer update, at the Trainer's step, holding the loss the
module logged (the mean over the update's micro-batches).

Fixed: the callback holds the micro-batch losses (Lightning's normalization undone) until the Trainer's
step moves, then observes their mean at ``global_step - 1``, the step Lightning logs the update under.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

pl = pytest.importorskip("lightning.pytorch")

from lrkit.torch import Watchdog  # noqa: E402

_ACC, _UPDATES = 2, 8


class _Module(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Linear(4, 1)
        self.logged: list[float] = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = ((self.net(x).squeeze(1) - y) ** 2).mean()
        self.logged.append(float(loss))
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


def _fit() -> tuple[Watchdog, _Module]:
    torch.manual_seed(0)
    x = torch.randn(_ACC * _UPDATES * 8, 4)
    y = x @ torch.tensor([1.0, -1.0, 0.5, 2.0])
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8)
    wd = Watchdog(every=1000, report=None)
    module = _Module()
    trainer = pl.Trainer(max_steps=_UPDATES, accumulate_grad_batches=_ACC, logger=False,
                         enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                         accelerator="cpu", devices=1, callbacks=[wd.lightning_callback()])
    trainer.fit(module, loader)
    return wd, module


def test_the_lightning_watchdog_keeps_one_point_per_optimizer_update():
    wd, module = _fit()
    monitor = wd.state_dict()["monitor"]
    assert monitor["steps"] == list(range(_UPDATES)), monitor["steps"]
    means = torch.tensor(module.logged).reshape(_UPDATES, _ACC).mean(1)
    assert torch.allclose(torch.tensor(monitor["losses"]), means, rtol=1e-5), (monitor["losses"], means)
