"""ux13 D7: the Autopilot given ``self.optimizers()`` in a Lightning module (manual optimization) trains
the real optimizer at a probe rate near the blow-up for the rest of the run, silently.

``self.optimizers()`` is a ``LightningOptimizer``: a subclass instance of the user's optimizer class that
shares the inner optimizer's ``param_groups`` and ``state`` objects and steps the inner one. The guard's
rollback (``_autopilot_guard``: ``optimizer.load_state_dict(snapshot)``) replaces the wrapper's
``param_groups`` with new objects; from then on the Autopilot writes its rates into the wrapper's copy,
while the inner optimizer, which ``step()`` runs, keeps the probe's last rate (5.18 or 10 on a digits MLP
with SGD momentum, from update 20 on): the run ends "done", peak 0.06, val_acc 0.098 (chance). With
``self.optimizers().optimizer`` the same run reaches 0.90. Expected: the rate the real optimizer steps at
is the Autopilot's at every update (unwrap it, or restore in place), or one LRKitError naming
``.optimizer`` before anything is touched.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")
datasets = pytest.importorskip("sklearn.datasets")

from lrkit import LRKitError  # noqa: E402
from lrkit.torch import Autopilot  # noqa: E402


class Manual(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.net = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
        self.used: list[tuple[float, float]] = []  # (the rate the Autopilot set, the rate the update ran at)
        self.ap = None

    def on_train_start(self):
        self.ap = Autopilot(self.optimizers(), budget=88, model=self)

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        loss = torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1])
        opt.zero_grad()
        self.manual_backward(loss)
        set_rate = opt.param_groups[0]["lr"]
        self.ap.step(loss)
        self.used.append((set_rate, self.ran_at))

    def configure_optimizers(self):
        opt = torch.optim.SGD(self.parameters(), lr=0.01, momentum=0.9)
        opt.register_step_pre_hook(lambda o, args, kwargs: setattr(self, "ran_at", o.param_groups[0]["lr"]))
        return opt


def test_the_autopilot_on_self_optimizers_drives_the_optimizer_that_steps():
    digits = datasets.load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16
    data = torch.utils.data.TensorDataset(x[:1400], torch.tensor(digits.target[:1400]))
    torch.manual_seed(0)
    loader = torch.utils.data.DataLoader(data, batch_size=32, shuffle=True)
    module = Manual()
    trainer = pl.Trainer(max_epochs=2, logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, accelerator="cpu")
    try:
        trainer.fit(module, loader)
    except LRKitError as exc:  # a refusal naming the way out is a fix too
        assert ".optimizer" in str(exc)
        return
    assert module.used and all(ran == pytest.approx(set_) for set_, ran in module.used), module.used[18:24]
