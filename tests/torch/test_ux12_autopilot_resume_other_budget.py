"""An Autopilot resumed with another budget is refused, not run on the saved one in silence (session-12
new-user probe, ux; ``/work/notes/ux12/REPORT.md``, D5; ``torch/_autopilot_state.py``).

"Train longer": a run saved at update 150 of ``budget=300`` is resumed as ``Autopilot(opt, budget=600,
model=m); ap.load_state_dict(saved)``. The loop ``while not ap.done`` stops at update 300, and
``ap.budget`` then read 300: the budget the user gave was replaced by the saved one without a word
(the same with 100 or ``None``). A resume whose budget differs from the saved one is now refused with one
``LRKitError`` naming both budgets, before anything is loaded (the saved run's probe and schedule were
laid out for its budget).
"""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot


def _run(budget, updates, state=None):
    torch.manual_seed(1)
    model = nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ap = Autopilot(opt, budget=budget, model=model)
    if state is not None:
        ap.load_state_dict(state)
    g = torch.Generator().manual_seed(0)
    for _ in range(updates):
        x = torch.randn(32, 4, generator=g)
        opt.zero_grad()
        loss = ((model(x).squeeze(1) - x.sum(1)) ** 2).mean()
        loss.backward()
        ap.step(loss)
    return ap


@pytest.mark.parametrize("budget", [600, 100, None])
def test_a_resume_with_another_budget_is_refused_before_anything_is_loaded(budget):
    saved = _run(300, 150).state_dict()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fresh = _run(budget, 0)
    before = (fresh.budget, fresh.phase, fresh.t, fresh.lr)
    with pytest.raises(LRKitError, match=rf"budget=300, not this Autopilot's budget={budget}"):
        fresh.load_state_dict(saved)
    assert (fresh.budget, fresh.phase, fresh.t, fresh.lr) == before


def test_a_resume_with_the_saved_budget_goes_on():
    saved = _run(300, 150).state_dict()
    ap = _run(300, 0, saved)
    assert (ap.budget, ap.t + ap.probe_steps + ap.race_steps) == (300, 150)
