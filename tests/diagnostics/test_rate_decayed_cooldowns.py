"""``rate_decayed`` reads a cool-down under way in its window as decayed (session-10 known risk, health).

A linear (or cosine) cool-down over the last 10% of a run averages exactly half its peak over the end
window, and the mean-only rule (``mean < decayed * peak``) called it undecayed: a run that flattened while
its schedule cooled was told "plateau ... Cut the rate by 10x now", which is what the schedule was doing.
What a user means by "decayed" is that the rate is decaying there: it also counts as decayed when it ends
the window below ``decayed`` of its peak. lrkit's own cool-downs (``wsd``'s linear, cosine and 1-sqrt,
over 10% and 20% of the run) all read decayed; a constant rate, a warmup and a rate cut once by less than
half do not.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit.diagnostics._rates import rate_decayed
from lrkit.schedules import constant, step, warmup, wsd

N = 1000


@pytest.mark.parametrize("shape", ["linear", "cosine", "1-sqrt"])
@pytest.mark.parametrize("share", [0.1, 0.2])
def test_lrkits_cool_downs_read_decayed(shape, share):
    decay = int(share * N)
    lrs = np.asarray(wsd(lr=0.1, warmup=50, stable=N - 50 - decay, decay=decay, shape=shape)(np.arange(N)))
    assert rate_decayed(lrs)


@pytest.mark.parametrize("schedule", [constant(lr=0.1), warmup(constant(lr=0.1), steps=100),
                                      step(lr=0.1, step_size=500, gamma=0.7)])
def test_a_rate_that_is_not_decaying_is_not_decayed(schedule):
    assert not rate_decayed(np.asarray(schedule(np.arange(N)), dtype=float))


def test_a_flat_end_under_a_10_percent_linear_cool_down_is_not_told_to_cut_the_rate():
    rng = np.random.default_rng(0)
    t = np.arange(N)
    y = 0.5 + 2.0 * np.exp(-t / 60) + 0.02 * rng.normal(size=N)  # flat over its second half
    lrs = np.asarray(wsd(lr=0.1, warmup=0, stable=900, decay=100)(t))
    assert lrkit.diagnose(y, np.full(N, 0.1)).verdict == "plateau"  # the same curve at a constant rate
    d = lrkit.diagnose(y, lrs)
    assert d.verdict != "plateau" and "Cut the rate" not in d.recommendation, d.recommendation
