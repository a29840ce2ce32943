"""``train_autopilot``'s result states its rate in the reference group's units, ``train``'s in group 0's
(session-11 new-user probe, ux; ``/work/notes/ux11/REPORT.md``, D11; owner auto:
``tasks/_autopilot_train.py``).

A task script with head-first discriminative groups (head 0.1, body 0.001; the body holds the most
parameters, so it is the reference): ``lrkit train --script ... --autopilot --json`` reports ``"lr":
0.00313`` and ``"schedule": "constant(lr=0.00313, steps=200) >> one_minus_sqrt(lr=0.00313, ...)"`` and its
history's ``lr`` column holds the body's rate, where ``lrkit train``'s ``lr``, schedule and history are
group 0's (the head's). Replaying the Autopilot's schedule with ``lrkit train --script ... --schedule
"<that spec>"`` (the way a run is re-made from its JSON) trains the head at the body's rate, 100x
below what the Autopilot ran. Expected: one convention in both results (group 0's, as ``train``, the
advice's lines and ``tune`` use), so the schedule replays the run's rates.
"""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from lrkit.schedules import parse
from lrkit.tasks import train_autopilot

_X, _Y = (torch.tensor(a) for a in load_digits(return_X_y=True))
_X = _X.float() / 16.0


def head_first(seed: int = 0) -> dict:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    opt = torch.optim.SGD([{"params": model[2].parameters(), "lr": 0.1},
                           {"params": model[0].parameters(), "lr": 0.001}], lr=0.1, momentum=0.9)
    return {"model": model, "optimizer": opt, "loss_fn": nn.functional.cross_entropy,
            "train_loader": [(_X[i:i + 32], _Y[i:i + 32]) for i in range(0, 1280, 32)],
            "val_loader": [(_X[1280:], _Y[1280:])]}


def test_the_autopilots_result_states_group_0s_rate_as_train_does():
    head = []  # group 0's rate at each update, as train's history logs it
    ran = train_autopilot(head_first, budget=60,
                          callbacks=[lambda info: head.append(info["optimizer"].param_groups[0]["lr"])])
    t = 40  # inside the main phase's constant stretch (a 16-update ramp, then wsd's 80% at the peak)
    assert ran.lr == pytest.approx(head[t], rel=1e-9)  # the peak, in group 0's units
    assert ran.history[t]["lr"] == pytest.approx(head[t], rel=1e-9)
    assert parse(ran.schedule)(0) == pytest.approx(ran.lr, rel=1e-9)  # its spec replays group 0's rates
