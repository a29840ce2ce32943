"""``lrkit.lightning``: the ``LearningRateFinder`` callback and ``configure_optimizers`` in a real Lightning
``Trainer``. Oracles: the rate of every real update (a step pre-hook on the optimizer), a bitwise
fingerprint of model, optimizer and RNGs around the sweep (``conftest.py``), and a run without the finder."""

from __future__ import annotations


import numpy as np
import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit import LRKitError  # noqa: E402
from lrkit.lightning import LearningRateFinder, configure_optimizers  # noqa: E402
from lrkit.schedules import for_run  # noqa: E402

SPEC = "warmup_cosine(lr=lr, warmup=0.2*total, steps=total)"
# one pass: the counted updates are the curve's
SWEEP = dict(num_training_steps=20, interval=False, retry=False)


class Net(pl.LightningModule):
    """A small classifier: ``self.lr`` is the rate the finder sets; training_step logs, as modules do."""

    def __init__(self, lr: float = 1e-3, spec: str | None = SPEC) -> None:
        super().__init__()
        self.lr, self.spec = lr, spec
        self.net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
        self.rates: list[float] = []  # group 0's rate at each real optimizer update
        self.autocast: list[bool] = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        self.autocast.append(torch.is_autocast_enabled("cpu"))
        loss = torch.nn.functional.cross_entropy(self.net(x).float(), y)
        self.log("train_loss", loss)
        return loss

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay=0.01)
        opt.register_step_pre_hook(lambda o, a, k: self.rates.append(o.param_groups[0]["lr"]))
        return configure_optimizers(self, opt, self.spec) if self.spec else opt

    def train_dataloader(self):
        g = torch.Generator().manual_seed(0)
        x = torch.randn(256, 4, generator=g)
        data = torch.utils.data.TensorDataset(x, (x[:, 0] > 0).long() + (x[:, 1] > 0).long())
        return torch.utils.data.DataLoader(data, batch_size=16, shuffle=True)  # shuffles with the global RNG


def _trainer(quiet_trainer, callbacks=(), **kw) -> pl.Trainer:
    return quiet_trainer(callbacks=list(callbacks), **{"max_epochs": 2, **kw})


pytestmark = pytest.mark.usefixtures("quiet_lightning")


def test_before_fit_the_suggestion_becomes_the_modules_rate_and_the_schedules_peak(quiet_trainer):
    torch.manual_seed(0)
    model, finder = Net(), LearningRateFinder(**SWEEP)
    _trainer(quiet_trainer, [finder]).fit(model)
    res = finder.results[-1]
    assert (
        finder.result is res is finder.optimal_lr
        and res.meta["runner"] == "lrkit.lightning.LearningRateFinder"
    )
    assert res.suggestion is not None and model.lr == res.suggestion
    real = model.rates[res.meta["updates"] :]  # the sweep's updates (all its passes) come first
    total = 32  # 16 batches x 2 epochs
    assert real == pytest.approx(
        [for_run(SPEC, total=total, lr=res.suggestion)(t) for t in range(total)], rel=1e-12
    )


class Probe(pl.Callback):
    """Fingerprints model, optimizer and RNGs at an epoch's start (listed before and after the finder)."""

    def __init__(self, fingerprint, epoch: int) -> None:
        self.fingerprint, self.epoch, self.seen = fingerprint, epoch, None

    def on_train_epoch_start(self, trainer, module):
        if trainer.current_epoch == self.epoch:
            self.seen = self.fingerprint(module, trainer.optimizers[0])


def test_a_sweep_during_training_restores_everything_bitwise(quiet_trainer, fingerprint, assert_same):
    torch.manual_seed(0)
    before, after = Probe(fingerprint, 1), Probe(fingerprint, 1)
    finder = LearningRateFinder(update_attr=False, epochs=(1,), at_fit_start=False, **SWEEP)
    model = Net()
    _trainer(quiet_trainer, [before, finder, after]).fit(model)
    assert before.seen["optim"]["state"]  # Adam's moments exist by epoch 1: restoring them is tested
    assert_same(before.seen, after.seen)
    torch.manual_seed(0)
    control = Net()
    _trainer(quiet_trainer).fit(control)
    for p, q in zip(model.parameters(), control.parameters()):
        assert torch.equal(p, q)  # the run with a sweep in it is the run without one


