"""A parameter group frozen with lr=0 stays frozen under the Autopilot, wherever it is listed.

Regression (session 5, ux finding): freezing a backbone by giving its param group ``lr=0`` is
common; with that group listed first, the Autopilot took group 0's rate as the reference for the
others' ratios, found it 0, and wrote its rate to every group, training the frozen backbone at the
head's rate (0.2 to 3.5 on a wine MLP). The reference is now the first group with a positive rate.
"""

from __future__ import annotations

import pytest
import torch

from lrkit import LRKitError
from lrkit.torch import Autopilot
from lrkit.torch._groups import group_ratios


def test_a_group_frozen_with_lr_zero_is_refused_or_left_untouched():
    torch.manual_seed(0)
    backbone, head = torch.nn.Linear(4, 8), torch.nn.Linear(8, 2)
    model = torch.nn.Sequential(backbone, torch.nn.ReLU(), head)
    opt = torch.optim.SGD([{"params": backbone.parameters(), "lr": 0.0},
                           {"params": head.parameters(), "lr": 0.1}], lr=0.1)
    frozen = backbone.weight.clone()
    x, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
    try:
        ap = Autopilot(opt, budget=40, model=model)
    except LRKitError:
        return  # refused: as LRScheduler and find_lr do
    while not ap.done:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        ap.step(loss)
    assert torch.equal(backbone.weight, frozen), "the lr=0 group was trained"
    assert opt.param_groups[0]["lr"] == 0.0
    assert ap.lr == opt.param_groups[1]["lr"] and ap.peak > 0  # the rate reported is the head's


@pytest.mark.parametrize("lrs, ref, ratios", [([0.1, 0.05], 0, [1.0, 0.5]),
                                              ([0.0, 0.1, 0.05], 1, [0.0, 1.0, 0.5]),
                                              ([0.2, 0.0], 0, [1.0, 0.0]), ([0.0, 0.0], 0, [1.0, 1.0])])
def test_group_ratios_keep_each_groups_share_and_a_frozen_groups_zero(lrs, ref, ratios):
    assert group_ratios(lrs, [10] * len(lrs)) == (ref, ratios)  # equal sizes: the larger rate
