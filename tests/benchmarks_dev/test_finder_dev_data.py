"""``benchmarks/dev/finder_dev.py``'s development set: the zoo's tabular sets, split anew per seed,
and still the data its caches (``results/finder_dev.json`` and the caches built on it) hold."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from dev import finder_dev as fd
from lrkit import zoo

#: sha256 (16 hex) of the training targets of seeds 0 and 1, the regression target to 6 decimals:
#: they pin the set, the rows and the per-seed split the cached ground truth was measured on.
PINNED = {
    "cancer": ["bc28a10757d02613", "b66ca8161131ab69"],
    "wine": ["14b95391316d5724", "f91621a87c6a5082"],
    "blobs-clf": ["9648934c74deb99d", "cbe0bb39f10ea243"],
    "friedman": ["4dfdfdbc65292282", "009403d4eeb7192e"],
}


def _digest(y: np.ndarray) -> str:
    return hashlib.sha256(np.round(y, 6).astype(np.float64).tobytes()).hexdigest()[:16]


@pytest.mark.parametrize("name", fd.DATASETS)
def test_each_seed_splits_the_zoo_set_75_25(name):
    x, y = zoo.tabular_set(name)
    splits = [fd._data(name, seed) for seed in fd.SEEDS]
    for xt, yt, xv, yv, clf in splits:
        assert (len(xt), len(xv)) == (int(0.75 * len(x)), len(x) - int(0.75 * len(x)))
        assert clf == (name != "friedman")
        if clf:  # the labels are the set's, each row once
            assert sorted(np.concatenate([yt, yv]).tolist()) == sorted(y.tolist())
        np.testing.assert_allclose(xt.mean(0), 0.0, atol=1e-9)  # z-scored with training statistics
    assert [_digest(s[1]) for s in splits] == PINNED[name]
    assert _digest(splits[0][1]) != _digest(splits[1][1])  # every seed has its own split


def test_the_dev_sets_are_the_zoo_tabular_sets():
    assert fd.DATASETS == zoo.TABULAR_SETS
