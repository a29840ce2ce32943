"""An Autopilot without a budget reads every stall as a plateau to decay (``REACT_POLICY``).

``diagnose``'s default asks a stall to have fallen more than ``plateau_drop`` times the noise of one
loss before it says "decay" (a user's rate may be too low: ux15 D10). The Autopilot's rate is its own
probe's reading near the best, where a stall is the noise floor its decays anneal, so its monitor reads
with that test off, as its figures were measured.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrkit.diagnostics import DiagnosePolicy, Monitor  # noqa: E402
from lrkit.torch._autopilot_phases import REACT_POLICY  # noqa: E402


def _noisy_stall(monitor: Monitor) -> tuple[str, ...]:
    t = np.arange(400)
    y = 1.0 + np.exp(-t / 40.0) + 0.05 * np.random.default_rng(0).standard_normal(400)
    for i, v in enumerate(y):
        monitor.observe(i, float(v), 0.1)
    return monitor.diagnosis.fired


def test_the_autopilot_reads_a_noisy_stall_as_a_plateau_where_diagnose_cannot_tell():
    assert REACT_POLICY == DiagnosePolicy(plateau_drop=0.0)
    assert "plateau" in _noisy_stall(Monitor(every=400, capacity=512, policy=REACT_POLICY))
    assert "plateau" not in _noisy_stall(Monitor(every=400, capacity=512))
