"""Swings alone do not commit to ``too_high_oscillating`` (``DiagnosePolicy.swing_commit``).

On the zoo corpus the oscillation test decided 34 of the 50 whole-run ``too_high_oscillating`` readings,
and of its 28 labelled ones 22 were runs that ended near the best metric (13 healthy, 9 plateau), five of
them tabular runs at the grid-best rate: "lower the rate" there points the wrong way. Below
``swing_commit`` times its threshold the oscillation or zig-zag test names the verdict as runner-up of an
``uncertain`` reading and quotes its advice as a hypothesis; the drift test (stalled, back above its best
beyond chance) still commits. ``Diagnosis.fired`` is unchanged: the Autopilot reacts to it as before.
"""

from __future__ import annotations

import numpy as np

import lrkit
from lrkit.diagnostics import DiagnosePolicy

_T = np.arange(400)
#: The zig-zag below also inflates the late share, so the slow test fires too: with the confidence floor,
#: the contested verdict would be uncertain whatever ``swing_commit`` says. Off here, to see the rule alone.
_P = DiagnosePolicy(advice_floor=0.0)


def _zigzag(seed: int = 0) -> np.ndarray:
    """A clean decay with a period-2 swing: the zig-zag test alone fires (ratio about 8, threshold 1.5)."""
    noise = 0.01 * np.random.default_rng(seed).standard_normal(_T.size)
    return np.exp(-_T / 100) + noise + 0.2 * (-1.0) ** _T


def test_swings_short_of_swing_commit_are_uncertain_naming_the_verdict():
    y = _zigzag()
    committed = lrkit.diagnose(y, policy=_P.replace(swing_commit=1.0))
    assert (committed.verdict, committed.direction) == ("too_high_oscillating", "lower")
    d = lrkit.diagnose(y, policy=_P.replace(swing_commit=100.0))
    assert (d.verdict, d.runner_up, d.direction) == ("uncertain", "too_high_oscillating", "none")
    assert d.evidence[0].statistic == "zigzag_ratio" and d.evidence[0].fired
    assert d.recommendation.startswith("I can't tell") and "swings alone" in d.recommendation
    assert committed.recommendation.split(": ", 1)[0] in d.recommendation  # its advice, as a hypothesis
    assert d.fired == committed.fired  # what the tests said is unchanged (the Autopilot reads it)


def test_swings_past_swing_commit_times_their_threshold_commit():
    y = _zigzag()
    ratio = lrkit.diagnose(y).statistics["zigzag_ratio"]
    bar_under = _P.replace(swing_commit=0.9 * ratio / DiagnosePolicy().zigzag)
    bar_over = _P.replace(swing_commit=1.1 * ratio / DiagnosePolicy().zigzag)
    assert lrkit.diagnose(y, policy=bar_under).verdict != "uncertain"
    assert lrkit.diagnose(y, policy=bar_over).verdict == "uncertain"


def test_a_drift_back_above_the_best_still_commits():
    t = np.arange(500)
    rng = np.random.default_rng(0)
    rise = 0.03 * np.clip(t - 250, 0, None) / 250  # 10% of the descent back up: beyond chance
    y = 0.12 + 0.3 * np.exp(-t / 40) + rise + 0.015 * rng.standard_normal(500)
    d = lrkit.diagnose(y, lrs=np.full(500, 0.01), policy=DiagnosePolicy(swing_commit=100.0))
    assert d.verdict == "too_high_oscillating" and d.evidence[0].statistic == "rise"


def test_swing_commit_below_one_is_refused():
    import pytest

    with pytest.raises(lrkit.LRKitError, match="swing_commit"):
        DiagnosePolicy(swing_commit=0.5)
