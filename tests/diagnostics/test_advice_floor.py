"""The confidence floor: a verdict whose calibrated confidence is below ``DiagnosePolicy.advice_floor``,
contested by a test that would move the rate the other way, is said ``uncertain``, with the verdict as
runner-up and its advice quoted as a hypothesis."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.diagnostics import DiagnosePolicy, diagnose

#: A calibration that gives too_high_oscillating and too_low_slow no confidence at all.
_CAL = (("too_high_oscillating", ((1.0, 0.0),)), ("too_low_slow", ((1.0, 0.0),)))
_T = np.arange(300)


def _zigzag_descent() -> np.ndarray:
    """A slow straight descent that zig-zags: the zig-zag test says lower, the slow test raise."""
    return 10 - 0.001 * _T + 0.05 * (-1.0) ** _T + 0.01 * np.random.default_rng(0).standard_normal(300)


def test_a_contested_verdict_below_the_floor_is_uncertain_naming_it_and_quoting_its_advice():
    plain = diagnose(_zigzag_descent(), policy=DiagnosePolicy(calibration=_CAL, advice_floor=0.0))
    assert plain.verdict == "too_high_oscillating" and plain.direction == "lower" and plain.confidence == 0.0
    assert plain.fired == ("too_high_oscillating", "too_low_slow")
    d = diagnose(_zigzag_descent(), policy=DiagnosePolicy(calibration=_CAL, advice_floor=0.05))
    assert d.verdict == "uncertain" and d.direction == "none" and d.runner_up == "too_high_oscillating"
    assert d.recommendation.startswith("I can't tell") and "too_high_oscillating" in d.recommendation
    assert plain.recommendation in d.recommendation  # the advice it would give, as a hypothesis to check
    assert d.fired == plain.fired  # what the tests said is unchanged (the Autopilot reads it)


def test_an_uncontested_verdict_below_the_floor_keeps_its_advice():
    d = diagnose(10 - 0.001 * _T, policy=DiagnosePolicy(calibration=_CAL, advice_floor=0.5))
    assert (d.verdict, d.direction, d.confidence) == ("too_low_slow", "raise", 0.0)  # nothing says lower


def test_the_floor_spares_nan_and_verdicts_above_it():
    assert diagnose([1.0, float("nan")], policy=DiagnosePolicy(advice_floor=1.0)).verdict == "nan"
    y = 0.2 + np.exp(-np.arange(300) / 30.0) + 0.01 * np.random.default_rng(0).standard_normal(300)
    d0 = diagnose(y, policy=DiagnosePolicy(calibration=_CAL, advice_floor=0.0))
    d = diagnose(y, policy=DiagnosePolicy(calibration=_CAL, advice_floor=0.5))
    assert (d0.verdict, d0.confidence) == ("plateau", 0.75)  # no steps for it: its raw score, capped
    assert (d.verdict, d.confidence, d.recommendation) == (d0.verdict, d0.confidence, d0.recommendation)


@pytest.mark.parametrize("bad", [-0.1, 1.5, "high"])
def test_a_floor_outside_0_1_is_refused(bad):
    with pytest.raises(LRKitError, match="`advice_floor` of DiagnosePolicy"):
        DiagnosePolicy(advice_floor=bad)
