"""ux13 D2, D3: ``lrkit.lightning.configure_optimizers`` under manual optimization (a GAN's two optimizers).

D3: Lightning does not step a scheduler under manual optimization (its docs: call
``self.lr_schedulers().step()`` yourself). A module that returns lrkit's config, whose
``"interval": "step"`` reads as stepped per update, and does not call ``step()`` trains the whole run at
``schedule(0)``: 0 for a warmup, so nothing trains, in silence. Expected: the schedule is followed, or
one warning naming manual optimization and ``lr_schedulers()``.

D2: under manual optimization Lightning counts every optimizer's ``step()`` in ``global_step``, so
``max_steps=64`` with two optimizers ends after 32 batches, 32 updates each, while ``total``
(``estimated_stepping_batches``) is 64: each schedule stops halfway, the rate still at 58% of its
peak at the end (it never cools down). The integrations guide says ``total`` is the run's optimizer
updates. Expected: each schedule is bound to the updates its optimizer makes (it ends cooled down), or a
warning naming ``max_steps`` and the count.
"""

from __future__ import annotations


import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.lightning import configure_optimizers  # noqa: E402

from ._lightning_fit import fit_recording_warnings  # noqa: E402

SPEC = "warmup_cosine(lr=lr, warmup=0.1*total, steps=total)"


class TwoOptimizers(pl.LightningModule):
    """A GAN-shaped module: two optimizers stepped by hand in each batch."""

    def __init__(self, step_schedulers: bool) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.step_schedulers = step_schedulers
        self.g, self.d = torch.nn.Linear(8, 8), torch.nn.Linear(8, 2)
        self.rates: list[tuple[float, float]] = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        og, od = self.optimizers()
        loss_d = torch.nn.functional.cross_entropy(self.d(x), y)
        od.zero_grad()
        self.manual_backward(loss_d)
        od.step()
        loss_g = self.g(x).pow(2).mean()
        og.zero_grad()
        self.manual_backward(loss_g)
        og.step()
        if self.step_schedulers:
            for s in self.lr_schedulers():
                s.step()
        self.rates.append((og.param_groups[0]["lr"], od.param_groups[0]["lr"]))

    def configure_optimizers(self):
        og = torch.optim.Adam(self.g.parameters(), lr=1e-3)
        od = torch.optim.Adam(self.d.parameters(), lr=2e-3)
        return [configure_optimizers(self, og, SPEC), configure_optimizers(self, od, SPEC)]


def _fit(module: TwoOptimizers, **limits) -> tuple[pl.Trainer, list[str]]:
    return fit_recording_warnings(module, **limits)


def test_manual_optimization_without_stepping_is_not_silent_at_rate_0():
    module = TwoOptimizers(step_schedulers=False)
    _, messages = _fit(module, max_epochs=2)
    followed = max(r[0] for r in module.rates) > 0  # the warmup left 0: the schedule is driven
    warned = any("manual" in m and "lr_schedulers" in m for m in messages)
    assert followed or warned, (module.rates[:3], module.rates[-3:], messages)


def test_manual_optimization_max_steps_schedule_ends_cooled_down():
    module = TwoOptimizers(step_schedulers=True)
    trainer, messages = _fit(module, max_steps=64)
    assert len(module.rates) == 32  # Lightning: 64 optimizer steps, two per batch
    peak = max(r[0] for r in module.rates)
    cooled = module.rates[-1][0] <= 0.05 * peak
    warned = any("max_steps" in m for m in messages)
    horizons = [s.scheduler.schedule.horizon for s in trainer.lr_scheduler_configs]
    assert cooled or warned, (module.rates[-1], peak, horizons)
