"""The confidence floor: a verdict whose calibrated confidence is below ``DiagnosePolicy.advice_floor``
is said ``uncertain``, with the verdict as runner-up and its advice quoted as a hypothesis."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.diagnostics import DiagnosePolicy, diagnose

#: A calibration that gives too_low_slow no confidence at all, and healthy a high one.
_CAL = (("too_low_slow", ((1.0, 0.0),)), ("healthy", ((1.0, 0.9),)))


def _slow() -> np.ndarray:
    return 10 - 0.001 * np.arange(300)  # a straight descent: too_low_slow


def test_a_verdict_below_the_floor_is_uncertain_naming_it_and_quoting_its_advice():
    plain = diagnose(_slow(), policy=DiagnosePolicy(calibration=_CAL, advice_floor=0.0))
    assert plain.verdict == "too_low_slow" and plain.direction == "raise" and plain.confidence == 0.0
    d = diagnose(_slow(), policy=DiagnosePolicy(calibration=_CAL, advice_floor=0.05))
    assert d.verdict == "uncertain" and d.direction == "none" and d.runner_up == "too_low_slow"
    assert d.recommendation.startswith("I can't tell") and "too_low_slow" in d.recommendation
    assert plain.recommendation in d.recommendation  # the advice it would give, as a hypothesis to check
    assert d.fired == plain.fired  # what the tests said is unchanged (the Autopilot reads it)


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
