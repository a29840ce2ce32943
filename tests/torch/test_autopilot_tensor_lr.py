"""A tensor rate (``lr=torch.tensor(...)``, what a compiled or capturable optimizer step reads) stays the
user's tensor object through every path of the Autopilot that writes or restores a rate: a refused first
loss puts its value back, a rollback and a ramp's rewind keep the object, and the rate written is read
through it (``tests/torch/test_ux8_tensor_lr.py`` runs a whole budget)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.torch import Autopilot, AutopilotPolicy  # noqa: E402

from ._autopilot_run import regression  # noqa: E402


def _setup(optimizer: str = "adam"):
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 1)
    lr = torch.tensor(0.01)
    opt = (torch.optim.Adam(model.parameters(), lr=lr) if optimizer == "adam"
           else torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9))
    return model, opt, lr


def test_a_refused_first_loss_puts_the_tensor_rates_value_back():
    model, opt, lr = _setup()
    ap = Autopilot(opt, budget=100, model=model)
    assert opt.param_groups[0]["lr"] is lr and float(lr) == ap.lr != 0.01  # the probe's first rate, in place
    loss = model(torch.ones(1, 8)).sum() * float("nan")
    loss.backward()
    with pytest.raises(LRKitError, match="must be finite"):
        ap.step(loss)
    assert opt.param_groups[0]["lr"] is lr and float(lr) == pytest.approx(0.01)


def test_a_rollback_and_the_ramps_rewind_keep_the_tensor_object():
    model, opt, lr = _setup("sgd")
    ap = Autopilot(opt, budget=120, model=model, policy=AutopilotPolicy(snapshot_every=10))
    x, y = regression()
    g = torch.Generator().manual_seed(1)
    step = 0
    while not ap.done:
        opt.zero_grad()
        i = torch.randint(0, len(x), (32,), generator=g)
        loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
        loss.backward()
        if step in (80, 81):  # two NaN gradients in a row: the second rolls back
            model.weight.grad[0, 0] = float("nan")
        ap.step(loss)
        step += 1
        assert opt.param_groups[0]["lr"] is lr and float(lr) == ap.lr
    assert any(e.get("action") == "rolled back" for e in ap.events)
