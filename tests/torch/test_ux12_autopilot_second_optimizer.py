"""``Autopilot(opt, model=m)`` where a second optimizer trains the rest of ``m`` (ux12 L6,
``/work/notes/ux12/ap_setups.py``).

The check guards the snapshots: a rollback puts back the optimizer's parameters and ``model``'s
buffers, so a trainable parameter of ``model`` outside the optimizer would keep its value through a
rollback while the buffers beside it go back (or was left out by mistake and never trains). Its message
offered two ways out: give the optimizer every parameter, or ``requires_grad=False`` on the others; with
a second optimizer (a GAN, a separate head optimizer) the second would freeze what that optimizer
trains. It now names the way out that works there: ``model=`` the submodule this optimizer trains (or
one optimizer with a param group per part); the test runs it.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot


def _model():
    torch.manual_seed(0)
    return nn.Sequential(nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU()),
                         nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 2)))


def test_the_refusal_names_a_way_out_that_keeps_the_other_optimizer_training():
    m = _model()
    opt1 = torch.optim.SGD(m[0].parameters(), lr=0.1, momentum=0.9)
    torch.optim.Adam(m[1].parameters(), lr=1e-3)  # owns the rest
    with pytest.raises(LRKitError, match=r"^`model` of Autopilot has 6 trainable parameters") as e:
        Autopilot(opt1, budget=40, model=m)
    said = str(e.value)
    assert "another optimizer" in said and "model= the submodule" in said, said
    assert "\n" not in said


def test_the_named_way_out_runs_both_optimizers():
    m = _model()
    opt1 = torch.optim.SGD(m[0].parameters(), lr=0.1, momentum=0.9)
    opt2 = torch.optim.Adam(m[1].parameters(), lr=1e-3)
    ap1, ap2 = Autopilot(opt1, budget=40, model=m[0]), Autopilot(opt2, budget=40, model=m[1])
    g = torch.Generator().manual_seed(1)
    x = torch.randn(256, 4, generator=g)
    y = (x[:, 0] > 0).long()
    before = [p.detach().clone() for p in m.parameters()]
    while not ap1.done:
        i = torch.randint(0, 256, (32,), generator=g)
        opt1.zero_grad()
        opt2.zero_grad()
        loss = nn.functional.cross_entropy(m(x[i]), y[i])
        loss.backward()
        ap1.step(loss)
        ap2.step(loss)
    assert ap1.done and ap2.done and ap1.peak > 0 and ap2.peak > 0
    assert all(not torch.equal(p, b) for p, b in zip(m.parameters(), before))  # both halves trained
