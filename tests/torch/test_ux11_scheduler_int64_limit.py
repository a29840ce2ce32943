"""``LRScheduler`` at the int64 limit of steps (ux11 observation, the schedules' step limit).

Before: ``last_step=2**63 - 1`` passed its check and crashed in numpy (``OverflowError: Python int
too large to convert to C long``) building the block of values after it; so did ``2**63 - 2``,
whose next step is the last int64 step.
"""

from __future__ import annotations

import pytest
import torch

from lrkit import LRKitError
from lrkit.errors import MAX_INT
from lrkit.schedules import cosine
from lrkit.torch import LRScheduler


def _opt() -> torch.optim.Optimizer:
    return torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)


def test_a_resume_at_the_last_int64_step_runs_the_final_value():
    opt = _opt()
    s = LRScheduler(opt, cosine(lr=0.1, steps=10, min_lr=0.01), last_step=MAX_INT - 1)
    assert s.t == MAX_INT and opt.param_groups[0]["lr"] == 0.01
    s.step(epoch=MAX_INT - 5)
    assert s.t == MAX_INT - 5 and opt.param_groups[0]["lr"] == 0.01


def test_a_resume_past_it_is_refused_naming_the_limit():
    limit = rf"`last_step` of LRScheduler must be an integer in \[-1, {MAX_INT - 1}\]"
    with pytest.raises(LRKitError, match=limit):
        LRScheduler(_opt(), cosine(lr=0.1, steps=10), last_step=MAX_INT)
    s = LRScheduler(_opt(), cosine(lr=0.1, steps=10))
    with pytest.raises(LRKitError, 
        match=rf"`epoch` of LRScheduler.step must be an integer in \[0, {MAX_INT}\]"
    ):
        s.step(epoch=MAX_INT + 1)
    assert s.t == 0
