"""A Watchdog's first live report on a run two decades too high is never "raise the rate" (issue 14).

The history (`data/resnet_digits_momentum_lr4.642_first100.csv`) is the first 100 losses and rates of
the zoo corpus run `resnet-digits-momentum` at a constant 4.642, seed 0 (`benchmarks/dev/diagnose_corpus`),
two decades above its grid-best rate; the outcome labels it too_high_oscillating. What `Watchdog(every=50)`
reads at update 99: the loss falls 2.33 -> 0.34, but jumps to 3.29 at step 11 and from 0.43 back to 1.41
at steps 71-80 before coming down again. Its second half makes 18% of its drop (over slow_share), and the
end is back at its best, so "lost back its descent at the end" (starved_rise) cannot see the ground it
lost on the way down: it read too_low_slow, "raise the rate". The give-back it recovered from forbids
that advice (`DiagnosePolicy.starved_giveback`; docs/evidence.md#diagnose-ground-lost-on-the-way-down).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import lrkit
from lrkit.diagnostics import DiagnosePolicy, decide, measure, read_history
from lrkit.diagnostics._signs import starved_signs

DATA = Path(__file__).parent / "data" / "resnet_digits_momentum_lr4.642_first100.csv"


def _history():
    h = read_history(DATA)
    return np.asarray(h.losses), np.asarray(h.lrs)


def test_the_recorded_history_is_what_the_docstring_says():
    y, lrs = _history()
    assert y.size == 100 and np.allclose(lrs, 4.642)
    assert round(float(y[0]), 2) == 2.33 and round(float(y[-1]), 2) == 0.34 and y.max() > 3.2


def test_a_live_report_two_decades_too_high_is_never_raise():
    y, lrs = _history()
    d = lrkit.diagnose(y, lrs=lrs)
    assert d.direction != "raise", (d.verdict, d.recommendation)
    assert d.verdict == "uncertain" and d.runner_up == "too_low_slow"
    assert "lost ground on the way down" in d.recommendation


def test_the_ground_lost_and_recovered_is_what_forbids_it():
    y, lrs = _history()
    m = measure(y, lrs)
    p = DiagnosePolicy()
    assert m.shape.rise < p.starved_rise and m.shape.giveback > p.starved_giveback
    assert decide(m, policy=DiagnosePolicy(starved_giveback=100.0)).direction == "raise"
    assert "lost_ground" in starved_signs({"rise": 0.0, "giveback": 0.5, "peak_excess": 0.0,
                                           "oscillation_q": 0.0})
