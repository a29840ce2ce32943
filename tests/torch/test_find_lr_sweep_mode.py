"""find_lr sweeps a model in the mode its training runs in (``_finder_runner.sweep_mode``): a model wholly
in ``eval()`` goes to ``train()``; mixed flags (a frozen backbone's BatchNorm kept in ``eval()``) are kept,
through the validation read's settled statistics too, and every flag is restored after. The user-level
case: ``test_ux9_frozen_bn_flags.py``."""

from __future__ import annotations

import torch
from torch import nn

from lrkit.finder import Sweep
from lrkit.torch import Validation, find_lr

_X = torch.randn(128, 16, generator=torch.Generator().manual_seed(0))
_Y = (_X[:, :3].sum(1) > 0).long()
_LOADER = [(_X[i:i + 8], _Y[i:i + 8]) for i in range(0, 128, 8)]


def test_mixed_flags_are_kept_at_every_update_of_a_validation_sweep():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Sequential(nn.Linear(16, 32), nn.BatchNorm1d(32), nn.ReLU()), nn.Linear(32, 2))
    model[0].requires_grad_(False)
    model[0].eval()
    flags = []
    find_lr(model, torch.optim.SGD(model[1].parameters(), lr=0.01), nn.functional.cross_entropy, _LOADER,
            sweep=Sweep(num_steps=20), validation=Validation(_LOADER[:4]), interval=False, retry=False,
            on_step=lambda t, lr, loss: flags.append((model[0][1].training, model[1].training)))
    assert flags and set(flags) == {(False, True)}
    assert not model[0].training and not model[0][1].training and model.training and model[1].training
