"""``lrkit.tasks.train_autopilot``: the train loop with no rate given, driven by the Autopilot."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from lrkit import LRKitError
from lrkit.tasks import ArrayLoader, TrainResult, train_autopilot


def test_a_built_in_task_trains_within_its_budget_and_the_result_round_trips():
    r = train_autopilot("diabetes-linear", budget=80, eval_every=40)
    ap = r.autopilot
    assert r.budget == 80 == r.steps == ap["total_steps"]  # the probe is paid from the budget
    assert r.lr == ap["peak"] > 0 and ap["mode"] == "ramp" and r.schedule is not None
    assert [h["step"] for h in r.history] == list(range(r.steps))
    assert "val_mse" in r.history[39] and r.metric == r.final["val_mse"] and not r.diverged
    assert TrainResult.from_dict(json.loads(r.to_json())) == r


def test_same_seed_same_run():
    a, b = (train_autopilot("wine-logreg", budget=40, seed=3) for _ in range(2))
    assert [h["train_loss"] for h in a.history] == [h["train_loss"] for h in b.history]
    assert a.final == b.final and a.lr == b.lr


def _protocol(seed: int) -> dict:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(256, 4, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0])
    model = torch.nn.Linear(4, 1)
    return {"model": model, "optimizer": torch.optim.Adam(model.parameters()),
            "loss_fn": lambda out, t: F.mse_loss(out.squeeze(1), t),
            "train_loader": ArrayLoader(x, y, 32, shuffle=True, seed=seed),
            "val_loader": ArrayLoader(x, y, 256, shuffle=False)}


def test_a_protocol_function_is_scored_by_its_validation_loss():
    r = train_autopilot(_protocol, budget=200)
    assert r.metric_name == "val_loss" and r.metric < 0.05 and r.optimizer == "Adam"


@pytest.mark.parametrize("kwargs, match", [
    ({"autopilot": {"budget": 10}}, "must not set 'budget'"),
    ({"optimizer": "lion"}, "unknown optimizer"),
    ({"seed": -1}, "`seed` of train_autopilot"),
    ({"autopilot": {"probe": "never"}}, "`probe` of Autopilot"),
])
def test_bad_arguments_are_one_error(kwargs, match):
    with pytest.raises(LRKitError, match=match):
        train_autopilot("wine-logreg", budget=40, **kwargs)
