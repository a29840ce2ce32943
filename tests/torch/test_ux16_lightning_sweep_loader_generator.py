"""ux16 D1: the Lightning finder's sweep consumes the train loader's own ``generator``, so the epoch it runs
before trains other batches than the same run without the sweep.

Probe (``/work/notes/ux16/l1c.py``): a digits MLP, ``DataLoader(..., shuffle=True,
generator=torch.Generator().manual_seed(1))`` (torch's documented way to seed a loader's order),
``LearningRateFinder(update_attr=False, epochs=(2,), at_fit_start=False)``: the run with the sweep at epoch 2
and the run without it end with different weights (bit for bit only with ``shuffle=False`` or a loader
without a generator); the same before fit (``at_fit_start=True``, ``update_attr=False``). docs/integrations.md
says lrkit restores "every RNG bit for bit" and "the test compares a run with a sweep in the middle of it to
a run without one"; docs/find.md lists "a loader's `generator`" among what ``find_lr`` restores, and a plain
``find_lr`` on the same loader does restore it (the next epoch draws the batches it would have drawn). The
callback hands ``find_lr`` its own wrapper of Lightning's ``CombinedLoader``, which has no ``generator``,
so the user's loader's generator is never snapshotted. Expected: with ``update_attr=False`` the run with a
sweep is the run without it, bit for bit, whatever the loader's sampler.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.lightning import LearningRateFinder  # noqa: E402

pytestmark = pytest.mark.usefixtures("quiet_lightning")


class Net(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.lr = 0.01
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))

    def training_step(self, batch, batch_idx):
        return torch.nn.functional.mse_loss(self.net(batch[0]), batch[1])

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)

    def train_dataloader(self):
        x = torch.randn(256, 4, generator=torch.Generator().manual_seed(0))
        data = torch.utils.data.TensorDataset(x, x.sum(1, keepdim=True))
        return torch.utils.data.DataLoader(data, batch_size=16, shuffle=True,
                                           generator=torch.Generator().manual_seed(1))


def _fit(quiet_trainer, finder: LearningRateFinder | None) -> dict:
    torch.manual_seed(0)
    model = Net()
    trainer = quiet_trainer(max_epochs=3, callbacks=[finder] if finder else [])
    trainer.fit(model)
    return model.state_dict()


@pytest.mark.parametrize("where", ["mid-run", "before fit"])
def test_a_sweep_that_applies_nothing_leaves_the_run_as_it_was(quiet_trainer, where):
    when = dict(epochs=(1,), at_fit_start=False) if where == "mid-run" else {}
    finder = LearningRateFinder(update_attr=False, num_training_steps=20, interval=False, retry=False,
                                progress=False, **when)
    plain = _fit(quiet_trainer, None)
    swept = _fit(quiet_trainer, finder)
    assert finder.results  # the sweep ran
    assert all(torch.equal(plain[k], swept[k]) for k in plain)
