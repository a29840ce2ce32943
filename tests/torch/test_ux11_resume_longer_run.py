"""Resuming with a longer (or shorter) schedule silently continues the saved one (session-11 new-user
probe, ux; ``/work/notes/ux11/REPORT.md``, D13).

"Train longer" with the Hugging Face Trainer: 40 updates with ``use_schedule(trainer, "cosine(lr=lr,
steps=total)")``, then ``max_steps=80`` and ``train(resume_from_checkpoint=".../checkpoint-40")``. The
Trainer builds the scheduler for 80 updates and loads the checkpoint's state into it; lrkit's
``LRScheduler.load_state_dict`` puts the saved 40-update schedule back (documented: "resuming continues
the saved run"), so all 40 added updates run at rate 0, without a word. With the Trainer's own
``lr_scheduler_type="cosine"`` the same resume follows the 80-update cosine (1.46e-4 at step 60;
``/work/notes/ux11/hf_extend.py``). torch's schedulers also restore their state (``T_max``), but a run's
length changed under a checkpoint is the one case a user must hear about. Expected: a warning naming both
lengths and the way to run the new schedule; none when the lengths agree (a plain resume, or a schedule
``retune`` rescaled).
"""

from __future__ import annotations

import warnings

import pytest
import torch

from lrkit.schedules import scale
from lrkit.torch import LRScheduler


def _saved(spec: str, steps: int) -> dict:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = LRScheduler(opt, spec)
    for _ in range(steps):
        opt.step()
        sched.step()
    return sched.state_dict()


def _load(spec: str, state: dict) -> list[warnings.WarningMessage]:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    sched = LRScheduler(opt, spec)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sched.load_state_dict(state)
    return caught


def test_a_checkpoint_of_a_shorter_run_loaded_into_a_longer_one_is_said():
    caught = _load("cosine(lr=0.1, steps=80)", _saved("cosine(lr=0.1, steps=40)", 40))
    assert len(caught) == 1
    words = str(caught[0].message)
    assert "40" in words and "80" in words and "last_step" in words


@pytest.mark.parametrize("spec", ["cosine(lr=0.1, steps=80)", "cosine(lr=0.3, steps=80)"])
def test_a_resume_of_the_same_run_says_nothing(spec):
    state = _saved("cosine(lr=0.1, steps=80)", 40)
    state["schedule"] = scale(LRScheduler(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1),
                                          "cosine(lr=0.1, steps=80)").schedule, 3.0).to_dict()  # retuned
    assert _load(spec, state) == []
