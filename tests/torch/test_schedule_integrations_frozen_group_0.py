"""A run-relative spec on an optimizer whose group 0 is frozen at ``lr=0`` (a fine-tune's backbone listed
first): ``lrkit.lightning.configure_optimizers`` and ``lrkit.hf.use_schedule`` bind ``lr`` to the first group
above 0 (``schedule_rate``), but built ``LRScheduler`` without ``group_scales``, which refuses that optimizer
("`group_scales` of LRScheduler must be given when param group 0 has lr = 0"): ``use_schedule`` has no way
to pass them, so no spec could run. Both now give the scales to the first group above 0, as the advice's
Python line writes them (``group_scales=[0.0, 1.0, ...]``): group 0 stays at 0, the others keep their
ratios."""

from __future__ import annotations

import pytest
import torch

from lrkit.lightning import configure_optimizers


def _frozen_first() -> torch.optim.Optimizer:
    body, head, extra = torch.nn.Linear(4, 8), torch.nn.Linear(8, 2), torch.nn.Linear(2, 2)
    return torch.optim.SGD([{"params": body.parameters(), "lr": 0.0},
                            {"params": head.parameters(), "lr": 0.1},
                            {"params": extra.parameters(), "lr": 0.01}])


def test_configure_optimizers_runs_the_spec_on_the_first_group_above_0():
    opt = _frozen_first()
    cfg = configure_optimizers(torch.nn.Linear(1, 1), opt, "cosine(lr=lr, steps=10)")
    sched = cfg["lr_scheduler"]["scheduler"]
    assert sched.group_scales == pytest.approx((0.0, 1.0, 0.1))
    assert [g["lr"] for g in opt.param_groups] == [0.0, 0.1, pytest.approx(0.01)]
    for _ in range(5):
        opt.step()
        sched.step()
    assert [g["lr"] for g in opt.param_groups] == [0.0, pytest.approx(0.05), pytest.approx(0.005)]


def test_scales_the_user_gives_are_kept():
    opt = _frozen_first()
    cfg = configure_optimizers(torch.nn.Linear(1, 1), opt, "constant(lr=lr)", group_scales=[0.0, 1.0, 1.0])
    assert cfg["lr_scheduler"]["scheduler"].group_scales == (0.0, 1.0, 1.0)


def test_use_schedule_runs_the_spec_on_the_first_group_above_0(tmp_path):
    pytest.importorskip("transformers")
    from transformers import Trainer, TrainingArguments

    from lrkit.hf import use_schedule

    model = torch.nn.Linear(2, 1)
    opt = _frozen_first()
    args = TrainingArguments(str(tmp_path), learning_rate=0.5, use_cpu=True, report_to=[])
    trainer = Trainer(model=model, args=args, optimizers=(opt, None))
    use_schedule(trainer, "cosine(lr=lr, steps=total)")
    trainer.create_scheduler(num_training_steps=10, optimizer=opt)
    assert trainer.lr_scheduler.group_scales == pytest.approx((0.0, 1.0, 0.1))
    assert trainer.lr_scheduler.schedule(0) == 0.1
