"""ux16 L3: ``Autopilot.step`` after the budget is spent trains nothing; it says so, once.

A loop written ``for epoch ...: for batch ...: ap.step(loss)`` with more batches than ``budget`` went on
computing forward and backward passes that trained nothing, with no word (``step`` returned False, as
its docstring says). The budget is never exceeded (every update is paid from it), so the step still
applies nothing; the first step after ``done`` warns, naming the budget and the way to end the loop
(``while not ap.done``), and later ones stay quiet (one warning per Autopilot, as a loop would repeat it
every batch).
"""

from __future__ import annotations

import warnings

import pytest

torch = pytest.importorskip("torch")

from lrkit.torch import Autopilot  # noqa: E402


def _finished(budget: int = 40) -> tuple[Autopilot, torch.nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    x, model = torch.randn(64, 3), torch.nn.Linear(3, 1)
    y = x @ torch.tensor([1.0, -2.0, 0.5])
    ap = Autopilot(torch.optim.Adam(model.parameters()), budget=budget, model=model)
    while not ap.done:
        ap.optimizer.zero_grad()
        loss = ((model(x).squeeze(1) - y) ** 2).mean()
        loss.backward()
        ap.step(loss)
    return ap, model, x, y


def _step(ap: Autopilot, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> bool:
    ap.optimizer.zero_grad()
    loss = ((model(x).squeeze(1) - y) ** 2).mean()
    loss.backward()
    return ap.step(loss)


def test_a_step_after_the_budget_warns_once_and_applies_nothing():
    ap, model, x, y = _finished()
    before = [p.detach().clone() for p in model.parameters()]
    with pytest.warns(UserWarning, match=r"budget of 40 updates is spent.*while not ap\.done"):
        assert _step(ap, model, x, y) is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the second and later steps: no warning
        assert _step(ap, model, x, y) is False and _step(ap, model, x, y) is False
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert ap.done and ap.total_steps == 40


def test_a_loop_that_stops_at_done_hears_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ap, *_ = _finished()
    assert ap.done
