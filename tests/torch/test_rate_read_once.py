"""find_lr and the Autopilot refuse an optimizer whose step reads ``lr`` at its first update only
(``RATE_READ_ONCE``: Rprop), with one line naming it and why, before anything is touched; the user-level
case: ``test_ux9_rate_free_optimizer.py``."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot, find_lr

_X = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))
_LOADER = [(_X[i:i + 32], (_X[i:i + 32, 0] > 0).long()) for i in range(0, 64, 32)]


@pytest.mark.parametrize("owner", ["find_lr", "Autopilot"])
def test_rprop_is_refused_before_anything_is_touched(owner):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = torch.optim.Rprop(model.parameters(), lr=0.01)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    call = {"find_lr": lambda: find_lr(model, opt, nn.functional.cross_entropy, _LOADER),
            "Autopilot": lambda: Autopilot(opt, model=model, budget=40)}[owner]
    with pytest.raises(LRKitError, match=rf"^`optimizer` of {owner} must read the rate it is given") as info:
        call()
    assert "Rprop" in str(info.value) and "step sizes" in str(info.value) and "\n" not in str(info.value)
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert [g["lr"] for g in opt.param_groups] == [0.01] and not opt.state
