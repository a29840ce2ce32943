"""The zoo's tabular sets: one definition of the raw arrays, which the tabular workloads split once."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit import LRKitError, zoo

SHAPES = {"cancer": (569, 30, 2), "wine": (178, 13, 3), "blobs-clf": (1200, 20, 4),
          "friedman": (1200, 10, None)}
WORKLOAD = {"cancer": "tabular-cancer-momentum", "wine": "tabular-wine-adam",
            "blobs-clf": "tabular-blobs-sgd", "friedman": "tabular-friedman-rmsprop"}


@pytest.mark.parametrize("name", zoo.TABULAR_SETS)
def test_tabular_set_is_the_raw_arrays_the_workload_splits(name):
    x, y = zoo.tabular_set(name)
    rows, cols, classes = SHAPES[name]
    assert x.shape == (rows, cols) and x.dtype == np.float64 and len(y) == rows
    if classes is not None:
        assert sorted(set(y.tolist())) == list(range(classes))
    x_train, y_train, x_val, y_val = zoo.get(WORKLOAD[name]).tensors
    assert len(x_train) + len(x_val) == rows and x_train.shape[1] == cols
    if classes is not None:  # the same labels, split once
        assert sorted(np.concatenate([y_train.numpy(), y_val.numpy()]).tolist()) == sorted(y.tolist())
    x2, y2 = zoo.tabular_set(name)  # deterministic: generated from fixed seeds
    assert np.array_equal(x, x2) and np.array_equal(y, y2)


def test_an_unknown_set_names_the_valid_ones():
    with pytest.raises(LRKitError, match="unknown tabular data set 'wines'; did you mean 'wine'"):
        zoo.tabular_set("wines")
