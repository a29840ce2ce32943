"""``lrkit.lightning.LearningRateFinder`` on a resume (``Trainer.fit(ckpt_path=...)``) with the callback still
in the script: the sweeps the checkpointed run made are not made again, the checkpoint's rate runs, the
module's rate attribute is the suggestion that run set, and one log line says so.

Regression (ux8 probe, ``/work/notes/ux8/p3_lightning.py``): the sweep ran again on the restored weights (98
updates), left ``module.lr`` at its new suggestion while the run trained on the checkpoint's rate (Lightning
restores the optimizer after ``on_fit_start``). Lightning's own callback sweeps in ``on_fit_start``
unconditionally, so it does the same.
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.lightning import LearningRateFinder  # noqa: E402

from .test_lightning_finder import SWEEP, Net  # noqa: E402

BATCHES = 16  # per epoch: 256 samples, batch 16


pytestmark = pytest.mark.usefixtures("quiet_lightning")


def _fit(quiet_trainer, root, finder, ckpt=None, savers=None, **kw) -> Net:
    """A seeded fit of ``Net`` with ``finder``, checkpointing into ``root`` at each epoch's end, or into
    ``root / name`` for each ``{name: ModelCheckpoint arguments}`` of ``savers``."""
    torch.manual_seed(0)
    model = Net()
    savers = [pl.callbacks.ModelCheckpoint(dirpath=root / name, save_top_k=-1, **args)
              for name, args in (savers or {"": {}}).items()]
    trainer = quiet_trainer(callbacks=[finder, *savers], enable_checkpointing=True, **{"max_epochs": 2, **kw})
    trainer.fit(model, ckpt_path=ckpt)
    return model


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "lrkit.lightning"]


def test_a_resume_keeps_the_checkpointed_rate_and_sweeps_nothing(quiet_trainer, tmp_path, caplog):
    full_finder = LearningRateFinder(**SWEEP)
    full = _fit(quiet_trainer, tmp_path / "a", full_finder)
    suggestion, swept = full_finder.results[-1].suggestion, full_finder.results[-1].meta["updates"]
    assert len(full.rates) == swept + 2 * BATCHES
    finder = LearningRateFinder(**SWEEP)
    with caplog.at_level(logging.INFO, logger="lrkit.lightning"):
        resumed = _fit(quiet_trainer, tmp_path / "b", finder, ckpt=tmp_path / "a" / "epoch=0-step=16.ckpt")
    assert finder.results == {} and finder.result is None  # no sweep on the restored weights
    assert resumed.rates == full.rates[swept + BATCHES:]  # the checkpoint's schedule runs, update for update
    assert resumed.lr == suggestion  # the module says the rate the run trains at
    assert finder.suggestions == {-1: suggestion}  # and a checkpoint of the resumed run keeps it
    (line,) = _lines(caplog)
    assert "epoch=0-step=16.ckpt" in line and f"{suggestion:.3g}" in line and "not repeated" in line


def test_a_resume_from_a_checkpoint_without_the_finder_still_sweeps_nothing(quiet_trainer, tmp_path, caplog):
    # a run trained without the finder: the checkpoint's optimizer (restored after on_fit_start) sets the
    # rate, so a sweep would be thrown away; the module's rate is left as built
    _fit(quiet_trainer, tmp_path / "a", LearningRateFinder(at_fit_start=False, **SWEEP))
    finder = LearningRateFinder(**SWEEP)
    with caplog.at_level(logging.INFO, logger="lrkit.lightning"):
        resumed = _fit(quiet_trainer, tmp_path / "b", finder, ckpt=tmp_path / "a" / "epoch=0-step=16.ckpt")
    assert finder.results == {} and resumed.lr == 1e-3 and len(resumed.rates) == BATCHES
    (line,) = _lines(caplog)
    assert "holds no sweep" in line and "lr_find" in line


class FrozenFirst(Net):
    """A fine-tune's layout: the first layer frozen at ``lr=0`` and listed first, the head training."""

    def configure_optimizers(self):
        return torch.optim.AdamW([{"params": self.net[0].parameters(), "lr": 0.0},
                                  {"params": self.net[2].parameters()}], lr=self.lr)


