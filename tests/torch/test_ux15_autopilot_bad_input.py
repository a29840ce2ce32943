"""Issue #15's bad input through the Autopilot: one line, and the model left exactly as it was (session-15
new-user probe, ux; ``/work/notes/ux15/REPORT.md`` D1, D3).

D1 (high). A NaN batch at the first update of a model with BatchNorm, ``Autopilot(opt, budget=200,
model=model)``: the refusal says "`loss` of Autopilot.step must be finite at the first update ... (nothing
was applied: the model and the optimizer's rates are as they were)", but the user's forward already put the
NaN into BatchNorm's running statistics (``running_mean``/``running_var`` NaN, ``num_batches_tracked`` 1),
and the Autopilot, which holds a snapshot of the buffers taken when it was built (and puts buffers back from
its snapshot when a later skipped batch does the same: docs/watch.md), leaves them so. A notebook user who
drops the bad batch and runs the loop again gets a run that ends ``done`` with no event and evaluates to a
NaN validation loss (``/work/notes/ux15/ap_nan_bn.py``: val_loss nan, against 0.2105 without the bad batch).
``find_lr`` on the same first batch refuses and puts the buffers back. Expected: after the refusal the
model's ``state_dict`` is bit for bit the one it had before the Autopilot was built.

D3 (medium). An optimizer built on another model (a copy made before a re-initialisation), ``model=`` not
given (the docs' loop does not need it): the loss's ``backward()`` was called, the model has gradients, yet
the refusal is "`loss` of Autopilot.step must come after loss.backward(): no parameter of the optimizer has a
gradient" -- a cause the user can see is false, and the real one (the optimizer holds parameters the loss does
not reach) unnamed. ``find_lr`` names it ("updates none of `model`'s 6 parameters (its 6 are another
module's)"). Expected: the one line names both causes (backward not called, or an optimizer built on other
parameters than the ones the loss depends on).
"""

from __future__ import annotations

import re

import pytest

torch = pytest.importorskip("torch")

import lrkit  # noqa: E402
from lrkit.torch import Autopilot  # noqa: E402


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(),
                               torch.nn.Linear(8, 1))


def _batch(nan: bool) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 4, generator=g)
    y = x.sum(1, keepdim=True)
    if nan:
        x = x.clone()
        x[0, 0] = float("nan")
    return x, y


def test_a_refused_nan_first_batch_leaves_the_models_buffers_as_they_were():
    torch.set_num_threads(1)
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    ap = Autopilot(opt, budget=200, model=model)
    x, y = _batch(nan=True)
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    with pytest.raises(lrkit.LRKitError, match="must be finite at the first update"):
        ap.step(loss)
    after = model.state_dict()
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert not changed, changed


def test_an_optimizer_of_another_model_is_named_not_a_forgotten_backward():
    torch.set_num_threads(1)
    model, other = _model(), _model()
    ap = Autopilot(torch.optim.SGD(other.parameters(), lr=0.1), budget=100)
    x, y = _batch(nan=False)
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    with pytest.raises(lrkit.LRKitError) as info:
        ap.step(loss)
    msg = str(info.value)
    assert len(msg.splitlines()) == 1
    assert re.search(r"another (model|module)|other parameters|(does not|doesn't) (reach|depend)"
                     r"|parameters the loss", msg), msg


@pytest.mark.parametrize("fault", ["loss", "gradient"])
def test_a_refusal_without_model_says_what_it_could_not_put_back(fault):
    """Without ``model=`` the Autopilot cannot know the model's buffers, so it cannot put back what the
    refused batch's forward wrote into them: its words must not say the model is as it was (session-16
    review of D1's fix, 89dc441); with ``model=`` they say so, and it is true (the test above)."""
    torch.set_num_threads(1)
    model = _model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    ap = Autopilot(opt, budget=200)
    x, y = _batch(nan=fault == "loss")
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    loss.backward()
    if fault == "gradient":
        next(model.parameters()).grad[0, 0] = float("inf")
    with pytest.raises(lrkit.LRKitError, match="at the first update") as info:
        ap.step(loss)
    msg = str(info.value)
    assert len(msg.splitlines()) == 1
    assert "the model and the optimizer's rates are as they were" not in msg
    assert "no update was applied" in msg and "model=" in msg and "buffers" in msg
    after = model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before if "running" not in k and "batches" not in k)
    assert [g["lr"] for g in opt.param_groups] == [0.1]
