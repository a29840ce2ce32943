"""The first live diagnosis of a run at the best rate says "Multiply the rate by about 10" (session-10
new-user probe, ux; ``/work/notes/ux10/REPORT.md``; owner diag).

A plain loop with ``Watchdog(every=50, report=print)`` (the default ``every``), digits MLP 64-64-10,
SGD momentum 0.9, batch 32, seed 0 (``/work/notes/ux10/wd_flip.py``). The first report, at step 49, over
the 50 losses below (rate 0.1):

    too_low_slow (confidence 0.72): Multiply the rate by about 10: the loss is still falling faster at
    the end than earlier (in log-time); current rate 0.1.

The same first report at 0.01, 0.03 and 0.1; over 300 updates the validation loss is 0.49 / 0.36 / 0.37 at
0.01 / 0.03 / 0.1, 0.56 at 0.3, and at 1.0 (the advice followed) the run blows up at step 13 and ends at
chance (2.35). Adam at 0.003 (val 0.37) gets the same "x10" (0.03: val 0.42). The history is the start of
every run with momentum: ~10 updates to get going (1 / (1 - 0.9)), then the fast drop, so in log-time the
last decade gains far more than the first, which is what too_low_slow reads; at step 99 the same runs
read ``healthy`` (runner-up too_low_slow: "a good rate on a short budget and a rate too low both look
like this"). docs/watch.md says a live reading early in a run is that ``healthy``; here it is confident
advice in the wrong direction, on the first report every Watchdog user sees. Expected: not "raise" on
these 50 losses (``healthy`` with the runner-up, or ``uncertain``).
"""

from __future__ import annotations

import numpy as np
import pytest

import lrkit

# digits MLP, SGD(lr=0.1, momentum=0.9), batch 32, seed 0: the losses of updates 0..49
_LOSSES = [
    2.3087, 2.316, 2.3264, 2.2767, 2.2891, 2.2292, 2.1846, 2.1925, 2.1393, 2.0956, 2.0644, 2.0712, 1.9741,
    1.9222, 1.8955, 1.7959, 1.799, 1.6194, 1.5377, 1.5251, 1.3294, 1.2968, 1.02, 1.0437, 1.0145, 1.0872,
    0.6554, 0.7225, 0.5263, 0.5763, 0.5128, 0.6453, 0.5733, 0.5242, 0.3066, 0.583, 0.366, 0.4782, 0.3318,
    0.1941, 0.5436, 0.3559, 0.421, 0.1626, 0.1622, 0.311, 0.3718, 0.2133, 0.224, 0.1503]


def test_the_start_of_a_run_at_the_best_rate_is_not_told_to_raise_it():
    d = lrkit.diagnose(np.array(_LOSSES), lrs=np.full(len(_LOSSES), 0.1))
    assert d.direction != "raise", (d.verdict, d.confidence, d.recommendation)


def test_the_watchdogs_first_report_is_not_raise():
    from lrkit.diagnostics import Monitor

    m = Monitor(every=50)
    for step, loss in enumerate(_LOSSES):
        m.observe(step, loss, 0.1)
    assert m.diagnosis is not None and m.diagnosis.direction != "raise", m.diagnosis.recommendation


def test_the_pace_is_read_once_the_history_spans_ten_transients():
    """The rule counts updates, not points: the same 50 losses logged every other update span 99 updates
    (one short of ``slow_min_updates``), every third 148; with the rule off they read too slow, as before."""
    from lrkit.diagnostics import DiagnosePolicy

    y, lrs = np.array(_LOSSES), np.full(len(_LOSSES), 0.1)
    assert lrkit.diagnose(y, lrs, steps=2 * np.arange(len(y))).runner_up == "too_low_slow"
    assert lrkit.diagnose(y, lrs, steps=2 * np.arange(len(y))).verdict == "healthy"
    assert lrkit.diagnose(y, lrs, steps=3 * np.arange(len(y))).verdict == "too_low_slow"
    assert lrkit.diagnose(y, lrs, policy=DiagnosePolicy(slow_min_updates=0)).verdict == "too_low_slow"

