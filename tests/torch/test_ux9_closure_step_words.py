"""An optimizer whose ``step`` needs a closure but declares ``closure=None`` (SAM as most users copy it,
davda54/sam: ``assert closure is not None, "Sharpness Aware Minimization requires closure ..."``), so
lrkit's closure check (LBFGS: a required ``closure``) lets it through. Session-9 new-user probe
``/work/notes/ux9/p13_sam.py``: ``find_lr`` says "the first update of find_lr failed (AssertionError: ...
requires closure ...): check that the batches of `train_loader` fit the model and `loss_fn` (shapes,
dtypes, class indices)", advice about the batches for a failure inside ``optimizer.step()``; the
Autopilot's ``step`` lets the bare ``AssertionError`` out. Expected: a failure raised by
``optimizer.step()`` is said to be the optimizer's (``find_lr``: and the ``Update(step=f)`` way out its
LBFGS message gives), the Autopilot's as one ``LRKitError`` naming `optimizer`; nothing applied."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot, find_lr

_X = torch.randn(128, 8, generator=torch.Generator().manual_seed(0))
_Y = (_X[:, :2].sum(1) > 0).long()
_LOADER = [(_X[i:i + 32], _Y[i:i + 32]) for i in range(0, 128, 32)]


class ClosureSGD(torch.optim.SGD):
    """SGD whose step asserts a closure, as SAM's does (the closure is not needed here)."""

    @torch.no_grad()
    def step(self, closure=None):
        assert closure is not None, "this optimizer requires closure, but it was not provided"
        with torch.enable_grad():
            closure()
        return super().step()


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))


def test_find_lr_refuses_and_leaves_the_model_as_it_was():
    model = _model()
    before = copy.deepcopy(model.state_dict())
    with pytest.raises(LRKitError):
        find_lr(model, ClosureSGD(model.parameters(), lr=0.1), nn.functional.cross_entropy, _LOADER)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_find_lr_says_the_failure_is_the_optimizer_step():
    model = _model()
    with pytest.raises(LRKitError) as info:
        find_lr(model, ClosureSGD(model.parameters(), lr=0.1), nn.functional.cross_entropy, _LOADER)
    assert "batches of `train_loader` fit" not in str(info.value)
    assert "optimizer" in str(info.value) and "Update(step=" in str(info.value)


def test_the_autopilot_names_the_optimizer_and_applies_nothing():
    model = _model()
    opt = ClosureSGD(model.parameters(), lr=0.1)
    ap = Autopilot(opt, model=model, budget=32)
    before = copy.deepcopy(model.state_dict())
    loss = nn.functional.cross_entropy(model(_X[:32]), _Y[:32])
    loss.backward()
    with pytest.raises(LRKitError, match="`optimizer`"):
        ap.step(loss)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
