"""Nine workloads outside the zoo, written as a new user writes a task script (the ux probe's).

Each ``NAME(seed) -> dict`` follows the task protocol (``model``, ``optimizer``, ``loss_fn``,
``train_loader``, ``val_loader``), so ``find_lr``, ``lrkit find --script`` and ``lrkit.tasks.train``
run on it. They are held out from every choice of the finder's rules (the zoo is where rules are
chosen); ``dev.finder_probe`` measures how far ``find_lr``'s suggestion lands from each one's
grid-best rate. Data from scikit-learn's generators and bundled sets only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.datasets import (load_breast_cancer, load_linnerud, load_wine, make_friedman1, make_moons,
                              make_regression)
from sklearn.preprocessing import StandardScaler
from torch import nn

__all__ = ["WORKLOADS"]


def _split(x: Any, y: Any, batch: int, seed: int, frac: float = 0.8) -> tuple[list, list]:
    """Shuffle with ``seed``, cut into batches, the first ``frac`` of them to train."""
    idx = np.random.default_rng(seed).permutation(len(x))
    x, y = x[idx], y[idx]
    b = [(x[i:i + batch], y[i:i + batch]) for i in range(0, len(x), batch)]
    k = max(1, int(len(b) * frac))
    return b[:k], b[k:]


def _scaled(x: np.ndarray) -> torch.Tensor:
    return torch.tensor(StandardScaler().fit_transform(x), dtype=torch.float32)


def _task(model: nn.Module, opt: torch.optim.Optimizer, loss: Any, x: Any, y: Any, batch: int,
          seed: int) -> dict[str, Any]:
    tr, va = _split(x, y, batch, seed)
    return {"model": model, "optimizer": opt, "loss_fn": loss, "train_loader": tr, "val_loader": va}


def cnn1d(seed: int = 0) -> dict[str, Any]:
    """A BatchNorm 1-D CNN on noisy sine frequencies (4 classes), Adam."""
    g = torch.Generator().manual_seed(seed)
    n, length = 1024, 64
    f = torch.randint(0, 4, (n,), generator=g)
    t = torch.arange(length).float()
    phase = torch.rand(n, 1, generator=g) * 6.28
    noise = 0.5 * torch.randn(n, length, generator=g)
    x = torch.sin(2 * np.pi * (f[:, None] + 1) * t / length + phase) + noise
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Conv1d(1, 8, 5, padding=2), nn.BatchNorm1d(8), nn.ReLU(), nn.MaxPool1d(2),
                      nn.Conv1d(8, 8, 5, padding=2), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(),
                      nn.Linear(8, 4))
    return _task(m, torch.optim.Adam(m.parameters(), lr=1e-3), nn.CrossEntropyLoss(), x[:, None, :], f, 32,
                 seed)


def wide_mlp(seed: int = 0) -> dict[str, Any]:
    """A wide dropout MLP on breast cancer, AdamW with weight decay 0.1, batch 16."""
    x, y = load_breast_cancer(return_X_y=True)
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Linear(30, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 2))
    opt = torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=0.1)
    return _task(m, opt, nn.CrossEntropyLoss(), _scaled(x), torch.tensor(y), 16, seed)


def multi_l1(seed: int = 0) -> dict[str, Any]:
    """A tanh MLP on a 3-target linear regression, L1 loss, SGD with momentum 0.9."""
    x, y = make_regression(n_samples=800, n_features=10, n_targets=3, noise=5.0, random_state=seed)
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 3))
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
    return _task(m, opt, nn.L1Loss(), torch.tensor(x, dtype=torch.float32),
                 torch.tensor(y / y.std(0), dtype=torch.float32), 32, seed)


def linnerud(seed: int = 0) -> dict[str, Any]:
    """A linear model on linnerud (20 rows), L1 loss, plain SGD, batch 4."""
    x, y = load_linnerud(return_X_y=True)
    torch.manual_seed(seed)
    m = nn.Linear(3, 3)
    return _task(m, torch.optim.SGD(m.parameters(), lr=0.01), nn.L1Loss(), _scaled(x), _scaled(y), 4, seed)


def moons(seed: int = 0) -> dict[str, Any]:
    """A ReLU MLP 2-16-2 on make_moons, plain SGD, batch 32."""
    x, y = make_moons(n_samples=600, noise=0.2, random_state=seed)
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    return _task(m, torch.optim.SGD(m.parameters(), lr=0.1), nn.CrossEntropyLoss(),
                 torch.tensor(x, dtype=torch.float32), torch.tensor(y), 32, seed)


def friedman_betas(seed: int = 0) -> dict[str, Any]:
    """A GELU MLP 10-64-1 on Friedman #1 (z-scored target), MSE, Adam with betas (0.5, 0.9)."""
    x, y = make_friedman1(n_samples=1000, random_state=seed)
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Linear(10, 64), nn.GELU(), nn.Linear(64, 1), nn.Flatten(0))
    opt = torch.optim.Adam(m.parameters(), lr=1e-3, betas=(0.5, 0.9))
    return _task(m, opt, nn.MSELoss(), torch.tensor(x, dtype=torch.float32),
                 torch.tensor((y - y.mean()) / y.std(), dtype=torch.float32), 64, seed)


