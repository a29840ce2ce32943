"""``lrkit.lightning.configure_optimizers`` under manual optimization, in a real Lightning ``Trainer``.

Lightning steps no scheduler there; lrkit's follows its optimizer's updates (``t`` = the update
count) whether or not, and in which order, ``training_step`` calls ``self.lr_schedulers()``'s
``step()``; ``max_steps`` counting every optimizer's ``step()`` is warned about once it cuts a
schedule short (ux13 D2, D3: ``test_ux13_lightning_manual_schedule.py``).
"""

from __future__ import annotations

import gc

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.lightning import configure_optimizers  # noqa: E402
from lrkit.lightning._manual import ManualDrive, manual_optimization  # noqa: E402
from lrkit.schedules import for_run  # noqa: E402

from ._lightning_fit import fit_recording_warnings  # noqa: E402

SPEC = "warmup_cosine(lr=lr, warmup=0.1*total, steps=total)"
BATCHES = 32  # 512 samples, batches of 16


class Manual(pl.LightningModule):
    """Manual optimization with one or two optimizers; ``stepping``: none, "after" or "before" the updates."""

    def __init__(self, stepping: str | None, two: bool = True, spec: str = SPEC, **kwargs) -> None:
        super().__init__()
        self.automatic_optimization = False
        self.stepping, self.two, self.spec, self.kwargs = stepping, two, spec, kwargs
        self.g, self.d = torch.nn.Linear(8, 8), torch.nn.Linear(8, 2)
        self.used: list[float] = []  # the rate of the generator's optimizer at each of its updates

    def training_step(self, batch, batch_idx):
        x, y = batch
        opts = self.optimizers()
        og, od = opts if self.two else (opts, None)
        if self.stepping == "before":
            for s in self._schedulers():
                s.step()
        if od is not None:
            od.zero_grad()
            self.manual_backward(torch.nn.functional.cross_entropy(self.d(x), y))
            od.step()
        og.zero_grad()
        self.manual_backward(self.g(x).pow(2).mean())
        self.used.append(og.param_groups[0]["lr"])
        og.step()
        if self.stepping == "after":
            for s in self._schedulers():
                s.step()

    def _schedulers(self):
        s = self.lr_schedulers()
        return s if isinstance(s, list) else [s]

    def configure_optimizers(self):
        og = torch.optim.SGD(self.g.parameters(), lr=1e-2)
        configs = [configure_optimizers(self, og, self.spec, **self.kwargs)]
        if self.two:
            od = torch.optim.SGD(self.d.parameters(), lr=2e-2)
            configs.append(configure_optimizers(self, od, self.spec, **self.kwargs))
        return configs


def _fit(module: Manual, **limits) -> tuple[pl.Trainer, list[str]]:
    trainer, messages = fit_recording_warnings(module, samples=16 * BATCHES, **limits)
    return trainer, [m for m in messages if "max_steps=" in m]


@pytest.mark.parametrize("stepping", [None, "after", "before"])
def test_each_update_uses_the_schedule_at_its_count_whoever_steps(stepping):
    module = Manual(stepping)
    trainer, _ = _fit(module, max_epochs=2)
    expected = for_run(SPEC, total=2 * BATCHES, lr=1e-2)
    assert module.used == pytest.approx([expected(t) for t in range(2 * BATCHES)], rel=1e-12, abs=1e-15)
    assert [c.scheduler.t for c in trainer.lr_scheduler_configs] == [2 * BATCHES] * 2


def test_per_update_false_leaves_the_stepping_to_the_user():
    module = Manual(None, per_update=False)  # asked: each of the user's step() calls advances, none made
    _fit(module, max_epochs=1)
    assert set(module.used) == {0.0}


def test_max_steps_with_two_optimizers_warns_once_per_schedule_and_the_way_out_is_quiet():
    _, said = _fit(Manual("after"), max_steps=64)
    assert len(said) == 2 and "max_steps=64" in said[0] and "32 batches" in said[0] and "total//2" in said[0]
    module = Manual("after", spec="warmup_cosine(lr=lr, warmup=0.1*(total//2), steps=total//2)")
    _, said = _fit(module, max_steps=64)
    assert said == [] and len(module.used) == 32 and module.used[-1] < 0.01 * max(module.used)


@pytest.mark.parametrize("limits", [{"max_steps": 64, "two": False}, {"max_epochs": 2},
                                    {"max_epochs": 2, "max_steps": 128}])
def test_no_warning_where_max_steps_cuts_nothing(limits):
    module = Manual(None, two=limits.pop("two", True))
    _, said = _fit(module, **limits)
    assert said == []


def test_automatic_optimization_is_not_driven():
    net = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    sched = configure_optimizers(net, opt, "cosine(lr=lr, steps=10)")["lr_scheduler"]["scheduler"]
    net(torch.ones(1, 2)).sum().backward()
    opt.step()
    assert not manual_optimization(net) and sched.t == 0


def test_manual_drive_lets_go_of_a_dropped_scheduler():
    from lrkit.torch import LRScheduler

    p = torch.nn.Parameter(torch.ones(1))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = LRScheduler(opt, "cosine(lr=0.1, steps=10)", per_update=True)
    drive = ManualDrive(sched, torch.nn.Linear(1, 1), None, drive=True, owner="test")
    p.grad = torch.ones(1)
    opt.step()
    assert sched.t == 1
    del sched
    gc.collect()
    opt.step()  # the hook finds no scheduler and removes itself
    assert drive.handle.id not in opt._optimizer_step_post_hooks
