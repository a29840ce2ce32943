"""from_arrays: the user's own data and model as a task."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lrkit import LRKitError
from lrkit.tasks import Task, from_arrays, train
from lrkit.tasks._supervised import split


def _blobs(n=300, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    x = rng.normal(size=(n, 4)) + 3.0 * np.eye(3, 4)[y]
    return x * 10 + 5, y  # large offset and scale: standardization must handle it


def test_classification_from_arrays_trains_to_high_accuracy():
    x, y = _blobs()
    task = from_arrays(x, y, model=lambda: torch.nn.Linear(4, 3), lr=0.05, batch_size=32)
    assert isinstance(task, Task) and task.info.metric == "val_acc" and task.info.higher_is_better
    assert task.info.n_params == 15 and task.info.budget == 10 * 8  # 240 train rows / 32 -> 8 per epoch
    xtr, _, xva, yva = task.tensors()
    assert len(xtr) == 240 and len(xva) == 60
    np.testing.assert_allclose(xtr.mean(0).numpy(), 0.0, atol=1e-5)
    assert np.bincount(yva.numpy()).min() >= 15  # stratified
    r = train(task, lr=0.05)
    # Independent reference: scikit-learn's logistic regression on the same split.
    from sklearn.linear_model import LogisticRegression

    ref = LogisticRegression().fit(xtr.numpy(), task.tensors()[1].numpy()).score(xva.numpy(), yva.numpy())
    assert ref > 0.85 and r.final["val_acc"] >= ref - 0.02
    assert set(r.final) == {"val_acc", "val_loss"}


def test_regression_from_arrays_matches_least_squares():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(400, 2))
    y = x @ np.array([2.0, -1.0]) + 0.5 + 0.1 * rng.normal(size=400)
    task = from_arrays(x, y, model=lambda: torch.nn.Linear(2, 1), task_type="regression",
                       optimizer="sgd-plain", lr=0.1, standardize_inputs=False)
    r = train(task, lr=0.1, budget=400)
    assert task.info.metric == "val_mse" and not task.info.higher_is_better
    assert r.final["val_mse"] == pytest.approx(0.01, rel=0.35)  # the noise variance
    assert task.tensors()[1].shape == (320, 1)  # a 1-D target becomes a column


def test_a_module_is_copied_so_every_build_starts_from_its_weights():
    x, y = _blobs(100)
    model = torch.nn.Linear(4, 3)
    task = from_arrays(x, y, model=model)
    a, b = task.build(0)["model"], task.build(1)["model"]
    assert a is not model and torch.equal(a.weight, model.weight) and torch.equal(b.weight, model.weight)
    train(task, lr=0.1, budget=5)
    assert torch.equal(task.build(0)["model"].weight, model.weight)  # training did not touch the original


def test_a_factory_is_seeded_per_build():
    x, y = _blobs(100)
    task = from_arrays(x, y, model=lambda: torch.nn.Linear(4, 3))
    assert torch.equal(task.build(2)["model"].weight, task.build(2)["model"].weight)
    assert not torch.equal(task.build(2)["model"].weight, task.build(3)["model"].weight)


def test_split_is_a_fixed_stratified_partition():
    x = np.arange(100.0)[:, None]
    y = np.repeat([0, 1, 2, 3], 25)
    a = split(x, y, 0.2, stratify=True)
    b = split(x, y, 0.2, stratify=True)
    assert np.array_equal(a.x_val, b.x_val)
    assert sorted(np.concatenate([a.x_train, a.x_val])[:, 0].tolist()) == list(range(100))
    assert np.bincount(a.y_val).tolist() == [5, 5, 5, 5]
    assert len(split(x, y, 0.25, stratify=False).x_val) == 25


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [({"y": np.zeros(7)}, "`y` of from_arrays must have one entry per row of X \\(10\\); got 7."),
     ({"X": np.full((10, 2), np.nan)}, "`X` of from_arrays must hold finite numbers"),
     ({"X": np.array([])}, "`X` of from_arrays must be a non-empty numeric array"),
     ({"y": np.linspace(0, 1, 10)}, "must be integer class labels"),
     ({"y": np.zeros(10)}, "must hold at least 2 classes"),
     ({"task_type": "ranking"}, "`task_type` of from_arrays must be one of 'classification', 'regression'"),
     ({"val_fraction": 1.0}, "`val_fraction` of from_arrays must be a number in \\(0, 1\\); got 1.0."),
     ({"batch_size": 0}, "`batch_size` of from_arrays must be a positive integer; got 0."),
     ({"lr": -0.1}, "`lr` of from_arrays must be a finite number > 0; got -0.1."),
    ({"optimizer": "rmsprp"}, "unknown optimizer 'rmsprp'; did you mean 'rmsprop'"),
     ({"model": 3}, "`model` of from_arrays must be an nn.Module or a factory")],
)
def test_from_arrays_validates_eagerly(kwargs, pattern):
    args = {"X": np.random.default_rng(0).normal(size=(10, 2)), "y": np.array([0, 1] * 5),
            "model": torch.nn.Linear(2, 2)}
    args.update(kwargs)
    with pytest.raises(LRKitError, match=pattern):
        from_arrays(args.pop("X"), args.pop("y"), **args)


def test_regression_output_shape_mismatch_is_an_error_not_a_broadcast():
    x = np.random.default_rng(0).normal(size=(50, 2))
    task = from_arrays(x, x[:, 0],
                       model=lambda: torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Flatten(0)),
                       task_type="regression")
    with pytest.raises(LRKitError, match=r"must have the target's shape \(32, 1\); got \(32,\)"):
        train(task, lr=0.1, budget=1)
