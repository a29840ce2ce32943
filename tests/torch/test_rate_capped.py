"""find_lr on an optimizer that caps the rate it is given (torch's Adafactor: min(lr, 1/sqrt(t))): a warning
names it and where the cap began only when the sweep passed the cap."""

from __future__ import annotations

import warnings

import pytest
import torch
from torch import nn

from lrkit.finder import Sweep
from lrkit.torch import find_lr
from lrkit.torch._finder_rule import capped_from, optimizer_steps

pytestmark = pytest.mark.skipif(not hasattr(torch.optim, "Adafactor"), reason="torch without Adafactor")

_X = torch.randn(128, 4, generator=torch.Generator().manual_seed(0))
_Y = _X.sum(1, keepdim=True)
_LOADER = [(_X[i:i + 32], _Y[i:i + 32]) for i in range(0, 128, 32)]


def _warnings(sweep: Sweep) -> list[str]:
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        find_lr(model, torch.optim.Adafactor(model.parameters()), nn.functional.mse_loss, _LOADER,
                sweep=sweep, interval=False, retry=False)
    return [str(w.message) for w in caught if "Adafactor" in str(w.message)]


def test_a_sweep_under_the_cap_says_nothing():
    assert _warnings(Sweep(start=1e-5, end=0.05, num_steps=100)) == []  # 1/sqrt(100) = 0.1 > 0.05


def test_a_sweep_past_the_cap_names_the_update_it_began():
    said = _warnings(Sweep(start=1e-5, end=10.0, num_steps=100))
    assert len(said) == 1 and "1/sqrt(t)" in said[0] and "from update" in said[0]


def test_the_cap_counts_the_steps_the_optimizer_already_took():
    w = nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adafactor([w])
    for _ in range(99):
        w.grad = torch.ones(1)
        opt.step()
    assert optimizer_steps(opt) == 99
    assert capped_from(opt, [0.09, 0.11], optimizer_steps(opt)) == 1  # t = 100, 101: caps 0.1, 0.0995
    assert capped_from(opt, [0.09, 0.11], 0) is None
