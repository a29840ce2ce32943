"""``Trainer(limit_train_batches=5)``: the finder callback's sweep drew all 16 batches of the loader
(twelfth new-user probe, ux; ``/work/notes/ux16/REPORT.md``, L4; ``lightning/_finder.py``, ``BatchGroups``).

Probe (``/work/notes/ux16/l4_precision.py``): a 16-batch loader, ``limit_train_batches=5``; each training
epoch sees batches 0-4, the sweep before fit drew batches 0-15, data the run never trains on (a held-out
slice a user limits training to keep apart, or a debugging run's small slice the sweep ignored), and nothing
said so. Expected: each pass of the sweep over the loader takes the batches an epoch takes
(``trainer.num_training_batches``: an int or a fraction of the loader), cycling as a short loader does.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.lightning import LearningRateFinder  # noqa: E402

pytestmark = pytest.mark.usefixtures("quiet_lightning")


class Net(pl.LightningModule):
    """Records the index of each batch a training step sees (the sweep's steps first)."""

    def __init__(self, accumulate: int = 1) -> None:
        super().__init__()
        self.lr, self.seen = 0.01, []
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))

    def training_step(self, batch, batch_idx):
        self.seen.append(int(batch[2][0]) // 16)
        return torch.nn.functional.mse_loss(self.net(batch[0]), batch[1])

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr)

    def train_dataloader(self):
        x = torch.randn(256, 4, generator=torch.Generator().manual_seed(0))
        data = torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True), torch.arange(256))
        return torch.utils.data.DataLoader(data, batch_size=16)  # 16 batches


@pytest.mark.parametrize(("limit", "accumulate", "batches"),
                         [(5, 1, 5), (0.25, 1, 4), (5, 2, 5), (1.0, 1, 16)])
def test_the_sweep_draws_only_the_batches_an_epoch_trains_on(quiet_trainer, limit, accumulate, batches):
    torch.manual_seed(0)
    model = Net()
    finder = LearningRateFinder(num_training_steps=24, interval=False, retry=False, progress=False)
    trainer = quiet_trainer(max_epochs=1, limit_train_batches=limit, accumulate_grad_batches=accumulate,
                            callbacks=[finder])
    trainer.fit(model)
    drawn = len(model.seen) - batches  # the sweep's micro-batches, then one epoch's
    sweep, epoch = model.seen[:drawn], model.seen[drawn:]
    assert epoch == list(range(batches))
    assert sorted(set(sweep)) == list(range(batches)), sweep
