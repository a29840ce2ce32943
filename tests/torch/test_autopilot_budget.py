"""``Autopilot``: the budget is a guarantee. Every update the run makes (a ramp's, a rolled-back
probe's, a skipped one's) is paid from it, so a loop ``while not ap.done`` makes exactly ``budget``
updates, and ``train_autopilot`` exactly the ``budget`` it is given (regression: a ramp that
undid its updates above the peak once added them back, 540 updates on a budget of 500)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrkit.tasks import train_autopilot  # noqa: E402
from lrkit.torch import Autopilot  # noqa: E402

from ._autopilot_run import regression  # noqa: E402


def _updates(budget: int, probe: str, optimizer: str, nan_at: int | None = None) -> tuple[Autopilot, int]:
    """Run a loop ``while not ap.done`` on a regression; return the Autopilot and the updates made."""
    torch.manual_seed(0)
    x, y = regression()
    model = torch.nn.Linear(x.shape[1], 1)
    opt = (torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.9) if optimizer == "sgd"
           else torch.optim.Adam(model.parameters()))
    ap = Autopilot(opt, budget=budget, model=model, probe=probe)
    g = torch.Generator().manual_seed(1)
    n = 0
    while not ap.done:
        assert n < 2 * budget, "the run does not end"
        opt.zero_grad()
        i = torch.randint(0, len(x), (32,), generator=g)
        loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
        loss.backward()
        if n == nan_at:
            next(model.parameters()).grad[0, 0] = float("nan")
        ap.step(loss)
        n += 1
    return ap, n


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("probe", ["ramp", "rollback"])
@pytest.mark.parametrize("budget", [16, 50, 137, 500])
def test_a_run_makes_exactly_its_budget_of_updates(budget, probe, optimizer):
    ap, n = _updates(budget, probe, optimizer)
    assert n == budget == ap.total_steps
    assert ap.main_steps == budget - ap.probe_steps - ap.race_steps
    # The ramp's probe goes past the peak: those updates are undone, and still paid from the budget.
    assert ap.peak < max(ap.probe_lrs)


def test_a_fault_in_the_main_phase_is_paid_from_the_budget_too():
    ap, n = _updates(200, "ramp", "sgd", nan_at=120)
    assert any("fault" in e for e in ap.events) and n == 200 == ap.total_steps


def test_train_autopilot_makes_exactly_its_budget_of_updates():
    r = train_autopilot("diabetes-linear", budget=80)
    assert r.steps == r.budget == 80 == r.autopilot["total_steps"] == len(r.history)
