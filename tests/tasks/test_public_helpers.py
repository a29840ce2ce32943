"""The tasks package's public helpers against independent references.

``standardize`` against scikit-learn's ``StandardScaler`` (fit on the training split only),
``check_parts`` / ``PROTOCOL_KEYS`` by removing and corrupting each key of a valid return value,
``load_corpus``'s ``CharCorpus`` by decoding it back to the standard library's own files, and
``SupervisedTask.n_classes`` against the label counts scikit-learn's bundled sets document.
"""

from __future__ import annotations

import dataclasses
import hashlib
import sysconfig
from pathlib import Path

import numpy as np
import pytest
import torch

from lrkit import LRKitError
from lrkit.tasks import (
    PROTOCOL_KEYS,
    Arrays,
    CharCorpus,
    SupervisedTask,
    check_parts,
    get_task,
    load_corpus,
    standardize,
)

preprocessing = pytest.importorskip("sklearn.preprocessing")


def _arrays(seed: int = 0) -> Arrays:
    rng = np.random.default_rng(seed)
    x_train = rng.normal(5.0, 3.0, size=(50, 4))
    x_train[:, 2] = 7.0  # a constant column: scale 1, as StandardScaler does too
    x_val = rng.normal(5.0, 3.0, size=(20, 4))
    return Arrays(x_train, rng.normal(10.0, 2.0, size=50), x_val, rng.normal(10.0, 2.0, size=20))


def test_standardize_matches_sklearn_standard_scaler_fit_on_train() -> None:
    a = _arrays()
    out = standardize(a, targets=True)
    assert isinstance(out, Arrays)
    scaler = preprocessing.StandardScaler().fit(a.x_train)
    np.testing.assert_allclose(out.x_train, scaler.transform(a.x_train), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.x_val, scaler.transform(a.x_val), rtol=1e-5, atol=1e-6)
    y_scaler = preprocessing.StandardScaler().fit(a.y_train[:, None])
    np.testing.assert_allclose(out.y_val, y_scaler.transform(a.y_val[:, None])[:, 0], rtol=1e-5, atol=1e-6)
    assert out.x_train.dtype == np.float32
    kept = standardize(a)  # targets left as given
    assert kept.y_train is a.y_train and kept.y_val is a.y_val


def test_arrays_is_a_frozen_record() -> None:
    a = _arrays()
    assert [f.name for f in dataclasses.fields(Arrays)] == ["x_train", "y_train", "x_val", "y_val"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.x_train = a.x_val  # type: ignore[misc]


def _parts() -> dict:
    model = torch.nn.Linear(2, 1)
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
            "loss_fn": torch.nn.functional.mse_loss, "train_loader": [(torch.ones(3, 2), torch.ones(3, 1))]}


def test_check_parts_names_each_missing_or_wrong_key() -> None:
    assert PROTOCOL_KEYS == ("model", "optimizer", "loss_fn", "train_loader")
    good = _parts()
    assert check_parts(good, "the task function f") is good
    for key in PROTOCOL_KEYS:
        missing = {k: v for k, v in good.items() if k != key}
        with pytest.raises(LRKitError, match=rf"must return the keys \['{key}'\]"):
            check_parts(missing, "the task function f")
        with pytest.raises(LRKitError, match=rf"`{key}` of the task function f must be"):
            check_parts({**good, key: 3}, "the task function f")
    with pytest.raises(LRKitError, match="must return a dict"):
        check_parts([good], "the task function f")
    with pytest.raises(LRKitError, match="`val_loader` of the task function f must be given, to score"):
        check_parts(good, "the task function f", need_val=True, why_val=", to score")


def test_load_corpus_decodes_back_to_the_stdlib_text() -> None:
    corpus = load_corpus(("colorsys",), ("bisect",))
    assert isinstance(corpus, CharCorpus)
    root = Path(sysconfig.get_paths()["stdlib"])
    train_text, val_text = (root / "colorsys.py").read_text("utf-8"), (root / "bisect.py").read_text("utf-8")
    assert "".join(corpus.vocab[i] for i in corpus.train.tolist()) == train_text
    assert "".join(corpus.vocab[i] for i in corpus.val.tolist()) == val_text
    assert corpus.vocab == "".join(sorted(set(train_text + val_text)))
    assert corpus.digest == hashlib.sha256((train_text + "\0" + val_text).encode()).hexdigest()[:12]


def test_n_classes_counts_the_labels_of_the_bundled_sets() -> None:
    datasets = pytest.importorskip("sklearn.datasets")
    for name, data in (("digits-mlp", datasets.load_digits), ("wine-logreg", datasets.load_wine)):
        task = get_task(name)
        assert isinstance(task, SupervisedTask)
        assert task.n_classes == len(np.unique(data().target))


def test_one_thread_pins_one_thread_and_restores_the_count_even_after_an_error():
    from lrkit.tasks import one_thread

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with pytest.raises(RuntimeError, match="inside"), one_thread():
            assert torch.get_num_threads() == 1
            raise RuntimeError("inside")
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