def test_it_runs_again_at_chosen_epochs_on_the_model_as_trained(quiet_trainer):
    torch.manual_seed(0)
    finder = LearningRateFinder(epochs=(1, 2), **SWEEP)
    _trainer(quiet_trainer, [finder], max_epochs=3).fit(Net())
    assert sorted(finder.results) == [-1, 1, 2]
    first, later = finder.results[-1], finder.results[2]
    assert later.meta["epoch"] == 2 and later.losses[0] < first.losses[0]  # trained: lower loss at the start


def test_one_rate_per_real_update_with_accumulation_and_bf16_autocast(quiet_trainer):
    torch.manual_seed(0)
    model, finder = Net(spec=None), LearningRateFinder(**SWEEP)
    trainer = _trainer(quiet_trainer, [finder], max_epochs=1, accumulate_grad_batches=4,
                       precision="bf16-mixed")
    trainer.fit(model)
    res = finder.result
    assert res.meta["accumulation_steps"] == 4
    assert model.rates[: res.steps] == pytest.approx(res.lrs.tolist(), rel=1e-12)  # one update per swept rate
    assert all(model.autocast)  # the sweep's forward passes too ran under the precision plugin's autocast


@pytest.mark.parametrize("threshold", [1.5, 4.0])
def test_lightnings_early_stop_threshold_stops_where_lightnings_own_callback_does(quiet_trainer, threshold):
    from types import SimpleNamespace as NS

    from lightning.pytorch.tuner.lr_finder import _LRCallback

    from lrkit.lightning._sweep_update import ThresholdStop

    g = torch.Generator().manual_seed(1)
    losses = [1.0 + 0.1 * float(torch.rand(1, generator=g)) for _ in range(10)] + [
        2.0**k for k in range(1, 12)
    ]
    # Lightning's own callback, driven through a stand-in trainer with the fields it reads
    theirs = _LRCallback(num_training=100, early_stop_threshold=threshold, progress_bar_refresh_rate=0)
    trainer = NS(
        fit_loop=NS(batch_idx=0),
        accumulate_grad_batches=1,
        global_step=0,
        should_stop=False,
        strategy=NS(broadcast=lambda x: x),
    )
    for t, v in enumerate(losses):
        trainer.fit_loop.batch_idx, trainer.global_step = t, t + 1
        theirs.on_train_batch_end(trainer, None, {"loss": torch.tensor(v)}, None, t)
        if trainer.should_stop:
            break
    ours = ThresholdStop(threshold)
    assert next(i for i, v in enumerate(losses) if ours(i, 0.0, v)) == t
    torch.manual_seed(0)
    finder = LearningRateFinder(early_stop_threshold=threshold, num_training_steps=40, interval=False)
    _trainer(quiet_trainer, [finder], max_epochs=1).fit(Net())
    assert finder.result.steps <= 40


def test_bad_arguments_and_modules_are_refused(quiet_trainer):
    with pytest.raises(LRKitError, match="`mode` of LearningRateFinder"):
        LearningRateFinder(mode="cubic")
    with pytest.raises(
        LRKitError, match="`early_stop_threshold` of LearningRateFinder must be None or a number > 1"
    ):
        LearningRateFinder(early_stop_threshold=0.5)
    with pytest.raises(LRKitError, match="`epochs` of LearningRateFinder must be epoch numbers >= 0"):
        LearningRateFinder(epochs=(-1,))
    with pytest.raises(LRKitError, match="`sweep` of LearningRateFinder is set by its own arguments"):
        LearningRateFinder(sweep=None)
    with pytest.raises(LRKitError, match="`on_step` of LearningRateFinder is set by its own arguments"):
        LearningRateFinder(early_stop_threshold=4.0, on_step=print)
    with pytest.raises(LRKitError, match="`max_lr` of LearningRateFinder must be > min_lr"):  # ux16 L7
        LearningRateFinder(min_lr=1.0, max_lr=0.1)

    class NoRate(Net):
        def __init__(self):
            super().__init__()
            del self.lr

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    with pytest.raises(LRKitError, match="must name the module's learning rate; .* lr, learning_rate"):
        _trainer(quiet_trainer, [LearningRateFinder(**SWEEP)]).fit(NoRate())

    class Manual(Net):
        def __init__(self):
            super().__init__(spec=None)
            self.automatic_optimization = False

    with pytest.raises(LRKitError, match="must use automatic optimization"):
        _trainer(quiet_trainer, [LearningRateFinder(**SWEEP)]).fit(Manual())


