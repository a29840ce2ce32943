"""Autopilot's trial in the main phase (``AutopilotPolicy.trial_factors``): each multiple of the rate trains
from one state, is judged by its loss after a side cool-down, and is undone bit for bit unless it wins;
the run goes on from the winner's segment end, every other update paid from the budget, resumable."""

from __future__ import annotations

import io
import math

import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.torch import Autopilot, AutopilotPolicy  # noqa: E402
from lrkit.torch._autopilot_trial import Trial, trial_plan  # noqa: E402

from ._autopilot_run import regression, run  # noqa: E402

TRIAL = AutopilotPolicy(trial_factors=(1.0, 2.0))


def test_trial_plan_places_and_sizes_the_trial_and_refuses_one_the_main_phase_cannot_afford():
    assert trial_plan(1000, (1.0, 2.0), TRIAL) == (100, 200, 50)  # at 10%, 20% each, 5% cool-downs
    assert trial_plan(230, (1.0, 2.0), TRIAL) == (23, 46, 12)  # 30% paid, and rounding's margin
    assert trial_plan(120, (1.0, 2.0), TRIAL) == (12, 24, 8)  # cool-downs of at least min_race
    assert trial_plan(80, (1.0, 2.0), TRIAL) is None  # 16 + 2 x 8 paid > 35% of 80
    assert trial_plan(None, (1.0, 2.0), TRIAL) is None  # no budget
    assert trial_plan(1000, (1.0,), TRIAL) is None  # one candidate is no trial
    assert trial_plan(1000, (1.0, 2.0, 0.5), TRIAL) is None  # 2 x 200 + 3 x 50 > 35%
    assert trial_plan(1000, (1.0, 2.0, 0.5), TRIAL.replace(max_trial_fraction=0.6)) == (100, 200, 50)
    late = TRIAL.replace(trial_at=0.4)  # the kept segment would reach into the cool-down
    assert trial_plan(1000, (1.0, 2.0), late) is None


def test_trial_fields_are_validated():
    with pytest.raises(LRKitError, match="trial_factors"):
        AutopilotPolicy(trial_factors=(0.0, 1.0))
    for field in ("trial_at", "trial_fraction", "trial_cooldown", "max_trial_fraction"):
        with pytest.raises(LRKitError, match=field):
            AutopilotPolicy(**{field: 1.5})


def test_trial_scores_the_cool_downs_last_half_disqualifies_a_failure_and_ties_go_first():
    model = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    trial = Trial((1.0, 2.0, 0.5), segment=2, cool=4, t0=7)
    trial.begin(opt, model)
    assert trial.rate(0.1) == pytest.approx(0.1)
    for v in (9.0, 9.0, 5.0, 5.0, 3.0, 1.0):  # segment, then the cool-down: its last half scores
        trial.step(opt, model, v)
    assert trial.scores == [2.0] and trial.i == 1 and trial.rate(0.1) == pytest.approx(0.2)
    trial.step(opt, model, 9.0)
    assert trial.j == 1 and not trial.cooling()
    trial.step(opt, model, 9.0)
    assert trial.cooling() and trial.rate(0.1) == pytest.approx(0.2 * (1 - math.sqrt(1 / 4)))
    trial.step(opt, model, float("nan"))  # a non-finite loss ends and disqualifies it
    assert math.isinf(trial.scores[1]) and trial.i == 2
    for v in (9.0, 9.0, 5.0, 5.0, 1.0, 3.0):
        trial.step(opt, model, v)
    assert trial.over and trial.winner() == 0  # a tie goes to the first listed
    assert trial.finish(opt, model) == (1.0, trial.steps - 2)
    back = Trial.from_state(trial.state_dict())
    assert back.state_dict() == trial.state_dict()


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "momentum"])
@pytest.mark.parametrize("budget", [60, 137, 400])
def test_a_run_with_a_trial_makes_exactly_its_budget_of_updates(budget, optimizer):
    ap, _, final, n = run(budget, optimizer=optimizer, policy=TRIAL)
    assert n == budget == ap.total_steps == ap.probe_steps + ap.race_steps + ap.trial_steps + ap.main_steps
    tried = [e for e in ap.events if "trial" in e]
    if tried:
        (event,) = tried
        assert event["paid"] == ap.trial_steps > 0 and ap.factor == event["factor"] and math.isfinite(final)
    else:
        assert ap.trial_steps == 0 and ap.factor == 1.0


