"""A first sweep's clear reading is moved to the calibrated density (``lrkit.finder._density``).

One update per rate: by rate ``r`` a sweep with ``k`` rates per decade has moved the model by about
``r k / ln 10``, so a sparser sweep reads its descent at higher rates. On the zoo (37 workloads, seeds 0-2)
the answers fell as sweeps lengthened (``benchmarks/finder_num_steps.py``): family-mean regret 12.6 / 6.2 /
7.7 at 50 / 100 / 200 steps. Moving a clear reading by ``(k / k0) ** beta``, beta 1 chosen by
leave-one-family-out, gives 11.1 / 6.2 / 7.5 held out (100 steps: no answer moves).
"""

from __future__ import annotations

import numpy as np
import pytest

from lrkit.errors import LRKitError
from lrkit.finder import FinderPolicy, Sweep, range_test, settle, synthetic
from lrkit.finder._density import CALIBRATED_DENSITY, at_calibrated_density, density_factor, recorded_density


def _read(num_steps: int, **sweep) -> object:
    step = synthetic.quadratic(lipschitz=4.0).step
    return range_test(step, sweep=Sweep(num_steps=num_steps, **sweep), interval=False)


def test_the_calibrated_density_is_the_default_sweeps():
    assert CALIBRATED_DENSITY == pytest.approx(99 / 8)


@pytest.mark.parametrize("num_steps, factor", [(100, 1.0), (50, 49 / 99), (200, 199 / 99), (300, 2.05),
                                               (20, 1 / 2.05)])
def test_a_clear_reading_moves_by_its_density_over_the_calibrated_one_held_within_the_measured_range(
        num_steps, factor):
    r = _read(num_steps)
    assert density_factor(r) == pytest.approx(factor)
    moved = at_calibrated_density(r)
    assert moved.suggestion == pytest.approx(r.suggestion * factor)
    if num_steps == 100:
        assert moved is r  # the calibrated density: the same result, bit for bit


def test_the_move_scales_the_interval_and_says_why():
    step = synthetic.quadratic(lipschitz=4.0).step
    r = range_test(step, sweep=Sweep(num_steps=50), seed=0)
    moved = at_calibrated_density(r)
    f = 49 / 99
    assert moved.interval == pytest.approx((r.interval[0] * f, r.interval[1] * f))
    assert moved.meta["interval_batch"] == pytest.approx([v * f for v in r.meta["interval_batch"]])
    assert moved.meta["density_factor"] == pytest.approx(f)
    assert "for the sweep's density (6.12 rates per decade, calibrated at 12.4)" in moved.reason
    assert "reads its descent higher" in moved.reason
    assert r.suggestion == r.suggestions["default"]  # the sweep's own reading is kept with the rules'


def test_a_custom_range_reads_its_own_density():
    r = _read(100, start=1e-5, end=1.0)  # 99 intervals over 5 decades: 19.8 rates per decade
    assert density_factor(r) == pytest.approx(19.8 / CALIBRATED_DENSITY)
    same = _read(100, start=1e-8, end=1.0)  # Lightning's default range: 12.4 per decade, not moved
    assert density_factor(same) == 1.0 and at_calibrated_density(same) is same


@pytest.mark.parametrize("policy", [FinderPolicy(progress_exponent=0.0), FinderPolicy(weak_rule_sigmas=1e9)],
                         ids=["off", "a weak reading"])
def test_off_or_a_weak_reading_does_not_move(policy):
    step = synthetic.quadratic(lipschitz=4.0).step
    r = range_test(step, sweep=Sweep(num_steps=50), interval=False, policy=policy)
    assert density_factor(r, policy) == 1.0 and at_calibrated_density(r, policy) is r


def test_a_linear_sweep_or_a_peers_rule_does_not_move():
    step = synthetic.quadratic(lipschitz=4.0).step
    linear = range_test(step, sweep=Sweep(start=1e-3, end=2.0, num_steps=50, mode="linear"), interval=False)
    steepest = range_test(step, sweep=Sweep(num_steps=50), rule="steepest", interval=False)
    assert density_factor(linear) == 1.0 and density_factor(steepest) == 1.0


def test_settle_moves_a_first_sweeps_answer_only():
    r = _read(50)
    assert settle(r, None).suggestion == pytest.approx(r.suggestion * 49 / 99)
    assert settle(r, None).meta["source"] == "sweep"
    assert settle(_read(100), None).suggestion == _read(100).suggestion


def test_the_policy_fields_are_checked():
    with pytest.raises(LRKitError, match="progress_max_ratio"):
        FinderPolicy(progress_max_ratio=0.5)
    with pytest.raises(LRKitError, match="progress_exponent"):
        FinderPolicy(progress_exponent=-1.0)
    assert np.isclose(FinderPolicy().progress_exponent, 1.0)


def test_recorded_density_is_the_sweeps_rates_per_decade_and_none_when_it_cannot_be_read():
    sweep = Sweep()
    settings = {"start": sweep.start, "end": sweep.end, "num_steps": sweep.num_steps}
    assert recorded_density(settings) == pytest.approx(CALIBRATED_DENSITY, rel=1e-12)
    assert recorded_density({**settings, "num_steps": 199}) == pytest.approx(2 * CALIBRATED_DENSITY)
    assert recorded_density({"start": 1e-3, "end": 1.0}) is None  # num_steps not recorded
    assert recorded_density({"start": 1.0, "end": 1.0, "num_steps": 10}) is None  # a range that does not rise
    assert recorded_density({"start": 1e-3, "end": 1.0, "num_steps": 1}) is None
