"""The reference group of discriminative param groups: the group above 0 holding the most parameters,
whatever the groups' order, read alike by find_lr, the Autopilot and retune (``_groups.group_ratios``).

Regression (session-9 new-user probe, ``test_ux9_autopilot_group_order.py``): the reference was the first
group above 0, so a backbone (1e-5) and head (1e-3) listed the other way round swept rates two decades
apart, and the head's peak moved a decade.
"""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

from lrkit.finder import Sweep
from lrkit.torch import Autopilot, find_lr
from lrkit.torch._groups import first_positive, group_ratios, group_sizes
from lrkit.torch._retune import configured_rate, retune, schedule_rate


def _net() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))  # 288 and 99 parameters


def _opt(model: nn.Sequential, backbone_first: bool, backbone_lr: float = 1e-5) -> torch.optim.Optimizer:
    groups = [{"params": model[0].parameters(), "lr": backbone_lr},
              {"params": model[2].parameters(), "lr": 1e-3}]
    return torch.optim.AdamW(groups if backbone_first else groups[::-1], lr=1e-3)


def test_group_sizes_count_every_element_of_every_tensor():
    model = _net()
    assert group_sizes(_opt(model, True).param_groups) == [288, 99]
    assert group_sizes(_opt(model, False).param_groups) == [99, 288]
    assert group_sizes([{"params": []}]) == [0]


@pytest.mark.parametrize("rates, first", [([0.1, 0.0], 0), ([0.0, 0.0, 0.2], 2), ([0.0], None), ([], None)])
def test_first_positive_is_the_first_group_above_zero(rates, first):
    assert first_positive(rates) == first


@pytest.mark.parametrize("lrs, sizes, ref", [
    ([1e-3, 1e-5], [325, 16_576], 1),   # the backbone holds most parameters
    ([0.0, 1e-3, 1e-5], [16_576, 325, 100], 1),  # a frozen group is never the reference, however large
    ([0.1, 0.2], [50, 50], 1),           # a tie: the larger rate
    ([0.1, 0.1], [50, 50], 0),           # a full tie: the first listed (the same rates either way)
])
def test_group_ratios_reference_is_the_largest_group_above_zero(lrs, sizes, ref):
    got, ratios = group_ratios(lrs, sizes)
    assert got == ref and ratios == [lr / lrs[ref] for lr in lrs]


def test_group_ratios_give_every_group_the_same_rate_in_any_order():
    lrs, sizes = [1e-5, 1e-3, 0.0, 3e-4], [1000, 20, 5000, 800]
    for order in itertools.permutations(range(4)):
        ref, ratios = group_ratios([lrs[i] for i in order], [sizes[i] for i in order])
        assert order[ref] == 0  # the backbone: the most parameters above 0 (the frozen group is larger)
        assert [ratios[order.index(i)] for i in range(4)] == pytest.approx([1.0, 100.0, 0.0, 30.0])


def test_find_lr_sweeps_the_same_rates_whichever_group_comes_first():
    x = torch.randn(512, 8, generator=torch.Generator().manual_seed(1))
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    data = [(x[i:i + 32], y[i:i + 32]) for i in range(0, 512, 32)]
    out = []
    for backbone_first in (False, True):
        model = _net()
        res = find_lr(model, _opt(model, backbone_first), nn.functional.cross_entropy, data,
                      sweep=Sweep(start=1e-6, end=10.0, num_steps=40), interval=False)
        assert res.meta["rate_group"] == (0 if backbone_first else 1)  # the backbone's, either way
        out.append((res.suggestion, list(res.lrs), list(res.losses)))
    assert out[0] == out[1]


def test_retune_moves_the_backbone_to_the_rate_found_for_it():
    for backbone_first in (False, True):
        opt = _opt(_net(), backbone_first, backbone_lr=1e-4)
        assert configured_rate(opt) == 1e-4
        assert retune(opt, [], 3e-4) == pytest.approx(3.0)
        assert sorted(g["lr"] for g in opt.param_groups) == pytest.approx([3e-4, 3e-3])


def test_schedule_rate_is_group_0s_the_rate_lrscheduler_keeps_the_ratios_to():
    assert schedule_rate(_opt(_net(), False)) == 1e-3
    assert schedule_rate(_opt(_net(), True)) == 1e-5
    w = torch.zeros(2, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    frozen_first = torch.optim.SGD([{"params": [w], "lr": 0.0}, {"params": [b]}], lr=0.5)
    assert schedule_rate(frozen_first) == 0.5
    assert schedule_rate(torch.optim.SGD([w], lr=0.0)) == 0.0


def test_the_autopilot_drives_the_backbones_rate_whichever_group_comes_first():
    for backbone_first in (False, True):
        opt = _opt(_net(), backbone_first)
        ap = Autopilot(opt, budget=100)
        back = 0 if backbone_first else 1
        assert ap.lr == opt.param_groups[back]["lr"] == ap.lr_min
        assert opt.param_groups[1 - back]["lr"] == pytest.approx(100 * ap.lr)