def dataloader(seed: int = 0) -> dict[str, Any]:
    """An MLP on wine from a shuffling ``DataLoader``, RMSprop, batch 16."""
    x, y = load_wine(return_X_y=True)
    ds = torch.utils.data.TensorDataset(_scaled(x), torch.tensor(y))
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Linear(13, 16), nn.ReLU(), nn.Linear(16, 3))
    return {"model": m, "optimizer": torch.optim.RMSprop(m.parameters(), lr=1e-3),
            "loss_fn": nn.CrossEntropyLoss(),
            "train_loader": torch.utils.data.DataLoader(ds, batch_size=16, shuffle=True, generator=g),
            "val_loader": torch.utils.data.DataLoader(ds, batch_size=64)}


class _Gauss(nn.Module):
    """Mean and variance heads (softplus) of a heteroscedastic regression."""

    def __init__(self) -> None:
        super().__init__()
        self.f = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        o = self.f(x)
        return torch.stack([o[:, 0], nn.functional.softplus(o[:, 1]) + 1e-4], 1)


def gauss_nll(seed: int = 0) -> dict[str, Any]:
    """A Gaussian negative log-likelihood (mean and variance) on Friedman #1, Adam."""
    x, y = make_friedman1(n_samples=1000, noise=0.1, random_state=seed)
    torch.manual_seed(seed)
    m = _Gauss()
    nll = nn.GaussianNLLLoss(full=True)
    return _task(m, torch.optim.Adam(m.parameters(), lr=1e-3), lambda out, t: nll(out[:, 0], t, out[:, 1]),
                 torch.tensor(x, dtype=torch.float32),
                 torch.tensor((y - y.mean()) / y.std(), dtype=torch.float32), 64, seed)


class _Frozen(nn.Module):
    """A frozen first layer, a trained body and head (two param groups)."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Sequential(nn.Linear(13, 32), nn.ReLU())
        for p in self.emb.parameters():
            p.requires_grad_(False)
        self.body = nn.Sequential(nn.Linear(32, 32), nn.ReLU())
        self.head = nn.Linear(32, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(self.emb(x)))


def frozen(seed: int = 0) -> dict[str, Any]:
    """Wine with a frozen first layer and two param groups (body 0.01, head 0.1), SGD momentum 0.9."""
    x, y = load_wine(return_X_y=True)
    torch.manual_seed(seed)
    m = _Frozen()
    opt = torch.optim.SGD([{"params": m.body.parameters(), "lr": 0.01},
                           {"params": m.head.parameters(), "lr": 0.1}], lr=0.05, momentum=0.9)
    return _task(m, opt, nn.CrossEntropyLoss(), _scaled(x), torch.tensor(y), 16, seed)


#: name -> build(seed), in the probe's order.
WORKLOADS = {f.__name__: f for f in (cnn1d, wide_mlp, multi_l1, linnerud, moons, friedman_betas, dataloader,
                                     gauss_nll, frozen)}