def test_the_resume_line_quotes_the_rate_of_the_group_the_suggestion_is_for(quiet_trainer, tmp_path, caplog):
    # the sweep reads the group above 0 holding the most parameters (the head here), and so does the line:
    # it said "lr=0", group 0's, beside a suggestion for the head
    first = LearningRateFinder(**SWEEP)
    torch.manual_seed(0)
    trainer = quiet_trainer(callbacks=[first], max_epochs=1)
    trainer.fit(FrozenFirst(spec=None))
    trainer.save_checkpoint(tmp_path / "one.ckpt")
    suggestion = first.results[-1].suggestion
    finder = LearningRateFinder(**SWEEP)
    with caplog.at_level(logging.INFO, logger="lrkit.lightning"):
        resumed = quiet_trainer(callbacks=[finder], max_epochs=2)
        resumed.fit(FrozenFirst(spec=None), ckpt_path=tmp_path / "one.ckpt")
    (line,) = _lines(caplog)
    assert f"(suggestion {suggestion:.3g})" in line and f"(lr={suggestion:.3g})" in line


class RankOne(pl.strategies.SingleDeviceStrategy):
    """Lightning's single-device strategy as a process that is not global rank zero sees it (under DDP
    every rank resumes; ``test_lightning_ddp.py`` runs two real ones)."""

    @property
    def is_global_zero(self) -> bool:
        return False


@pytest.mark.parametrize("with_finder", [True, False], ids=["checkpoint-with-sweep", "checkpoint-without"])
def test_the_resume_line_is_logged_by_rank_zero_only(quiet_trainer, tmp_path, caplog, with_finder):
    _fit(quiet_trainer, tmp_path / "a", LearningRateFinder(at_fit_start=with_finder, **SWEEP))
    finder = LearningRateFinder(**SWEEP)
    with caplog.at_level(logging.INFO, logger="lrkit.lightning"):
        _fit(quiet_trainer, tmp_path / "b", finder, ckpt=tmp_path / "a" / "epoch=0-step=16.ckpt",
             strategy=RankOne(device="cpu"))
    assert finder.results == {} and _lines(caplog) == []


def test_an_epoch_sweep_made_before_the_checkpoint_is_said_by_rank_zero_only(caplog):
    finder = LearningRateFinder(epochs=(1,), **SWEEP)
    finder.load_state_dict({"suggestions": {-1: 0.01, 1: 0.02}})
    with caplog.at_level(logging.INFO, logger="lrkit.lightning"):
        finder.on_train_epoch_start(SimpleNamespace(current_epoch=1, is_global_zero=False), None)
    assert finder.results == {} and _lines(caplog) == []


def test_ckpt_path_last_with_no_checkpoint_yet_is_a_fresh_run_and_sweeps(quiet_trainer, tmp_path):
    finder = LearningRateFinder(**SWEEP)
    model = _fit(quiet_trainer, tmp_path / "a", finder, ckpt="last", savers={"": {"save_last": True}})
    assert sorted(finder.results) == [-1] and model.lr == finder.results[-1].suggestion


def test_an_epoch_sweep_before_a_mid_epoch_checkpoint_is_not_repeated(quiet_trainer, tmp_path, caplog):
    # epoch 1's sweep runs at its start; a checkpoint at step 20 (inside epoch 1) was saved after it, the
    # one at the end of epoch 0 before it: resumed from the first, the sweep is not made again; from the
    # second, it is
    savers = {"steps": {"every_n_train_steps": 4}, "epochs": {}}
    full_finder = LearningRateFinder(epochs=(1,), **SWEEP)
    full = _fit(quiet_trainer, tmp_path / "a", full_finder, savers=savers)
    assert sorted(full_finder.results) == [-1, 1]
    after, before = LearningRateFinder(epochs=(1,), **SWEEP), LearningRateFinder(epochs=(1,), **SWEEP)
    mid_epoch = tmp_path / "a" / "steps" / "epoch=1-step=20.ckpt"
    resumed = _fit(quiet_trainer, tmp_path / "b", after, ckpt=mid_epoch, savers=savers)
    assert after.results == {} and resumed.rates == full.rates[-(2 * BATCHES - 20):]
    assert after.suggestions == full_finder.suggestions
    _fit(quiet_trainer, tmp_path / "c", before, ckpt=tmp_path / "a" / "epochs" / "epoch=0-step=16.ckpt")
    assert sorted(before.results) == [1]  # saved before epoch 1's sweep: the resumed run makes it


