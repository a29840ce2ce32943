"""Numeric data of the zoo: scikit-learn's bundled sets and generators, and generated images.

Nothing is downloaded. Every set is built once per process (cached), from fixed seeds, and split
once: the split never depends on a run's seed. Inputs are z-scored with training statistics;
regression targets too (so losses are in units of the target's standard deviation).
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from lrkit.errors import unknown_name
from lrkit.tasks import Arrays, split, standardize

__all__ = [
    "TABULAR_SETS", "Tensors", "classification", "curve", "digits", "finder_dev", "friedman2", "linear",
    "outliers", "shapes", "tabular_set", "to_tensors",
]

Tensors = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def to_tensors(a: Arrays, *, classes: bool, image: tuple[int, ...] | None = None) -> Tensors:
    """``(x_train, y_train, x_val, y_val)``: float32 inputs (reshaped to ``image`` when given),
    int64 labels or float32 ``(n, k)`` targets."""

    def x(arr: np.ndarray) -> torch.Tensor:
        t = torch.as_tensor(np.ascontiguousarray(arr), dtype=torch.float32)
        return t.reshape(len(t), *image) if image else t

    def y(arr: np.ndarray) -> torch.Tensor:
        if classes:
            return torch.as_tensor(np.ascontiguousarray(arr), dtype=torch.int64)
        t = torch.as_tensor(np.ascontiguousarray(arr), dtype=torch.float32)
        return t.reshape(len(t), -1)

    return x(a.x_train), y(a.y_train), x(a.x_val), y(a.y_val)


#: The tabular family's data sets (the workloads of ``benchmarks/dev/finder_dev.py`` read them too).
TABULAR_SETS: tuple[str, ...] = ("cancer", "wine", "blobs-clf", "friedman")


def tabular_set(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The raw ``(x, y)`` of a tabular data set, before any split or scaling (float64 inputs).

    ``cancer`` (breast cancer, 569 x 30, 2 classes), ``wine`` (178 x 13, 3 classes), ``blobs-clf``
    (``make_classification``, 1,200 x 20, 8 informative, 4 classes), ``friedman``
    (``make_friedman1``, 1,200 x 10, noise 1: a nonlinear regression, the target as generated).
    The zoo's workloads split each once (:func:`finder_dev`); ``benchmarks/dev/finder_dev.py``
    splits them anew for every seed. Both read the sets here, so they cannot drift apart.

    Raises:
        LRKitError: for a name not in :data:`TABULAR_SETS` (with a "did you mean").

    Example:
        >>> x, y = tabular_set("wine")
        >>> x.shape, x.dtype.name, sorted(set(y.tolist()))
        ((178, 13), 'float64', [0, 1, 2])
    """
    from sklearn import datasets

    if name not in TABULAR_SETS:
        raise unknown_name("tabular data set", str(name), TABULAR_SETS)
    if name == "cancer":
        x, y = datasets.load_breast_cancer(return_X_y=True)
    elif name == "wine":
        x, y = datasets.load_wine(return_X_y=True)
    elif name == "blobs-clf":
        x, y = datasets.make_classification(1200, 20, n_informative=8, n_classes=4, random_state=7)
    else:
        x, y = datasets.make_friedman1(1200, 10, noise=1.0, random_state=7)
    return x.astype(np.float64), y


@functools.lru_cache(maxsize=None)
def finder_dev(name: str) -> Tensors:
    """The tabular family's split of :func:`tabular_set` ``name``: 75/25, seed 0, stratified by class
    (``friedman``: the target z-scored with training statistics)."""
    classes = name != "friedman"
    x, y = tabular_set(name)
    a = standardize(split(x, y, 0.25, stratify=classes), targets=not classes)
    return to_tensors(a, classes=classes)


@functools.lru_cache(maxsize=None)
def classification(n: int, features: int, informative: int, classes: int, sep: float, seed: int) -> Tensors:
    """``make_classification`` (stratified 80/20 split, z-scored); ``flip_y=0.02`` label noise."""
    from sklearn.datasets import make_classification

    x, y = make_classification(n, features, n_informative=informative, n_redundant=2, n_classes=classes,
                               n_clusters_per_class=2, class_sep=sep, flip_y=0.02, random_state=seed)
    return to_tensors(standardize(split(x, y, 0.2, stratify=True)), classes=True)


@functools.lru_cache(maxsize=None)
def friedman2() -> Tensors:
    """``make_friedman2`` (2,000 x 4, noise 0.1 of the target's SD), 80/20, inputs and target z-scored."""
    from sklearn.datasets import make_friedman2

    x, y = make_friedman2(2000, random_state=11)
    y = y + 0.1 * y.std() * np.random.default_rng(11).standard_normal(len(y))
    return to_tensors(standardize(split(x, y, 0.2, stratify=False), targets=True), classes=False)


@functools.lru_cache(maxsize=None)
def linear(n: int = 2000, features: int = 30) -> Tensors:
    """``make_regression`` (linear, 30 features with correlated columns, noise), 80/20, z-scored."""
    from sklearn.datasets import make_regression

    x, y = make_regression(n, features, n_informative=20, effective_rank=10, tail_strength=0.3,
                           noise=5.0, random_state=5)
    return to_tensors(standardize(split(x, y, 0.2, stratify=False), targets=True), classes=False)


