"""The Autopilot's "something else writes the rate" error prints the same number twice (session-11
new-user probe, ux; ``/work/notes/ux11/REPORT.md``, D3; owner auto: ``torch/_autopilot.py``).

A loop that had ``CosineAnnealingLR(opt, T_max=200)`` keeps its ``sched.step()`` after ``ap.step(loss)``
(the Autopilot refusing it is right). The message reads "param group 0's lr is 1.326e-05, not the
1.326e-05 the Autopilot set after its last update": the cosine's first factor (0.99994) changes the
rate in its 5th digit and both are printed with ``.4g``, so the one line that names the cause shows no
difference. Expected: the two numbers as printed differ (enough digits to tell them apart).
"""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot


def test_the_refusal_shows_two_different_rates():
    torch.manual_seed(0)
    model = nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=200)
    ap = Autopilot(opt, budget=200, model=model)
    x, y = torch.randn(16, 4), torch.randint(0, 2, (16,))
    with pytest.raises(LRKitError, match="something else writes the rate") as caught:
        for _ in range(3):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            ap.step(loss)
            sched.step()
    found, ours = re.search(r"lr is (\S+), not the (\S+) the Autopilot", str(caught.value)).groups()
    assert found != ours
