"""``AutopilotPolicy.adaptive_progress_exponent``: an adaptive reading moved for its ramp's density."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.finder import CALIBRATED_DENSITY, FinderPolicy, progress_factor, sweep_schedule  # noqa: E402
from lrkit.torch import AutopilotPolicy, autopilot_peak, ramp_density  # noqa: E402

from ._autopilot_run import run  # noqa: E402

P = [torch.nn.Parameter(torch.zeros(2))]
LAW = AutopilotPolicy(adaptive_progress_exponent=1.0)


def _ramp(n):
    """``n`` rates over the adaptive band, a loss that falls near 10^-2.5 and climbs back near 10^-0.3."""
    lrs = sweep_schedule(1e-4, 1.0, n)(np.arange(n))
    x = np.log10(lrs)
    return lrs, 1.0 + 0.5 * np.tanh(-(x + 2.5) * 3) + np.exp(3 * (x + 0.3))


def test_the_ramps_density_is_its_median_step_and_a_skipped_update_does_not_move_it():
    lrs = np.geomspace(1e-4, 1.0, 101)
    assert ramp_density(lrs) == pytest.approx(25.0)
    assert ramp_density(np.delete(lrs, [10, 40])) == pytest.approx(25.0)  # two gaps in the ramp
    assert ramp_density([0.1]) is None and ramp_density([0.1, 0.1]) is None and ramp_density([]) is None


@pytest.mark.parametrize("n, beta", [(101, 1.0), (101, 0.5), (50, 1.0), (31, 1.0), (16, 1.0)])
def test_a_clear_adaptive_reading_moves_by_the_density_ratio_to_the_power_beta(n, beta):
    lrs, losses = _ramp(n)
    adam = torch.optim.Adam(P)
    base = autopilot_peak(lrs, losses, adam)[0]
    peak, how = autopilot_peak(lrs, losses, adam, AutopilotPolicy(adaptive_progress_exponent=beta))
    ratio = min(max(ramp_density(lrs) / CALIBRATED_DENSITY, 1 / 2.05), 2.05)  # the finder's clip
    assert peak == pytest.approx(base * ratio ** beta) and "for the ramp's density" in how
    assert (peak > base) == (n > 51)  # denser than the calibration reads low, so it moves up


def test_the_move_is_off_by_default_and_leaves_sgd_alone():
    lrs, losses = _ramp(101)
    adam = torch.optim.Adam(P)
    assert AutopilotPolicy().adaptive_progress_exponent == 0.0
    assert "density" not in autopilot_peak(lrs, losses, adam)[1]
    for sgd in (torch.optim.SGD(P, lr=0.1), torch.optim.SGD(P, lr=0.1, momentum=0.9)):
        assert autopilot_peak(lrs, losses, sgd, LAW) == autopilot_peak(lrs, losses, sgd)


def test_a_weak_valley_or_another_rule_is_not_moved():
    lrs, _ = _ramp(101)
    rng = np.random.default_rng(0)
    noise = 1.0 + 0.05 * rng.standard_normal(lrs.size)  # no valley: a fallback's reading
    adam = torch.optim.Adam(P)
    assert autopilot_peak(lrs, noise, adam, LAW) == autopilot_peak(lrs, noise, adam)
    _, losses = _ramp(101)
    other = LAW.replace(adaptive_peak="minimum/10")  # not a valley rule: it reads the minimum
    assert autopilot_peak(lrs, losses, adam, other) == autopilot_peak(
        lrs, losses, adam, AutopilotPolicy(adaptive_peak="minimum/10"))


def test_the_move_comes_before_the_divergence_cap():
    lrs, losses = _ramp(101)
    adam = torch.optim.Adam(P)
    base = autopilot_peak(lrs, losses, adam)[0]
    r = 4 * base  # a blow-up above the reading: twice the reading would pass r / 3
    assert autopilot_peak(lrs, losses, adam, LAW, diverged_at=r)[0] == pytest.approx(r / 3)


def test_the_finders_law_is_one_function_for_a_sweep_and_a_ramp():
    lrs, losses = _ramp(101)
    finder = FinderPolicy(progress_exponent=0.5)
    assert progress_factor(25.0, lrs, losses, finder) == pytest.approx((25.0 / CALIBRATED_DENSITY) ** 0.5)
    law = progress_factor(25.0, lrs, losses, finder, exponent=1.0)
    assert law == pytest.approx(25.0 / CALIBRATED_DENSITY)
    assert progress_factor(25.0, lrs, losses, finder, exponent=0.0) == 1.0


@pytest.mark.parametrize("bad", [-1.0, float("nan"), "1"])
def test_a_bad_exponent_is_refused_naming_the_field(bad):
    with pytest.raises(LRKitError, match="adaptive_progress_exponent"):
        AutopilotPolicy(adaptive_progress_exponent=bad)


def test_a_run_records_the_move_and_autopilot_peak_rereads_it():
    ap, _, _, steps = run(400, optimizer="adam", policy=LAW)
    first = ap.events[0]
    assert steps == 400 and "for the ramp's density" in first["how"]
    assert autopilot_peak(ap.probe_lrs, ap.probe_losses, ap.optimizer, LAW, first["diverged_at"]) == (
        first["peak"], first["how"])
    base = autopilot_peak(ap.probe_lrs, ap.probe_losses, ap.optimizer, diverged_at=first["diverged_at"])
    assert first["peak"] > base[0]  # a 100-update ramp over four decades: 24.75 rates per decade
