"""`train` names a model that does not fit its training batches in one line (session-6 new-user probe,
/work/notes/ux6/from_arrays_probe.py).

`train(from_arrays(X, y, model=lambda: nn.Linear(5, 3)))` on 4 features raised torch's
`RuntimeError: mat1 and mat2 shapes cannot be multiplied` from inside the harness, and labels past
the model's outputs an `IndexError`, where `find_lr` and `tune` say in one `LRKitError` which loader
failed and what to check. A failure later in the run (not a mismatch: the user's code failing
mid-run) still propagates as it is.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lrkit import LRKitError
from lrkit.tasks import from_arrays, train

RNG = np.random.default_rng(0)
X = RNG.normal(size=(120, 4))
Y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)  # 3 classes


@pytest.mark.parametrize(("model", "cause"), [
    (lambda: torch.nn.Linear(5, 3), "RuntimeError: mat1 and mat2 shapes cannot be multiplied"),
    (lambda: torch.nn.Linear(4, 2), "IndexError: Target 2 is out of bounds"),
])
def test_a_model_that_does_not_fit_the_batches_is_one_error(model, cause):
    with pytest.raises(LRKitError) as info:
        train(from_arrays(X, Y, model=model), budget=5)
    message = str(info.value)
    assert message.startswith(f"the first update of train failed ({cause}")
    assert "check that the batches of `train_loader` fit the model and `loss_fn`" in message
    assert "\n" not in message


def test_a_protocol_function_without_val_loader_is_checked_too():
    def build(seed):
        torch.manual_seed(seed)
        model = torch.nn.Linear(5, 1)
        batches = [(torch.randn(8, 4), torch.randn(8, 1)) for _ in range(4)]
        return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
                "loss_fn": torch.nn.functional.mse_loss, "train_loader": batches}

    with pytest.raises(LRKitError, match=r"^the first update of train failed \(RuntimeError: mat1"):
        train(build, budget=5)


def test_a_failure_after_the_first_update_propagates_unchanged():
    calls = []

    def loss_fn(out, target):
        calls.append(1)
        if len(calls) == 3:
            raise KeyError("late")
        return torch.nn.functional.cross_entropy(out, target)

    def build(seed):
        parts = from_arrays(X, Y, model=lambda: torch.nn.Linear(4, 3))(seed)
        return {**parts, "loss_fn": loss_fn, "val_loader": None}

    with pytest.raises(KeyError, match="late"):
        train(build, budget=5)


def test_train_autopilot_names_it_too():
    with pytest.raises(LRKitError, match=r"^the first update of train_autopilot failed \(RuntimeError: mat1"):
        from lrkit.tasks import train_autopilot

        train_autopilot(from_arrays(X, Y, model=lambda: torch.nn.Linear(5, 3)), budget=30)
