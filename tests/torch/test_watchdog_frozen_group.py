"""``Watchdog.lightning_callback`` records the rate of the group that trains. A fine-tune lists its frozen
backbone first (``lr=0``); the callback read ``param_groups[0]``, so the whole history's rate column was 0,
and the diagnosis set it aside, telling the user to "log the rate of a group that trains": the rate
lrkit itself chose to log. It now records the rate of the group ``find_lr`` and the Autopilot drive (the
group above 0 holding the most parameters)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch")

from lrkit.torch import Watchdog  # noqa: E402

pytestmark = pytest.mark.usefixtures("quiet_lightning")


class FineTune(pl.LightningModule):
    """A frozen first layer listed first at ``lr=0``, a head training at 0.05."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.backbone, self.head = torch.nn.Linear(2, 8), torch.nn.Linear(8, 1)

    def training_step(self, batch, batch_idx):
        (x,) = batch
        return (self.head(torch.tanh(self.backbone(x))) - x.sum(1, keepdim=True)).pow(2).mean()

    def configure_optimizers(self):
        return torch.optim.SGD([{"params": self.backbone.parameters(), "lr": 0.0},
                                {"params": self.head.parameters()}], lr=0.05)


def test_the_lightning_callback_records_the_rate_of_the_group_that_trains(quiet_trainer):
    data = torch.utils.data.TensorDataset(torch.randn(160, 2, generator=torch.Generator().manual_seed(0)))
    wd = Watchdog(every=10)
    trainer = quiet_trainer(max_epochs=2, callbacks=[wd.lightning_callback()])
    trainer.fit(FineTune(), torch.utils.data.DataLoader(data, batch_size=4))
    lrs = wd.monitor.history()["lrs"]
    assert len(lrs) == 80 and np.all(lrs == 0.05)
    assert "zero_lrs" not in wd.diagnosis.statistics


def test_one_callback_fitted_on_two_modules_reads_each_ones_group(quiet_trainer):
    class Plain(FineTune):
        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.02)

    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(40, 2)), batch_size=4)
    wd = Watchdog(every=10)
    callback = wd.lightning_callback()
    quiet_trainer(max_epochs=1, callbacks=[callback]).fit(FineTune(), data)  # the head: group 1
    quiet_trainer(max_epochs=2, callbacks=[callback]).fit(Plain(), data)  # one group
    assert wd.monitor.history()["lrs"].tolist() == [0.05] * 10 + [0.02] * 10
