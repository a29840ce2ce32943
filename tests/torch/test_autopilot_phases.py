"""Autopilot's phase machine (``lrkit.torch._autopilot_phases``): the phases come in their order, each
once, their updates add up to the budget, and the moves leave the state the next phase reads."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrkit.torch import Autopilot, AutopilotPolicy  # noqa: E402
from lrkit.torch._autopilot_phases import Phases  # noqa: E402

from ._autopilot_run import run  # noqa: E402


def _phases(budget: int | None, **kw: object) -> tuple[Autopilot, list[str]]:
    seen: list[str] = []

    def log(step: int, ap: Autopilot, model: torch.nn.Module, loss: torch.Tensor) -> torch.Tensor:
        seen.append(ap.phase)
        if budget is None and step >= 400:  # no budget: stop the endless run by hand
            ap.phase = "done"
        return loss

    ap, *_ = run(budget, optimizer="adam", on_step=log, **kw)
    return ap, seen


def _runs(seen: list[str]) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for p in seen:
        if out and out[-1][0] == p:
            out[-1] = (p, out[-1][1] + 1)
        else:
            out.append((p, 1))
    return out


def test_the_autopilot_is_its_phase_machine():
    assert issubclass(Autopilot, Phases)


def test_probe_race_main_in_order_and_their_updates_are_the_budget():
    ap, seen = _phases(500, policy=AutopilotPolicy(race_factors=(0.25, 1.0, 4.0)))
    runs = _runs(seen)
    assert [p for p, _ in runs] == ["probe", "race", "main"]
    probe, race, main = (n for _, n in runs)
    assert (probe, race) == (ap.probe_steps, ap.race_steps)
    assert probe + race + main == ap.budget == 500 and ap.main_steps == main
    assert ap.phase == "done" and ap.step(torch.tensor(1.0)) is False  # done takes no update


def test_without_a_race_the_main_phase_follows_the_probe_and_its_schedule_is_built_once():
    ap, seen = _phases(300)
    assert [p for p, _ in _runs(seen)] == ["probe", "main"]
    sched = ap.schedule()
    assert sched is not None and float(sched(0)) == pytest.approx(ap.peak)


@pytest.mark.parametrize("mode", ["ramp", "rollback"])  # the default, and AutopilotPolicy's other mode
def test_without_a_budget_the_probe_leads_to_an_endless_main_phase(mode):
    ap, seen = _phases(None, policy=AutopilotPolicy(unknown_budget_probe=mode))
    runs = _runs(seen)
    assert [p for p, _ in runs] == ["probe", "main"] and runs[0][1] == ap.probe_steps
    assert ap.events[0]["mode"] == mode and ap.main_steps is None
