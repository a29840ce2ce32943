"""Which rate wins (issue 18 item 4): the schedule's over the optimizer's own ``lr``, with a warning
when the two disagree, never a silent replacement (docs/schedule.md, "Which rate wins")."""

from __future__ import annotations

import warnings

import pytest
import torch

from lrkit import RateConflictWarning
from lrkit.torch import LRScheduler


def _params():
    return [torch.nn.Parameter(torch.zeros(3))]


def test_a_schedule_that_disagrees_with_the_optimizer_warns_and_wins():
    # The reported case: AdamW built with 1e-3 plus a schedule peaking at 3e-4 ran at 3e-4, no word.
    opt = torch.optim.AdamW(_params(), lr=1e-3)
    spec = "warmup(cosine(lr=3e-4, steps=900), steps=100)"
    with pytest.warns(RateConflictWarning) as caught:
        sched = LRScheduler(opt, spec)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "lr=0.001" in message and "peaks at 0.0003" in message and "the schedule's rate is used" in message
    for _ in range(100):
        opt.step()
        sched.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(3e-4)  # the schedule's rate runs


@pytest.mark.parametrize(
    ("opt_lr", "spec"),
    [(3e-4, "warmup(cosine(lr=3e-4, steps=900), steps=100)"),  # the README's loop
     (0.1, "cosine(lr=0.1, steps=100)"),
     (0.1005, "cosine(lr=0.1, steps=100)"),  # within RATE_TOLERANCE: written to a few digits
     (0.1, "one_cycle(max_lr=0.1, steps=100)"),
     (0.1, "constant(lr=0.1)")],
)
def test_agreeing_rates_are_silent(opt_lr, spec):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LRScheduler(torch.optim.SGD(_params(), lr=opt_lr), spec)


def test_a_resumed_optimizer_is_compared_by_its_initial_rate():
    # After optimizer.load_state_dict the group holds a mid-run rate; its initial_lr is the built one.
    opt = torch.optim.SGD(_params(), lr=0.1)
    first = LRScheduler(opt, "cosine(lr=0.1, steps=100)")
    for _ in range(50):
        opt.step()
        first.step()
    again = torch.optim.SGD(_params(), lr=0.1)
    again.load_state_dict(opt.state_dict())
    assert again.param_groups[0]["lr"] == pytest.approx(0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resumed = LRScheduler(again, "cosine(lr=0.1, steps=100)")
    resumed.load_state_dict(first.state_dict())
    assert again.param_groups[0]["lr"] == pytest.approx(0.05)


def test_other_keys_are_not_rates():
    opt = torch.optim.SGD(_params(), lr=0.1, momentum=0.9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LRScheduler(opt, "linear(start=0.85, end=0.95, steps=10)", key="momentum")
