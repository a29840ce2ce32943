"""``LearningRateFinder(epochs=(5,))``, as docs/integrations.md writes it, cut a working rate by up to
1000x mid-run on a reading it calls "mostly noise", without a word (session-12 new-user probe, ux;
``/work/notes/ux12/REPORT.md``, D7; ``lightning/_finder.py`` ``_apply``).

The docs' block (AdamW, ``warmup_cosine(lr=lr, ...)`` bound by ``configure_optimizers``, 10 epochs, a sweep
again at epoch 5) on a digits MLP, seeds 0-5: at epoch 5 the model has learned the task and the sweep
shows no clear descent. Three seeds get a stated guess (left alone, with a warning). The other three get
a "rough" reading (``advise(...).confidence == "low"``: "the curve is mostly noise ... Trust it as a
starting point only"), and that is applied silently: the rate at the start of epoch 5 falls from
0.0082 to 3.5e-06 (seed 5; 0.0088 -> 3.0e-05, 0.0077 -> 1.6e-04 on seeds 2 and 1), no warning. A guess
and a rough reading carry the same word; one is refused out loud, the other moves a working run's rate
by three decades in silence. Expected: a "low" reading is not applied silently (left alone with a
warning, as a guess is, or applied with a warning naming its confidence). Now a ``low`` reading once the
run has trained leaves its rate unchanged, with a warning naming the reading; before training it is
applied, with a warning.
"""

from __future__ import annotations

import warnings

import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

pl = pytest.importorskip("lightning.pytorch")

from lrkit.finder import advise  # noqa: E402
from lrkit.lightning import LearningRateFinder, configure_optimizers  # noqa: E402


class _Model(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.lr = 1e-3
        self.net = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))

    def training_step(self, batch, i):
        return nn.functional.cross_entropy(self.net(batch[0]), batch[1])

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay=0.01)
        return configure_optimizers(self, opt, "warmup_cosine(lr=lr, warmup=0.05*total, steps=total)")


class _Rates(pl.Callback):
    def __init__(self):
        self.seen = {}

    def on_train_epoch_start(self, trainer, module):
        self.seen[trainer.current_epoch] = trainer.optimizers[0].param_groups[0]["lr"]


def test_a_low_reading_mid_run_does_not_move_the_rate_in_silence():
    X, y = load_digits(return_X_y=True)
    X = torch.tensor((X - X.mean(0)) / (X.std(0) + 1e-6), dtype=torch.float32)
    pl.seed_everything(5, verbose=False)
    data = torch.utils.data.TensorDataset(X, torch.tensor(y))
    loader = torch.utils.data.DataLoader(data, batch_size=64, shuffle=True,
                                         generator=torch.Generator().manual_seed(5))
    rates, finder = _Rates(), LearningRateFinder(epochs=(5,))
    trainer = pl.Trainer(max_epochs=10, callbacks=[finder, rates], enable_progress_bar=False, logger=False,
                         enable_checkpointing=False, enable_model_summary=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.fit(_Model(), loader)
    reading = finder.results[5]
    assert not reading.is_guess and advise(reading).confidence == "low"  # what the epoch-5 sweep read
    said = [str(w.message) for w in caught if "LearningRateFinder" in str(w.message)]
    kept = 1 / 3 < rates.seen[5] / rates.seen[4] < 3  # the cosine moves it by less than that in an epoch
    assert kept or said, (rates.seen[4], rates.seen[5])
    assert rates.seen[5] / rates.seen[4] > 1 / 3 and said and "the rate is unchanged at" in said[0], said


def test_a_low_reading_before_training_is_applied_and_said():
    X, y = load_digits(return_X_y=True)
    X = torch.tensor((X - X.mean(0)) / (X.std(0) + 1e-6), dtype=torch.float32)
    pl.seed_everything(0, verbose=False)
    data = torch.utils.data.TensorDataset(X, torch.tensor(y))
    loader = torch.utils.data.DataLoader(data, batch_size=64)
    finder = LearningRateFinder(max_lr=1e-3, num_training_steps=40, interval=False, progress=False)
    trainer = pl.Trainer(max_epochs=1, limit_train_batches=2, callbacks=[finder], enable_progress_bar=False,
                         logger=False, enable_checkpointing=False, enable_model_summary=False)
    model = _Model()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.fit(model, loader)
    reading = finder.results[-1]
    assert advise(reading).confidence == "low"  # the sweep stopped at 1e-3, short of its blow-up
    said = [str(w.message) for w in caught if "LearningRateFinder" in str(w.message)]
    assert said and "before training: applied" in said[0] and "Outside the calibration" in said[0], said
    assert model.lr == pytest.approx(reading.suggestion)
