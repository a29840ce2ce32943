"""The Autopilot's ``schedule`` is its main phase, not the whole run (ux12 L5).

docs/watch.md said ``lrkit train --schedule "<its schedule>"`` "replays the run's rates". The schedule
is what ``Autopilot.schedule()`` and ``TrainResult.schedule`` document: the main phase's, whose
``t = 0`` is the first update after the probe and which lasts the budget less the probe's updates
(``ap.main_steps``). Replayed from step 0 it has no ramp and cools down ``probe_steps`` updates early.
The guide now says so (the units point stands), and where every update's rate is: the history.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from lrkit.schedules import parse
from lrkit.tasks import train_autopilot

_X, _Y = (torch.tensor(a) for a in load_digits(return_X_y=True))
_X = _X.float() / 16.0
_DOCS = Path(__file__).resolve().parents[2] / "docs"


def _build(seed: int) -> dict:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
            "loss_fn": nn.functional.cross_entropy,
            "train_loader": [(_X[i:i + 32], _Y[i:i + 32]) for i in range(0, 1280, 32)],
            "val_loader": [(_X[1280:], _Y[1280:])]}


def test_the_schedule_is_the_rates_from_the_end_of_the_probe_on():
    ran = train_autopilot(_build, budget=120)
    probe, total = ran.autopilot["probe_steps"], ran.autopilot["total_steps"]
    assert [e for e in ran.autopilot["events"][1:]] == []  # no fault, no race: main phase as planned
    sched = parse(ran.schedule)
    assert 0 < probe and sched.horizon == total - probe
    ran_rates = [row["lr"] for row in ran.history]
    assert ran_rates[probe:] == pytest.approx([float(sched(t)) for t in range(total - probe)], rel=1e-9)
    assert ran_rates[:probe] != pytest.approx([float(sched(t)) for t in range(probe)], rel=1e-3)


def test_the_guide_says_the_schedule_is_the_main_phase():
    text = " ".join((_DOCS / "watch.md").read_text().split())
    assert "replays the run's rates" not in text
    assert "main phase only" in text and "probe_steps" in text
