"""A param group added after the Autopilot was built is silently left at the user's rate (session-12
new-user probe, ux; ``/work/notes/ux12/REPORT.md``, D1; owner auto: ``torch/_autopilot.py``).

Progressive unfreezing adds a group mid-run (``optimizer.add_param_group({"params": backbone, "lr": 0.1})``).
The Autopilot keeps driving the groups it saw at construction and never touches the added one: it trains
to the end at the 0.1 it was given, while group 0 cools down to 0.003, and its weights are in no
snapshot a rollback restores. ``lrkit.torch.LRScheduler`` refuses the same change with one
``LRKitError`` naming it ("a group was added after the scheduler was built ..."). Expected: the
Autopilot either drives the added group as its docs say (``rate * lr_g / lr_ref``) or refuses with one
``LRKitError`` naming the added group, not a silent run at a rate no one chose.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot


@pytest.mark.xfail(strict=True, reason="ux12 D1: a group added after construction keeps the user's rate")
def test_a_group_added_mid_run_is_driven_or_refused():
    torch.manual_seed(0)
    body, head = nn.Linear(8, 8), nn.Linear(8, 2)
    opt = torch.optim.SGD(head.parameters(), lr=0.1, momentum=0.9)
    ap = Autopilot(opt, budget=60)
    x, y = torch.randn(32, 8), torch.randint(0, 2, (32,))

    def update():
        opt.zero_grad()
        loss = nn.functional.cross_entropy(head(torch.relu(body(x))), y)
        loss.backward()
        ap.step(loss)

    for _ in range(30):
        update()
    opt.add_param_group({"params": body.parameters(), "lr": 0.1})  # unfreeze the body, same ratio as the head
    try:
        while not ap.done:
            update()
    except LRKitError as refused:  # a refusal naming the change is one acceptable answer
        assert "group" in str(refused)
        return
    head_lr, body_lr = (g["lr"] for g in opt.param_groups)
    assert body_lr == pytest.approx(head_lr)  # built with the same lr: the same rate, as the docs say
