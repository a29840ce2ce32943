"""A param group added after the Autopilot was built is refused, not left at the user's rate (session-12
new-user probe, ux; ``/work/notes/ux12/REPORT.md``, D1; ``torch/_autopilot.py``, ``Autopilot._check_groups``).

Progressive unfreezing adds a group mid-run (``optimizer.add_param_group({"params": backbone, "lr": 0.1})``).
The Autopilot kept driving the groups it saw at construction and never touched the added one: it trained
to the end at the 0.1 it was given, while group 0 cooled down to 0.003, and its weights were in no
snapshot a rollback restores. ``lrkit.torch.LRScheduler`` refuses the same change; the Autopilot now
refuses it too, at the next ``step``, before anything of that update is applied, and names the way that
works: the group in the optimizer from the start, its parameters ``requires_grad=False`` until unfrozen.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot


def _setup():
    torch.manual_seed(0)
    body, head = nn.Linear(8, 8), nn.Linear(8, 2)
    x, y = torch.randn(32, 8), torch.randint(0, 2, (32,))

    def loss_now():
        return nn.functional.cross_entropy(head(torch.relu(body(x))), y)

    return body, head, loss_now


def test_a_group_added_mid_run_is_refused_before_the_update_is_applied():
    body, head, loss_now = _setup()
    opt = torch.optim.SGD(head.parameters(), lr=0.1, momentum=0.9)
    ap = Autopilot(opt, budget=60)
    for _ in range(30):
        opt.zero_grad()
        loss_now().backward()
        ap.step(loss_now().detach())
    opt.add_param_group({"params": body.parameters(), "lr": 0.1})  # unfreeze the body, same ratio as the head
    opt.zero_grad()
    loss_now().backward()
    before = [p.detach().clone() for p in head.parameters()]
    rate, t = ap.lr, ap.t
    with pytest.raises(LRKitError, match=r"has 2 param groups, not the 1 it had .*requires_grad=False"):
        ap.step(loss_now().detach())
    assert all(torch.equal(a, b) for a, b in zip(before, head.parameters()))  # nothing applied
    assert (ap.lr, ap.t) == (rate, t)


def test_the_way_the_refusal_names_unfreezes_the_group_at_the_autopilots_rate():
    body, head, loss_now = _setup()
    body.requires_grad_(False)  # frozen, but in the optimizer from the start
    opt = torch.optim.SGD([{"params": head.parameters(), "lr": 0.1},
                           {"params": body.parameters(), "lr": 0.1}], momentum=0.9)
    ap = Autopilot(opt, budget=60)
    frozen = [p.detach().clone() for p in body.parameters()]

    def update():
        opt.zero_grad()
        loss = loss_now()
        loss.backward()
        ap.step(loss)

    for _ in range(30):
        update()
    assert all(torch.equal(a, b) for a, b in zip(frozen, body.parameters()))  # not updated while frozen
    body.requires_grad_(True)
    while not ap.done:
        update()
    head_lr, body_lr = (g["lr"] for g in opt.param_groups)
    assert body_lr == pytest.approx(head_lr) and head_lr < 0.1  # built with the same lr: the same rate
    assert not all(torch.equal(a, b) for a, b in zip(frozen, body.parameters()))  # trained once unfrozen
