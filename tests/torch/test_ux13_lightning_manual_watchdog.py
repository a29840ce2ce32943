"""ux13 D6: ``Watchdog.lightning_callback()`` on a module with manual optimization watches nothing, silently.

Under manual optimization ``training_step`` usually returns nothing (Lightning's docs' GAN example): the
callback reads the loss from ``on_train_batch_end``'s outputs only, so a 64-batch fit records no point and
ends with ``wd.diagnosis is None`` and no word (the HF callback warns when a run ends with too few logged
losses, naming ``logging_steps``). Expected: the run is watched (e.g. from the loss the module logs), or
one warning at the end naming ``training_step``'s return value.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.torch import Watchdog  # noqa: E402


class Manual(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.net = torch.nn.Linear(8, 2)

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        loss = torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1])
        self.log("train_loss", loss)
        opt.zero_grad()
        self.manual_backward(loss)
        opt.step()  # returns nothing, as Lightning's manual-optimization examples do

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


@pytest.mark.xfail(strict=True, reason="ux13 D6: manual optimization: the Watchdog sees nothing, silently")
def test_a_manual_optimization_run_is_watched_or_told_why_not():
    torch.manual_seed(0)
    x = torch.randn(512, 8)
    data = torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long())
    loader = torch.utils.data.DataLoader(data, batch_size=8)
    wd = Watchdog(every=16)
    trainer = pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, accelerator="cpu", callbacks=[wd.lightning_callback()])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.fit(Manual(), loader)
    warned = any("training_step" in str(w.message) for w in caught)
    assert wd.diagnosis is not None or warned
