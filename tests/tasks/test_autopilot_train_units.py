"""train_autopilot's result in group 0's units: one group, head-first groups, a group 0 frozen at 0."""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from lrkit.schedules import parse
from lrkit.tasks import train_autopilot

_X, _Y = (torch.tensor(a) for a in load_digits(return_X_y=True))
_X = _X.float() / 16.0


def _task(groups):
    def build(seed: int) -> dict:
        torch.manual_seed(seed)
        model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
        opt = torch.optim.SGD(groups(model), lr=0.1, momentum=0.9)
        return {"model": model, "optimizer": opt, "loss_fn": nn.functional.cross_entropy,
                "train_loader": [(_X[i:i + 32], _Y[i:i + 32]) for i in range(0, 1280, 32)],
                "val_loader": [(_X[1280:], _Y[1280:])]}
    return build


@pytest.mark.parametrize("groups, factor", [
    (lambda m: m.parameters(), 1.0),  # one group: the reference itself
    (lambda m: [{"params": m[2].parameters(), "lr": 0.1}, {"params": m[0].parameters(), "lr": 0.01}], 10.0),
    (lambda m: [{"params": m[2].parameters(), "lr": 0.0}, {"params": m[0].parameters(), "lr": 0.01}], 1.0),
])
def test_the_result_is_group_0s_rate_or_the_reference_when_group_0_is_frozen(groups, factor):
    ran = train_autopilot(_task(groups), budget=40)
    assert ran.autopilot["group_0_factor"] == pytest.approx(factor, rel=1e-12)
    assert ran.lr == pytest.approx(ran.autopilot["peak"] * factor, rel=1e-12)
    assert parse(ran.schedule)(0) == pytest.approx(ran.lr, rel=1e-9)
