"""``AutopilotPolicy.adaptive_edge_weight``: where across the ramp's valley an adaptive peak is read."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.finder import sweep_schedule, valley_geometry  # noqa: E402
from lrkit.torch import AutopilotPolicy, autopilot_peak  # noqa: E402

from ._autopilot_run import run  # noqa: E402

P = [torch.nn.Parameter(torch.zeros(2))]


def _ramp(n=60):
    """A ramp whose loss falls near 10^-2.5 and climbs back near 10^-0.3 (no blow-up: no clip)."""
    lrs = sweep_schedule(1e-4, 1.0, n)(np.arange(n))
    x = np.log10(lrs)
    return lrs, 1.0 + 0.5 * np.tanh(-(x + 2.5) * 3) + np.exp(3 * (x + 0.3))


@pytest.mark.parametrize("w", [0.1, 0.2, 1 / 3, 0.5])
def test_an_adaptive_default_rule_reads_w_of_the_way_from_the_descent_to_the_edge(w):
    lrs, losses = _ramp()
    policy = AutopilotPolicy(adaptive_peak="default", adaptive_edge_weight=w)
    v = valley_geometry(lrs, losses, policy=policy.finder)
    peak, how = autopilot_peak(lrs, losses, torch.optim.Adam(P), policy)
    assert np.log10(peak) == pytest.approx(v.x_fast + w * (v.x_edge - v.x_fast), abs=1e-9)
    assert how.startswith("default:") and v.x_edge - v.x_fast > 1.5  # a wide valley: w moves the peak


def test_a_small_weight_nears_the_falling_rule_and_none_is_the_finders_own_weight():
    lrs, losses = _ramp()
    adam = torch.optim.Adam(P)
    falling = autopilot_peak(lrs, losses, adam, AutopilotPolicy())[0]
    small = autopilot_peak(lrs, losses, adam,
                           AutopilotPolicy(adaptive_peak="default", adaptive_edge_weight=1e-9))
    own = autopilot_peak(lrs, losses, adam, AutopilotPolicy(adaptive_peak="default"))[0]
    w = AutopilotPolicy().finder.edge_weight
    third = autopilot_peak(lrs, losses, adam,
                           AutopilotPolicy(adaptive_peak="default", adaptive_edge_weight=w))
    assert small[0] == pytest.approx(falling, rel=1e-6) and own == third[0] and own > 3 * falling


def test_sgd_readings_ignore_the_adaptive_weight():
    lrs, losses = _ramp()
    for opt in (torch.optim.SGD(P, lr=0.1), torch.optim.SGD(P, lr=0.1, momentum=0.9)):
        wide = AutopilotPolicy(adaptive_peak="default", adaptive_edge_weight=0.9)
        assert autopilot_peak(lrs, losses, opt, wide) == autopilot_peak(lrs, losses, opt, AutopilotPolicy())


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5, "a third"])
def test_a_weight_outside_zero_one_is_refused_by_name(bad):
    with pytest.raises(LRKitError, match="adaptive_edge_weight"):
        AutopilotPolicy(adaptive_edge_weight=bad)


def test_an_adam_run_reads_its_ramp_with_the_weight_and_keeps_its_budget():
    policy = AutopilotPolicy(adaptive_peak="default", adaptive_edge_weight=0.2)
    ap, _, mse, steps = run(200, optimizer="adam", policy=policy)
    base, _, _, _ = run(200, optimizer="adam")
    first = ap.events[0]
    assert autopilot_peak(ap.probe_lrs, ap.probe_losses, ap.optimizer, policy, first["diverged_at"]) == (
        first["peak"], first["how"])
    assert base.probe_losses == ap.probe_losses and first["peak"] >= base.events[0]["peak"]  # same ramp
    assert steps == ap.total_steps == 200 and mse < 0.5


def test_a_ramp_that_never_fell_is_read_by_a_fallback_that_says_its_peak_is_a_guess():
    # The recall RNNs' and two transformers' ramps sit at chance until they blow up: no valley, and the
    # peak a fallback reads there is noise clipped below the blow-up (docs/evidence.md).
    lrs = sweep_schedule(1e-4, 1.0, 80)(np.arange(80))
    flat = 2.08 + 0.01 * (-1.0) ** np.arange(80)  # chance level and batch noise, nothing learnt
    peak, how = autopilot_peak(lrs[:70], flat[:70], torch.optim.Adam(P), diverged_at=float(lrs[70]))
    assert "no valley on the ramp" in how and "guess" in how and how.startswith("valley:")
    assert lrs[70] / 30 <= peak <= lrs[70] / 3
    _, strong = autopilot_peak(*_ramp(), torch.optim.Adam(P))
    assert "guess" not in strong
