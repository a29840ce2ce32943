"""``LearningRateFinder`` writes the reference group's rate into the module's ``lr``, which the module
builds group 0 from (session-11 new-user probe, ux; ``/work/notes/ux11/REPORT.md``, D10; owner health:
``lightning/_finder.py``).

A LightningModule builds head-first discriminative groups from its attribute, as Lightning's finder
docs have it: ``SGD([{head, lr: self.lr}, {body, lr: self.lr / 100}])``. The sweep's suggestion is the
body's rate (the reference group: the most trainable parameters), 0.00257; ``retune`` puts the live
optimizer right (head 0.257, body 0.00257), but ``module.lr`` is set to 0.00257, the body's rate, in an
attribute the module reads as the head's. Anything that calls ``configure_optimizers`` again (a second
``fit``, a new Trainer for the next stage) builds head 0.00257 and body 2.6e-5: both 100x below what
was measured, and the logged hyperparameter says the same wrong thing
(``/work/notes/ux11/pl_headfirst_attr.py``). Expected: after the finder, ``configure_optimizers`` builds
the optimizer the run trains with (the attribute in the units of the group it sets), after a fresh sweep,
with a group frozen at ``lr=0`` listed first (the attribute builds the first group above 0), and on a resume
that sets the checkpointed suggestion back.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from torch import nn  # noqa: E402

from lrkit.lightning import LearningRateFinder  # noqa: E402

pytestmark = pytest.mark.usefixtures("quiet_lightning")


class HeadFirst(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 64), nn.ReLU())
        self.head = nn.Linear(64, 2)
        self.lr = 0.1

    def training_step(self, batch, _):
        x, y = batch
        return nn.functional.cross_entropy(self.head(self.body(x)), y)

    def configure_optimizers(self):
        groups = [{"params": self.head.parameters(), "lr": self.lr},
                  {"params": self.body.parameters(), "lr": self.lr / 100}]
        return torch.optim.SGD(groups, lr=self.lr, momentum=0.9)


class FrozenFirst(HeadFirst):
    """A group frozen at ``lr=0`` listed first: ``self.lr`` builds the head, the first group above 0, and the
    body's weight (the most trainable parameters) is the reference."""

    def configure_optimizers(self):
        groups = [{"params": self.body[0].bias, "lr": 0.0}, {"params": self.head.parameters(), "lr": self.lr},
                  {"params": self.body[0].weight, "lr": self.lr / 100}]
        return torch.optim.SGD(groups, lr=self.lr, momentum=0.9)


def _data():
    torch.manual_seed(0)
    x = torch.randn(640, 8)
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long()), batch_size=32)


def _rates(optimizer) -> list[float]:
    return [g.get("initial_lr", g["lr"]) for g in optimizer.param_groups]


@pytest.mark.parametrize("cls", [HeadFirst, FrozenFirst])
def test_configure_optimizers_after_the_finder_builds_the_rates_the_run_uses(quiet_trainer, cls):
    data = _data()
    module = cls()
    trainer = quiet_trainer(max_steps=3, callbacks=[LearningRateFinder()])
    trainer.fit(module, data)
    live = _rates(trainer.optimizers[0])
    assert live != pytest.approx(_rates(cls().configure_optimizers()))  # the suggestion moved the run
    assert _rates(module.configure_optimizers()) == pytest.approx(live, rel=1e-9)


def test_a_resume_sets_the_attribute_in_the_same_units(quiet_trainer, tmp_path):
    data = _data()
    first = quiet_trainer(max_steps=3, callbacks=[LearningRateFinder(num_training_steps=30, interval=False)],
                          enable_checkpointing=True)
    first.fit(HeadFirst(), data)
    ckpt = first.checkpoint_callback.best_model_path
    module, finder = HeadFirst(), LearningRateFinder(num_training_steps=30, interval=False)
    trainer = quiet_trainer(max_steps=4, callbacks=[finder])
    trainer.fit(module, data, ckpt_path=ckpt)
    assert finder.results == {}  # the checkpointed sweep is not made again; its suggestion is set back
    assert _rates(module.configure_optimizers()) == pytest.approx(_rates(trainer.optimizers[0]), rel=1e-9)
