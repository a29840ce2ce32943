"""``train`` and ``train_autopilot`` read each loss their task's ``loss_fn`` returns as ``find_lr`` does:
a one-element tensor, else one ``LRKitError`` naming ``loss_fn`` and what it returned (a ``(loss, logs)``
pair was reported as batches that do not fit the model)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.tasks import train, train_autopilot

_X = torch.randn(256, 4, generator=torch.Generator().manual_seed(0))
_Y = _X @ torch.tensor([1.0, -2.0, 0.5, 3.0])


def _task_returning(kind):
    def task(seed):
        torch.manual_seed(seed)
        m = nn.Sequential(nn.Linear(4, 1), nn.Flatten(0))
        per_sample = (lambda out, t: (out - t) ** 2)
        loss_fn = {"tuple": lambda out, t: (per_sample(out, t).mean(), {"aux": 0.0}),
                   "vector": per_sample}[kind]
        return {"model": m, "optimizer": torch.optim.SGD(m.parameters(), lr=0.01), "loss_fn": loss_fn,
                "train_loader": [(_X[i:i + 32], _Y[i:i + 32]) for i in range(0, 256, 32)]}
    return task


@pytest.mark.parametrize(("kind", "got"), [("tuple", "tuple"), ("vector", r"\(32,\)")])
@pytest.mark.parametrize("run", [train, train_autopilot])
def test_a_loss_fn_that_returns_no_scalar_is_one_error_naming_it(run, kind, got):
    with pytest.raises(LRKitError, match=rf"^`loss_fn` of the task function task must return a scalar "
                                         rf"tensor; got {got}\.$"):
        run(_task_returning(kind), budget=20)
