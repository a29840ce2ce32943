"""Workloads outside the zoo whose Autopilot probe ramp has no valley: a held-out test of the
no-valley rule (``AutopilotPolicy(no_valley_peak="noise")``, ``benchmarks/autopilot_no_valley_heldout.py``).

The zoo's only **quiet** no-valley ramps are its recall RNNs and its only **noisy** ones that gain from
``r/100`` are its transformers, so leave-one-family-out cannot judge either half of the rule. These
workloads are in families the zoo does not have, built to sit where the rule acts:

* **quiet** (a classification sitting at chance, its outputs near zero, so the batch loss is ``log C``
  whatever the batch): sparse parity on an MLP (a plateau before the features are found), a deep sigmoid
  MLP (vanishing gradients), a small-initialised tanh MLP on two spirals (the saddle at the origin), a
  sigmoid CNN on digits, a deep linear network at a small initialisation; and (added in session 17,
  chosen from cheap probes for how often their ramp reads quiet at the floor) sigmoid MLPs of three and
  four hidden layers on the digits as vectors and on a 4-class table, ReLU MLPs at 0.2 x torch's
  initialisation on the same, and the digits CNN at 0.1 x;
* **noisy** (a regression whose batch loss carries the targets' noise): a linear model on
  heavy-tailed (Student-t, 2 degrees of freedom) targets at batch 4, an MLP on the same at batch 8,
  a matrix factorisation (small-initialised embeddings: the saddle at zero) on noisy ratings.

None is registered in :mod:`lrkit.zoo` (every zoo figure stays as it is); each is an
:class:`lrkit.zoo.ArrayWorkload` on a fixed, seeded split, so ``train``, the Autopilot and the grid take
it as they take a zoo workload. :data:`CANDIDATES` lists them all; which of them have a no-valley ramp is
measured (the benchmark's part one), not assumed.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from lrkit.zoo import ArrayWorkload, DigitCNN, tabular_set

__all__ = ["CANDIDATES", "candidate", "names"]

Tensors = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def _split(x: np.ndarray, y: np.ndarray, n_val: int, classes: bool) -> Tensors:
    xt = torch.tensor(x, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.int64) if classes else torch.tensor(y, dtype=torch.float32)
    return xt[n_val:], yt[n_val:], xt[:n_val], yt[:n_val]


@functools.lru_cache(maxsize=None)
def parity(n: int = 16, k: int = 3, rows: int = 5000, n_val: int = 1000) -> Tensors:
    """Sparse parity: ``x`` uniform in ``{-1, 1}^n``, the label the product of its first ``k`` bits."""
    rng = np.random.default_rng(31)
    x = rng.choice([-1.0, 1.0], size=(rows, n))
    y = (np.prod(x[:, :k], axis=1) > 0).astype(np.int64)
    return _split(x, y, n_val, True)


@functools.lru_cache(maxsize=None)
def spirals(rows: int = 2000, n_val: int = 500, turns: float = 1.5, noise: float = 0.05) -> Tensors:
    """Two interleaved spirals in the plane (two classes)."""
    rng = np.random.default_rng(37)
    t = np.sqrt(rng.uniform(0, 1, rows)) * turns * 2 * math.pi
    c = rng.integers(0, 2, rows)
    sign = np.where(c == 0, 1.0, -1.0)
    x = np.stack([sign * t * np.cos(t), sign * t * np.sin(t)], axis=1) / (turns * 2 * math.pi)
    x = x + noise * rng.standard_normal(x.shape)
    return _split(x, c.astype(np.int64), n_val, True)


@functools.lru_cache(maxsize=None)
def classes10() -> Tensors:
    """A 10-class ``make_classification`` (3,000 x 40, 20 informative), z-scored; a split of its own."""
    from sklearn.datasets import make_classification

    x, y = make_classification(3000, 40, n_informative=20, n_redundant=2, n_classes=10,
                               n_clusters_per_class=2, class_sep=1.0, flip_y=0.02, random_state=41)
    x = (x - x.mean(0)) / x.std(0)
    return _split(x, y, 600, True)


@functools.lru_cache(maxsize=None)
def digit_images() -> Tensors:
    """scikit-learn's 8x8 digits as ``1x8x8`` images in [0, 1], a fixed 80/20 shuffle."""
    from sklearn.datasets import load_digits

    d = load_digits()
    order = np.random.default_rng(43).permutation(len(d.target))
    x = (d.images[order] / 16.0)[:, None]
    return _split(x, d.target[order], 360, True)


