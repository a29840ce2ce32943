"""A fine-tune whose optimizer lists a frozen backbone first (``[{"params": backbone, "lr": 0},
{"params": head, "lr": 1e-3}]``, the order of the model; gradual unfreezing later raises the first
group's rate). The Autopilot takes it "wherever it is listed" (docs/watch.md: the ratio is to the first
positive ``lr``); ``find_lr`` refuses it: "list a group with lr > 0 first" (session-9 new-user probe,
``/work/notes/ux9/p1_groups.py``). Reordering the groups is not free: it changes the optimizer's
``state_dict`` layout, so the user's checkpoints no longer load. The order of the groups carries no
information about the rate, so the sweep should not depend on it: same suggestion as the reordered
optimizer, the frozen group at 0 throughout, and the result saying which group the rate is for."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrkit.torch import find_lr

_X = torch.randn(512, 8, generator=torch.Generator().manual_seed(0))
_Y = (_X[:, :2].sum(1) > 0).long()
_LOADER = [(_X[i:i + 32], _Y[i:i + 32]) for i in range(0, 512, 32)]


def _sweep(frozen_first: bool):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
    backbone = {"params": model[0].parameters(), "lr": 0.0}
    head = {"params": model[2].parameters(), "lr": 1e-3}
    opt = torch.optim.AdamW([backbone, head] if frozen_first else [head, backbone], lr=1e-3)
    frozen_lrs = []
    frozen = 0 if frozen_first else 1
    opt.register_step_pre_hook(lambda o, a, k: frozen_lrs.append(o.param_groups[frozen]["lr"]))
    result = find_lr(model, opt, nn.functional.cross_entropy, _LOADER, interval=False)
    return result, frozen_lrs


def test_head_first_the_frozen_group_stays_at_zero():
    result, frozen_lrs = _sweep(frozen_first=False)
    assert result.suggestion is not None and set(frozen_lrs) == {0.0}


def test_a_frozen_first_group_gives_the_same_sweep_as_the_reordered_optimizer():
    reordered, _ = _sweep(frozen_first=False)
    result, frozen_lrs = _sweep(frozen_first=True)
    assert set(frozen_lrs) == {0.0}
    assert result.suggestion == pytest.approx(reordered.suggestion, rel=1e-6)
    assert result.losses == pytest.approx(reordered.losses, rel=1e-6)
    assert (result.meta["rate_group"], reordered.meta["rate_group"]) == (1, 0)
