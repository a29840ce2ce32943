"""On a resume, ``LearningRateFinder`` set the module's rate to the before-fit suggestion
(``suggestions[-1]``) whatever the checkpointed run had done with it (session-13 finder lane; noticed by
a session-12 fixer, ``lightning/_finder_resume.py``).

The callback's documented promise is that a resumed fit's module "says the rate the run trains at": the
rate the checkpointed run set. A before-fit reading that was only a guess (the blow-up fallback) is not
applied: the run trains at the configured rate. Resumed, the module's ``lr`` became the guess, a rate
where training fails, while the optimizer restored from the checkpoint trained at the configured one.
Likewise a sweep at a later epoch that moved the rate: the resume put the before-fit rate back on the
module. Oracle: the module's rate at the same point of the same run, uninterrupted.
"""

from __future__ import annotations

import logging

import pytest

torch = pytest.importorskip("torch")
pl = pytest.importorskip("lightning.pytorch", reason="lightning is not installed (it is in the dev extra)")

from lrkit.lightning import LearningRateFinder  # noqa: E402

from .test_lightning_finder import BagNet, Net  # noqa: E402

pytestmark = pytest.mark.usefixtures("quiet_lightning")


def test_a_guess_never_applied_is_not_put_on_the_module_on_resume(quiet_trainer, tmp_path, caplog):
    torch.manual_seed(0)
    first, model = LearningRateFinder(interval=False), BagNet(lr=1e-3)
    with pytest.warns(UserWarning, match="only a guess"):
        trainer = quiet_trainer(callbacks=[first], max_steps=2)
        trainer.fit(model)
    assert first.results[-1].is_guess and model.lr == 1e-3  # not applied: the run trains at 1e-3
    trainer.save_checkpoint(tmp_path / "guess.ckpt")
    torch.manual_seed(0)
    finder, resumed = LearningRateFinder(interval=False), BagNet(lr=1e-3)
    trainer = quiet_trainer(callbacks=[finder], max_steps=4)
    with caplog.at_level(logging.INFO, logger="lrkit.lightning"):
        trainer.fit(resumed, ckpt_path=tmp_path / "guess.ckpt")
    assert finder.results == {} and trainer.optimizers[0].param_groups[0]["lr"] == 1e-3
    assert resumed.lr == 1e-3, (resumed.lr, first.results[-1].suggestion)  # the rate the run trains at
    assert finder.state_dict()["applied"] is None  # and a checkpoint of the resumed run says so
    (line,) = [r.getMessage() for r in caplog.records if r.name == "lrkit.lightning"]
    assert "(lr=0.001)" in line and "applied no suggestion" in line


@pytest.mark.parametrize("at_fit_start", [True, False], ids=["and-before-fit", "only-at-epoch-1"])
def test_a_rate_a_later_sweep_set_is_the_modules_on_resume(quiet_trainer, tmp_path, at_fit_start):
    # epoch 1's sweep moves the rate; a checkpoint inside epoch 1 is saved after it
    saver = pl.callbacks.ModelCheckpoint(dirpath=tmp_path / "a", every_n_train_steps=4, save_top_k=-1)
    sweep = {"epochs": (1,), "interval": False, "at_fit_start": at_fit_start}
    torch.manual_seed(0)
    first, full = LearningRateFinder(**sweep), Net(spec=None)
    quiet_trainer(callbacks=[first, saver], enable_checkpointing=True, max_epochs=2).fit(full)
    moved = first.results[1].suggestion
    assert moved is not None and full.lr == moved != first.suggestions.get(-1, 1e-3)
    torch.manual_seed(0)
    finder, resumed = LearningRateFinder(**sweep), Net(spec=None)
    trainer = quiet_trainer(callbacks=[finder], max_epochs=2)
    trainer.fit(resumed, ckpt_path=tmp_path / "a" / "epoch=1-step=20.ckpt")
    assert finder.results == {} and trainer.optimizers[0].param_groups[0]["lr"] == moved
    assert resumed.lr == moved, (resumed.lr, first.suggestions)


def test_a_checkpoint_from_before_applied_was_kept_puts_back_the_before_fit_suggestion():
    # what those versions did on a resume (the only rate they kept): such a checkpoint resumes as it did
    finder = LearningRateFinder()
    finder.load_state_dict({"suggestions": {-1: 0.01, 1: 0.02}})
    assert finder.applied == 0.01
    assert finder.state_dict() == {"suggestions": {-1: 0.01, 1: 0.02}, "applied": 0.01}
