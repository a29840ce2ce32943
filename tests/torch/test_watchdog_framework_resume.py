"""A Watchdog fed by a framework callback resumes with the run: Lightning saves and restores its history
with the checkpoint (``Trainer.fit(ckpt_path=...)``), so the diagnosis after a resume reads the whole
run, as ``Watchdog.state_dict`` promises for a plain loop.

Regression (ux8 probe, `/work/notes/ux8/p3_lightning.py`): the Lightning callback had no
``state_dict``, so a resumed run's Watchdog started empty: 32 of 64 steps, read ``uncertain`` where
the uninterrupted run read ``healthy``.
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch")

from lrkit.torch import Watchdog  # noqa: E402


class _Net(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.layer = torch.nn.Linear(2, 1)

    def training_step(self, batch, batch_idx):
        return (self.layer(batch[0]) - batch[0].sum(1, keepdim=True)).pow(2).mean()

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", (self.layer(batch[0]) - batch[0].sum(1, keepdim=True)).pow(2).mean())

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.02)


def _fit(root, wd: Watchdog, ckpt=None) -> None:
    torch.manual_seed(0)
    data = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.randn(80, 2, generator=torch.Generator().manual_seed(1))),
        batch_size=4)
    saver = pl.callbacks.ModelCheckpoint(dirpath=root, save_top_k=-1, every_n_epochs=1)
    trainer = pl.Trainer(max_epochs=3, callbacks=[wd.lightning_callback(), saver], logger=False,
                         enable_progress_bar=False, enable_model_summary=False, accelerator="cpu")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="lightning")
        warnings.filterwarnings("ignore", message=".*does not have many workers.*")
        trainer.fit(_Net(), data, data, ckpt_path=ckpt)


def test_a_lightning_resume_restores_the_watchdogs_history(tmp_path):
    full = Watchdog(every=10)
    _fit(tmp_path / "ck", full)
    resumed = Watchdog(every=10)
    _fit(tmp_path / "ck2", resumed, ckpt=tmp_path / "ck" / "epoch=0-step=20.ckpt")
    h_full, h_resumed = full.monitor.history(), resumed.monitor.history()
    assert len(h_full["losses"]) == 60
    assert h_resumed["steps"].tolist() == h_full["steps"].tolist()
    assert h_resumed["losses"].tolist() == h_full["losses"].tolist()
    assert h_resumed["val_steps"].tolist() == h_full["val_steps"].tolist() == [19, 39, 59]
    assert resumed.diagnosis.to_dict() == full.diagnosis.to_dict()
