"""A protocol function's optimizer with param groups (a head at the rate, a backbone at a tenth, a first
layer frozen with ``lr=0``) meets an optimizer chosen by name: ``train(task, optimizer="adam")`` and
``tune``'s ``optimizers`` axis. The harness rebuilt the optimizer from ``model.parameters()`` at one rate,
so the groups were silently dropped: the frozen layer trained, the ratio was lost (session-7 new-user
probe, ``/work/notes/ux7/p6_optimizer_swap.py``: a frozen layer changed in 6 of 8 tune builds).

Either way out is right for the user: the groups kept (same ratios, frozen stays frozen), or one
``LRKitError`` before anything trains that names ``optimizer`` and the param groups. Fixed: the named
optimizer is built over the task's groups (``lrkit.tasks._optimizers.regroup``)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.tasks import train
from lrkit.tuning import Storage, tune

_X = torch.randn(600, 8, generator=torch.Generator().manual_seed(0))
_Y = (_X[:, 0] - _X[:, 1] > 0).long()
_BUILT: list[tuple[nn.Module, torch.Tensor]] = []


def _build(seed: int) -> dict:
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    opt = torch.optim.SGD([{"params": m[4].parameters(), "lr": 0.1},
                           {"params": m[2].parameters(), "lr": 0.01},
                           {"params": m[0].parameters(), "lr": 0.0}], lr=0.1, momentum=0.9)
    _BUILT.append((m, m[0].weight.detach().clone()))
    batches = [(_X[i:i + 32], _Y[i:i + 32]) for i in range(0, 480, 32)]
    return {"model": m, "optimizer": opt, "loss_fn": nn.CrossEntropyLoss(), "train_loader": batches,
            "val_loader": [(_X[480:], _Y[480:])]}


def _frozen_layer_changed() -> int:
    return sum(not torch.equal(m[0].weight, w0) for m, w0 in _BUILT)


def test_without_an_optimizer_name_the_groups_are_kept():
    _BUILT.clear()
    train(_build, lr=0.05, budget=20)
    assert _BUILT and _frozen_layer_changed() == 0


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_train_with_an_optimizer_name_keeps_the_groups_or_refuses(name):
    _BUILT.clear()
    try:
        train(_build, lr=0.05, budget=20, optimizer=name)
    except LRKitError as e:
        assert str(e).startswith("`optimizer` of train") and "param group" in str(e)
        return
    assert _frozen_layer_changed() == 0


def test_tune_optimizers_axis_keeps_the_groups_or_refuses(tmp_path):
    _BUILT.clear()
    try:
        tune(_build, n_trials=3, budget=20, storage=Storage(out=str(tmp_path)), pruner="none",
             space={"optimizers": ["adam"], "schedules": ["constant"]}, use_finder=False)
    except LRKitError as e:
        assert "optimizers" in str(e) and "param group" in str(e)
        assert not (tmp_path / "lrkit-tune.db").exists() or _frozen_layer_changed() == 0
        return
    assert _frozen_layer_changed() == 0
