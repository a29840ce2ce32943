"""Three workloads outside the zoo where ``find_lr`` missed (the session-6 new-user probe's), as task scripts.

* ``huber_tanh``: a tanh MLP 10-64-64-1 on Friedman #1 (noise 1, z-scored target), Huber loss, SGD
  momentum 0.9, batch 64. Its sweep sits on a flat plateau for decades and falls only about a decade
  under the blow-up, with a weak signal (3-5 noise SDs); its best peak rate is near the blow-up.
* ``huber_tanh_groups``: the same with three parameter groups (the first layer at a tenth, no decay on
  biases), as a user splits them.
* ``embbag_adam``: an EmbeddingBag topic classifier on synthetic token bags, Adam, batch 64: the rate best
  on the training loss overfits (the validation loss is worse at it).

``NAME(seed) -> dict`` follows the task protocol, so ``find_lr`` and ``lrkit.tasks.train`` run on it.
Held out from every choice of the finder's rules; ``benchmarks/finder_plateau.py`` measures them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.datasets import make_friedman1
from torch import nn

__all__ = ["WORKLOADS"]


def _batches(x: torch.Tensor, y: torch.Tensor, batch: int, seed: int) -> list[tuple[torch.Tensor, ...]]:
    idx = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    return [(x[idx[i:i + batch]], y[idx[i:i + batch]]) for i in range(0, len(x) - batch + 1, batch)]


def _friedman() -> tuple[torch.Tensor, ...]:
    x, y = make_friedman1(n_samples=2000, noise=1.0, random_state=0)
    y = (y - y.mean()) / y.std()
    p = np.random.default_rng(0).permutation(len(x))
    x, y = torch.tensor(x[p], dtype=torch.float32), torch.tensor(y[p], dtype=torch.float32)
    return x[:1600], y[:1600], x[1600:], y[1600:]


def huber_tanh(seed: int = 0) -> dict[str, Any]:
    """A tanh MLP 10-64-64-1 on Friedman #1, Huber loss, SGD momentum 0.9, batch 64."""
    xt, yt, xv, yv = _friedman()
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Linear(10, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1),
                      nn.Flatten(0))
    return {"model": m, "optimizer": torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9),
            "loss_fn": nn.HuberLoss(delta=1.0), "train_loader": _batches(xt, yt, 64, seed),
            "val_loader": _batches(xv, yv, 200, 0)}


def huber_tanh_groups(seed: int = 0) -> dict[str, Any]:
    """:func:`huber_tanh` with three groups: the first layer at a tenth, decay on the other weights only."""
    parts = huber_tanh(seed)
    m = parts["model"]
    rest = [(n, p) for n, p in m.named_parameters() if not n.startswith("0.")]
    parts["optimizer"] = torch.optim.SGD([
        {"params": [p for n, p in rest if n.endswith("weight")], "lr": 0.01, "weight_decay": 1e-4},
        {"params": [p for n, p in rest if n.endswith("bias")], "lr": 0.01, "weight_decay": 0.0},
        {"params": list(m[0].parameters()), "lr": 0.001}], lr=0.01, momentum=0.9)
    return parts


class _Bag(nn.Module):
    def __init__(self, vocab: int = 500, dim: int = 32, classes: int = 4) -> None:
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.out = nn.Linear(dim, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.emb(x))


def embbag_adam(seed: int = 0) -> dict[str, Any]:
    """An EmbeddingBag topic classifier (bags of 20 tokens, 30% from the topic's band), Adam, batch 64."""
    rng = np.random.default_rng(0)
    n, vocab, length, classes = 4000, 500, 20, 4
    topic = rng.integers(0, classes, n)
    band = topic[:, None] * (vocab // classes) + rng.integers(0, vocab // classes, (n, length))
    toks = np.where(rng.random((n, length)) < 0.3, band, rng.integers(0, vocab, (n, length)))
    x, y = torch.tensor(toks).long(), torch.tensor(topic).long()
    torch.manual_seed(seed)
    m = _Bag()
    return {"model": m, "optimizer": torch.optim.Adam(m.parameters(), lr=1e-3),
            "loss_fn": nn.CrossEntropyLoss(), "train_loader": _batches(x[:3200], y[:3200], 64, seed),
            "val_loader": _batches(x[3200:], y[3200:], 200, 0)}


#: name -> build(seed).
WORKLOADS = {f.__name__: f for f in (huber_tanh, huber_tanh_groups, embbag_adam)}
