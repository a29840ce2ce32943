"""The blow-up anchor: the valley's reading moved towards a fixed factor below where the sweep blew up."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lrkit import LRKitError
from lrkit.finder import DivergenceMonitor, FinderPolicy, suggest, synthetic
from lrkit.finder._anchor import anchored, blend, blow_up_x

LRS = np.geomspace(1e-7, 10.0, 100)
VALLEY = FinderPolicy(anchor_weight=0.0)


def _blows_up(seed=0, noise=0.05):
    return synthetic.curve(LRS, lr_fast=1e-4, lr_blow=1e-1, noise=noise, seed=seed)


def test_the_blow_up_is_where_the_stop_rule_fires_or_the_loss_stops_being_finite():
    y = _blows_up()
    monitor = DivergenceMonitor()
    fired = next(i for i, v in enumerate(y.tolist()) if monitor.update(v))
    assert blow_up_x(LRS, y) == (np.log10(LRS[fired]), True)
    nan = np.r_[np.full(40, 2.3), np.full(60, np.nan)]
    assert blow_up_x(LRS, nan) == (np.log10(LRS[40]), True)
    assert blow_up_x(LRS, np.full(100, 2.3)) == (np.log10(LRS[-1]), False)


@pytest.mark.parametrize("rule", ["default", "falling"])
@pytest.mark.parametrize("weight", [0.5, 1.0])
def test_the_suggestion_is_the_weighted_log_mean_of_the_reading_and_the_anchor(rule, weight):
    y = _blows_up(seed=3)
    policy = FinderPolicy(anchor_weight=weight, anchor_decades=2.0)
    x_rule = np.log10(suggest(LRS, y, rule, policy=VALLEY.replace(anchor_decades=2.0)).lr)
    x_blow, seen = blow_up_x(LRS, y, policy=policy)
    got = np.log10(suggest(LRS, y, rule, policy=policy).lr)
    assert seen and got == pytest.approx((1 - weight) * x_rule + weight * (x_blow - 2.0), abs=1e-12)
    assert "of the rate where the loss blew up" in suggest(LRS, y, rule, policy=policy).reason


def test_no_anchor_is_the_valley_reading_exactly_and_no_suggestion_stays_none():
    y = _blows_up(seed=1)
    plain = suggest(LRS, y, "default", policy=VALLEY)
    assert anchored(LRS, y, plain, VALLEY) is plain
    assert blend(-3.0, 0.0, VALLEY) == -3.0
    flat = suggest(LRS, np.full(100, 2.3), "default")
    assert flat.lr is None and anchored(LRS, np.full(100, 2.3), flat, FinderPolicy()) is flat


def test_a_sweep_that_never_blew_up_says_its_anchor_is_a_lower_bound():
    y = synthetic.curve(LRS, lr_fast=1e-4, lr_blow=1e3, noise=0.02, seed=0)
    s = suggest(LRS, y, "default")
    assert "the loss never blew up: a lower bound" in s.reason


@given(a=st.floats(1e-4, 1e4), c=st.floats(-1e3, 1e3), seed=st.integers(0, 50))
def test_the_anchored_rule_is_invariant_to_the_loss_scale_and_offset(a, c, seed):
    # The stop rule is affine-invariant, so the anchor moves no more than the valley's reading does (the
    # same bound as its test: offsets up to 1e3 times the loss's scale cost float resolution).
    y = _blows_up(seed=seed)
    one = suggest(LRS, y, "default")
    assert one.lr is not None
    for other in (a * y, y + c, a * (y + c)):
        assert abs(np.log10(suggest(LRS, other, "default").lr) - np.log10(one.lr)) < 0.05


def test_the_anchor_fields_are_validated():
    with pytest.raises(LRKitError, match="anchor_weight"):
        FinderPolicy(anchor_weight=1.5)
    with pytest.raises(LRKitError, match="anchor_decades"):
        FinderPolicy(anchor_decades=-1.0)


@pytest.mark.parametrize("seed", range(4))
def test_blow_up_index_is_the_one_definition_the_anchor_and_the_second_pass_read(seed):
    """blow_up_x and blow_up_rate are blow_up_index read off the rates: where the stop rule fires,
    else the first non-finite loss; a sweep that did neither is unseen (no rate for the retry)."""
    from lrkit.finder import FinderResult, blow_up_rate
    from lrkit.finder._anchor import blow_up_index

    curves = [_blows_up(seed=seed), np.r_[np.full(40 + seed, 2.3), np.full(60 - seed, np.nan)],
              np.full(100, 2.3)]
    for y in curves:
        i, seen = blow_up_index(y)
        monitor = DivergenceMonitor()
        bad = np.flatnonzero(~np.isfinite(y))
        finite = y[: bad[0] if bad.size else y.size].tolist()  # the losses before the first non-finite one
        fired = next((k for k, v in enumerate(finite) if monitor.update(v)), None)
        expected = fired if fired is not None else (len(finite) if len(finite) < y.size else y.size - 1)
        assert (i, seen) == (expected, fired is not None or len(finite) < y.size)
        assert blow_up_x(LRS, y) == (np.log10(LRS[i]), seen)
        result = FinderResult(lrs=LRS, losses=y, smoothed=np.full(100, np.nan), stop_reason="completed",
                              suggestion=None, interval=None, rule="default", reason="", steps=100,
                              wall_time=0.0)
        assert blow_up_rate(result) == (float(LRS[i]) if seen else None)
