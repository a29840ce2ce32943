"""The held-out choice of ``benchmarks/diagnose_zoo.py``: safety before accuracy."""

from __future__ import annotations

import numpy as np

from dev.diagnose_lofo import GRID, Scored, candidates, choose, fit_calibration

from lrkit.diagnostics import DIRECTIONS


def _scored(verdicts: list[str]) -> Scored:
    v = np.array(verdicts, dtype=object)
    return Scored(v, np.full(v.size, 0.6), np.array([DIRECTIONS[x] for x in v]))


LABELS = np.array(["too_high_oscillating"] * 20 + ["too_high_diverging"] * 5 + ["healthy"] * 5, dtype=object)
MASK = np.ones(LABELS.size, bool)


def test_choose_puts_raise_then_healthy_on_blown_then_slips_before_accuracy():
    right = list(LABELS)
    raise_once = ["too_low_slow"] + right[1:]  # one too-high run told to raise: worst, whatever its accuracy
    healthy_blown = right[:20] + ["healthy"] + right[21:]
    many_slips = ["healthy"] * 3 + right[3:]  # 3/25 = 12% read as keep: 12% - SLIP_SHARE over
    fewer_slips_less_accurate = ["healthy"] + right[1:25] + ["uncertain"] * 5  # 4%, every healthy missed
    cands = [_scored(x) for x in (raise_once, healthy_blown, many_slips)]
    assert choose(cands, LABELS, MASK) == 2  # the slips cost less than a raise or a healthy-on-blown
    cands.append(_scored(fewer_slips_less_accurate))
    assert choose(cands, LABELS, MASK) == 3  # closer to the allowance beats accuracy
    cands.append(_scored(right))
    assert choose(cands, LABELS, MASK) == 4


def test_the_grid_holds_every_guard_threshold_and_switches_the_limit_tests_off():
    assert {"limit_peak", "limit_val_rise", "limit_peak_val", "starved_swing"} <= set(GRID)
    cands = candidates()
    assert len(cands) == int(np.prod([len(v) for v in GRID.values()]))
    assert all(p.calibration == () for p in cands)


def test_the_calibration_bound_is_clustered_by_family():
    # 200 runs of one verdict at one raw score: right on 9 families, wrong on the 10th. Over runs the
    # share (90%) is well measured; over families (the unit a new workload is drawn from) it is not.
    raw = np.full(200, 0.9)
    verdict = np.full(200, "too_low_slow", dtype=object)
    families = np.repeat(np.arange(10), 20)
    right = families != 9
    (_, plain), = fit_calibration(raw, right, verdict)
    (_, clustered), = fit_calibration(raw, right, verdict, families)
    assert plain[-1][0] == clustered[-1][0] == 1.0
    assert 0.85 < plain[-1][1] < 0.9 and clustered[-1][1] < plain[-1][1] - 0.03
    # With no spread between families, the clustered bound is no lower than the plain one.
    (_, same), = fit_calibration(raw, np.ones(200, bool), verdict, families)
    assert same == fit_calibration(raw, np.ones(200, bool), verdict)[0][1]
