"""The weight norm as evidence beyond the loss (``diagnose(weight_norms=...)``,
``DiagnosePolicy.weight_growth_hold``).

A rate too high inflates the weights; a catapult at a workable rate (the loss jumps on the first
updates, then descends slowly) or a loss drifting at one leaves their norm where it was, and the loss
history alone reads both as "lower the rate" (docs/evidence.md#diagnose-live-the-weight-norm). With
weight norms given and ``weight_growth_hold`` above 0, a ``too_high_*`` reading whose weights ended at
most that many times their first norm is ``uncertain``, naming the verdict; with no weight norms, or the
rule off (``DiagnosePolicy``'s default), nothing changes.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit.diagnostics import DiagnosePolicy, decide, measure

_T = np.arange(60)
_HOLD = DiagnosePolicy(weight_growth_hold=1.1)


def _stalled_blowup(seed: int = 0) -> np.ndarray:
    """A jump on the first updates, then a loss that settled far above its start: "lower the rate"."""
    y = 1.0 + 0.04 * np.random.default_rng(seed).standard_normal(_T.size)
    y[1:4] = [8.0, 10.0, 5.0]
    y[4:] += 2.0
    return y


def _norms(growth: float) -> np.ndarray:
    """Weight norms from 3.0 to ``3.0 * growth``, measured every 10 steps (NaN between)."""
    w = np.full(_T.size, np.nan)
    w[::10] = np.linspace(3.0, 3.0 * growth, w[::10].size)
    w[-1] = 3.0 * growth
    return w


@pytest.mark.parametrize("seed", range(3))
def test_a_lower_reading_whose_weights_held_still_is_uncertain(seed):
    y = _stalled_blowup(seed)
    before = lrkit.diagnose(y)
    assert before.direction == "lower"
    d = lrkit.diagnose(y, weight_norms=_norms(1.02), policy=_HOLD)
    assert d.verdict == "uncertain" and d.direction == "none"
    assert d.runner_up == before.verdict and d.fired == before.fired
    assert d.statistics["weight_growth"] == pytest.approx(1.02)
    assert "weights did not grow" in d.recommendation and "1.02x" in d.recommendation


def test_weights_that_grew_commit():
    d = lrkit.diagnose(_stalled_blowup(), weight_norms=_norms(3.0), policy=_HOLD)
    assert d.direction == "lower" and d.statistics["weight_growth"] == pytest.approx(3.0)


def test_the_margin_decides():
    m = measure(_stalled_blowup())
    w = _norms(1.3)
    assert decide(m, weight_norms=w, policy=DiagnosePolicy(weight_growth_hold=1.31)).verdict == "uncertain"
    assert decide(m, weight_norms=w, policy=DiagnosePolicy(weight_growth_hold=1.29)).direction == "lower"


def test_without_weight_norms_or_with_the_rule_off_nothing_changes():
    y = _stalled_blowup()
    before = lrkit.diagnose(y)
    for d in (lrkit.diagnose(y, policy=_HOLD), lrkit.diagnose(y, weight_norms=_norms(1.0)),
              lrkit.diagnose(y, weight_norms=np.full(_T.size, np.nan), policy=_HOLD)):
        assert (d.verdict, d.recommendation) == (before.verdict, before.recommendation)
    assert "weight_growth" not in lrkit.diagnose(y, weight_norms=np.full(_T.size, np.nan)).statistics


def test_a_healthy_run_and_a_nan_are_never_held():
    healthy = 0.2 + np.exp(-_T / 10) + 0.01 * np.random.default_rng(0).standard_normal(_T.size)
    assert lrkit.diagnose(healthy, weight_norms=_norms(1.0), policy=_HOLD).verdict == "healthy"
    y = _stalled_blowup()
    y[-1] = np.nan
    assert lrkit.diagnose(y, weight_norms=_norms(1.0), policy=_HOLD).verdict == "nan"


def test_a_range_test_at_the_head_is_cut_from_the_weight_norms_too():
    # the rows of a rate ramp before the run are left out of every column: the growth is read after them
    ramp = 10.0 ** np.linspace(-5, -1, 20)
    y = np.r_[np.full(20, 1.0), _stalled_blowup()]
    lrs = np.r_[ramp, np.full(_T.size, 1e-2)]
    w = np.r_[np.full(20, 100.0), _norms(1.02)]
    d = lrkit.diagnose(y, lrs, weight_norms=w, policy=_HOLD)
    assert d.statistics["probe_rows"] == 20 and d.statistics["weight_growth"] == pytest.approx(1.02)


@pytest.mark.parametrize("bad, match", [(-np.ones(_T.size), "non-negative"),
                                        (np.ones(5), "one value per loss"),
                                        (["a"] * _T.size, "sequence of numbers")])
def test_bad_weight_norms_are_one_error_naming_them(bad, match):
    with pytest.raises(lrkit.LRKitError, match=f"weight_norms.*{match}"):
        lrkit.diagnose(_stalled_blowup(), weight_norms=bad)
    with pytest.raises(lrkit.LRKitError, match="weight_norms"):
        decide(measure(_stalled_blowup()), weight_norms=bad)


def test_weight_growth_hold_below_zero_is_refused():
    with pytest.raises(lrkit.LRKitError, match="weight_growth_hold"):
        DiagnosePolicy(weight_growth_hold=-1.0)
