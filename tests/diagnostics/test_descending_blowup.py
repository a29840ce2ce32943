"""An early blow-up followed by a descent still under way (``DiagnosePolicy.blowup_descending_z``, opt-in).

Live, a Watchdog's first reports read the catapult of plain SGD or a fine-tuning at its best rate (a
jump of 10-100x on the first updates) before its descent has settled: the level it settles at is what
tells it from a rate too high, and a history still falling has not reached it. With the opt-in such a
reading is ``uncertain``, naming ``too_high_diverging`` and what to watch in the next reports; by
default (1e9: off) it commits, as before. ``Diagnosis.fired`` is unchanged either way.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit.diagnostics import DiagnosePolicy, decide, measure

_T = np.arange(50)


def _first_report(seed: int = 0) -> np.ndarray:
    """A Watchdog's first 50 losses: a 10x jump on the first updates, then a descent still falling."""
    y = 0.2 + 1.0 * np.exp(-_T / 30) + 0.04 * np.random.default_rng(seed).standard_normal(_T.size)
    y[1:4] = [8.0, 10.0, 5.0]
    return y


@pytest.mark.parametrize("seed", range(3))
def test_a_blowup_whose_descent_is_under_way_is_uncertain_with_the_opt_in(seed):
    m = measure(_first_report(seed))
    # still falling, below its first loss, and short of the 30 s.e. that count as recovered
    assert m.pace.z_half > 5.0 and -30.0 < m.shape.end_z < -2.0
    before = decide(m)
    assert before.verdict == "too_high_diverging" and before.direction == "lower"
    d = decide(m, policy=DiagnosePolicy(blowup_descending_z=5.0))
    assert d.verdict == "uncertain" and d.direction == "none"
    assert d.runner_up == "too_high_diverging" and d.fired == before.fired
    assert d.evidence[0].statistic == "early_spikes"
    assert "still falling" in d.recommendation and "next reports" in d.recommendation


def test_the_margin_decides_descending():
    m = measure(_first_report())
    z = m.pace.z_half
    assert decide(m, policy=DiagnosePolicy(blowup_descending_z=0.9 * z)).verdict == "uncertain"
    assert decide(m, policy=DiagnosePolicy(blowup_descending_z=1.1 * z)).verdict == "too_high_diverging"


def test_a_blowup_that_stalled_still_commits():
    y = _first_report()
    y[10:] = y[10] + 0.04 * np.random.default_rng(1).standard_normal(40)  # settled high: no descent left
    d = lrkit.diagnose(y, policy=DiagnosePolicy(blowup_descending_z=5.0))
    assert d.verdict == "too_high_diverging" and d.direction == "lower"


def test_blowup_descending_z_below_zero_is_refused():
    with pytest.raises(lrkit.LRKitError, match="blowup_descending_z"):
        DiagnosePolicy(blowup_descending_z=-1.0)
