"""The held-out choice of ``benchmarks/diagnose_zoo.py``: safety before accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from dev.diagnose_calibration import choose_level, fit_calibration, reliability_rows
from dev.diagnose_lofo import GRID, Scored, candidates, choose

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


def test_choose_puts_lower_at_or_below_the_best_rate_before_accuracy_after_the_too_high_counts():
    # Runs 25-29 (labelled healthy) sit at the grid-best rate: "lower the rate" there points the wrong way.
    low = np.zeros(LABELS.size, bool)
    low[25:] = True
    right = list(LABELS)
    lowers = right[:25] + ["too_high_oscillating"] * 2 + right[27:]  # 2 wrong-way lowers, 28 right
    hedged = right[:25] + ["uncertain"] * 3 + right[28:]  # none, 27 right
    cands = [_scored(lowers), _scored(hedged)]
    assert choose(cands, LABELS, MASK) == 0  # without rate positions, accuracy decides
    assert choose(cands, LABELS, MASK, low) == 1
    slips = ["healthy"] * 3 + right[3:]  # too-high runs read as keep outrank the lowers
    assert choose([_scored(slips), _scored(lowers)], LABELS, MASK, low) == 1


def test_the_grid_holds_every_guard_threshold_and_switches_the_limit_tests_off():
    assert {"limit_peak", "limit_val_rise", "limit_peak_val", "starved_swing"} <= set(GRID)
    cands = candidates()
    assert len(cands) == int(np.prod([len(v) for v in GRID.values()]))
    assert all(p.calibration == () for p in cands)


def test_the_calibration_bound_is_for_a_new_family():
    # 200 runs of one verdict at one raw score: right on 9 families, wrong on the 10th. Over runs the
    # share (90%) is well measured; what a new family (the unit a user's workload is drawn from) gets
    # is not: one family in ten got none right.
    raw = np.full(200, 0.9)
    verdict = np.full(200, "too_low_slow", dtype=object)
    families = np.repeat(np.arange(10), 20)
    right = families != 9
    (_, plain), = fit_calibration(raw, right, verdict)
    (_, new_family), = fit_calibration(raw, right, verdict, families)
    assert plain[-1][0] == new_family[-1][0] == 1.0
    assert 0.85 < plain[-1][1] < 0.9
    # p - z sqrt(v_between + v_mean) = 0.9 - 1.2816 sqrt(0.1 + 0.01)
    assert new_family[-1][1] == pytest.approx(0.9 - 1.2816 * np.sqrt(0.11), abs=1e-3)
    # With no spread between families, the bound is no lower than the plain one.
    (_, same), = fit_calibration(raw, np.ones(200, bool), verdict, families)
    assert same == fit_calibration(raw, np.ones(200, bool), verdict)[0][1]


def test_the_calibration_is_made_monotone_by_lowering_never_by_raising():
    # Isotonic means rise with the raw score, but a step's bound can fall (a larger step spread over
    # families that disagree): the earlier step is lowered to it; the later one is never lifted.
    raw = np.concatenate([np.full(100, 0.6), np.full(100, 0.9)])
    verdict = np.full(200, "too_low_slow", dtype=object)
    families = np.concatenate([np.repeat(np.arange(10), 10), np.repeat(np.arange(10), 10)])
    even = np.arange(100) % 10 != 0  # 90% right, every family alike
    spread = np.arange(100) < 95  # 95% right, all five misses in one family
    (_, steps), = fit_calibration(raw, np.concatenate([even, spread]), verdict, families)
    (_, alone), = fit_calibration(raw[100:], spread, verdict[100:], families[100:])
    (_, first), = fit_calibration(raw[:100], even, verdict[:100], families[:100])
    assert first[-1][1] > alone[-1][1]  # the lower margin alone would earn more than the higher one
    assert steps[-1][1] == alone[-1][1]  # the higher margin keeps its own bound
    assert all(q <= alone[-1][1] for _, q in steps)  # the lower one is brought down to it


def test_the_bound_level_is_the_lowest_that_keeps_sure_verdicts_right_on_the_family_left_out():
    # Twelve families: the verdict is right on every run of eleven and on none of the twelfth. At the
    # 90% level the map fitted on eleven perfect families claims >= 0.8 on the bad one; only a level
    # that keeps every fit under 0.8 makes the sure verdicts right 95% of the time held out.
    families = np.repeat(np.arange(12), 30)
    verdict = np.full(families.size, "too_low_slow", dtype=object)
    raw = np.full(families.size, 0.9)
    right = families != 11
    assert choose_level(raw, right, verdict, families, levels=(0.1, 50.0)) == 50.0
    # Right everywhere: the lowest level already keeps its promise.
    assert choose_level(raw, np.ones(families.size, bool), verdict, families, levels=(0.1, 50.0)) == 0.1


def test_the_reliability_table_gives_each_band_its_mean_confidence_and_share_right():
    conf = np.array([0.3, 0.55, 0.85, 0.85, 0.97])
    right = np.array([False, True, True, False, True])
    rows, head = reliability_rows(conf, right)
    assert head == ["confidence", "runs", "mean confidence", "right"]
    by = {r[0]: r for r in rows}
    assert by["0.80-0.90"][1:] == [2, "0.850", "50.0%"] and by["0.95-1.00"][1:] == [1, "0.970", "100.0%"]
    assert rows[-1][0].startswith(">= 0.80") and rows[-1][1:] == [3, "0.890", "66.7%"]


def test_a_run_with_no_rate_position_is_neither_at_nor_below_the_best():
    # NaN runs have no decades_from_best (None); the live counts read them as at the best rate (`or 0.0`),
    # so "lower" on a run about to blow up counted as advice the wrong way.
    from dev.diagnose_lofo import where

    assert where(None) == where(float("nan")) == "unknown"
    assert (where(0.0), where(-1.0), where(1.0)) == ("best", "below", "above")


def test_choose_counts_a_decay_on_a_crawl_as_lowering_the_rate():
    # Runs 0-4 sit below the grid-best rate and ended clearly behind it (a crawl: a higher rate was the
    # cure); a plateau's "cut the rate by 10x" there lowers the rate the wrong way, as a cut does.
    labels = np.array(["too_low_slow"] * 5 + ["plateau"] * 5, dtype=object)
    mask = np.ones(labels.size, bool)
    crawl = np.zeros(labels.size, bool)
    crawl[:5] = True
    decays = _scored(["plateau"] * 2 + ["too_low_slow"] * 3 + ["plateau"] * 5)  # 8 right, 2 wrong-way decays
    # 6 right, no wrong-way decay
    hedged = _scored(["uncertain"] * 2 + ["too_low_slow"] * 3 + ["uncertain"] * 2 + ["plateau"] * 3)
    assert choose([decays, hedged], labels, mask) == 0  # without the crawl mask accuracy decides
    assert choose([decays, hedged], labels, mask, crawl=crawl) == 1


def test_the_grid_searches_the_plateau_floor_signs_with_each_off():
    assert GRID["plateau_drop"][0] == 0.0 and GRID["plateau_skew"][0] == -1e9