@functools.lru_cache(maxsize=None)
def digit_vectors() -> Tensors:
    """:func:`digit_images` flattened to 64 features (the same split)."""
    x, y, xv, yv = digit_images()
    return x.reshape(len(x), -1), y, xv.reshape(len(xv), -1), yv


@functools.lru_cache(maxsize=None)
def blobs() -> Tensors:
    """The zoo's ``blobs-clf`` table (``lrkit.zoo.tabular_set``: 1,200 x 20, 4 classes), z-scored, a
    fixed 80/20 shuffle of its own."""
    x, y = tabular_set("blobs-clf")
    order = np.random.default_rng(61).permutation(len(y))
    x = x[order]
    return _split((x - x.mean(0)) / x.std(0), y[order], 240, True)


@functools.lru_cache(maxsize=None)
def heavy_tail(features: int = 20, rows: int = 3000, n_val: int = 600, nonlinear: bool = False) -> Tensors:
    """Targets with Student-t (2 degrees of freedom) noise in training, clean in validation.

    ``y = w.x`` (or ``sin(w.x) + 0.5 (v.x)^2 / d`` when ``nonlinear``), z-scored, plus ``0.5 t_2`` noise
    on the training rows only: the batch loss is dominated by the noise's rare large draws.
    """
    rng = np.random.default_rng(47 + nonlinear)
    x = rng.standard_normal((rows, features))
    w = rng.standard_normal(features) / math.sqrt(features)
    y = x @ w
    if nonlinear:
        v = rng.standard_normal(features) / math.sqrt(features)
        y = np.sin(2 * y) + (x @ v) ** 2
    y = (y - y.mean()) / y.std()
    y[n_val:] += 0.5 * rng.standard_t(2, size=rows - n_val)
    return _split(x, y[:, None], n_val, False)


@functools.lru_cache(maxsize=None)
def ratings(users: int = 300, items: int = 300, rank: int = 4, rows: int = 12000,
            n_val: int = 2000) -> Tensors:
    """Noisy low-rank ratings: ``(user, item)`` index pairs (as floats), ``u.v + N(0, 0.5^2)``."""
    rng = np.random.default_rng(53)
    u = rng.standard_normal((users, rank)) / rank ** 0.25
    v = rng.standard_normal((items, rank)) / rank ** 0.25
    i, j = rng.integers(0, users, rows), rng.integers(0, items, rows)
    y = (u[i] * v[j]).sum(1) + 0.5 * rng.standard_normal(rows)
    return _split(np.stack([i, j], 1).astype(np.float64), y[:, None], n_val, False)


class _Scaled(nn.Module):
    """A module whose parameters are multiplied by ``scale`` at construction (a small initialisation)."""

    def __init__(self, inner: nn.Module, scale: float) -> None:
        super().__init__()
        self.inner = inner
        with torch.no_grad():
            for p in inner.parameters():
                p.mul_(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x)


def _stack(sizes: tuple[int, ...], act: Callable[[], nn.Module] | None) -> nn.Sequential:
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-2], sizes[1:-1]):
        layers += [nn.Linear(a, b)] + ([act()] if act is not None else [])
    return nn.Sequential(*layers, nn.Linear(sizes[-2], sizes[-1]))


