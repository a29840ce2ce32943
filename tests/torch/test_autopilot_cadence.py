"""Without a budget the Autopilot diagnoses its run every ``check_every`` updates, not every update.

Each diagnosis reads the whole held history, so one per update made a run without a budget cost
O(updates x history): 3,000 updates of a linear model took 22 s of CPU, nearly all of it in diagnoses
whose verdict was thrown away between checks.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import lrkit.diagnostics._monitor as monitor_module  # noqa: E402
from lrkit.torch import AutopilotPolicy  # noqa: E402

from ._autopilot_run import run  # noqa: E402

CHECK_EVERY = 50
UPDATES = 200


def test_a_run_without_a_budget_diagnoses_once_per_check(monkeypatch):
    calls = []
    real = monitor_module.diagnose

    def counted(*args, **kwargs):  # a spy: the real diagnosis, counted
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(monitor_module, "diagnose", counted)
    ap, *_ = run(None, max_updates=UPDATES, probe_steps=40, policy=AutopilotPolicy(check_every=CHECK_EVERY))
    assert ap.total_steps is None and ap.phase == "main"
    # per check at most two: the monitor's own refresh after every CHECK_EVERY observations, and the check's
    # read one observation later (it diagnoses everything observed)
    assert 0 < len(calls) <= 2 * (UPDATES // CHECK_EVERY), len(calls)
