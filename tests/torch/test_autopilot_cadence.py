"""Without a budget the Autopilot diagnoses its run every ``check_every`` updates, not every update.

Each diagnosis reads the whole held history, so one per update made a run without a budget cost
O(updates x history): 3,000 updates of a linear model took 22 s of CPU, nearly all of it in diagnoses
whose verdict was thrown away between checks.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import lrkit.diagnostics._monitor as monitor_module  # noqa: E402
from lrkit.torch import Autopilot, AutopilotPolicy  # noqa: E402

from ._autopilot_run import regression  # noqa: E402

CHECK_EVERY = 50
UPDATES = 200


def test_a_run_without_a_budget_diagnoses_once_per_check(monkeypatch):
    calls = []
    real = monitor_module.diagnose

    def counted(*args, **kwargs):  # a spy: the real diagnosis, counted
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(monitor_module, "diagnose", counted)
    x, y = regression(noise=1.0)
    model = torch.nn.Linear(8, 1)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    ap = Autopilot(opt, model=model, probe_steps=40, policy=AutopilotPolicy(check_every=CHECK_EVERY))
    g = torch.Generator().manual_seed(1)
    for _ in range(UPDATES):
        opt.zero_grad()
        i = torch.randint(0, len(x), (16,), generator=g)
        loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
        loss.backward()
        ap.step(loss)
    assert ap.total_steps is None and ap.phase == "main"
    assert 0 < len(calls) <= UPDATES // CHECK_EVERY, len(calls)
