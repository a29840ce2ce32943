"""The Autopilot's peak: the kind's rule and factor, the ramp's lag, and the main phase's shape."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrkit.finder import sweep_schedule  # noqa: E402
from lrkit.torch import Autopilot, AutopilotPolicy, autopilot_peak  # noqa: E402
from lrkit.torch._autopilot_peak import (PeakRule, momentum_of, optimizer_kind, peak_rule,  # noqa: E402
                                        probe_peak, reading_policy)
from lrkit.torch._autopilot_probe import Probe, main_schedule  # noqa: E402

from ._autopilot_run import run  # noqa: E402

P = [torch.nn.Parameter(torch.zeros(2))]


@pytest.mark.parametrize("make, kind, beta", [
    (lambda: torch.optim.Adam(P, betas=(0.8, 0.99)), "adaptive", 0.8),
    (lambda: torch.optim.RMSprop(P), "adaptive", 0.0),
    (lambda: torch.optim.NAdam(P), "adaptive", 0.9),
    (lambda: torch.optim.SGD(P, lr=0.1, momentum=0.95, nesterov=True), "momentum", 0.95),
    (lambda: torch.optim.SGD(P, lr=0.1), "plain", 0.0),
])
def test_the_kind_and_momentum_of_an_optimizer(make, kind, beta):
    opt = make()
    assert optimizer_kind(opt) == kind and momentum_of(opt) == pytest.approx(beta)


def test_peak_rule_reads_the_kinds_fields_and_the_lag_in_momentum_time():
    policy = AutopilotPolicy(momentum_peak="minimum/10", momentum_factor=0.5, plain_peak="valley",
                             plain_factor=2.0,
                             adaptive_peak="default", adaptive_factor=3.0, response_lag=1.0)
    momentum = PeakRule("minimum/10", 0.5, 10, policy.finder.anchor_decades)  # the anchor_kinds default
    assert peak_rule(torch.optim.SGD(P, lr=0.1, momentum=0.9), "auto", policy) == momentum
    assert peak_rule(torch.optim.SGD(P, lr=0.1), "auto", policy) == PeakRule("valley", 2.0, 1)
    assert peak_rule(torch.optim.Adam(P), "auto", policy) == PeakRule("default", 3.0, 10)
    assert peak_rule(torch.optim.Adam(P), "steepest", policy) == PeakRule("steepest", 1.0, 0)  # as asked


def _valley(n=60):
    lrs = sweep_schedule(1e-4, 1.0, n)(np.arange(n))
    x = np.log10(lrs)
    return lrs, 1.0 + 0.5 * np.tanh(-(x + 2.5) * 3) + np.exp(3 * (x + 0.3))


def test_plain_sgd_reads_twice_its_rules_rate_by_default_never_above_the_divergence_cap():
    # A step without momentum answers the onset of instability at once: its best rate sits nearer the blow-up.
    sgd = torch.optim.SGD(P, lr=0.1)
    lrs, losses = _valley()
    once = autopilot_peak(lrs, losses, sgd, AutopilotPolicy(plain_factor=1.0))[0]
    peak, how = autopilot_peak(lrs, losses, sgd)
    assert AutopilotPolicy().plain_factor == 2.0 and peak == pytest.approx(2 * once) and "times 2" in how
    r = 3 * once  # a blow-up just above the reading: the factor stops at r / clip_above
    capped = autopilot_peak(lrs, losses, sgd, diverged_at=r)[0]
    assert capped == pytest.approx(r / AutopilotPolicy().clip_above)
    for other in (torch.optim.SGD(P, lr=0.1, momentum=0.9), torch.optim.Adam(P)):  # read by plain SGD alone
        assert autopilot_peak(lrs, losses, other)[0] == autopilot_peak(
            lrs, losses, other, AutopilotPolicy(plain_factor=1.0))[0]


def test_a_lag_reads_each_loss_against_an_earlier_rate():
    lrs, losses = _valley()
    q = lrs[1] / lrs[0]  # the sweep's growth per update
    shifted = probe_peak(lrs[3:], losses[3:], 1e-4, None, "default")[0]
    lagged, how = probe_peak(lrs, losses, 1e-4, None, "default", lag=3)
    assert lagged == pytest.approx(shifted / q ** 3) and "read 3 updates after" in how


def test_a_factor_scales_the_peak_and_never_lifts_it_past_a_third_of_a_divergence():
    lrs, losses = _valley()
    base = probe_peak(lrs, losses, 1e-4, None, "default")[0]
    assert probe_peak(lrs, losses, 1e-4, None, "default", factor=0.5)[0] == pytest.approx(base / 2)
    capped, how = probe_peak(lrs, losses, 1e-4, 2 * base, "default", factor=10.0)
    assert capped == pytest.approx(2 * base / 3) and "capped" in how


@pytest.mark.parametrize("shape, first, last", [("wsd", 1.0, 0.29), ("cosine", 1.0, 0.02),
                                                ("linear", 1.0, 0.1)])
def test_the_main_phase_shape_after_a_ramp(shape, first, last):
    sched = main_schedule(1.0, 10, 0, True, AutopilotPolicy(main_shape=shape))
    values = [float(v) for v in sched(range(10))]
    assert values[0] == first and values[-1] == pytest.approx(last, abs=0.01)
    assert all(a >= b for a, b in zip(values, values[1:]))


def test_the_probe_state_keeps_its_factor_lag_and_anchor():
    probe = Probe(1e-4, 1.0, 20, True, "default", False, AutopilotPolicy(), None, 0.5, 4, 2.25)
    again = Probe.from_state(probe.state_dict())
    assert (again.factor, again.lag, again.anchor) == (0.5, 4, 2.25)
    older = {k: v for k, v in probe.state_dict().items() if k != "anchor"}  # saved before the anchor
    assert Probe.from_state(older).anchor is None


@pytest.mark.parametrize("make, policy, anchor", [
    (lambda: torch.optim.SGD(P, lr=0.1, momentum=0.9), AutopilotPolicy(), 2.25),
    (lambda: torch.optim.SGD(P, lr=0.1, momentum=0.9, nesterov=True), AutopilotPolicy(), 2.25),
    (lambda: torch.optim.SGD(P, lr=0.1), AutopilotPolicy(), None),
    (lambda: torch.optim.Adam(P), AutopilotPolicy(), None),
    (lambda: torch.optim.SGD(P, lr=0.1), AutopilotPolicy(anchor_kinds=("plain",)), 1.5),  # memoryless_decades
    (lambda: torch.optim.Adam(P), AutopilotPolicy(anchor_kinds=("adaptive",)), 2.25),  # Adam's beta1
    (lambda: torch.optim.SGD(P, lr=0.1, momentum=0.9), AutopilotPolicy(anchor_kinds=()), None),
])
def test_the_anchor_is_find_lrs_distance_for_the_kinds_the_policy_names(make, policy, anchor):
    assert peak_rule(make(), "auto", policy).anchor == anchor
    assert peak_rule(make(), "default", policy).anchor is None  # a rule asked for is read as it is


#: A recorded ramp (zoo ``finetune-cnn-momentum``, seed 1: 25 updates of SGD with momentum 0.9 from 1e-5 to
#: 10, no divergence called): the loss jumps at 0.006-0.018 and settles at 0.06-10 where the network has
#: collapsed. Read unanchored, its valley says 0.21, 20x the tuned rate (0.01), and the run failed.
FINETUNE_RAMP = [4.769, 5.017, 4.241, 3.782, 4.39, 3.529, 1.483, 1.434, 2.23, 1.209, 3.216, 7.811, 13.308,
                 9.485, 3.201, 1.501, 1.907, 1.536, 1.574, 1.414, 21.767, 2.676, 3.083, 2.906, 3.243]


def test_a_momentum_ramp_is_read_towards_the_blow_up_anchor():
    # Regression: the crossing of a lagging momentum ramp overshot the tuned rate 20x (see FINETUNE_RAMP).
    lrs = sweep_schedule(1e-5, 10.0, 25)(np.arange(25))
    opt = torch.optim.SGD(P, lr=0.1, momentum=0.9)
    unanchored = AutopilotPolicy(anchor_kinds=(), weak_rule_when="turned")  # the default before the anchor
    before, _ = autopilot_peak(lrs, FINETUNE_RAMP, opt, unanchored)
    after, how = autopilot_peak(lrs, FINETUNE_RAMP, opt, AutopilotPolicy(weak_rule_when="turned"))
    assert before > 0.15 and 0.03 < after < 0.15 and "1/10^2.25 of" in how
    # The blend: halfway in log-rate from the rule's reading (the valley's crossing: the ramp did not turn)
    # to 2.25 decades below the ramp's top (10).
    assert np.log10(after) == pytest.approx(0.5 * np.log10(before) + 0.5 * (1.0 - 2.25))
    # The default reads an anchored ramp's weak valley even where it did not turn: minimum/10, blended.
    either, how = autopilot_peak(lrs, FINETUNE_RAMP, opt)
    rule_only, _ = probe_peak(lrs, FINETUNE_RAMP, 1e-5, None, "default", policy=AutopilotPolicy(
        weak_rule_when="always"))
    assert "minimum/10" in how and 1e-3 < either < 0.01
    assert np.log10(either) == pytest.approx(0.5 * np.log10(rule_only) + 0.5 * (1.0 - 2.25))


def test_turned_or_anchored_reads_the_weak_valley_of_an_anchored_ramp_that_did_not_turn():
    lrs = np.geomspace(1e-4, 1.0, 40)
    falling = 1.0 / (1.0 + 30 * lrs) + 0.02 * np.random.default_rng(0).standard_normal(lrs.size)
    either = AutopilotPolicy(weak_rule_when="turned-or-anchored")
    assert reading_policy(lrs, falling, None, either, anchored=True).weak_rule == "minimum/10"
    assert reading_policy(lrs, falling, None, either, anchored=False).weak_rule == "none"
    assert AutopilotPolicy() == either  # the default
    turned = AutopilotPolicy(weak_rule_when="turned")
    assert reading_policy(lrs, falling, None, turned, anchored=True).weak_rule == "none"


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_run_under_another_policy_uses_its_rule_factor_and_shape(optimizer):
    policy = AutopilotPolicy(main_shape="cosine", plain_factor=0.5, adaptive_factor=0.5)
    ap, _, final, steps = run(200, optimizer=optimizer, policy=policy)
    base, _, _, _ = run(200, optimizer=optimizer, policy=AutopilotPolicy(plain_factor=1.0))  # factors 1
    ramp_peak = ap.events[0]["peak"]  # the ramp's reading (a race may move ap.peak from it)
    assert ramp_peak == pytest.approx(base.events[0]["peak"] / 2) and "times 0.5" in ap.events[0]["how"]
    assert ap.schedule()(ap.main_steps - 1) < 0.01 * ap.peak and steps == ap.total_steps == 200
    assert final < 0.5  # trained from an MSE of ~40 (Adam at half its peak: 0.23 after 200 updates)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_autopilot_peak_rereads_a_recorded_probe_as_the_autopilot_did(optimizer):
    policy = AutopilotPolicy(plain_factor=0.7, momentum_factor=0.7, adaptive_factor=0.7)
    ap, _, _, _ = run(120, optimizer=optimizer, policy=policy)
    first = ap.events[0]
    assert autopilot_peak(ap.probe_lrs, ap.probe_losses, ap.optimizer, policy, first["diverged_at"]) == (
        first["peak"], first["how"])
    # Under another policy, the same curve gives that policy's peak (here: its factor, uncapped or capped).
    other, _ = autopilot_peak(ap.probe_lrs, ap.probe_losses, ap.optimizer, AutopilotPolicy(),
                              first["diverged_at"])
    kind = "adaptive" if optimizer == "adam" else "plain"
    assert other >= first["peak"] and optimizer_kind(ap.optimizer) == kind


MIN10 = AutopilotPolicy().finder.replace(weak_rule="minimum/10")


@pytest.mark.parametrize("budget, seed", [(60, 0), (60, 2), (120, 0), (120, 1)])
def test_a_weak_valley_on_a_ramp_still_falling_at_its_top_keeps_the_crossing(budget, seed):
    # Regression: minimum/10 read these short Adam ramps (loss still falling at their top) at 1e-4..1e-3
    # and left the model untrained (MSE 5.7 to 35; trained: < 0.5).
    always, _, mse_always, _ = run(budget, seed=seed, optimizer="adam",
                                   policy=AutopilotPolicy(finder=MIN10, weak_rule_when="always"))
    ap, _, mse, _ = run(budget, seed=seed, optimizer="adam", policy=AutopilotPolicy(finder=MIN10))
    assert mse_always > 5.0 and "minimum/10" in always.events[0]["how"]
    assert mse < 0.5 and "minimum/10" not in ap.events[0]["how"]


def test_the_weak_valley_hand_off_needs_a_ramp_that_turned():
    lrs = np.geomspace(1e-4, 1.0, 40)
    rng = np.random.default_rng(0)
    falling = 1.0 / (1.0 + 30 * lrs) + 0.02 * rng.standard_normal(lrs.size)
    turned = falling + np.where(lrs > 0.1, 20 * (lrs - 0.1), 0.0)
    guarded = AutopilotPolicy(finder=MIN10)
    assert reading_policy(lrs, falling, None, guarded).weak_rule == "none"
    assert reading_policy(lrs, falling, 2.0, guarded).weak_rule == "minimum/10"  # it blew up: it turned
    assert reading_policy(lrs, turned, None, guarded).weak_rule == "minimum/10"
    always = guarded.replace(weak_rule_when="always")
    assert reading_policy(lrs, falling, None, always).weak_rule == "minimum/10"
    assert guarded == AutopilotPolicy()  # the default
    crossing = AutopilotPolicy(finder=MIN10.replace(weak_rule="none"))
    assert reading_policy(lrs, turned, None, crossing) is crossing.finder  # no hand-off at all


@pytest.mark.parametrize("budget", [60, 300])
def test_sgd_with_momentum_trains_with_its_anchored_reading(budget):
    ap, _, mse, steps = run(budget, optimizer="momentum")
    assert ap.rule == "default" and steps == budget
    assert mse < 0.5  # trained from an MSE of ~40 (0.04-0.1 at 60 updates, 0.01 at 300)
