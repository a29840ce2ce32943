"""The Lightning Watchdog records the rate each update used, not the next one's.

Lightning steps a ``"step"``-interval scheduler before ``on_train_batch_end`` (and a manual-optimization
module steps its own inside ``training_step``), so the callback, reading group 0's rate there, recorded each
update beside the rate of the update after it: a warmup from 0 recorded the first update at the second's
rate. The Hugging Face callback reads the rate before the scheduler moves it; the Lightning one now reads it
at the first optimizer's ``on_before_optimizer_step``.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.torch import Watchdog  # noqa: E402


class Scheduled(pl.LightningModule):
    def __init__(self, manual: bool) -> None:
        super().__init__()
        self.automatic_optimization = not manual
        self.net = torch.nn.Linear(8, 2)
        self.used: list[float] = []  # the rate each update ran at, read where it runs

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        self.used.append(opt.param_groups[0]["lr"])
        loss = torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1])
        if self.automatic_optimization:
            return loss
        opt.zero_grad()
        self.manual_backward(loss)
        opt.step()
        self.lr_schedulers().step()
        return loss

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.1)
        warmup = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: min(1.0, t / 8))
        return {"optimizer": opt, "lr_scheduler": {"scheduler": warmup, "interval": "step"}}


@pytest.mark.parametrize("manual", [False, True], ids=["automatic", "manual"])
def test_each_point_holds_the_rate_its_update_used(manual):
    torch.manual_seed(0)
    x = torch.randn(128, 8)
    data = torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long())
    wd, module = Watchdog(every=16), Scheduled(manual)
    trainer = pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, accelerator="cpu", callbacks=[wd.lightning_callback()])
    trainer.fit(module, torch.utils.data.DataLoader(data, batch_size=8))
    lrs = wd.monitor.history()["lrs"].tolist()
    assert lrs[:2] == [0.0, 0.0125]  # the warmup's first two rates, as the updates ran
    assert lrs == pytest.approx(module.used) and len(lrs) == 16
