"""The batch layouts lrkit reads without a user's forward, defined once (lrkit.torch._batches):
find_lr's default forward and the task protocol accept the same batches and refuse the rest with
the same words."""

from __future__ import annotations

import pytest
import torch

from lrkit import LRKitError
from lrkit.tasks._protocol import batch_pair
from lrkit.torch._batches import LAYOUTS, default_forward, describe_batch, split_batch

X, Y = torch.ones(2, 3), torch.zeros(2, 1)


@pytest.mark.parametrize("batch", [(X, Y), [X, Y], {"input": X, "target": Y},
                                   {"inputs": X, "targets": Y, "mask": 0}],
                         ids=["tuple", "list", "input/target", "inputs/targets+extra"])
def test_pairs_and_input_target_dicts_split_the_same_way_everywhere(batch):
    x, y = split_batch(batch)
    assert x is X and y is Y
    assert batch_pair(batch, "train_loader", "the task t") == (X, Y)
    model = torch.nn.Linear(3, 1)
    out, target = default_forward(model, batch)
    assert target is Y and torch.equal(out, model(X))


@pytest.mark.parametrize("batch, shown", [((X, Y, X), "a tuple of 3"), ([X], "a list of 1"),
                                          ({"x": X, "y": Y}, "a dict with keys ['x', 'y']"),
                                          ({"input": X}, "a dict with keys ['input']"), (X, "Tensor")])
def test_other_layouts_are_one_error_naming_the_loader_what_came_and_what_is_read(batch, shown):
    assert split_batch(batch) is None
    assert describe_batch(batch) == shown
    with pytest.raises(LRKitError, match="`train_loader` of find_lr") as found:
        default_forward(torch.nn.Linear(3, 1), batch)
    with pytest.raises(LRKitError, match="`val_loader` of the task t") as told:
        batch_pair(batch, "val_loader", "the task t")
    for e in (found.value, told.value):
        assert LAYOUTS in str(e) and shown in str(e)
