"""Autopilot's probe cost scales with the budget: a rolled-back probe of at most 10% of it, or
for short budgets a ramp inside it whose updates up to the chosen peak are kept, bit for bit."""

from __future__ import annotations

import io

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.schedules import wsd  # noqa: E402
from lrkit.torch import Autopilot, AutopilotPolicy  # noqa: E402
from lrkit.torch._autopilot_guard import Guard, reaction, reading  # noqa: E402
from lrkit.torch._autopilot_peak import probe_peak  # noqa: E402
from lrkit.torch._autopilot_probe import main_schedule, paced_ramp, probe_plan  # noqa: E402

from ._autopilot_run import regression, run  # noqa: E402

MAX_STATES, MIN_RAMP = AutopilotPolicy().max_states, AutopilotPolicy().min_ramp
#: The raise on a too_low_slow reading that the default leaves out (too_low_factor = 1), for its mechanism.
TRIPLE = AutopilotPolicy(too_low_factor=3.0)


@pytest.mark.parametrize("budget", [100, 200, 209, 300, 460, 920, 1000, 5000])
def test_a_rolled_back_probe_costs_at_most_a_tenth_of_the_budget(budget):
    mode, steps = probe_plan(budget, "rollback")
    assert mode == "rollback" and 10 <= steps <= 0.1 * budget and steps == min(100, budget // 10)
    assert probe_plan(None, "rollback") == ("rollback", 100)  # no budget: the longest probe
    assert probe_plan(40, "rollback") == ("rollback", 10)  # below 100: the 10 points a range test reads


@pytest.mark.parametrize("budget", [4, 10, 40, 100, 150, 199, 300, 920, 5000])
def test_a_known_budget_ramps_inside_it(budget):
    mode, steps = probe_plan(budget, "auto")
    assert mode == "ramp" and 2 <= steps <= min(100, budget // 2)
    assert steps == min(100, budget // 2, max(MIN_RAMP, round(0.25 * budget)))


def _constant(lr, optimizer, budget, seed=0):
    """The reference: the same model, data and batches at a constant rate (NaN if it blew up)."""
    torch.manual_seed(seed)
    x, y = regression(seed)
    model = torch.nn.Linear(x.shape[1], 1)
    opt = (torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam)(model.parameters(), lr=lr)
    g = torch.Generator().manual_seed(seed + 1)
    for _ in range(budget):
        opt.zero_grad()
        i = torch.randint(0, len(x), (32,), generator=g)
        ((model(x[i]).squeeze(1) - y[i]) ** 2).mean().backward()
        opt.step()
    with torch.no_grad():
        return float(((model(x).squeeze(1) - y) ** 2).mean())


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_ramp_run_spends_exactly_its_budget_and_nears_the_best_constant_rate(optimizer):
    ap, _, final, updates = run(120, optimizer=optimizer)
    assert ap.ramp and ap.events[0]["mode"] == "ramp"
    # The undone updates above the peak are paid from the budget: the run makes exactly 120.
    assert updates == ap.total_steps == 120 and ap.main_steps == 120 - ap.probe_steps - ap.race_steps
    grid = [_constant(lr, optimizer, 120) for lr in (0.01, 0.03, 0.1, 0.3, 1.0)]
    best = min(v for v in grid if v == v)  # a blown-up rate gives NaN
    # Measured: sgd 0.0331 vs 0.0155, adam 0.0121 vs 0.0102 (both at lr 0.1), from a start of ~40:
    # a ramp pays for the rate search with a fifth of a short budget, so it trails a little (sgd: its
    # weak valley read by minimum/10 at 0.031; the crossing, 0.042, gave 0.0248).
    assert final <= 2.5 * best


def test_the_ramp_keeps_its_updates_up_to_the_peak_bitwise():
    before = []  # the parameters before each update of the ramp

    seen = {}

    def check(step, ap, model, loss):
        if ap.phase == "probe":
            before.append([p.detach().clone() for p in model.parameters()])
        if ap.phase == "main" and "after" not in seen:  # the first update after the ramp
            seen["after"] = [p.detach().clone() for p in model.parameters()]
            seen["lrs"], seen["peak"] = list(ap.probe_lrs), ap.peak
        return loss

    ap, _, _, _ = run(100, on_step=check)
    lrs = np.array(seen["lrs"])
    keep = int(np.flatnonzero(lrs <= seen["peak"] * (1 + 1e-9))[-1]) + 1  # updates at rates <= the peak
    assert 0 < keep < len(lrs)  # the probe went past the peak, and the excess was undone
    stride = -(-ap.probe_steps // MAX_STATES)  # states are kept every stride-th update
    at = keep - keep % stride
    assert stride == 2 and ap.main_steps == 100 - ap.probe_steps  # the undone updates are not given back
    for p, q in zip(seen["after"], before[at]):  # = the state after update at - 1, bit for bit
        assert torch.equal(p, q)


def test_the_main_phase_starts_with_fresh_optimizer_statistics():
    # The ramp's low-rate updates must not leave their large early gradients in Adam's moments:
    # the first update after the ramp is exactly a fresh torch Adam's first step at the peak.
    seen = {}

    def check(step, ap, model, loss):
        if ap.phase == "main" and "w" not in seen:
            seen["w"] = [p.detach().clone() for p in model.parameters()]
            seen["g"] = [p.grad.detach().clone() for p in model.parameters()]
            seen["state"], seen["lr"] = len(ap.optimizer.state), ap.lr
        elif "w" in seen and "w1" not in seen:
            seen["w1"] = [p.detach().clone() for p in model.parameters()]
        return loss

    ap, _, _, _ = run(100, optimizer="adam", on_step=check)
    assert ap.events[0]["mode"] == "ramp" and seen["state"] == 0
    ref = [torch.nn.Parameter(w.clone()) for w in seen["w"]]
    for p, g in zip(ref, seen["g"]):
        p.grad = g
    torch.optim.Adam(ref, lr=seen["lr"]).step()
    for p, q in zip(ref, seen["w1"]):
        assert torch.equal(p.detach(), q)


def test_a_long_ramp_holds_at_most_max_states_copies():
    torch.manual_seed(0)
    x, y = regression()
    model = torch.nn.Linear(8, 1)
    opt = torch.optim.Adam(model.parameters())
    ap = Autopilot(opt, budget=1000, model=model)
    held = []
    while ap.phase == "probe":
        opt.zero_grad()
        loss = ((model(x[:64]).squeeze(1) - y[:64]) ** 2).mean()
        loss.backward()
        ap.step(loss)
        held.append(len(ap._probe.states))
    assert ap.probe_steps <= 100 and max(held[:-1]) <= MAX_STATES and held[-1] == 0  # freed at the end
    assert ap.total_steps == 1000 and ap.main_steps == 1000 - ap.probe_steps


def test_the_schedule_after_a_ramp_holds_the_peak_then_cools_down():
    s = main_schedule(0.3, 50, 0, ramp=True)
    ref = wsd(lr=0.3, warmup=0, stable=40, decay=10, shape="1-sqrt")
    t = np.arange(50)
    np.testing.assert_allclose(s(t), ref(t), rtol=0, atol=0)
    assert s(0) == s(39) == 0.3 and s(49) < 0.3 * 0.35
    ap, _, _, _ = run(60)
    expect = main_schedule(ap.peak, ap.main_steps, 0, ramp=True)
    assert ap.schedule()(ap.main_steps - 1) == pytest.approx(float(expect(ap.main_steps - 1)))


@pytest.mark.parametrize("steps", [1, 2, 50, 733])
def test_a_constant_main_shape_holds_the_peak_to_the_end_as_a_one_update_cool_down_does(steps):
    """'constant' is the wsd run whose cool-down is as short as the policy allows (what the
    tail-average measurement ran as "no cool-down"): the same rate at every update."""
    t = np.arange(steps)
    s = main_schedule(0.3, steps, 0, True, AutopilotPolicy(main_shape="constant"))
    np.testing.assert_array_equal(s(t), np.full(steps, 0.3))
    np.testing.assert_array_equal(s(t), main_schedule(0.3, steps, 0, True, AutopilotPolicy(cooldown=1e-3))(t))
    warm = main_schedule(0.3, 10, 4, True, AutopilotPolicy(main_shape="constant"))
    assert float(warm(0)) < 0.3 and float(warm(4)) == float(warm(9)) == 0.3


def _valley_then_floor(noise: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A ramp's curve: a clear descent around 6e-4, then a flat floor up to the blow-up at 0.5,
    the shape of a transformer LM's ramp under Adam (charlm at 1000 updates)."""
    lrs = np.logspace(-4, np.log10(0.5), 90)
    x = np.log10(lrs)
    losses = 5.0 - 2.2 / (1.0 + np.exp(-(x + 3.2) / 0.25))
    return lrs, losses + noise * np.random.default_rng(seed).standard_normal(lrs.size)


def test_probe_peak_of_an_adaptive_optimizer_keeps_a_strong_suggestion_below_the_divergence_band():
    # Regression (charlm, 1000 updates): the falling rule found 4.5e-4 on a drop of tens of noise SDs,
    # and the [r/30, r/3] clip lifted it 30-fold to r/30, where the run ended 41% behind grid-tuned.
    lrs, losses = _valley_then_floor(noise=0.03)
    peak, how = probe_peak(lrs, losses, 1e-4, 0.5, "falling", adaptive=True)
    assert 2e-4 < peak < 2e-3 and "clipped" not in how
    # The upper bound stays: never within 3x of the blow-up.
    assert probe_peak(lrs, losses, 1e-4, 1e-3, "falling", adaptive=True)[0] == pytest.approx(1e-3 / 3)


def test_an_opt_in_floor_lifts_an_adaptive_strong_suggestion_to_r_over_f_and_no_further():
    lrs, losses = _valley_then_floor(noise=0.03)
    floored = AutopilotPolicy(strong_clip_below=100.0)
    peak, how = probe_peak(lrs, losses, 1e-4, 0.5, "falling", adaptive=True, policy=floored)
    assert peak == pytest.approx(0.5 / 100) and "clipped" in how
    # A strong reading already above the floor keeps its place; the default has no floor.
    assert probe_peak(lrs, losses, 1e-4, 0.05, "falling", adaptive=True, policy=floored)[0] == pytest.approx(
        probe_peak(lrs, losses, 1e-4, 0.05, "falling", adaptive=True)[0])
    assert AutopilotPolicy().strong_clip_below is None
    # SGD and weak signals keep clip_below's band, whatever the floor.
    assert probe_peak(lrs, losses, 1e-4, 0.5, "default", policy=floored)[0] == pytest.approx(0.5 / 30)


@pytest.mark.parametrize("bad", [0.5, float("nan"), "100", 2.0])
def test_a_floor_below_one_or_above_the_cap_is_refused(bad):
    with pytest.raises(LRKitError, match="strong_clip_below"):
        AutopilotPolicy(strong_clip_below=bad)


def test_probe_peak_lifts_a_weak_or_sgd_suggestion_into_the_band_below_the_divergence():
    lrs, losses = _valley_then_floor(noise=0.03)
    # SGD: the blow-up is the curvature's edge (2/L), the classical band a decade below it holds.
    peak, how = probe_peak(lrs, losses, 1e-4, 0.5, "default", adaptive=False)
    assert peak == pytest.approx(0.5 / 30) and "clipped" in how
    assert probe_peak(lrs, losses, 1e-4, 0.5, "falling")[0] == pytest.approx(0.5 / 30)  # adaptive=False
    # Another rule than the valley ones: the valley's depth says nothing of it, the band holds.
    assert probe_peak(lrs, losses, 1e-4, 0.5, "steepest", adaptive=True)[0] == pytest.approx(0.5 / 30)
    # A weak signal (a drop of a few noise SDs): the rule may be noise, the band is the better bet.
    noisy, weak = _valley_then_floor(noise=1.5, seed=3)
    peak, how = probe_peak(noisy, weak, 1e-4, 0.5, "falling", adaptive=True)
    assert 0.5 / 30 <= peak <= 0.5 / 3


@pytest.mark.parametrize("rule, r", [("falling", 5.0), ("steepest", 0.5)])
def test_adaptive_clip_cap_leaves_an_adaptive_weak_or_other_reading_below_the_band_and_sgd_in_it(rule, r):
    # A weak valley (a drop of a few noise SDs) read by the falling rule, and another rule than the
    # valley ones: the default lifts both to r/30; "cap" keeps the reading, capped at r/3 only.
    lrs, losses = _valley_then_floor(noise=1.5, seed=3) if rule == "falling" else _valley_then_floor(0.03)
    capped = AutopilotPolicy(adaptive_clip="cap")
    band, _ = probe_peak(lrs, losses, 1e-4, r, rule, adaptive=True)
    peak, how = probe_peak(lrs, losses, 1e-4, r, rule, adaptive=True, policy=capped)
    unclipped, _ = probe_peak(lrs, losses, 1e-4, r, rule, adaptive=True,
                              policy=AutopilotPolicy(clip_below=1e9))
    assert band == pytest.approx(r / 30) and peak == unclipped < r / 30 and "clipped" not in how
    # The cap stays (never within 3x of the blow-up), and SGD keeps the band whatever adaptive_clip says.
    high = probe_peak(lrs, losses, 1e-4, 1e-3, rule, adaptive=True, policy=capped)[0]
    assert high == pytest.approx(1e-3 / 3)
    assert probe_peak(lrs, losses, 1e-4, r, rule, policy=capped)[0] == pytest.approx(r / 30)
    assert AutopilotPolicy().adaptive_clip == "band"
    with pytest.raises(LRKitError, match="adaptive_clip"):
        AutopilotPolicy(adaptive_clip="none")


def test_probe_peak_of_an_empty_probe_is_the_lowest_rate():
    assert probe_peak([], [], 1e-5, None) == (1e-5, "probe failed at once")


def test_auto_rule_follows_the_optimizer_kind():
    assert Autopilot(torch.optim.Adam(torch.nn.Linear(2, 1).parameters()), budget=300).rule == "falling"
    sgd = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)
    assert Autopilot(sgd, budget=300).rule == "default"
    ramp = Autopilot(torch.optim.Adam(torch.nn.Linear(2, 1).parameters()), budget=40)
    assert (ramp.lr_min, ramp.lr_max, ramp.lr) == (1e-4, 1.0, pytest.approx(1e-4))


def test_a_ramp_resumed_midway_continues_bit_identically():
    """A resume keeps the states recorded before it (they are in the checkpoint)."""
    x, y = regression()

    def run(resume_at):
        torch.manual_seed(0)
        model = torch.nn.Linear(8, 1)
        opt = torch.optim.SGD(model.parameters(), lr=1.0)
        ap = Autopilot(opt, budget=90, model=model)
        g = torch.Generator().manual_seed(5)
        while not ap.done:
            if ap.phase == "probe" and len(ap.probe_lrs) == resume_at:
                buffer = io.BytesIO()
                torch.save(ap.state_dict(), buffer)
                buffer.seek(0)
                state = torch.load(buffer, weights_only=True)
                ap = Autopilot(opt, budget=90, model=model)
                ap.load_state_dict(state)
            opt.zero_grad()
            i = torch.randint(0, len(x), (32,), generator=g)
            loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
            loss.backward()
            ap.step(loss)
        return ap, [p.detach().clone() for p in model.parameters()]

    (a1, p1), (a2, p2) = run(None), run(5)
    assert a2.peak == a1.peak and a2.main_steps == a1.main_steps and a2.total_steps == a1.total_steps == 90
    for p, q in zip(p1, p2):
        assert torch.equal(p, q)


@pytest.mark.parametrize("fired, expect", [
    (["plateau"], ("plateau", 0.1)),
    (["loss_spikes", "too_high_oscillating"], ("too_high_oscillating", 0.5)),
    (["too_low_slow"], ("too_low_slow", 3.0)),
    (["healthy"], ("healthy", None)),
])
def test_reaction_table(fired, expect):
    assert reaction(fired, 0, 1.0, 10.0, TRIPLE) == expect


def test_reaction_limits():
    assert reaction(["plateau"], 3, 1.0, 10.0) == ("plateau", None)  # out of decays (max_decays = 3)
    assert reaction(["too_low_slow"], 1, 1.0, 10.0, TRIPLE) == ("too_low_slow", None)  # never after a decay
    assert reaction(["too_low_slow"], 0, 4.0, 10.0, TRIPLE) == ("too_low_slow", None)  # 3x passes the ceiling
    assert reaction(["too_low_slow"], 0, 1.0, 10.0) == ("too_low_slow", 1.0)  # the default: logged, no raise


@pytest.mark.parametrize("kwargs, match", [
    (dict(budget=100, probe="sweep"), "`probe` of Autopilot"),
    (dict(budget=40, probe="ramp", probe_steps=40), "`probe_steps` of Autopilot"),
    (dict(budget=3), "`budget` of Autopilot"),
])
def test_bad_probe_arguments(kwargs, match):
    with pytest.raises(LRKitError, match=match):
        Autopilot(torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1), **kwargs)


def test_guard_skips_one_spike_rolls_back_on_two_and_flags_repeats():
    w = torch.nn.Parameter(torch.zeros(3))
    opt = torch.optim.SGD([w], lr=0.1)
    guard = Guard(opt, None, AutopilotPolicy(snapshot_every=5))
    guard.reset(0)
    rng = np.random.default_rng(0)
    for t in range(20):  # 20 healthy updates: the spike test has its reference
        w.grad = torch.ones(3)
        assert guard.update(1.0 + 0.01 * rng.standard_normal(), t) is None
    assert guard.snapshot["t"] == 19 and torch.equal(guard.snapshot["tensors"][0], w.detach())
    w.grad = torch.ones(3)
    before = w.detach().clone()
    assert guard.update(100.0, 20)["action"] == "skipped" and torch.equal(w, before)
    first = guard.update(100.0, 21)  # a second spike in a row: the weights are the problem
    assert first["action"] == "rolled back" and first["restored_to"] == 19 and not first["repeat"]
    w.grad = torch.full((3,), float("nan"))  # a NaN gradient from finite weights: skipped, as a spike
    assert guard.update(1.0, 24)["action"] == "skipped" and torch.equal(w, guard.snapshot["tensors"][0])
    assert guard.update(1.0, 25)["repeat"]  # the second in a row, within 2 * snapshot_every of the last
    assert guard.update(1.0, 39)["action"] == "skipped"
    assert guard.update(1.0, 40)["repeat"] is False
    w.grad = torch.ones(3)
    with torch.no_grad():
        w[0] = float("nan")  # non-finite weights (and so a NaN loss): rolled back at once
    assert guard.update(float("nan"), 60)["action"] == "rolled back" and torch.isfinite(w).all()


def test_snapshots_hold_cpu_copies_and_restore_the_optimizer_state_bitwise():
    from lrkit.torch._autopilot_guard import restore_snapshot, take_snapshot

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.Linear(8, 1))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    x = torch.randn(64, 4)

    def steps(n):
        for _ in range(n):
            opt.zero_grad()
            model(x).pow(2).mean().backward()
            opt.step()

    def flat():
        state = [v for s in opt.state_dict()["state"].values() for v in s.values()]
        return [t.detach().clone() for t in (*model.parameters(), *model.buffers(), *state)]

    steps(3)
    snap, expect = take_snapshot(opt, model, 3), flat()
    leaves = [v for s in snap["optimizer"]["state"].values() for v in s.values()]
    assert all(t.device.type == "cpu" for t in (*snap["tensors"], *leaves))
    for _ in range(2):  # restoring twice: the snapshot is not aliased by the restored optimizer
        steps(4)
        restore_snapshot(opt, model, snap)
        for a, b in zip(flat(), expect):
            assert torch.equal(a, b)


def test_paced_ramp_keeps_sgds_updates_per_decade_for_a_narrower_band():
    p = AutopilotPolicy()
    lo, hi = p.sgd_band
    assert paced_ramp(100, lo, hi, p) == 100  # SGD's own band: its length
    assert paced_ramp(100, *p.adaptive_band, p) == round(100 * 4 / 6)  # 4 of 6 decades
    assert paced_ramp(20, *p.adaptive_band, p) == MIN_RAMP  # never under min_ramp ...
    assert paced_ramp(10, *p.adaptive_band, p) == 10  # ... unless the budget's ramp already was
    assert paced_ramp(100, 1e-8, 10.0, p) == 100  # a wider band: never longer than the budget's ramp


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "momentum"])
def test_ramp_pace_decades_shortens_only_a_narrower_bands_ramp_and_spends_the_budget(optimizer):
    budget, pace = 400, AutopilotPolicy(ramp_pace="decades")
    ap, _, mse, updates = run(budget, optimizer=optimizer, policy=pace)
    base, _, base_mse, _ = run(budget, optimizer=optimizer)
    assert updates == ap.total_steps == budget and ap.done
    if optimizer == "adam":  # four decades: two thirds of the 100 updates, each rate SGD's pace apart
        assert ap.probe_steps <= round(base.probe_steps * 4 / 6) < base.probe_steps
        ratio = np.diff(np.log10(ap.probe_lrs))
        assert np.allclose(ratio, 4 / (round(100 * 4 / 6) - 1))
    else:  # SGD's band: the same run, bit for bit
        assert ap.probe_lrs == base.probe_lrs and ap.probe_losses == base.probe_losses and mse == base_mse
    assert np.isfinite(mse)


