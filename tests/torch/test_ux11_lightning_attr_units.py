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
the optimizer the run trains with (the attribute in the units of the group it sets).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from torch import nn  # noqa: E402

from lrkit.lightning import LearningRateFinder  # noqa: E402


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


@pytest.mark.xfail(strict=True,
                   reason="ux11 D10: the module's lr gets the reference group's rate, not group 0's")
def test_configure_optimizers_after_the_finder_builds_the_rates_the_run_uses(quiet_trainer):
    torch.manual_seed(0)
    x = torch.randn(640, 8)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long()), batch_size=32)
    module = HeadFirst()
    trainer = quiet_trainer(max_steps=3, callbacks=[LearningRateFinder()])
    trainer.fit(module, data)
    live = [g.get("initial_lr", g["lr"]) for g in trainer.optimizers[0].param_groups]
    rebuilt = [g["lr"] for g in module.configure_optimizers().param_groups]
    assert rebuilt == pytest.approx(live, rel=1e-9)