def test_configure_optimizers_refuses_names_a_lightning_run_does_not_have():
    net = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    with pytest.raises(LRKitError, match="names warmup; a Lightning run defines total, epoch, lr"):
        configure_optimizers(net, opt, "cosine(lr=lr, steps=warmup)")
    with pytest.raises(LRKitError, match="must be attached to a Trainer"):
        configure_optimizers(net, opt, "cosine(lr=lr, steps=total)")


ALL_RUN_NAMES = "linear(start=lr/10, end=lr, steps=epoch) >> cosine(lr=lr, steps=total - epoch)"


def test_each_of_run_names_is_the_runs_own_count(quiet_trainer):
    """One spec names every quantity of ``RUN_NAMES``; each update's rate is the spec bound by hand to
    this run's numbers (256 rows / 16 = 16 batches an epoch, 2 epochs -> 32 updates)."""
    from lrkit.lightning import RUN_NAMES
    from lrkit.schedules import run_names

    assert run_names(ALL_RUN_NAMES) == set(RUN_NAMES)
    torch.manual_seed(0)
    model = Net(spec=ALL_RUN_NAMES)
    _trainer(quiet_trainer).fit(model)
    want = for_run(ALL_RUN_NAMES, total=32, epoch=16, lr=1e-3)
    assert model.rates == [want(t) for t in range(32)]


class FindAtEpochOne(LearningRateFinder):
    """A user's subclass that decides itself when to sweep, through the public ``lr_find``."""

    def on_train_epoch_start(self, trainer, module) -> None:
        if trainer.current_epoch == 1:
            self.lr_find(trainer, module)


def test_lr_find_from_a_hook_equals_the_callbacks_own_epoch_sweep(quiet_trainer):
    """The same seeded run swept by hand at epoch 1 and by ``epochs=(1,)``: same curve, same rate set."""
    clear = {**SWEEP, "num_training_steps": 50}  # not low at epoch 1: applied (20 read rough, 40 sparse: low)
    torch.manual_seed(0)
    mine, by_hand = Net(), FindAtEpochOne(at_fit_start=False, **clear)
    _trainer(quiet_trainer, [by_hand]).fit(mine)
    torch.manual_seed(0)
    theirs, built_in = Net(), LearningRateFinder(epochs=(1,), at_fit_start=False, **clear)
    _trainer(quiet_trainer, [built_in]).fit(theirs)
    got, want = by_hand.results[1], built_in.results[1]
    assert got.meta["epoch"] == 1 and np.array_equal(got.lrs, want.lrs)
    assert np.array_equal(got.losses, want.losses)
    assert got.suggestion == want.suggestion and by_hand.result is got
    assert mine.lr == theirs.lr == got.suggestion  # update_attr: the module's rate is the suggestion


class BagNet(pl.LightningModule):
    """An embedding bag on labels its loss cannot move at small rates: a sweep that sees no descent and
    blows up (``tests/finder/test_ux11_guess_words.py``'s case), so its answer is the blow-up fallback's."""

    def __init__(self, lr: float = 1e-3) -> None:
        super().__init__()
        self.lr = lr
        self.emb, self.head = torch.nn.EmbeddingBag(200, 16), torch.nn.Linear(16, 5)

    def training_step(self, batch, batch_idx):
        return torch.nn.functional.cross_entropy(self.head(self.emb(batch[0])), batch[1])

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=self.lr, momentum=0.9)

    def train_dataloader(self):
        torch.manual_seed(0)
        tokens = torch.randint(0, 200, (2048, 8))
        data = torch.utils.data.TensorDataset(tokens, tokens[:, 0] % 5)
        return torch.utils.data.DataLoader(data, batch_size=32)


def test_a_guess_is_not_applied_the_rate_stays_with_a_warning(quiet_trainer):
    # A blow-up fallback's rate says where training fails, not where it goes well (FinderResult.is_guess).
    torch.manual_seed(0)
    model, finder = BagNet(lr=1e-3), LearningRateFinder(interval=False)
    with pytest.warns(UserWarning, match="only a guess") as caught:
        _trainer(quiet_trainer, [finder], max_steps=1).fit(model)
    res = finder.results[-1]
    assert res.is_guess and res.suggestion is not None, (res.meta.get("source"), res.reason)
    said = [str(w.message) for w in caught if "only a guess" in str(w.message)]
    assert model.lr == 1e-3 and len(said) == 1 and "the rate is unchanged" in said[0]
