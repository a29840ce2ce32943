"""``diagnose`` takes a NaN learning rate as an unknown one (``Monitor`` logs NaN where ``observe`` got no
``lr``) and never quotes it in its advice (it said "the loss turned upward at step 144 (the rate there was
nan)", "current rate nan", "divide the rate to about nan"); an infinite rate, which no run can log, is one
LRKitError naming ``lrs`` (it was accepted and quoted: "the rate there was inf"). Session-7 new-user probe,
``/work/notes/ux7/p4_odd_histories.py``; the rates are read through ``_advice.known_rate``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lrkit import LRKitError, diagnose
from lrkit.diagnostics import Monitor


def _turns_up() -> np.ndarray:
    rng = np.random.default_rng(0)
    b = np.concatenate([2.0 * np.exp(-np.arange(150) / 30) + 0.3, 0.3 * np.exp(np.arange(150) / 20)])
    return b * (1 + 0.02 * rng.standard_normal(300))


def test_known_rates_are_quoted():
    d = diagnose(_turns_up(), lrs=np.full(300, 0.1))
    assert d.verdict == "too_high_diverging" and "(the rate there was 0.1)" in d.recommendation


@pytest.mark.parametrize("where", ["all", "from step 100"])
def test_an_unknown_rate_is_not_quoted(where):
    lrs = np.full(300, np.nan) if where == "all" else np.where(np.arange(300) < 100, 0.1, np.nan)
    d = diagnose(_turns_up(), lrs=lrs)
    assert d.verdict == "too_high_diverging"
    assert "nan" not in d.recommendation.lower()


def test_an_infinite_rate_is_refused():
    with pytest.raises(LRKitError, match=r"^`lrs` of diagnose"):
        diagnose(_turns_up(), lrs=np.full(300, np.inf))


def test_the_monitor_refuses_an_infinite_rate_before_logging_it():
    m = Monitor()
    with pytest.raises(LRKitError, match=r"^`lr` of Monitor.observe must be a non-negative, finite"):
        m.observe(0, 1.0, lr=np.inf)
    m.observe(0, 1.0, lr=0.1)  # nothing was logged: step 0 is still free
