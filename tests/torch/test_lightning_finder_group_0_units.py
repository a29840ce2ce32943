"""``LearningRateFinder``'s words quote rates in group 0's units, the library's convention (the module's
``lr`` it sets, ``configure_optimizers``' ``lr``, the Watchdog's callbacks): a head-first module's "low"
reading said "applied, the rate 1e-05 -> 2.24e-07" in the body's (the reference group's) units, where its
``self.lr``, the head's, went from 0.001 to 100x the reading."""

from __future__ import annotations

import warnings

import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

pl = pytest.importorskip("lightning.pytorch")

from lrkit.finder import advise  # noqa: E402
from lrkit.lightning import LearningRateFinder  # noqa: E402


class _HeadFirst(pl.LightningModule):
    """The head (650 parameters) listed first at ``self.lr``, the body (4,160) at a hundredth of it."""

    def __init__(self):
        super().__init__()
        self.lr = 1e-3
        self.net = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))

    def training_step(self, batch, i):
        return nn.functional.cross_entropy(self.net(batch[0]), batch[1])

    def configure_optimizers(self):
        return torch.optim.AdamW([{"params": self.net[2].parameters(), "lr": self.lr},
                                  {"params": self.net[0].parameters(), "lr": self.lr / 100}])


def test_a_low_reading_before_training_is_quoted_in_group_0s_units():
    X, y = load_digits(return_X_y=True)
    X = torch.tensor((X - X.mean(0)) / (X.std(0) + 1e-6), dtype=torch.float32)
    pl.seed_everything(0, verbose=False)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, torch.tensor(y)), batch_size=64)
    finder = LearningRateFinder(max_lr=1e-5, num_training_steps=40, interval=False, progress=False)
    trainer = pl.Trainer(max_epochs=1, limit_train_batches=2, callbacks=[finder], enable_progress_bar=False,
                         logger=False, enable_checkpointing=False, enable_model_summary=False)
    model = _HeadFirst()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.fit(model, loader)
    reading = finder.results[-1]
    assert advise(reading).confidence == "low" and reading.meta["rate_group"] == 1  # the body's rate
    assert model.lr == pytest.approx(100 * reading.suggestion)  # the head's: group 0's share
    said = [str(w.message) for w in caught if "LearningRateFinder" in str(w.message)]
    assert said and f"before training: applied, the rate 0.001 -> {model.lr:.3g}" in said[0], said
    assert said[0].startswith(f"LearningRateFinder read {model.lr:.3g}, how sure: low")
