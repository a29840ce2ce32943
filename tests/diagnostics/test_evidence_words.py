"""Each piece of evidence says what was measured, whether its test fired or not.

Regression: the ``end_vs_first_z`` evidence said "the loss ended where it started, within noise: nothing
measurable moved" on every run, also where it did not fire: a logistic regression whose loss fell from
1.45 to 0.20, 1,482 standard errors below its first loss, carried that sentence in its evidence.
"""

import numpy as np

from lrkit.diagnostics import diagnose


def _still(d):
    (ev,) = [e for e in d.evidence if e.statistic == "end_vs_first_z"]
    return ev


def test_a_run_that_fell_does_not_say_nothing_moved():
    t = np.arange(300)
    d = diagnose(0.2 + 1.2 / np.sqrt(1 + t), np.full(300, 0.01))
    ev = _still(d)
    assert not ev.fired
    assert "nothing measurable moved" not in ev.detail
    assert "below" in ev.detail and "first" in ev.detail


def test_a_flat_run_still_says_nothing_moved():
    rng = np.random.default_rng(0)
    # A flat run that drifts up by half a step's noise: it ended where it started.
    d = diagnose(1.0 + 0.01 * rng.normal(size=300) + np.linspace(0.0, 0.005, 300), np.full(300, 1e-6))
    ev = _still(d)
    assert ev.fired
    assert "nothing measurable moved" in ev.detail
