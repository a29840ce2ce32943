"""find_lr on an optimizer whose group 0 is frozen with lr=0 (a backbone listed first, the order of the
model): the sweep drives the first group above 0, the frozen group stays at 0, the result names the group
whose rate it is (``meta["rate_group"]``), and the caller's state is restored (it was refused; reordering
the groups changes the optimizer's ``state_dict`` layout, so the user's checkpoints would no longer load).
The same sweep as the reordered optimizer: ``test_ux9_frozen_first_group_order.py``."""

from __future__ import annotations

import torch

from lrkit.finder import Sweep
from lrkit.torch import find_lr


def test_a_frozen_first_group_is_swept_at_zero_and_the_rate_is_the_next_groups():
    torch.manual_seed(0)
    backbone, head = torch.nn.Linear(4, 4), torch.nn.Linear(4, 2)
    model = torch.nn.Sequential(backbone, head)
    opt = torch.optim.SGD([{"params": backbone.parameters(), "lr": 0.0},
                           {"params": head.parameters()}, {"params": [], "lr": 0.05}], lr=0.1)
    loader = [(torch.randn(8, 4), torch.randint(0, 2, (8,))) for _ in range(4)]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    seen = []
    opt.register_step_pre_hook(lambda o, a, k: seen.append([g["lr"] for g in o.param_groups]))
    result = find_lr(model, opt, torch.nn.functional.cross_entropy, loader, sweep=Sweep(num_steps=20),
                     interval=False, retry=False)
    assert result.meta["rate_group"] == 1 and result.meta["group_scales"] == [0.0, 1.0, 0.5]
    assert [lrs[0] for lrs in seen] == [0.0] * len(seen)
    assert [lrs[1] for lrs in seen] == list(result.lrs[:len(seen)])
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert [g["lr"] for g in opt.param_groups] == [0.0, 0.1, 0.05] and not opt.state


def test_with_group_0_above_zero_the_rate_is_group_0s():
    model = torch.nn.Linear(4, 2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loader = [(torch.randn(8, 4), torch.randint(0, 2, (8,))) for _ in range(4)]
    result = find_lr(model, opt, torch.nn.functional.cross_entropy, loader, sweep=Sweep(num_steps=20),
                     interval=False, retry=False)
    assert result.meta["rate_group"] == 0 and result.meta["group_scales"] == [1.0]
