"""``train_autopilot(task)`` with no ``budget`` takes one epoch of the task's ``train_loader``. On a small
data set (2 batches) the error was "`budget` of Autopilot must be an integer >= 16 ...; got 2": it names a
class the user never called and a budget the user never gave (session-7 new-user probe). The message
should name ``train_autopilot``'s ``budget`` and say the 2 came from the loader's length (one epoch).
Fixed in ``tasks/_autopilot_train.py``."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.tasks import train_autopilot

_X = torch.randn(64, 4, generator=torch.Generator().manual_seed(0))
_Y = _X.sum(1)


def _two_batches(seed):
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Linear(4, 1), nn.Flatten(0))
    return {"model": m, "optimizer": torch.optim.SGD(m.parameters(), lr=0.01), "loss_fn": nn.MSELoss(),
            "train_loader": [(_X[:32], _Y[:32]), (_X[32:], _Y[32:])], "val_loader": [(_X, _Y)]}


def test_a_given_budget_of_two_is_refused_naming_the_minimum():
    with pytest.raises(LRKitError, match=r">= 16"):
        train_autopilot(_two_batches, budget=2)


def test_the_default_budget_error_names_train_autopilot_and_the_epoch():
    with pytest.raises(LRKitError) as info:
        train_autopilot(_two_batches)
    message = str(info.value)
    assert message.startswith("`budget` of train_autopilot") and "2 batches" in message