class _SigmoidCNN(nn.Module):
    """``DigitCNN``'s layout with sigmoid activations (conv 1->16, conv 16->32, pool, 512->64->10)."""

    def __init__(self) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.Sigmoid(), nn.Conv2d(16, 32, 3, padding=1), nn.Sigmoid(),
            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(512, 64), nn.Sigmoid(), nn.Linear(64, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class _Factors(nn.Module):
    """Matrix factorisation: user and item embeddings (``dim``), their dot product, at ``scale`` x N(0, 1)."""

    def __init__(self, users: int = 300, items: int = 300, dim: int = 16, scale: float = 0.01) -> None:
        super().__init__()
        self.u, self.v = nn.Embedding(users, dim), nn.Embedding(items, dim)
        with torch.no_grad():
            self.u.weight.mul_(scale)
            self.v.weight.mul_(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        i, j = x[:, 0].long(), x[:, 1].long()
        return (self.u(i) * self.v(j)).sum(1, keepdim=True)


_p = functools.partial
_CLS = dict(loss="cross_entropy", metric="val_acc")
_REG = dict(loss="mse", metric="val_mse")

#: Every candidate: name -> (expected ramp, workload). The ramp is what it was built for; part one of the
#: benchmark measures what the Autopilot's probe reads.
CANDIDATES: dict[str, tuple[str, ArrayWorkload]] = {w.name: (ramp, w) for ramp, w in [
    ("quiet", ArrayWorkload(
        "parity-mlp-adam", family="parity", summary="ReLU MLP 16-256-2 on 3-sparse parity of 16 bits, Adam",
        data="x in {-1,1}^16, label the product of 3 bits, 4000 rows", arrays=parity,
        model=_p(_stack, (16, 256, 2), nn.ReLU), optimizer="adam", batch_size=64, budget=800, **_CLS)),
    ("quiet", ArrayWorkload(
        "parity-mlp-momentum", family="parity", summary="ReLU MLP 16-256-2 on 3-sparse parity, SGD momentum",
        data="x in {-1,1}^16, label the product of 3 bits, 4000 rows", arrays=parity,
        model=_p(_stack, (16, 256, 2), nn.ReLU), optimizer="sgd", batch_size=64, budget=800, **_CLS)),
    ("quiet", ArrayWorkload(
        "sigmoid-deep8-momentum", family="sigmoid-mlp",
        summary="8 hidden sigmoid layers of 64, SGD momentum (vanishing gradients)",
        data="make_classification 3000x40, 10 classes", arrays=classes10,
        model=_p(_stack, (40, *(64,) * 8, 10), nn.Sigmoid), optimizer="sgd", batch_size=64, budget=800,
        **_CLS)),
    ("quiet", ArrayWorkload(
        "spirals-smallinit-sgd", family="small-init-mlp",
        summary="tanh MLP 2-64-64-2 at 0.05 x torch's init on two spirals, plain SGD",
        data="two spirals, 1.5 turns, 1500 rows", arrays=spirals,
        model=lambda: _Scaled(_stack((2, 64, 64, 2), nn.Tanh), 0.05), optimizer="sgd-plain", batch_size=32,
        budget=1000, **_CLS)),
    ("quiet", ArrayWorkload(
        "cnn-sigmoid-sgd", family="sigmoid-cnn", summary="sigmoid CNN on 8x8 digits, plain SGD",
        data="sklearn digits / 16, 1437 rows", arrays=digit_images, model=_SigmoidCNN, optimizer="sgd-plain",
        batch_size=32, budget=800, **_CLS)),
    ("quiet", ArrayWorkload(
        "deep-linear-smallinit-sgd", family="deep-linear",
        summary="6 linear layers of 64 at 0.3 x torch's init (a saddle at zero), SGD momentum",
        data="make_classification 3000x40, 10 classes", arrays=classes10,
        model=lambda: _Scaled(_stack((40, *(64,) * 5, 10), None), 0.3), optimizer="sgd", batch_size=64,
        budget=600, **_CLS)),
    ("quiet", ArrayWorkload(
        "deep-linear-smallinit-adam", family="deep-linear",
        summary="6 linear layers of 64 at 0.3 x torch's init (a saddle at zero), Adam",
        data="make_classification 3000x40, 10 classes", arrays=classes10,
        model=lambda: _Scaled(_stack((40, *(64,) * 5, 10), None), 0.3), optimizer="adam", batch_size=64,
        budget=600, **_CLS)),
    ("quiet", ArrayWorkload(
        "sigmoid-deep8-adam", family="sigmoid-mlp",
        summary="8 hidden sigmoid layers of 64, Adam (vanishing gradients)",
        data="make_classification 3000x40, 10 classes", arrays=classes10,
        model=_p(_stack, (40, *(64,) * 8, 10), nn.Sigmoid), optimizer="adam", batch_size=64, budget=800,
        **_CLS)),
    ("quiet", ArrayWorkload(
        "parity-smallinit-momentum", family="parity",
        summary="ReLU MLP 16-256-2 at 0.3 x torch's init on 3-sparse parity, SGD momentum",
        data="x in {-1,1}^16, label the product of 3 bits, 4000 rows", arrays=parity,
        model=lambda: _Scaled(_stack((16, 256, 2), nn.ReLU), 0.3), optimizer="sgd", batch_size=64,
        budget=800, **_CLS)),
    ("quiet", ArrayWorkload(
        "cnn-sigmoid-momentum", family="sigmoid-cnn", summary="sigmoid CNN on 8x8 digits, SGD momentum",
        data="sklearn digits / 16, 1437 rows", arrays=digit_images, model=_SigmoidCNN, optimizer="sgd",
        batch_size=32, budget=800, **_CLS)),
    ("quiet", ArrayWorkload(
        "cnn-smallinit-momentum", family="small-init-cnn",
        summary="ReLU DigitCNN at 0.2 x torch's init on 8x8 digits, SGD momentum",
        data="sklearn digits / 16, 1437 rows", arrays=digit_images,
        model=lambda: _Scaled(DigitCNN(10), 0.2), optimizer="sgd", batch_size=32, budget=800, **_CLS)),
    ("noisy", ArrayWorkload(
        "heavytail-linear-adam", family="heavy-tail",
        summary="nn.Linear(20, 1) on Student-t(2) noisy targets, MSE, Adam, batch 4",
        data="linear target + 0.5 t_2 noise (training), clean validation, 2400 rows", arrays=heavy_tail,
        model=_p(nn.Linear, 20, 1), optimizer="adam", batch_size=4, budget=1500, **_REG)),
    ("noisy", ArrayWorkload(
        "recsys-factors-momentum", family="recsys",
        summary="matrix factorisation, 16-dim embeddings at 0.01 x N(0,1), MSE, SGD momentum, batch 16",
        data="300 x 300 rank-4 ratings + N(0, 0.25) noise, 10000 rows", arrays=ratings, model=_Factors,
        optimizer="sgd", batch_size=16, budget=1500, **_REG)),
    ("noisy", ArrayWorkload(
        "recsys-factors-adam", family="recsys",
        summary="matrix factorisation, 16-dim embeddings at 0.01 x N(0,1), MSE, Adam, batch 16",
        data="300 x 300 rank-4 ratings + N(0, 0.25) noise, 10000 rows", arrays=ratings, model=_Factors,
        optimizer="adam", batch_size=16, budget=1500, **_REG)),
    ("quiet", ArrayWorkload(
        "deep-linear-smallinit-plain", family="deep-linear",
        summary="6 linear layers of 64 at 0.3 x torch's init (a saddle at zero), plain SGD",
        data="make_classification 3000x40, 10 classes", arrays=classes10,
        model=lambda: _Scaled(_stack((40, *(64,) * 5, 10), None), 0.3), optimizer="sgd-plain", batch_size=64,
        budget=600, **_CLS)),
    ("quiet", ArrayWorkload(
        "cnn-smallinit-plain", family="small-init-cnn",
        summary="ReLU DigitCNN at 0.2 x torch's init on 8x8 digits, plain SGD",
        data="sklearn digits / 16, 1437 rows", arrays=digit_images,
        model=lambda: _Scaled(DigitCNN(10), 0.2), optimizer="sgd-plain", batch_size=32, budget=800, **_CLS)),
    ("quiet", ArrayWorkload(
        "tanh-smallinit-momentum", family="small-init-mlp",
        summary="tanh MLP 40-128-128-10 at 0.1 x torch's init, SGD momentum",
        data="make_classification 3000x40, 10 classes", arrays=classes10,
        model=lambda: _Scaled(_stack((40, 128, 128, 10), nn.Tanh), 0.1), optimizer="sgd", batch_size=64,
        budget=600, **_CLS)),
    ("noisy", ArrayWorkload(
        "heavytail-linear-sgd", family="heavy-tail",
        summary="nn.Linear(20, 1) on Student-t(2) noisy targets, MSE, plain SGD, batch 4",
        data="linear target + 0.5 t_2 noise (training), clean validation, 2400 rows", arrays=heavy_tail,
        model=_p(nn.Linear, 20, 1), optimizer="sgd-plain", batch_size=4, budget=1500, **_REG)),
    ("noisy", ArrayWorkload(
        "heavytail-mlp-momentum", family="heavy-tail",
        summary="ReLU MLP 20-64-1 on Student-t(2) noisy nonlinear targets, MSE, SGD momentum, batch 8",
        data="nonlinear target + 0.5 t_2 noise (training), clean validation, 2400 rows",
        arrays=_p(heavy_tail, nonlinear=True), model=_p(_stack, (20, 64, 1), nn.ReLU), optimizer="sgd",
        batch_size=8, budget=1000, **_REG)),
    ("noisy", ArrayWorkload(
        "recsys-factors-sgd", family="recsys",
        summary="matrix factorisation, 16-dim embeddings at 0.01 x N(0,1), MSE, plain SGD, batch 16",
        data="300 x 300 rank-4 ratings + N(0, 0.25) noise, 10000 rows", arrays=ratings, model=_Factors,
        optimizer="sgd-plain", batch_size=16, budget=1500, **_REG)),
    ("noisy", ArrayWorkload(
        "recsys-factors-adagrad", family="recsys",
        summary="matrix factorisation, 16-dim embeddings at 0.01 x N(0,1), MSE, Adagrad, batch 16",
        data="300 x 300 rank-4 ratings + N(0, 0.25) noise, 10000 rows", arrays=ratings, model=_Factors,
        optimizer="adagrad", batch_size=16, budget=1500, **_REG)),
    ("quiet", ArrayWorkload(
        "sigmoid-deep3-plain", family="sigmoid-mlp",
        summary="3 hidden sigmoid layers of 64 on 8x8 digits as 64 features, plain SGD",
        data="sklearn digits / 16, 1437 rows", arrays=digit_vectors,
        model=_p(_stack, (64, 64, 64, 64, 10), nn.Sigmoid), optimizer="sgd-plain", batch_size=32, budget=800,
        **_CLS)),
    ("quiet", ArrayWorkload(
        "sigmoid-deep4-momentum", family="sigmoid-mlp",
        summary="4 hidden sigmoid layers of 64 on 8x8 digits as 64 features, SGD momentum",
        data="sklearn digits / 16, 1437 rows", arrays=digit_vectors,
        model=_p(_stack, (64, 64, 64, 64, 64, 10), nn.Sigmoid), optimizer="sgd", batch_size=32, budget=800,
        **_CLS)),
    ("quiet", ArrayWorkload(
        "sigmoid-blobs4-plain", family="sigmoid-mlp",
        summary="4 hidden sigmoid layers of 64 on a 4-class table, plain SGD",
        data="the zoo's blobs-clf table, z-scored, 960 rows", arrays=blobs,
        model=_p(_stack, (20, 64, 64, 64, 64, 4), nn.Sigmoid), optimizer="sgd-plain", batch_size=32,
        budget=800, **_CLS)),
    ("quiet", ArrayWorkload(
        "relu-smallinit-digits-momentum", family="small-init-mlp",
        summary="ReLU MLP 64-128-128-128-10 at 0.2 x torch's init on 8x8 digits, SGD momentum",
        data="sklearn digits / 16, 1437 rows", arrays=digit_vectors,
        model=lambda: _Scaled(_stack((64, 128, 128, 128, 10), nn.ReLU), 0.2), optimizer="sgd",
        batch_size=32, budget=600, **_CLS)),
    ("quiet", ArrayWorkload(
        "relu-smallinit-blobs-momentum", family="small-init-mlp",
        summary="ReLU MLP 20-128-128-128-4 at 0.2 x torch's init on a 4-class table, SGD momentum",
        data="the zoo's blobs-clf table, z-scored, 960 rows", arrays=blobs,
        model=lambda: _Scaled(_stack((20, 128, 128, 128, 4), nn.ReLU), 0.2), optimizer="sgd",
        batch_size=32, budget=600, **_CLS)),
    ("quiet", ArrayWorkload(
        "cnn-tinyinit-momentum", family="small-init-cnn",
        summary="ReLU DigitCNN at 0.1 x torch's init on 8x8 digits, SGD momentum",
        data="sklearn digits / 16, 1437 rows", arrays=digit_images,
        model=lambda: _Scaled(DigitCNN(10), 0.1), optimizer="sgd", batch_size=32, budget=800, **_CLS)),
]}


def names() -> list[str]:
    """The candidates' names, in :data:`CANDIDATES`' order."""
    return list(CANDIDATES)


def candidate(name: str) -> ArrayWorkload:
    """The workload ``name`` of :data:`CANDIDATES`."""
    return CANDIDATES[name][1]
