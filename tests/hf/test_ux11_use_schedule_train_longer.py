"""Resuming a ``use_schedule`` run with a larger ``max_steps`` ("train longer") ran every added update at
rate 0 (session-11 new-user probe, ux; ``/work/notes/ux11/REPORT.md``, D13).

40 updates with ``use_schedule(trainer, "cosine(lr=lr, steps=total)")`` and a checkpoint at 40, then the
same script with ``max_steps=80`` and ``train(resume_from_checkpoint=".../checkpoint-40")``: the Trainer
built the scheduler for 80 updates, then loaded the checkpoint's state, whose 40-update schedule replaced
it (``LRScheduler.load_state_dict``: "resuming continues the saved run"), so updates 40..79 all ran at 0,
without a word (the Trainer swallows a lone warning raised inside its ``load_state_dict``). With the
Trainer's own ``lr_scheduler_type="cosine"`` the resume follows the 80-update cosine (1.46e-4 at step 60):
a ``LambdaLR``'s state holds no lambda, so the schedule is the one bound to the run.
Expected: as the Trainer's own, the resumed run follows the spec bound to its new numbers from the saved
step; an unchanged run still resumes bit for bit (``test_hf_schedule.py``).
"""

from __future__ import annotations

import math

import pytest

from lrkit.hf import use_schedule


def test_a_longer_resumed_run_follows_the_schedule_bound_to_it(trainer_factory, step_log, tmp_path):
    spec = "cosine(lr=lr, steps=total)"
    first = use_schedule(trainer_factory(max_steps=8, save_strategy="steps", save_steps=8), spec)
    first.train()
    step_log.clear()
    longer = use_schedule(trainer_factory(max_steps=16), spec)
    longer.train(resume_from_checkpoint=str(tmp_path / "out" / "checkpoint-8"))
    want = [0.5e-3 * (1 + math.cos(math.pi * t / 16)) for t in range(8, 16)]  # cosine over the 16 updates
    assert [lrs[0] for lrs in step_log] == pytest.approx(want, rel=1e-9)
