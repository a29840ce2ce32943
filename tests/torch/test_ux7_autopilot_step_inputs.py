"""Loop mistakes a new user makes with ``Autopilot.step`` (session-7 new-user probe,
``/work/notes/ux7/p9_step_inputs.py``):

- ``step(loss)`` with no ``loss.backward()``: the run made all its updates with no gradient at all,
  the weights never moved, and the Autopilot reported a peak read from the flat curve, with no word;
- ``step((loss, logs))``, ``step({"loss": loss})`` or a per-sample loss vector: a bare ``TypeError`` /
  ``ValueError`` from ``float()``, not one ``LRKitError`` naming ``loss``.

The harness's protocol functions have the same blind spot one level up: a ``loss_fn`` returning
``(loss, logs)`` was reported as "check that the batches of `train_loader` fit the model", where
``find_lr`` says "`loss_fn` of find_lr must return a scalar tensor; got tuple" (now ``train`` says so too).

The first two are refused by ``Autopilot.step`` (one ``LRKitError`` naming ``loss``, nothing applied),
the third by ``train`` (one ``LRKitError`` naming ``loss_fn``)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.tasks import train
from lrkit.torch import Autopilot

_X = torch.randn(256, 4, generator=torch.Generator().manual_seed(0))
_Y = _X @ torch.tensor([1.0, -2.0, 0.5, 3.0])


def _setup():
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    return model, Autopilot(torch.optim.SGD(model.parameters(), lr=0.1), budget=60, model=model)


def _loss(model):
    return ((model(_X[:32]).squeeze(1) - _Y[:32]) ** 2).mean()


def test_a_step_with_no_gradients_is_refused():
    model, ap = _setup()
    w0 = model.weight.detach().clone()
    ap.optimizer.zero_grad()
    with pytest.raises(LRKitError, match=r"^`loss` of Autopilot.step"):
        ap.step(_loss(model))  # loss.backward() forgotten
    assert torch.equal(model.weight, w0) and ap.total_steps is not None


@pytest.mark.parametrize("wrap", ["tuple", "dict", "vector"])
def test_a_loss_that_is_no_scalar_is_one_error_naming_loss(wrap):
    model, ap = _setup()
    w0 = model.weight.detach().clone()
    ap.optimizer.zero_grad()
    per_sample = (model(_X[:32]).squeeze(1) - _Y[:32]) ** 2
    loss = per_sample.mean()
    loss.backward()
    given = {"tuple": (loss, {"mse": 1.0}), "dict": {"loss": loss}, "vector": per_sample}[wrap]
    with pytest.raises(LRKitError, match=r"^`loss` of Autopilot.step must be"):
        ap.step(given)
    assert torch.equal(model.weight, w0)


def test_a_scalar_tensor_or_float_is_taken():
    model, ap = _setup()
    for given in ("tensor", "float"):
        ap.optimizer.zero_grad()
        loss = _loss(model)
        loss.backward()
        assert ap.step(loss if given == "tensor" else float(loss)) in (True, False)


def _tuple_task(seed):
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Linear(4, 1), nn.Flatten(0))
    return {"model": m, "optimizer": torch.optim.SGD(m.parameters(), lr=0.01),
            "loss_fn": lambda out, t: (((out - t) ** 2).mean(), {"aux": 0.0}),
            "train_loader": [(_X[i:i + 32], _Y[i:i + 32]) for i in range(0, 256, 32)]}


def test_train_names_a_loss_fn_that_returns_a_tuple():
    with pytest.raises(LRKitError, match=r"`loss_fn`.*scalar"):
        train(_tuple_task, lr=0.01, budget=10)
