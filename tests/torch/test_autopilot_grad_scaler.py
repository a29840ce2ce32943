"""The Autopilot with the loop's loss scaler (``Autopilot(..., scaler=)``): an update whose loss is finite
but whose gradients overflowed is the step the scaler skips, not a fault: nothing applied, recorded or paid,
the same rate tried again; without the scaler such a first update is refused naming it
(``test_ux9_autopilot_grad_scaler.py``); past ``MAX_AMP_SKIPS`` in a row the gradients are a fault."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot

_X = torch.randn(512, 8, generator=torch.Generator().manual_seed(0))
_Y = (_X[:, :2].sum(1) > 0).long()
_BUDGET = 120


def parts(init_scale: float) -> tuple[nn.Module, torch.optim.Optimizer, torch.amp.GradScaler, Autopilot]:
    """A seeded model, its SGD, a loss scaler from ``init_scale`` and the Autopilot driving them."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    scaler = torch.amp.GradScaler("cpu", init_scale=init_scale)
    return model, opt, scaler, Autopilot(opt, model=model, budget=_BUDGET, scaler=scaler)


def advance(model, opt, scaler, ap, calls: int, until: int, *, unscale: bool = False) -> int:
    """The mixed-precision loop from call ``calls`` until ``until`` or the budget's end; the calls made."""
    while calls < until and not ap.done:
        rows = slice(32 * (calls % 16), 32 * (calls % 16) + 32)
        calls += 1
        with torch.autocast("cpu", dtype=torch.float16):
            loss = nn.functional.cross_entropy(model(_X[rows]), _Y[rows])
        opt.zero_grad()
        scaler.scale(loss).backward()
        if unscale:
            scaler.unscale_(opt)
        ap.step(loss)
        scaler.update()
    return calls


def _run(init_scale: float, *, unscale: bool = True) -> tuple[Autopilot, nn.Module, int]:
    model, opt, scaler, ap = parts(init_scale)
    calls = advance(model, opt, scaler, ap, 0, 10**6, unscale=unscale)
    return ap, model, calls


@pytest.mark.parametrize("unscale", [True, False], ids=["loop-unscales", "step-unscales"])
def test_the_scalers_overflows_are_skipped_and_the_peak_is_the_one_without_them(unscale):
    reference, _, _ = _run(1.0)
    ap, model, calls = _run(2.0**24, unscale=unscale)
    assert reference.amp_skips == 0 and ap.amp_skips > 0 and calls == _BUDGET + ap.amp_skips
    assert ap.events[0]["peak"] == pytest.approx(reference.events[0]["peak"], rel=0.5)
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_gradients_that_stay_non_finite_are_a_fault_after_max_amp_skips():
    w = nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([w], lr=0.1)
    scaler = torch.amp.GradScaler("cpu")
    ap = Autopilot(opt, budget=40, scaler=scaler)
    applied = []
    with pytest.raises(LRKitError, match="the gradients must be finite at the first update"):
        for _ in range(40):
            opt.zero_grad()
            loss = w.abs().sqrt().sum()  # finite (0), its gradient at 0 is not
            scaler.scale(loss).backward()
            applied.append(ap.step(loss))
            scaler.update()
    assert applied == [False] * ap.amp_skips and ap.amp_skips == 16 and torch.equal(w, torch.zeros(2))


def test_a_scaler_that_is_no_scaler_is_refused_by_name():
    model = nn.Linear(2, 1)
    with pytest.raises(LRKitError, match="^`scaler` of Autopilot must be the loop's loss scaler"):
        Autopilot(torch.optim.SGD(model.parameters(), lr=0.1), scaler=1.0)