def test_without_trial_factors_the_run_is_the_default_one_bit_for_bit():
    a, ma, _, _ = run(300, optimizer="adam")
    b, mb, _, _ = run(300, optimizer="adam", policy=AutopilotPolicy(trial_factors=(1.0,)))
    assert a.events == b.events and b.trial_steps == 0
    assert all(torch.equal(p, q) for p, q in zip(ma.parameters(), mb.parameters()))


def test_the_winner_continues_from_its_own_segment_end_bit_for_bit():
    # The first candidate (keep) sees the batches the run without a trial sees, so when it wins the weights
    # right after the trial are that run's after the same updates: the second candidate and both
    # cool-downs left no trace. x1e-3 barely trains, so keep wins.
    policy = AutopilotPolicy(trial_factors=(1.0, 1e-3))
    after, plain = {}, {}

    def watch_trial(step, ap, model, loss):
        if ap.phase == "main" and "n" not in after and any("trial" in e for e in ap.events):
            after["n"], after["w"] = step, [p.detach().clone() for p in model.parameters()]
            after["lost"] = ap.trial_steps
        return loss

    ap, _, _, _ = run(300, optimizer="momentum", policy=policy, on_step=watch_trial)
    (event,) = [e for e in ap.events if "trial" in e]
    assert event["factor"] == 1.0

    def watch_plain(step, ap, model, loss):
        if step == after["n"] - after["lost"]:
            plain["w"] = [p.detach().clone() for p in model.parameters()]
        return loss

    run(300, optimizer="momentum", on_step=watch_plain)
    assert all(torch.equal(p, q) for p, q in zip(after["w"], plain["w"]))


def test_a_candidate_whose_loss_is_not_finite_loses_the_trial_and_leaves_no_trace():
    # x2 is disqualified by a NaN loss in its segment: the run goes on from keep's segment end, at x1.
    def nan_in_second(step, ap, model, loss):
        if ap.phase == "trial" and ap._trial.i == 1 and ap._trial.j == 3:
            return torch.tensor(float("nan"))
        return loss

    ap, _, final, n = run(300, optimizer="adam", policy=TRIAL, on_step=nan_in_second)
    (event,) = [e for e in ap.events if "trial" in e]
    assert event["factor"] == 1.0 and math.isinf(event["trial"][1][1]) and math.isfinite(final) and n == 300


def test_a_candidate_above_a_third_of_the_probes_highest_survived_rate_is_dropped():
    ap, _, _, n = run(300, optimizer="sgd", policy=AutopilotPolicy(trial_factors=(1.0, 1e6)))
    assert not any("trial" in e for e in ap.events) and ap.trial_steps == 0 and ap.factor == 1.0 and n == 300


@pytest.mark.parametrize("offset", [0, 5, 66, 100, 150])
def test_a_run_saved_and_resumed_in_the_trial_is_bit_identical(offset):
    """``torch.save`` / ``torch.load(weights_only=True)`` of the Autopilot, model and optimizer at several
    points of the trial (its first update, its first candidate, its cool-down, the second candidate)."""

    def train(save_at: int | None) -> list[torch.Tensor]:
        torch.manual_seed(0)
        x, y = regression(0)
        model = torch.nn.Linear(x.shape[1], 1)
        opt = torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.9)
        ap = Autopilot(opt, budget=400, model=model, policy=TRIAL)
        g = torch.Generator().manual_seed(1)
        step, start = 0, None
        while not ap.done:
            opt.zero_grad()
            i = torch.randint(0, len(x), (32,), generator=g)
            loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
            loss.backward()
            ap.step(loss)
            step += 1
            if ap.phase == "trial" and start is None:
                start = step
            if save_at is not None and start is not None and step == start + save_at:
                assert ap.phase == "trial"
                buf = io.BytesIO()
                torch.save({"ap": ap.state_dict(), "model": model.state_dict(), "opt": opt.state_dict()}, buf)
                buf.seek(0)
                saved = torch.load(buf, weights_only=True)
                model = torch.nn.Linear(x.shape[1], 1)
                opt = torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.9)
                model.load_state_dict(saved["model"])
                opt.load_state_dict(saved["opt"])
                ap = Autopilot(opt, budget=400, model=model, policy=TRIAL)
                ap.load_state_dict(saved["ap"])
        assert any("trial" in e for e in ap.events)
        return [p.detach().clone() for p in model.parameters()]

    whole = train(None)
    assert all(torch.equal(a, b) for a, b in zip(whole, train(offset)))
