"""The words of a failure at the first update, pinned whole: ``find_lr``'s sweep and the training loops of
``train`` / ``train_autopilot`` share one guard (``lrkit.torch.first_update``), and each says what it said
before the guard was shared: the batches that do not fit the model (``find_lr`` adding that it put the
model and optimizer back), or, for ``find_lr``, a failure inside ``optimizer.step()`` as the optimizer's."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.errors import exception_line
from lrkit.tasks import from_arrays, train, train_autopilot
from lrkit.torch import find_lr, first_update
from lrkit.torch._finder_options import CLOSURE_WAY_OUT

_X = torch.randn(64, 4, generator=torch.Generator().manual_seed(0))
_Y = (_X[:, 0] > 0).long()
_LOADER = [(_X[i:i + 16], _Y[i:i + 16]) for i in range(0, 64, 16)]
_BATCHES = ("check that the batches of `train_loader` fit the model and `loss_fn` (shapes, dtypes, class "
            "indices)")


class ClosureSGD(torch.optim.SGD):
    """SGD whose step asserts a closure, as SAM's does."""

    def step(self, closure=None):
        if closure is None:
            raise AssertionError("this optimizer requires closure")
        return super().step()


def test_find_lr_names_the_batches_and_says_nothing_changed():
    model = nn.Linear(5, 2)  # for batches of 4 features
    with pytest.raises(LRKitError) as info:
        find_lr(model, torch.optim.SGD(model.parameters(), lr=0.1), nn.functional.cross_entropy, _LOADER)
    what = exception_line(info.value.__cause__)
    assert what.startswith("RuntimeError: mat1 and mat2 shapes cannot be multiplied")
    assert str(info.value) == (f"the first update of find_lr failed ({what}): {_BATCHES}; the model and "
                               "optimizer are unchanged.")


def test_find_lr_names_the_optimizers_step():
    model = nn.Linear(4, 2)
    with pytest.raises(LRKitError) as info:
        find_lr(model, ClosureSGD(model.parameters(), lr=0.1), nn.functional.cross_entropy, _LOADER)
    assert str(info.value) == (
        "the first update of find_lr failed inside `optimizer.step()` of ClosureSGD (AssertionError: this "
        f"optimizer requires closure); if its step needs a closure: {CLOSURE_WAY_OUT} The model and "
        "optimizer are unchanged.")


@pytest.mark.parametrize(("run", "owner"), [(train, "train"), (train_autopilot, "train_autopilot")])
def test_the_training_loops_name_the_batches(run, owner):
    task = from_arrays(_X.numpy(), _Y.numpy(), model=lambda: nn.Linear(5, 2))
    with pytest.raises(LRKitError) as info:
        run(task, budget=30)
    what = exception_line(info.value.__cause__)
    assert what.startswith("RuntimeError: mat1 and mat2 shapes cannot be multiplied")
    assert str(info.value) == f"the first update of {owner} failed ({what}): {_BATCHES}."


def test_first_update_guards_update_0_only_and_lets_lrkit_errors_through():
    with pytest.raises(LRKitError, match=r"^the first update of my_loop failed \(KeyError: 'x'\): check"):
        with first_update("my_loop"):
            raise KeyError("x")
    with pytest.raises(KeyError):  # a later update's failure is the user's code, as it is
        with first_update("my_loop", t=1):
            raise KeyError("x")
    with pytest.raises(LRKitError, match="^mine$"):
        with first_update("my_loop"):
            raise LRKitError("mine")
    opt = ClosureSGD([nn.Parameter(torch.zeros(1))], lr=0.1)
    with pytest.raises(LRKitError, match=r"inside `optimizer.step\(\)` of ClosureSGD .* The model and"):
        with first_update("find_lr", optimizer=opt, restored=True):
            opt.step()
    with pytest.raises(LRKitError, match=r"indices\)\.$"):  # without the optimizer: the batches, said plainly
        with first_update("train"):
            opt.step()
