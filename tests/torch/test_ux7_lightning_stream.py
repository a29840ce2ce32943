"""``lrkit.lightning.LearningRateFinder`` on a module whose ``train_dataloader`` is a ``DataLoader`` over
an ``IterableDataset`` (a stream; the Trainer runs ``max_steps``): ``trainer.fit`` crashed with
``TypeError: object of type 'Stream' has no len()`` from ``lightning/_sweep_update.py``'s ``__len__``
(session-7 new-user probe, ``/work/notes/ux7/p13_lightning_stream.py``). The same stream trains in Lightning
without the callback. ``lrkit.torch.loader_length`` reads the loader as having no length: the sweep
cycles it."""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.lightning import LearningRateFinder  # noqa: E402


class _Stream(torch.utils.data.IterableDataset):
    def __iter__(self):
        g = torch.Generator().manual_seed(0)
        for _ in range(40):
            x = torch.randn(16, 4, generator=g)
            yield x, (x[:, 0] > 0).long()


class _Net(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.lr = 1e-3
        self.net = torch.nn.Linear(4, 2)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.cross_entropy(self.net(x), y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr)

    def train_dataloader(self):
        return torch.utils.data.DataLoader(_Stream(), batch_size=None)


def _fit(quiet_trainer, callbacks) -> pl.Trainer:
    trainer = quiet_trainer(max_steps=30, callbacks=callbacks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.fit(_Net())
    return trainer


def test_lightning_trains_on_the_stream_without_the_callback(quiet_trainer):
    assert _fit(quiet_trainer, []).global_step == 30


def test_the_finder_callback_sweeps_a_stream(quiet_trainer):
    trainer = _fit(quiet_trainer, [LearningRateFinder(num_training_steps=20, interval=False)])
    assert trainer.global_step == 30 and trainer.lightning_module.lr != 1e-3
