"""``lrkit.lightning.RUN_NAMES`` and ``LearningRateFinder.lr_find`` in a real Lightning ``Trainer``.

RUN_NAMES: one spec names every quantity; the rate of every real update must equal the spec bound
by hand to this run's numbers (256 rows / 16 = 16 batches an epoch, 2 epochs -> 32 updates).
lr_find: a subclass calling it from a hook of its own must sweep exactly as the callback's own
``epochs=`` schedule does on the same seeded run (same curve, same suggestion, same rate set).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.lightning import RUN_NAMES, LearningRateFinder, configure_optimizers  # noqa: E402
from lrkit.schedules import for_run, run_names  # noqa: E402

SPEC = "linear(start=lr/10, end=lr, steps=epoch) >> cosine(lr=lr, steps=total - epoch)"
SWEEP = dict(num_training_steps=20, interval=False, retry=False)


class Net(pl.LightningModule):
    def __init__(self, spec: str | None = None) -> None:
        super().__init__()
        self.lr, self.spec = 1e-3, spec
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
        self.rates: list[float] = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.cross_entropy(self.net(x), y)

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)
        opt.register_step_pre_hook(lambda o, a, k: self.rates.append(o.param_groups[0]["lr"]))
        return configure_optimizers(self, opt, self.spec) if self.spec else opt

    def train_dataloader(self):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(256, 4, generator=g)
        data = torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long() + (x[:, 1] > 0).long())
        return torch.utils.data.DataLoader(data, batch_size=16, shuffle=True)


def _fit(root: Path, model: Net, callbacks=()) -> None:
    pl.Trainer(max_epochs=2, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
               enable_progress_bar=False, enable_model_summary=False, default_root_dir=root,
               callbacks=list(callbacks)).fit(model)


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="lightning")
        warnings.filterwarnings("ignore", message=".*(does not have many workers|cycling).*")
        yield


def test_each_run_name_is_the_runs_own_count(tmp_path: Path) -> None:
    assert run_names(SPEC) == set(RUN_NAMES)
    torch.manual_seed(0)
    model = Net(SPEC)
    _fit(tmp_path, model)
    want = for_run(SPEC, total=32, epoch=16, lr=1e-3)
    assert model.rates == [want(t) for t in range(32)]


class FindAtEpochOne(LearningRateFinder):
    """A user's subclass that decides itself when to sweep, through the public ``lr_find``."""

    def on_train_epoch_start(self, trainer, module) -> None:
        if trainer.current_epoch == 1:
            self.lr_find(trainer, module)


def test_lr_find_from_a_hook_equals_the_callbacks_own_epoch_sweep(tmp_path: Path) -> None:
    torch.manual_seed(0)
    mine, by_hand = Net(), FindAtEpochOne(at_fit_start=False, **SWEEP)
    _fit(tmp_path, mine, [by_hand])
    torch.manual_seed(0)
    theirs, built_in = Net(), LearningRateFinder(epochs=(1,), at_fit_start=False, **SWEEP)
    _fit(tmp_path, theirs, [built_in])
    got, want = by_hand.results[1], built_in.results[1]
    assert got.meta["epoch"] == 1 and np.array_equal(got.lrs, want.lrs)
    assert np.array_equal(got.losses, want.losses)
    assert got.suggestion == want.suggestion and by_hand.result is got
    assert mine.lr == theirs.lr == got.suggestion  # update_attr: the module's rate is the suggestion
