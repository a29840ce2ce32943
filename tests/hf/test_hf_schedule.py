"""``lrkit.hf.use_schedule`` on a real ``transformers.Trainer``: the rate of every real update is the
spec's value at that update, with the run's own ``total`` / ``epoch`` / ``warmup`` / ``lr``; the Trainer
logs it, checkpoints and resumes it, and lrkit's Watchdog callback reads it."""

from __future__ import annotations

import math

import pytest
import torch

from lrkit import LRKitError
from lrkit.finder import Sweep
from lrkit.hf import find_lr, use_schedule
from lrkit.schedules import for_run
from lrkit.torch import LRScheduler, Watchdog

SPEC = "warmup_cosine(lr=lr, warmup=0.25*total, steps=total, min_lr=lr/10)"


def test_every_update_uses_the_specs_rate_for_the_whole_run(trainer_factory, step_log):
    # 96 rows / 8 = 12 batches an epoch, accumulation 3 -> 4 updates an epoch, 3 epochs -> total = 12
    trainer = use_schedule(trainer_factory(gradient_accumulation_steps=3, num_train_epochs=3), SPEC)
    trainer.train()
    total = trainer.state.max_steps
    assert total == 12 and len(step_log) == total
    want = for_run(SPEC, total=total, lr=1e-3)
    assert [lrs[0] for lrs in step_log] == [want(t) for t in range(total)]
    assert all(a == b for a, b in step_log)  # the decay and no-decay groups move together
    logged = [e["learning_rate"] for e in trainer.state.log_history if "learning_rate" in e]
    assert logged == pytest.approx(
        [want(t) for t in range(total)], rel=1e-12
    )  # the Trainer logs the rate used
    assert isinstance(trainer.lr_scheduler, LRScheduler) and trainer.lr_scheduler.t == total


def test_epoch_and_warmup_are_the_trainers_own_counts(trainer_factory, step_log):
    spec = "warmup(step(lr=lr, step_size=epoch, gamma=0.5), steps=warmup)"
    trainer = use_schedule(trainer_factory(num_train_epochs=3, warmup_steps=2), spec)
    trainer.train()
    want = for_run(spec, epoch=6, warmup=2, lr=1e-3)  # 12 batches / accumulation 2 = 6 updates an epoch
    assert [lrs[0] for lrs in step_log] == [want(t) for t in range(18)]


def test_a_checkpoint_resume_continues_the_schedule(trainer_factory, step_log, tmp_path):
    full = use_schedule(trainer_factory(num_train_epochs=2), SPEC)
    full.train()
    uninterrupted = list(step_log)
    step_log.clear()
    first = use_schedule(trainer_factory(num_train_epochs=2, save_strategy="steps", save_steps=5), SPEC)
    first.train()
    step_log.clear()
    again = use_schedule(trainer_factory(num_train_epochs=2), SPEC)
    again.train(resume_from_checkpoint=str(tmp_path / "out" / "checkpoint-5"))
    assert step_log == uninterrupted[5:]


def test_the_found_rate_becomes_the_schedules_lr_and_the_watchdog_sees_the_real_run(trainer_factory):
    wd = Watchdog(every=5)
    trainer = trainer_factory(num_train_epochs=2, callbacks=[wd.hf_callback()])
    res = find_lr(trainer, apply=True, sweep=Sweep(start=1e-5, end=10.0, num_steps=20), interval=False)
    use_schedule(trainer, SPEC)
    assert wd.monitor.last_step < 0  # the sweep called no callback
    trainer.train()
    total = trainer.state.max_steps
    hist = wd.monitor.history()
    assert list(hist["steps"]) == list(range(1, total + 1))  # the real run's updates, none of the sweep's
    want = for_run(SPEC, total=total, lr=res.suggestion)
    assert list(hist["lrs"]) == pytest.approx([want(t) for t in range(total)], rel=1e-12)
    assert wd.diagnosis is not None and math.isfinite(hist["losses"][-1])


def test_specs_that_cannot_work_are_refused_before_training(trainer_factory, model_factory):
    trainer = trainer_factory()
    with pytest.raises(LRKitError, match=r"names epochs; a Trainer's run defines total, epoch, warmup, lr"):
        use_schedule(trainer, "cosine(lr=lr, steps=epochs)")
    with pytest.raises(LRKitError, match="invalid schedule spec"):
        use_schedule(trainer, "cosine(lr=lr, steps=total")
    with pytest.raises(LRKitError, match="must be a transformers.Trainer"):
        use_schedule(object(), SPEC)
    model = model_factory()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    given = trainer_factory(model=model, optimizers=(opt, torch.optim.lr_scheduler.ConstantLR(opt)))
    with pytest.raises(LRKitError, match=r"must not have a scheduler of its own; got ConstantLR"):
        use_schedule(given, SPEC)
    too_long = use_schedule(trainer_factory(), "cosine(lr=lr, steps=total - 500)")
    with pytest.raises(LRKitError, match="`steps` of cosine"):
        too_long.train()
