"""``torch.optim.Rprop`` reads ``lr`` once: its first step sets each weight's step size to ``lr``, and from
then on the step sizes follow the gradient signs (``etas``, ``step_sizes``), whatever the group's ``lr``
says (torch's own code; measured: a rate multiplied by 1000 after 20 updates changes nothing, session-9
new-user probe ``/work/notes/ux9/p2b_rprop.py``). So a sweep of ``lr`` after the first update sweeps
nothing: ``find_lr`` answers 0.18 "one third across the valley" of a curve that is Rprop's own descent,
and the Autopilot's probe, ramp and decay drive a rate the optimizer ignores, except that its rollback to
a pre-probe snapshot re-seeds the step sizes at its peak (2.96): the run ends at full-data loss 2.1
where Rprop left alone at lr=0.01 ends at 0.046. Either refuse (one ``LRKitError`` naming Rprop) or warn
naming it; the test accepts both.

torch's ``Adafactor`` reads ``lr`` as a cap: its relative step is ``rho_t = min(lr, 1/sqrt(t))``
(``torch/optim/_adafactor.py``). In a default sweep (1e-7 to 10 over 100 updates) every rate from update
76 on (0.12 to 10) runs at the cap, about 0.1: a quarter of the curve is drawn at rates that were not run,
the sweep cannot blow up ("completed"), and the suggestion (0.26 in the probe) sits in that part."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot, find_lr

_X = torch.randn(256, 8, generator=torch.Generator().manual_seed(0))
_Y = (_X[:, :2].sum(1) > 0).long()
_LOADER = [(_X[i:i + 32], _Y[i:i + 32]) for i in range(0, 256, 32)]


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))


def _said_or_refused(call, name: str = "Rprop") -> bool:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = call()
        except LRKitError as e:
            return name in str(e)
    return any(name in str(w.message) for w in caught) or name in str(getattr(result, "reason", ""))


def test_rprop_ignores_the_group_rate_after_its_first_step():
    runs = []
    for late_factor in (1.0, 1000.0):
        model = _model()
        opt = torch.optim.Rprop(model.parameters(), lr=0.01)
        for i in range(40):
            if i == 5:
                for group in opt.param_groups:
                    group["lr"] *= late_factor
            opt.zero_grad()
            nn.functional.cross_entropy(model(_LOADER[i % 8][0]), _LOADER[i % 8][1]).backward()
            opt.step()
        runs.append([p.detach().clone() for p in model.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*runs))


def test_find_lr_says_rprop_ignores_the_swept_rate():
    model = _model()
    opt = torch.optim.Rprop(model.parameters(), lr=0.01)
    assert _said_or_refused(lambda: find_lr(model, opt, nn.functional.cross_entropy, _LOADER, interval=False))


def test_the_autopilot_says_rprop_ignores_its_rate():
    model = _model()
    opt = torch.optim.Rprop(model.parameters(), lr=0.01)

    def run():
        ap = Autopilot(opt, model=model, budget=40)
        for i in range(40):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(_LOADER[i % 8][0]), _LOADER[i % 8][1])
            loss.backward()
            ap.step(loss)

    assert _said_or_refused(run)


@pytest.mark.skipif(not hasattr(torch.optim, "Adafactor"), reason="torch without Adafactor")
def test_find_lr_says_adafactor_caps_the_swept_rate():
    model = _model()
    opt = torch.optim.Adafactor(model.parameters(), lr=1e-2)
    assert _said_or_refused(lambda: find_lr(model, opt, nn.functional.cross_entropy, _LOADER, interval=False),
                            "Adafactor")
