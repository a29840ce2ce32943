"""ux13 D6: ``Watchdog.lightning_callback()`` on a module with manual optimization watches nothing, silently.

Under manual optimization ``training_step`` usually returns nothing (Lightning's docs' GAN example): the
callback reads the loss from ``on_train_batch_end``'s outputs only, so a 64-batch fit records no point and
ends with ``wd.diagnosis is None`` and no word (the HF callback warns when a run ends with too few logged
losses, naming ``logging_steps``). Expected: the run is watched (e.g. from the loss the module logs), or
one warning at the end naming ``training_step``'s return value.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.torch import Watchdog  # noqa: E402

from ._lightning_fit import fit_recording_warnings  # noqa: E402


class Manual(pl.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.net = torch.nn.Linear(8, 2)

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()
        loss = torch.nn.functional.cross_entropy(self.net(batch[0]), batch[1])
        self.log("train_loss", loss)
        opt.zero_grad()
        self.manual_backward(loss)
        opt.step()  # returns nothing, as Lightning's manual-optimization examples do

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)



def test_a_manual_optimization_run_is_watched_or_told_why_not():
    wd = Watchdog(every=16)
    _, messages = fit_recording_warnings(Manual(), batch_size=8, callbacks=(wd.lightning_callback(),),
                                         max_epochs=1)
    warned = any("training_step" in m for m in messages)
    assert wd.diagnosis is not None or warned


class Gan(pl.LightningModule):
    """Two optimizers stepped each batch; ``log`` names what the module logs (Lightning's GAN example's)."""

    def __init__(self, log: dict[str, int]) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.g, self.d = torch.nn.Linear(8, 2), torch.nn.Linear(8, 2)
        self.names, self.logged = log, []

    def training_step(self, batch, batch_idx):
        for opt, net in zip(self.optimizers(), (self.g, self.d)):
            loss = torch.nn.functional.cross_entropy(net(batch[0]), batch[1])
            opt.zero_grad()
            self.manual_backward(loss)
            opt.step()
            for name, every in self.names.items():
                if net is self.g and batch_idx % every == 0:
                    self.log(name, loss)
                    self.logged.append(float(loss))

    def configure_optimizers(self):
        return torch.optim.SGD(self.g.parameters(), lr=0.1), torch.optim.SGD(self.d.parameters(), lr=0.02)


def _fit(module: pl.LightningModule) -> tuple[Watchdog, list[str]]:
    wd = Watchdog(every=16)
    _, messages = fit_recording_warnings(module, samples=256, batch_size=8,
                                         callbacks=(wd.lightning_callback(),), max_epochs=2)
    return wd, [m for m in messages if "Watchdog.lightning_callback" in m]


def test_the_loss_a_manual_module_logs_is_read_once_per_batch_with_the_first_optimizers_rate():
    from lrkit.diagnostics import LOSS_NAMES

    assert "train_loss" in LOSS_NAMES
    module = Gan({"Train Loss": 1})  # any spelling column_key matches
    wd, said = _fit(module)
    h = wd.monitor.history()
    # 64 batches, two updates each: one point a batch, at global_step - 1, the generator's loss and rate
    assert h["steps"].tolist() == list(range(1, 128, 2))
    assert h["losses"].tolist() == pytest.approx(module.logged) and set(h["lrs"].tolist()) == {0.1}
    assert wd.diagnosis is not None and not said


def test_a_loss_logged_in_an_earlier_batch_is_not_read_again():
    module = Gan({"train_loss": 4})
    wd, said = _fit(module)
    h = wd.monitor.history()
    assert h["steps"].tolist() == list(range(1, 128, 8))  # the batches that logged it, not the 48 others
    assert h["losses"].tolist() == pytest.approx(module.logged) and not said


@pytest.mark.parametrize("log", [{}, {"g_loss": 1}], ids=["logs-nothing", "logs-another-name"])
def test_a_fit_it_could_read_no_loss_from_ends_with_one_warning_naming_the_ways_out(log):
    wd, said = _fit(Gan(log))
    assert wd.diagnosis is None and len(wd.monitor.history()["losses"]) == 0
    assert len(said) == 1
    assert "64 batches" in said[0] and "`training_step` returns" in said[0] and "LOSS_NAMES" in said[0]