def test_an_epoch_hook_called_again_on_a_mid_epoch_resume_makes_no_sweep(caplog):
    # Lightning 2.5+ skips on_train_epoch_start when it resumes mid-epoch; earlier versions (lrkit takes
    # lightning>=2.2) call it again: the restored state then keeps the sweep from being made twice
    finder = LearningRateFinder(epochs=(1,), **SWEEP)
    finder.load_state_dict({"suggestions": {-1: 0.01, 1: 0.02}})
    with caplog.at_level(logging.INFO, logger="lrkit.lightning"):
        # a sweep would need a Trainer
        finder.on_train_epoch_start(SimpleNamespace(current_epoch=1, is_global_zero=True), None)
    assert finder.results == {}
    assert _lines(caplog) == ["LearningRateFinder: the sweep at epoch 1 (suggestion 0.02) was made before "
                              "the checkpoint this fit resumed from; it is not repeated."]


def test_the_same_callback_fitted_twice_without_a_checkpoint_sweeps_twice(quiet_trainer, tmp_path):
    finder = LearningRateFinder(epochs=(1,), **SWEEP)
    _fit(quiet_trainer, tmp_path / "a", finder)
    first = dict(finder.results)
    _fit(quiet_trainer, tmp_path / "b", finder)
    assert sorted(finder.results) == [-1, 1] and finder.results[1] is not first[1]


def test_its_state_is_plain_data(quiet_trainer, tmp_path):
    finder = LearningRateFinder(**SWEEP)
    _fit(quiet_trainer, tmp_path / "a", finder, max_epochs=1)
    state = finder.state_dict()
    suggestion = finder.results[-1].suggestion
    assert state == {"suggestions": {-1: suggestion}, "applied": suggestion}
    fresh = LearningRateFinder()
    fresh.load_state_dict(state)
    assert fresh.suggestions == finder.suggestions and fresh.results == {}
    saved = torch.load(tmp_path / "a" / "epoch=0-step=16.ckpt", weights_only=True)
    assert saved["callbacks"][finder.state_key] == state


class SweepOnResume(LearningRateFinder):
    """The documented way to sweep a restored model on purpose: ``lr_find`` once the checkpoint is in."""

    def on_train_start(self, trainer, module):
        super().on_train_start(trainer, module)
        if trainer.ckpt_path is not None:
            self.lr_find(trainer, module)


def test_a_sweep_asked_for_on_resume_is_made_on_the_restored_model(quiet_trainer, tmp_path):
    first = SweepOnResume(**SWEEP)  # the same class in both runs: Lightning keys a callback's state by it
    full = _fit(quiet_trainer, tmp_path / "a", first)
    finder = SweepOnResume(**SWEEP)
    resumed = _fit(quiet_trainer, tmp_path / "b", finder, ckpt=tmp_path / "a" / "epoch=0-step=16.ckpt")
    (key,) = finder.results
    swept = finder.results[key]
    assert key == 1 and swept.losses[0] < first.results[-1].losses[0]  # the trained weights, not fresh ones
    # this curve has no suggestion (flat, then a blow-up): the rate is left alone and the run goes on as
    # checkpointed, the sweep's updates undone
    assert swept.suggestion is None and resumed.lr == first.results[-1].suggestion
    assert resumed.rates[swept.meta["updates"]:] == full.rates[-BATCHES:]
