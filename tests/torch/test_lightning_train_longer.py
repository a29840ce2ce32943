"""``lrkit.lightning.configure_optimizers`` on a resume, in a real Lightning ``Trainer``.

A resume of the same length continues the checkpoint bit for bit; a resume with more epochs follows the
spec bound to the new length at the rate the checkpoint's optimizer ran at (torch's schedulers keep it in
their ``base_lrs``), whatever the module's ``lr`` says now (ux13 D4: ``test_ux13_lightning_train_longer.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.lightning import configure_optimizers  # noqa: E402

SPEC = "warmup_cosine(lr=lr, warmup=0.1*total, steps=total)"


class Net(pl.LightningModule):
    def __init__(self, lr: float) -> None:
        super().__init__()
        self.lr = lr
        self.net = torch.nn.Linear(8, 2)
        self.rates: list[float] = []

    def training_step(self, batch, batch_idx):
        self.rates.append(self.trainer.optimizers[0].param_groups[0]["lr"])
        return torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1])

    def configure_optimizers(self):
        return configure_optimizers(self, torch.optim.SGD(self.parameters(), lr=self.lr), SPEC)


def _fit(root: Path, max_epochs: int, lr: float = 0.1, ckpt_path: str | None = None) -> Net:
    x = torch.randn(256, 8, generator=torch.Generator().manual_seed(0))
    data = torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long())
    loader = torch.utils.data.DataLoader(data, batch_size=32)  # 8 updates an epoch
    torch.manual_seed(0)
    module = Net(lr)
    every = pl.callbacks.ModelCheckpoint(dirpath=str(root), save_top_k=-1, every_n_epochs=1)
    trainer = pl.Trainer(max_epochs=max_epochs, logger=False, enable_progress_bar=False, callbacks=[every],
                         enable_model_summary=False, accelerator="cpu")
    trainer.fit(module, loader, ckpt_path=ckpt_path)
    return module


def test_a_resume_of_the_same_length_continues_the_checkpoint_bit_for_bit(tmp_path):
    whole = _fit(tmp_path / "whole", 3)
    _fit(tmp_path / "cut", 3)
    resumed = _fit(tmp_path / "cut", 3, ckpt_path=str(tmp_path / "cut" / "epoch=0-step=8.ckpt"))
    assert resumed.rates == whole.rates[8:]


def test_train_longer_runs_the_new_length_at_the_checkpoints_rate(tmp_path):
    _fit(tmp_path / "short", 2)
    resumed = _fit(tmp_path / "short", 4, lr=0.05, ckpt_path=str(tmp_path / "short" / "epoch=1-step=16.ckpt"))
    whole = _fit(tmp_path / "whole", 4)
    assert resumed.rates == pytest.approx(whole.rates[16:], rel=1e-12)
    assert resumed.rates[0] > 0.05  # 0.058: the cosine from 0.1 half way (from the module's 0.05: 0.029)


def test_the_scheduler_still_pickles_and_its_copy_follows_the_run_length(tmp_path):
    import pickle

    trainer = pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, accelerator="cpu")
    x = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))
    data = torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long())
    trainer.fit(Net(0.1), torch.utils.data.DataLoader(data, batch_size=16))
    copy = pickle.loads(pickle.dumps(trainer.lr_scheduler_configs[0].scheduler))
    short = {**copy.state_dict(), "schedule": {"name": "cosine", "lr": 0.1, "steps": 2, "min_lr": 0.0}}
    copy.load_state_dict(short)
    assert copy.schedule.horizon == 4 and copy.t == 4
