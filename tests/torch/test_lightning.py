"""``lrkit.torch.LRScheduler`` inside Lightning: ``configure_optimizers`` with ``interval="step"``.

The rates the LightningModule sees in ``training_step`` must be ``schedule(t)``
for ``t = 0, 1, ...``, also across a checkpoint/resume done by Lightning itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.schedules import parse  # noqa: E402
from lrkit.torch import LRScheduler  # noqa: E402

SPEC = "linear(start=0.001, end=0.1, steps=4) >> cosine(lr=0.1, steps=8, min_lr=0.01)"
BATCHES = 6  # per epoch; runs end on epoch boundaries so resume is not mid-epoch


class TinyRegression(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = torch.nn.Linear(3, 1)
        self.seen: list[float] = []

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        self.seen.append(self.trainer.optimizers[0].param_groups[0]["lr"])
        x, y = batch
        return torch.nn.functional.mse_loss(self.net(x), y)

    def configure_optimizers(self) -> dict:
        opt = torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": LRScheduler(opt, SPEC), "interval": "step"}}

    def train_dataloader(self) -> torch.utils.data.DataLoader:
        g = torch.Generator().manual_seed(0)
        x = torch.randn(BATCHES * 4, 3, generator=g)
        data = torch.utils.data.TensorDataset(x, x.sum(dim=1, keepdim=True))
        return torch.utils.data.DataLoader(data, batch_size=4)


pytestmark = pytest.mark.usefixtures("quiet_lightning")


def test_lightning_steps_the_scheduler_per_update(quiet_trainer) -> None:
    torch.manual_seed(0)
    model = TinyRegression()
    quiet_trainer(max_steps=2 * BATCHES).fit(model)
    expected = parse(SPEC)
    assert model.seen == [expected(t) for t in range(2 * BATCHES)]
    sched = model.trainer.lr_scheduler_configs[0].scheduler
    assert isinstance(sched, LRScheduler) and sched.t == 2 * BATCHES


def test_lightning_checkpoint_resume_continues_the_schedule(tmp_path: Path, quiet_trainer) -> None:
    torch.manual_seed(0)
    first = TinyRegression()
    trainer = quiet_trainer(max_steps=BATCHES)
    trainer.fit(first)
    ckpt = tmp_path / "half.ckpt"
    trainer.save_checkpoint(ckpt)
    saved = torch.load(ckpt, weights_only=False)["lr_schedulers"][0]
    assert saved["t"] == BATCHES and saved["schedule"] == parse(SPEC).to_dict()

    second = TinyRegression()
    quiet_trainer(max_steps=2 * BATCHES).fit(second, ckpt_path=ckpt)
    expected = parse(SPEC)
    assert second.seen == [expected(t) for t in range(BATCHES, 2 * BATCHES)]


class PlateauRegression(TinyRegression):
    """Feeds the plateau controller a flat metric after each epoch, where a validation hook would."""

    def configure_optimizers(self) -> dict:
        opt = torch.optim.SGD(self.parameters(), lr=0.1)
        sched = LRScheduler(opt, SPEC, plateau="reduce_on_plateau(lr=1.0, factor=0.5, patience=0)")
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}

    def on_train_epoch_end(self) -> None:
        self.lr_schedulers().observe(1.0)  # the documented Lightning recipe


def test_lightning_plateau_observe_from_a_hook(quiet_trainer) -> None:
    torch.manual_seed(0)
    model = PlateauRegression()
    quiet_trainer(max_steps=3 * BATCHES).fit(model)
    expected = parse(SPEC)
    # epoch 1 sets the best metric, epoch 2 does not improve on it: one cut, from t = 12 on
    want = [expected(t) * (0.5 if t >= 2 * BATCHES else 1.0) for t in range(3 * BATCHES)]
    assert model.seen == want
