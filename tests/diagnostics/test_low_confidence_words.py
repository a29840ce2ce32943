"""A verdict at a calibrated confidence below ``advice_floor`` is worded as a hint, not an order
(session-10 new-user probe, ux10: every ``plateau`` reading in it had confidence 0.00 and said "Decay: ...
Cut the rate by 10x now").

``advice_floor`` turned such a verdict into ``uncertain`` only when a test pointed the other way; with none,
a reading right on a new workload too rarely to act on still read as an order. It keeps its name (and
direction), and its advice is quoted as a hypothesis to check in a short side run, in the words of the
contested case ("I can't tell: the history reads most like ...").
"""

from __future__ import annotations

import numpy as np

import lrkit
from lrkit.diagnostics import DiagnosePolicy


def _flat_end(tau: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    t = np.arange(600)
    return 0.5 + 2.0 * np.exp(-t / tau) + 0.01 * rng.normal(size=600)


def test_a_plateau_at_confidence_zero_is_a_hint():
    d = lrkit.diagnose(_flat_end(100), np.full(600, 0.1))
    assert d.verdict == "plateau" and d.confidence < DiagnosePolicy().advice_floor
    said = d.recommendation
    assert said.startswith("I can't tell: the history reads most like plateau ("), said
    assert "calibrated confidence 0.00, below 0.05" in d.recommendation
    assert "If it is plateau: Decay: you are at a plateau" in d.recommendation
    assert d.recommendation.endswith("Check that in a short side run before changing the rate.")


def test_a_plateau_above_the_floor_keeps_its_advice():
    d = lrkit.diagnose(_flat_end(30), np.full(600, 0.1))
    assert d.verdict == "plateau" and d.confidence >= DiagnosePolicy().advice_floor
    assert d.recommendation.startswith("Decay: you are at a plateau"), d.recommendation


def test_the_floor_at_zero_turns_the_hint_off():
    d = lrkit.diagnose(_flat_end(100), np.full(600, 0.1), policy=DiagnosePolicy(advice_floor=0.0))
    assert d.verdict == "plateau" and d.recommendation.startswith("Decay: you are at a plateau")
