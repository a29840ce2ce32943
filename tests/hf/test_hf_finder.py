"""``lrkit.hf.find_lr`` on a real ``transformers.Trainer``: what it trains is what ``train()`` trains, and
afterwards nothing is changed, bit for bit, so the run after it is the run without it."""

from __future__ import annotations

import copy
import random

import numpy as np
import pytest
import torch

from lrkit import LRKitError
from lrkit.finder import Sweep
from lrkit.hf import find_lr
from lrkit.torch import LRScheduler

# One pass (no second sweep), so the updates a test counts are the curve's; the README test keeps the default.
SWEEP = dict(sweep=Sweep(start=1e-5, end=10.0, num_steps=20), interval=False, retry=False)


def _state(trainer) -> dict:
    """Everything a restore must bring back, read independently of lrkit's code."""
    model = trainer.model
    return {
        "params": {n: p.detach().clone() for n, p in model.named_parameters()},
        "buffers": {n: b.clone() for n, b in model.named_buffers()},
        "grads": [p.grad for p in model.parameters()],
        "training": [m.training for m in model.modules()],
        "rng": (random.getstate(), np.random.get_state()[1].tolist(), torch.get_rng_state()),
        "attrs": dict(vars(trainer)),  # the same objects under the same names
        "state": copy.deepcopy(vars(trainer.state)),
        "model_dict": set(vars(model)),  # no autocast wrapper left on forward
        "registries": [
            len(getattr(trainer.accelerator, n)) for n in ("_models", "_optimizers", "_dataloaders")
        ],
        "callbacks": list(trainer.callback_handler.callbacks),
    }


def _assert_same(a: dict, b: dict) -> None:
    for name in a["params"]:
        assert torch.equal(a["params"][name], b["params"][name]), name
    for name in a["buffers"]:
        assert torch.equal(a["buffers"][name], b["buffers"][name]), name
    assert a["grads"] == b["grads"] and a["training"] == b["training"]
    assert a["rng"][0] == b["rng"][0] and a["rng"][1] == b["rng"][1] and torch.equal(a["rng"][2], b["rng"][2])
    assert a["attrs"].keys() == b["attrs"].keys()
    assert all(a["attrs"][k] is b["attrs"][k] for k in a["attrs"]), [
        k for k in a["attrs"] if a["attrs"][k] is not b["attrs"][k]
    ]
    assert a["state"] == b["state"] and a["model_dict"] == b["model_dict"]
    assert a["registries"] == b["registries"] and a["callbacks"] == b["callbacks"]


@pytest.mark.parametrize("bf16", [False, True])
def test_everything_is_restored_and_training_after_it_is_unchanged(trainer_factory, bf16):
    trainer = trainer_factory(bf16=bf16, max_grad_norm=1.0)
    before = _state(trainer)
    res = find_lr(trainer, **SWEEP)
    assert res.steps >= 10 and res.meta["runner"] == "lrkit.hf.find_lr"
    _assert_same(before, _state(trainer))
    assert trainer.optimizer is None and trainer.lr_scheduler is None  # train() builds its own, as without us
    trainer.train()
    control = trainer_factory(bf16=bf16, max_grad_norm=1.0)
    control.train()
    for (n, p), q in zip(trainer.model.named_parameters(), control.model.parameters()):
        assert torch.equal(p, q), n
    assert [e.get("loss") for e in trainer.state.log_history] == [
        e.get("loss") for e in control.state.log_history
    ]


def test_the_sweep_trains_the_trainers_groups_collator_and_accumulation(trainer_factory, step_log):
    trainer = trainer_factory(gradient_accumulation_steps=3)
    calls = []
    trainer.model.register_forward_pre_hook(lambda m, a, k: calls.append(1), with_kwargs=True)
    res = find_lr(trainer, **SWEEP)
    # one optimizer update per swept rate; three micro-batches (three collator calls) per update
    assert len(step_log) == res.steps and len(calls) == 3 * res.steps
    assert (
        0 <= trainer.data_collator.calls - 3 * res.steps <= 1
    )  # accelerate's loader collates one batch ahead
    assert [lrs for lrs in step_log] == [[lr, lr] for lr in res.lrs]  # both groups swept together
    decay = set(trainer.get_decay_parameter_names(trainer.model))
    n_decay = sum(1 for n, p in trainer.model.named_parameters() if n in decay)
    assert res.meta["param_groups"] == [
        {"weight_decay": 0.01, "params": n_decay},
        {"weight_decay": 0.0, "params": len(list(trainer.model.parameters())) - n_decay},
    ]
    assert res.meta["accumulation_steps"] == 3 and res.meta["optimizer_source"] == "created"
    assert res.rule == "falling"  # the Trainer's AdamW is adaptive


