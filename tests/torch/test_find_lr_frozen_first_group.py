"""find_lr on an optimizer whose group 0 is frozen with lr=0 (a backbone listed first): one LRKitError
naming find_lr's own argument and the way out, nothing changed (it named LRScheduler's `group_scales`,
an argument find_lr does not take)."""

from __future__ import annotations

import pytest
import torch

from lrkit import LRKitError
from lrkit.torch import find_lr


def test_frozen_first_group_is_one_error_naming_find_lr_and_the_way_out():
    torch.manual_seed(0)
    backbone, head = torch.nn.Linear(4, 4), torch.nn.Linear(4, 2)
    model = torch.nn.Sequential(backbone, head)
    opt = torch.optim.SGD([{"params": backbone.parameters(), "lr": 0.0}, {"params": head.parameters()}],
                          lr=0.1)
    loader = [(torch.randn(8, 4), torch.randint(0, 2, (8,))) for _ in range(4)]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises(LRKitError) as info:
        find_lr(model, opt, torch.nn.functional.cross_entropy, loader)
    message = str(info.value)
    assert "`optimizer` of find_lr" in message and "list a group with lr > 0 first" in message
    assert "group_scales" not in message and "\n" not in message
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert [g["lr"] for g in opt.param_groups] == [0.0, 0.1] and not opt.state
