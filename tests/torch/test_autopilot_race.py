"""Autopilot's race (``AutopilotPolicy.race_factors``): after the ramp, each candidate peak trains from
the same state (restored bit for bit), the lowest loss wins and continues from where its own segment
ended, and every race update is paid from the budget."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.torch import AutopilotPolicy  # noqa: E402
from lrkit.torch._autopilot_race import Race, race_plan, start_race  # noqa: E402

from ._autopilot_run import run  # noqa: E402

RACE = AutopilotPolicy(race_factors=(0.25, 1.0, 4.0))


def test_race_plan_sizes_a_segment_and_refuses_a_race_the_budget_cannot_afford():
    assert race_plan(500, 400, RACE) == 20  # 4% of the budget
    assert race_plan(137, 100, RACE) == 8  # at least min_race
    assert race_plan(100, 75, RACE) is None  # 3 x 8 > 30% of the 75 left
    no_race = AutopilotPolicy(race_factors=())
    assert race_plan(500, 400, no_race) is None  # no factors
    assert race_plan(None, 400, RACE) is None  # no budget
    assert race_plan(500, 400, AutopilotPolicy(race_factors=(1.0,))) is None  # one candidate is no race


def test_race_factors_are_validated():
    with pytest.raises(LRKitError, match="race_factors"):
        AutopilotPolicy(race_factors=(0.0, 1.0))
    with pytest.raises(LRKitError, match="race_factors"):
        AutopilotPolicy(race_factors="fast")


def test_race_scores_the_last_fraction_disqualifies_a_failure_and_breaks_ties_to_the_first():
    race = Race(0.1, (0.5, 1.0, 2.0), segment=4, score_fraction=0.5)
    assert race.rates == [0.05, 0.1, 0.2] and race.rate() == 0.05
    for v in (9.0, 9.0, 2.0, 2.0):
        over = race.record(v, True)
    assert over and race.close() and race.scores == [2.0]  # the mean of the last half
    assert race.record(1.0, False) and not race.close()  # a non-finite update ends and disqualifies it
    assert math.isinf(race.scores[1]) and race.steps == 5
    for v in (5.0, 5.0, 2.0, 2.0):
        race.record(v, True)
    assert not race.close() and race.over and race.winner() == 0  # a tie goes to the first listed
    back = Race.from_state(race.state_dict())
    assert back.state_dict() == race.state_dict()


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("budget", [50, 137, 300])
def test_a_run_with_a_race_makes_exactly_its_budget_of_updates(budget, optimizer):
    ap, _, final, n = run(budget, optimizer=optimizer, policy=RACE)
    assert n == budget == ap.total_steps == ap.probe_steps + ap.race_steps + ap.main_steps
    raced = [e for e in ap.events if "race" in e]
    if race_plan(budget, budget - ap.probe_steps, RACE) is None:
        assert not raced and ap.race_steps == 0
    else:
        (event,) = raced
        assert ap.race_steps == event["race_steps"] == 3 * race_plan(budget, budget - ap.probe_steps, RACE)
        rates, scores = zip(*event["race"])
        assert ap.peak == rates[scores.index(min(scores))] and math.isfinite(final)


def test_every_candidate_starts_from_the_same_state_bit_for_bit_and_the_winner_continues():
    starts, first_main = [], []

    def watch(step, ap, model, loss):
        race = ap._race
        if race is not None and not race.losses:  # a segment's first update
            starts.append(([p.detach().clone() for p in model.parameters()], len(ap.optimizer.state)))
        if ap.phase == "main" and ap.t == 0:
            first_main.append([int(s["step"]) for s in ap.optimizer.state.values()])
        return loss

    ap, model, _, _ = run(300, optimizer="adam", policy=RACE, on_step=watch)
    assert len(starts) == 3
    for params, n_state in starts:  # the same weights, and fresh statistics (no Adam state yet)
        assert n_state == 0 and all(torch.equal(a, b) for a, b in zip(starts[0][0], params))
    # The main phase goes on from where the winning segment ended: its updates are kept (Adam has
    # counted them), not undone to the shared start.
    segment = race_plan(300, 300 - ap.probe_steps, RACE)
    assert ap.race_steps == 3 * segment and first_main and all(int(v) == segment for v in first_main[0])


def test_a_given_peak_runs_no_race():
    ap, _, _, n = run(300, optimizer="adam", policy=RACE, peak=1e-2)
    assert ap.race_steps == 0 and ap.peak == 1e-2 and n == 300
    assert not any("race" in e for e in ap.events)


def test_a_candidate_that_blows_up_loses_the_race():
    # SGD on this regression diverges far above its ramp's peak: x100 must lose to x1.
    policy = AutopilotPolicy(race_factors=(1.0, 100.0))
    ap, _, final, n = run(300, optimizer="sgd", policy=policy)
    (event,) = [e for e in ap.events if "race" in e]
    (r1, s1), (r100, s100) = event["race"]
    assert s1 < s100 and ap.peak == r1 and math.isfinite(final) and n == 300


def test_start_race_holds_the_current_state_and_the_finished_race_logs_its_candidates():
    model = torch.nn.Linear(2, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    assert start_race(0.1, 500, 100, AutopilotPolicy(), opt, model) is None  # no factors: no race
    assert start_race(0.1, 100, 25, RACE, opt, model) is None  # 3 x 8 updates > 30% of the 75 left
    assert start_race(0.1, None, 25, RACE, opt, model) is None
    race = start_race(0.1, 500, 100, RACE, opt, model)
    assert race.segment == 20 and race.rates == pytest.approx([0.025, 0.1, 0.4]) and race.start is not None
    race.scores, race.i, race.steps = [2.0, 1.0, 3.0], 3, 60
    race.best = race.start
    assert race.finish(opt, model, 0.5) == (pytest.approx(0.1), 60)
    assert race.event() == {"t": 0, "race": [[0.025, 2.0], [0.1, 1.0], [0.4, 3.0]], "peak": 0.1,
                            "race_steps": 60}