def test_bf16_autocast_is_on_during_the_sweep_only(trainer_factory):
    trainer = trainer_factory(bf16=True)
    seen = []  # read inside the model's forward (accelerate wraps forward itself, not __call__)
    trainer.model.classifier.register_forward_pre_hook(
        lambda m, a: seen.append(torch.is_autocast_enabled("cpu"))
    )
    res = find_lr(trainer, **SWEEP)
    assert res.meta["mixed_precision"] == "bf16" and seen and all(seen)
    seen.clear()
    trainer.model(input_ids=torch.ones(1, 4, dtype=torch.long))
    assert seen == [False]


def test_apply_sets_the_rate_the_trainer_then_trains_with(trainer_factory, step_log):
    trainer = trainer_factory(lr_scheduler_type="constant")
    res = find_lr(trainer, apply=True, **SWEEP)
    assert res.suggestion is not None and trainer.args.learning_rate == res.suggestion
    step_log.clear()
    trainer.train()
    assert step_log[0] == [res.suggestion, res.suggestion]


def test_apply_moves_a_given_optimizer_and_its_scheduler(trainer_factory, model_factory):
    model = model_factory()
    opt = torch.optim.AdamW(
        [{"params": model.bert.parameters()}, {"params": model.classifier.parameters(), "lr": 1e-2}], lr=1e-3
    )
    sched = LRScheduler(opt, "cosine(lr=1e-3, steps=100)")
    trainer = trainer_factory(model=model, optimizers=(opt, sched))
    res = find_lr(trainer, apply=True, **SWEEP)
    assert res.meta["optimizer_source"] == "given"
    assert trainer.optimizer is opt and trainer.lr_scheduler is sched
    s = res.suggestion
    assert opt.param_groups[0]["lr"] == pytest.approx(s) and opt.param_groups[1]["lr"] == pytest.approx(
        10 * s
    )
    assert sched.schedule(0) == pytest.approx(s) and sched.t == 0


def test_validation_mode_reads_the_eval_dataset(trainer_factory):
    trainer = trainer_factory(eval_data=True)
    res = find_lr(trainer, validation={"batches": 2}, **SWEEP)
    assert res.meta["loss"] == "val" and len(res.meta["train_losses"]) == res.steps


def test_bad_arguments_are_refused_before_anything_runs(trainer_factory):
    trainer, not_a_trainer = trainer_factory(), torch.nn.Linear(1, 1)
    before = _state(trainer)
    with pytest.raises(LRKitError, match="must be a transformers.Trainer; got Linear"):
        find_lr(not_a_trainer)
    with pytest.raises(LRKitError, match="unknown argument of lrkit.hf.find_lr 'accumulation_steps'"):
        find_lr(trainer, accumulation_steps=4)  # the Trainer's gradient_accumulation_steps decides
    with pytest.raises(LRKitError, match="`validation` of lrkit.hf.find_lr needs the Trainer's eval_dataset"):
        find_lr(trainer, validation=True)
    with pytest.raises(LRKitError, match="`repeats` of find_lr must be a positive integer"):
        find_lr(trainer, repeats=0)  # raised inside, after the Trainer's objects were prepared
    with pytest.raises(LRKitError, match="`update` of lrkit.hf.find_lr is set by the Trainer"):
        find_lr(trainer, update=None)
    with pytest.raises(LRKitError, match="`validation` of lrkit.hf.find_lr must be True, False or a mapping"):
        find_lr(trainer, validation={"each": 2})
    with pytest.raises(LRKitError, match="`batches` of Validation must be a positive integer"):
        find_lr(trainer, validation={"batches": 0})
    _assert_same(before, _state(trainer))