def test_a_bad_ramp_pace_is_refused_naming_it():
    with pytest.raises(LRKitError, match="ramp_pace"):
        AutopilotPolicy(ramp_pace="fast")


def _catapult_run(react_to):
    """An Autopilot without a budget whose main phase catapults (a jump of 20-40x on its first updates,
    then a descent far below its first loss): diagnose calls it uncertain, naming too_high_diverging."""
    w = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.SGD([w], lr=0.1)
    ap = Autopilot(opt, probe_steps=10, peak=0.1, policy=AutopilotPolicy(react_to=react_to))

    def step(value):
        w.grad = torch.zeros(2)  # the losses are scripted; a zero gradient leaves the weights alone
        ap.step(value)

    while ap.phase == "probe":
        step(1.0)
    t = np.arange(300)
    y = 0.05 + 2.0 * np.exp(-t / 40) + 0.01 * np.random.default_rng(0).standard_normal(t.size)
    y[1:4] = [20.0, 40.0, 15.0]
    for v in y:
        step(float(v))
    return ap, [e for e in ap.events if "reaction" in e]


def test_a_recovered_catapult_is_uncertain_and_leaves_the_rate_alone_when_reacting_to_the_verdict():
    ap, reactions = _catapult_run("verdict")
    assert reactions == [] and ap.scale == 1.0 and ap.lr == pytest.approx(ap.peak)
    ap, reactions = _catapult_run("fired")  # the reading of every test that fired halves it
    assert reactions and reactions[0]["reaction"] == "too_high_diverging"
    assert reactions[0]["diagnosis"] == "uncertain" and reactions[0]["scale"] == 0.5


@pytest.mark.parametrize("verdict, fired, react_to, expect", [
    ("uncertain", ["too_high_diverging"], "fired", ("too_high_diverging",)),
    ("uncertain", ["too_high_diverging"], "verdict", ("uncertain",)),
    ("plateau", ["plateau"], "verdict", ("plateau",)),
    ("loss_spikes", ["loss_spikes", "plateau"], "verdict", ("loss_spikes", "plateau")),
])
def test_reading_of_a_diagnosis(verdict, fired, react_to, expect):
    assert reading(verdict, fired, react_to) == expect
    read = reading("uncertain", ["too_high_diverging"], "verdict")
    assert reaction(read, 0, 1.0, 10.0) == ("uncertain", None)


def test_react_to_is_a_choice():
    with pytest.raises(LRKitError, match="react_to"):
        AutopilotPolicy(react_to="verdicts")
