"""A loop moved to the Autopilot that still calls its old ``scheduler.step()`` (a closed-form torch
scheduler, ``LambdaLR``): the scheduler rewrote the rate the Autopilot had set after every update, so the
ramp never happened (every update at the scheduler's 0.01), the Autopilot read a peak of 0.03 from a curve
it did not drive, and the run ended at MSE 0.015 instead of 1e-18, with no word (session-7 new-user probe,
``/work/notes/ux7/p16_autopilot_with_scheduler.py``). The Autopilot knows the rate it wrote; a different
one at the next ``step`` means something else drives the rate: ``step`` refuses with one ``LRKitError``
naming the group, both rates and the likely cause, before anything of that update is applied."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot

_X = torch.randn(512, 4, generator=torch.Generator().manual_seed(0))
_Y = _X @ torch.tensor([1.0, -2.0, 0.5, 3.0])


def _run(with_old_scheduler: bool) -> tuple[Autopilot, list[str]]:
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1.0)
    g = torch.Generator().manual_seed(1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ap = Autopilot(opt, budget=60, model=model)
        while not ap.done:
            i = torch.randint(0, 512, (32,), generator=g)
            opt.zero_grad()
            loss = ((model(_X[i]).squeeze(1) - _Y[i]) ** 2).mean()
            loss.backward()
            ap.step(loss)
            if with_old_scheduler:
                sched.step()
    return ap, [str(w.message) for w in caught]


def test_without_another_scheduler_nothing_is_said():
    ap, said = _run(False)
    # the Autopilot's word on a training loss that did not fall quotes its peak's reading (it says "rate")
    assert ap.total_steps == 60 and not [s for s in said if "rate" in s and "where it started" not in s]


def test_a_rate_changed_behind_the_autopilot_is_said():
    try:
        _, said = _run(True)
    except LRKitError as e:
        assert "rate" in str(e)
        return
    assert [s for s in said if "rate" in s and "Autopilot" in s]


def test_the_refusal_names_the_group_both_rates_and_applies_nothing():
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    ap = Autopilot(opt, budget=60, model=model)
    loss = ((model(_X[:32]).squeeze(1) - _Y[:32]) ** 2).mean()
    loss.backward()
    ap.step(loss)
    opt.param_groups[0]["lr"] = 0.5  # what an old scheduler's step() does
    before = [p.detach().clone() for p in model.parameters()]
    opt.zero_grad()
    loss = ((model(_X[:32]).squeeze(1) - _Y[:32]) ** 2).mean()
    loss.backward()
    said = r"^`optimizer` of Autopilot.step: param group 0's lr is 0.5, not the "
    with pytest.raises(LRKitError, match=said):
        ap.step(loss)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert ap.total_steps == 60 and len(ap.probe_lrs) == 1


def test_a_resumed_autopilot_does_not_mistake_its_own_rate():
    """state_dict / load_state_dict in a fresh Autopilot: the rate it restores is its own."""
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    ap = Autopilot(opt, budget=60, model=model)
    g = torch.Generator().manual_seed(1)

    def one(a, o):
        i = torch.randint(0, 512, (32,), generator=g)
        o.zero_grad()
        loss = ((model(_X[i]).squeeze(1) - _Y[i]) ** 2).mean()
        loss.backward()
        a.step(loss)

    for _ in range(30):
        one(ap, opt)
    saved, opt_saved = ap.state_dict(), opt.state_dict()
    opt2 = torch.optim.SGD(model.parameters(), lr=0.01)
    opt2.load_state_dict(opt_saved)
    ap2 = Autopilot(opt2, budget=60, model=model)
    ap2.load_state_dict(saved)
    while not ap2.done:
        one(ap2, opt2)
    assert ap2.done


def test_a_step_after_a_refused_first_loss_runs_at_the_probes_rate():
    """A non-finite first loss puts the user's rates back and raises; the next step is not 'something
    else writes the rate': the Autopilot writes its probe's first rate again and goes on from there."""
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    ap = Autopilot(opt, budget=60, model=model)
    first = ap.lr
    loss = (model(_X[:32]).squeeze(1) * float("nan")).mean()
    loss.backward()
    with pytest.raises(LRKitError, match=r"^`loss` of Autopilot.step must be finite at the first update"):
        ap.step(loss)
    assert opt.param_groups[0]["lr"] == 0.01  # the user's rate, as the message says
    opt.zero_grad()
    loss = ((model(_X[:32]).squeeze(1) - _Y[:32]) ** 2).mean()
    loss.backward()
    assert ap.step(loss) is True
    assert ap.probe_lrs == [first]
