"""``AutopilotPolicy.no_valley_peak``: the peak after a ramp whose loss never fell, below a blow-up at r.

``"floor"`` (the default) takes ``r / clip_below``; ``"guess"`` keeps the fallback rules' reading of the
ramp's noise, clipped into ``[r/30, r/3]``. Only such a ramp is read differently: one with a valley, or one
that never blew up (no r), gives the same peak and account under both.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.finder import sweep_schedule  # noqa: E402
from lrkit.torch import Autopilot, AutopilotPolicy, autopilot_peak  # noqa: E402
from lrkit.torch._autopilot_peak import peak_rule  # noqa: E402

from ._autopilot_run import assert_resumes, noise_run  # noqa: E402

P = [torch.nn.Parameter(torch.zeros(2))]
FLOOR = AutopilotPolicy(no_valley_peak="floor")
GUESS = AutopilotPolicy(no_valley_peak="guess")


def _flat(seed: int = 5, n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """A ramp at chance all the way (a recall task's): noise around ln 8, nothing falls."""
    lrs = sweep_schedule(1e-4, 1.0, n)(np.arange(n))
    return lrs, 2.08 + 0.02 * np.random.default_rng(seed).standard_normal(n)


@pytest.mark.parametrize("make", [lambda: torch.optim.Adam(P), lambda: torch.optim.SGD(P, lr=0.1),
                                  lambda: torch.optim.SGD(P, lr=0.1, momentum=0.9)])
def test_a_ramp_with_no_valley_that_blew_up_reads_the_bands_floor(make):
    assert AutopilotPolicy().no_valley_peak == "floor"  # the default
    lrs, losses = _flat()
    r = float(lrs[-1])
    guess, how = autopilot_peak(lrs, losses, make(), GUESS, diverged_at=r)
    floor, why = autopilot_peak(lrs, losses, make(), FLOOR, diverged_at=r)
    f = peak_rule(make(), "auto").factor  # the kind's factor applies after the band (plain SGD's: 2)
    assert "this peak is a guess" in how and r / 30 < guess <= r / 3  # the guess is inside the band
    assert floor == pytest.approx(f * r / AutopilotPolicy().clip_below, rel=1e-12)
    assert "no valley on the ramp" in why and "band's floor r/30" in why
    wider = autopilot_peak(lrs, losses, make(), FLOOR.replace(clip_below=100.0), diverged_at=r)[0]
    assert wider == pytest.approx(f * r / 100, rel=1e-12)  # the floor is clip_below's, one number


def test_a_ramp_with_a_valley_or_without_a_blow_up_reads_the_same_under_both():
    n = 60
    lrs = sweep_schedule(1e-4, 1.0, n)(np.arange(n))
    x = np.log10(lrs)
    valley = 1.0 + 0.5 * np.tanh(-(x + 2.5) * 3) + np.exp(3 * (x + 0.3))
    for opt in (torch.optim.Adam(P), torch.optim.SGD(P, lr=0.1, momentum=0.9), torch.optim.SGD(P, lr=0.1)):
        for losses, r in ((valley, None), (valley, float(lrs[-1])), (_flat()[1], None)):
            assert autopilot_peak(lrs, losses, opt, FLOOR, r) == autopilot_peak(lrs, losses, opt, GUESS, r)


@pytest.mark.parametrize("bad", ["low", None, 30.0])
def test_a_mode_other_than_guess_floor_or_race_is_refused_by_name(bad):
    with pytest.raises(LRKitError, match="no_valley_peak"):
        AutopilotPolicy(no_valley_peak=bad)


def test_an_autopilot_run_at_the_floor_spends_its_budget_and_resumes_bit_for_bit(assert_same):
    model, opt, ap, _, steps = noise_run(FLOOR)
    first = ap.events[0]
    assert steps == ap.total_steps == 120 and ap.done
    assert "band's floor" in first["how"] and ap.peak == pytest.approx(first["diverged_at"] / 30, rel=1e-12)
    # in the ramp, at its end, in the main phase
    assert_resumes(FLOOR, (model, opt, ap), (5, ap.probe_steps - 1, ap.probe_steps + 1, 100), assert_same)


RACE = AutopilotPolicy(no_valley_peak="race")


def test_read_peak_says_when_the_peak_is_a_ramp_with_no_valleys_floor():
    from lrkit.torch._autopilot_peak import read_peak

    lrs, losses = _flat()
    r = float(lrs[-1])
    for policy, floor in ((FLOOR, True), (RACE, True), (GUESS, False)):
        peak, how, at_floor = read_peak(lrs, losses, 1e-4, r, "default", True, policy)
        assert at_floor is floor
        assert (peak, how) == autopilot_peak(lrs, losses, torch.optim.Adam(P), policy, r)
    assert read_peak(lrs, losses, 1e-4, None, "default", True, RACE)[2] is False  # no blow-up: no floor


def test_no_valley_race_fields_are_validated_by_name():
    assert RACE.no_valley_race == (10.0, 1.0) and 0 < RACE.no_valley_race_fraction < 1
    with pytest.raises(LRKitError, match="no_valley_race"):
        AutopilotPolicy(no_valley_race=(10.0, -1.0))
    with pytest.raises(LRKitError, match="no_valley_race_fraction"):
        AutopilotPolicy(no_valley_race_fraction=1.5)


def test_a_no_valley_ramp_under_race_races_r_over_3_against_the_floor_within_its_budget():
    _, _, ap, _, steps = noise_run(RACE)
    first, race = ap.events[0], next(e for e in ap.events if "race" in e)
    r = first["diverged_at"]
    assert steps == ap.total_steps == 120 and ap.done  # the losers' updates paid from the budget
    assert [rate for rate, _ in race["race"]] == pytest.approx([r / 3, r / 30], rel=1e-12)
    segment = race["race_steps"] // 2
    assert segment <= RACE.max_race_fraction * (120 - ap.probe_steps) / 2
    assert ap.race_steps == race["race_steps"] and ap.peak in (race["race"][0][0], race["race"][1][0])
    assert not any("race" in e for e in noise_run(FLOOR)[2].events)  # the default runs no race


def test_a_ramp_with_a_valley_under_race_is_the_default_bit_for_bit(assert_same):
    runs = [noise_run(policy, learnable=True) for policy in (FLOOR, RACE)]
    assert "no valley" not in runs[0][2].events[0]["how"]
    assert_same(*[{"model": m.state_dict(), "opt": o.state_dict(), "events": a.events}
                  for m, o, a, _, _ in runs], "a ramp with a valley")


def test_a_run_paused_in_the_no_valley_race_resumes_bit_for_bit(assert_same):
    model, opt, ap, _, _ = noise_run(RACE)
    segment = ap.race_steps // 2

    def in_the_race(a: Autopilot) -> None:
        assert a.phase == "race"

    # both candidates
    assert_resumes(RACE, (model, opt, ap), (ap.probe_steps + 1, ap.probe_steps + segment,
                                             ap.probe_steps + segment + 2), assert_same, in_the_race)


def test_the_no_valley_race_is_sized_to_fit_the_race_limit_or_not_run():
    from lrkit.torch._autopilot_race import no_valley_race, race_plan

    p = no_valley_race(RACE)
    assert p.race_factors == RACE.no_valley_race and p.race_fraction == RACE.no_valley_race_fraction
    assert race_plan(400, 315, p) is None  # 2 x 48 > 30% of the 315 left: the general race refuses
    assert race_plan(400, 315, p, fit=True) == 47  # ... the no-valley race shortens to fit
    assert race_plan(3000, 2925, p, fit=True) == 360  # 12% of the budget where it fits
    assert race_plan(40, 24, p, fit=True) is None  # below min_race: no race, the floor
