"""``Watchdog.lightning_callback`` records the rate in group 0's units, the library's convention (ux11
observation): the advice, ``tune``, ``train_autopilot``, the Lightning finder's ``module.lr`` and
``train(callbacks=[watchdog])`` all speak group 0's rate (the first group above 0 when group 0 is frozen
at ``lr=0``: :func:`lrkit.torch._retune.schedule_rate`'s group), while the callback recorded the reference
group's (the group above 0 with the most parameters), so "the rate there was X" quoted the body's rate on
a head-first set-up: 100x below what ``configure_optimizers`` builds group 0 from."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch")

from lrkit.torch import Watchdog  # noqa: E402

pytestmark = pytest.mark.usefixtures("quiet_lightning")


class Groups(pl.LightningModule):
    """A head (9 parameters) and a bigger body (24): ``groups`` lists them with their rates, in order."""

    def __init__(self, groups: list[tuple[str, float]], frozen: str = "") -> None:
        super().__init__()
        torch.manual_seed(0)
        self.body, self.head = torch.nn.Linear(2, 8), torch.nn.Linear(8, 1)
        self.spec = groups
        if frozen:
            getattr(self, frozen).requires_grad_(False)

    def training_step(self, batch, batch_idx):
        (x,) = batch
        return (self.head(torch.tanh(self.body(x))) - x.sum(1, keepdim=True)).pow(2).mean()

    def configure_optimizers(self):
        return torch.optim.SGD([{"params": getattr(self, n).parameters(), "lr": lr} for n, lr in self.spec])


def _lrs(quiet_trainer, module: pl.LightningModule) -> np.ndarray:
    data = torch.utils.data.TensorDataset(torch.randn(40, 2, generator=torch.Generator().manual_seed(0)))
    wd = Watchdog(every=5)
    quiet_trainer(max_epochs=1, callbacks=[wd.lightning_callback()]).fit(
        module, torch.utils.data.DataLoader(data, batch_size=4))
    return wd.monitor.history()["lrs"]


@pytest.mark.parametrize(
    ("groups", "frozen", "group_0_rate"),
    [
        ([("head", 0.1), ("body", 0.001)], "", 0.1),  # head first: the reference is the body (0.001)
        ([("body", 0.001), ("head", 0.1)], "", 0.001),  # body first: group 0 is the reference too
        ([("body", 0.0), ("head", 0.05)], "", 0.05),  # group 0 frozen at lr=0: the first group above 0
        # frozen with requires_grad=False but listed at 0.001: group 0 still sets the units
        # (LRScheduler's spec and the advice's lines give group 0 this rate), the reference is the head
        ([("body", 0.001), ("head", 0.1)], "body", 0.001),
    ],
    ids=["head-first", "body-first", "group-0-at-lr-0", "group-0-requires-grad-false"],
)
def test_the_lightning_callback_records_group_0s_rate(quiet_trainer, groups, frozen, group_0_rate):
    lrs = _lrs(quiet_trainer, Groups(groups, frozen))
    assert len(lrs) == 10 and np.all(lrs == group_0_rate)