@functools.lru_cache(maxsize=None)
def outliers() -> Tensors:
    """A nonlinear regression whose *training* targets carry 10% gross outliers (Huber's setting).

    Inputs: 2,000 x 8 Gaussian; target ``sin(x0) * 2 + x1 * x2 + |x3| + 0.3 noise``, z-scored with
    clean statistics; then 10% of the training rows get ``+- 10`` added (t-distributed, 2 degrees of
    freedom, scale 3). Validation targets stay clean: the metric is the error on clean data.
    """
    rng = np.random.default_rng(17)
    x = rng.standard_normal((2000, 8))
    y = 2 * np.sin(x[:, 0]) + x[:, 1] * x[:, 2] + np.abs(x[:, 3]) + 0.3 * rng.standard_normal(2000)
    a = standardize(split(x, y, 0.2, stratify=False), targets=True)
    y_train = a.y_train.copy()
    bad = rng.permutation(len(y_train))[: len(y_train) // 10]
    y_train[bad] += 3.0 * rng.standard_t(2, size=len(bad)) + np.sign(rng.standard_normal(len(bad))) * 7.0
    return to_tensors(Arrays(a.x_train, y_train, a.x_val, a.y_val), classes=False)


@functools.lru_cache(maxsize=None)
def digits(classes: tuple[int, ...] = tuple(range(10)), n_train: int | None = None) -> Tensors:
    """scikit-learn's 8x8 digits restricted to ``classes`` (relabelled 0..k-1), as ``1x8x8`` images.

    Pixels are scaled to ``[0, 1]`` (divided by 16, no per-pixel statistics, so a network pretrained
    on some classes sees the others on the same scale); stratified 75/25 split; ``n_train`` keeps
    only the first training rows (a few-shot fine-tuning set).
    """
    from sklearn.datasets import load_digits

    bunch = load_digits()
    keep = np.isin(bunch.target, classes)
    x = bunch.data[keep] / 16.0
    y = np.searchsorted(np.asarray(classes), bunch.target[keep])
    a = split(x, y, 0.25, stratify=True, seed=1)
    if n_train is not None:
        a = Arrays(a.x_train[:n_train], a.y_train[:n_train], a.x_val, a.y_val)
    return to_tensors(a, classes=True, image=(1, 8, 8))


def _draw_shape(kind: int, size: int, rng: np.random.Generator) -> np.ndarray:
    img = np.zeros((size, size))
    r = int(rng.integers(2, size // 2 - 1))  # half-size
    cy, cx = (int(v) for v in rng.integers(r, size - r, size=2))
    yy, xx = np.mgrid[:size, :size]
    if kind == 0:  # horizontal bar
        img[cy, cx - r:cx + r + 1] = 1
    elif kind == 1:  # vertical bar
        img[cy - r:cy + r + 1, cx] = 1
    elif kind == 2:  # square outline
        img[cy - r:cy + r + 1, [cx - r, cx + r]] = 1
        img[[cy - r, cy + r], cx - r:cx + r + 1] = 1
    elif kind == 3:  # filled disc
        img[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = 1
    elif kind == 4:  # plus
        img[cy, cx - r:cx + r + 1] = 1
        img[cy - r:cy + r + 1, cx] = 1
    else:  # diagonal cross
        d = np.arange(-r, r + 1)
        img[cy + d, cx + d] = 1
        img[cy + d, cx - d] = 1
    return img


@functools.lru_cache(maxsize=None)
def shapes(n: int = 3000, size: int = 12, noise: float = 0.6) -> Tensors:
    """Generated ``1 x size x size`` images of six shapes (bars, square, disc, plus, cross).

    Random position, size (half-width 2 .. size/2 - 2) and contrast (0.5 .. 1.5), plus Gaussian pixel
    noise of SD ``noise``: enough noise that the best accuracy stays below 100%. Stratified 80/20.
    """
    rng = np.random.default_rng(23)
    y = np.arange(n) % 6
    x = np.stack([_draw_shape(int(k), size, rng) * rng.uniform(0.5, 1.5) for k in y])
    x = x + noise * rng.standard_normal(x.shape)
    a = split(x.reshape(n, -1), y, 0.2, stratify=True)
    return to_tensors(a, classes=True, image=(1, size, size))


@functools.lru_cache(maxsize=None)
def curve(n: int = 2000, dims: int = 24) -> Tensors:
    """An S-shaped 2-D sheet (``make_s_curve``) mapped linearly into ``dims`` dimensions, with noise:
    an autoencoder's inputs and targets (the clean point is the target; 80/20, z-scored)."""
    from sklearn.datasets import make_s_curve

    s, _ = make_s_curve(n, noise=0.0, random_state=29)
    rng = np.random.default_rng(29)
    clean = np.tanh(s @ rng.standard_normal((3, dims)) / 2)
    noisy = clean + 0.15 * rng.standard_normal(clean.shape)
    a = split(noisy, clean, 0.2, stratify=False)
    mean, sd = a.x_train.mean(0), a.x_train.std(0)
    z = Arrays((a.x_train - mean) / sd, (a.y_train - mean) / sd, (a.x_val - mean) / sd, (a.y_val - mean) / sd)
    return to_tensors(z, classes=False)
