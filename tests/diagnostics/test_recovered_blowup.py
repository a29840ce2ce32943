"""An early blow-up the run recovered from does not commit to ``too_high_diverging``
(``DiagnosePolicy.blowup_recovered_z``).

On the zoo corpus the blow-up test (a spike in the first tenth, before the loss made a tenth of its
progress) decided 31 of the 36 whole-run "lower the rate" readings of runs at or below the grid-best rate:
plain SGD on deep and batch-normed MLPs and fine-tuned CNNs at their best rate jump 10-100x on their first
updates and then descend far below their first loss. A rate too high does the same and ends higher, which
one history cannot show: such a reading is ``uncertain``, naming ``too_high_diverging`` as its runner-up
and what tells the two apart. A blow-up that did not recover still commits. ``Diagnosis.fired`` is
unchanged: the Autopilot reacts to it as before.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit.diagnostics import DiagnosePolicy

_T = np.arange(300)


def _catapult(seed: int = 0, floor: float = 0.05) -> np.ndarray:
    """A jump of 20-40x on the first updates, then a descent to far below the first loss."""
    y = floor + 2.0 * np.exp(-_T / 40) + 0.01 * np.random.default_rng(seed).standard_normal(_T.size)
    y[1:4] = [20.0, 40.0, 15.0]
    return y


def test_a_blowup_the_run_recovered_from_is_uncertain_naming_the_verdict():
    d = lrkit.diagnose(_catapult())
    assert d.verdict == "uncertain" and d.direction == "none"
    assert d.runner_up == "too_high_diverging" and d.fired[0] == "too_high_diverging"
    assert d.evidence[0].statistic == "early_spikes"
    assert "a third of the rate" in d.recommendation and "Divide the rate" in d.recommendation


def test_always_committing_is_the_old_reading():
    d = lrkit.diagnose(_catapult(), policy=DiagnosePolicy(blowup_recovered_z=1e9))
    assert d.verdict == "too_high_diverging" and d.direction == "lower"


@pytest.mark.parametrize("seed", range(3))
def test_a_blowup_that_did_not_recover_still_commits(seed):
    y = _catapult(seed)
    y[150:] += np.linspace(0.0, 1.5, 150)  # lost most of its descent again: not recovered
    d = lrkit.diagnose(y)
    assert d.verdict == "too_high_diverging" and d.direction == "lower"


def test_the_margin_decides_recovered():
    m = lrkit.diagnostics.measure(_catapult())
    z = -m.shape.end_z
    decide = lrkit.diagnostics.decide
    assert decide(m, policy=DiagnosePolicy(blowup_recovered_z=0.9 * z)).verdict == "uncertain"
    assert decide(m, policy=DiagnosePolicy(blowup_recovered_z=1.1 * z)).verdict == "too_high_diverging"


def test_blowup_recovered_z_below_zero_is_refused():
    with pytest.raises(lrkit.LRKitError, match="blowup_recovered_z"):
        DiagnosePolicy(blowup_recovered_z=-1.0)
