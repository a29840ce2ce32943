"""Sequence workloads for the Autopilot's development set: character language models that are NOT
the built-in ``charlm`` tasks.

``dev/finder_dev.py``'s 20 development workloads are all tabular MLPs; a rule chosen on them alone has
never seen a sequence model, whose loss curves differ (a fast "unigram" drop from ``ln V`` early on,
then slow learning; Adam's best rate far below the rate where a ramp blows up). These six are
built from other standard-library modules than ``charlm``'s and ``charlm-small``'s (disjoint text),
and from three model families, each with two optimizers:

* ``gru``: a GRU character LM (embedding 32, hidden 96, context 32), Adam and SGD + momentum 0.9;
* ``tfm``: a 2-layer transformer (``lrkit.tasks.CharLM``, width 48, 4 heads, context 48) of
  another size than ``charlm``'s, Adam and AdamW;
* ``nplm``: Bengio et al.'s neural probabilistic LM (an MLP on the previous 8 characters'
  embeddings, loss on the next one only: a noisy loss), Adam and plain SGD.

Batches of 16 windows, 300 per seed (cycled); the metric is minus the validation cross-entropy
(nats per character, capped at 10 so a blown-up run scores -10), higher is better.
The interface is ``dev.finder_dev``'s (``SEEDS``, ``GRID``, ``WORKLOADS``, ``train``, ``parts``,
``evaluate``), so ``no_tuning.py --dev`` runs both families through the same code::

    nice .venv/bin/python benchmarks/no_tuning.py --dev
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from dev.finder_dev import GRID, SEEDS, make_optimizer, train_constant  # noqa: F401  (shared)

from lrkit.tasks import CharLM, WindowLoader, load_corpus, lm_loss
from lrkit.zoo import GRULM, NPLM

#: Per model family: training and validation modules (none in charlm's or charlm-small's lists),
#: context length and the two optimizers.
SPECS: dict[str, dict[str, Any]] = {
    "gru": {"train": ("traceback", "selectors", "tempfile"), "val": ("glob",), "context": 32,
            "optimizers": ("adam", "momentum")},
    "tfm": {"train": ("locale", "gzip"), "val": ("types",), "context": 48, "optimizers": ("adam", "adamw")},
    "nplm": {"train": ("shutil", "pickle"), "val": ("reprlib", "stat"), "context": 8,
             "optimizers": ("adam", "sgd")},
}
WORKLOADS: tuple[tuple[str, str], ...] = tuple((n, o) for n, s in SPECS.items() for o in s["optimizers"])
BATCH, N_BATCHES, VAL_WINDOWS = 16, 300, 128


def _next_char_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(output, target[:, -1])  # NPLM predicts only the character after the window


def parts(name: str, opt: str, seed: int) -> dict[str, Any]:
    """The workload ``name`` with optimizer ``opt``, built for ``seed`` (``dev.finder_dev.parts``'s keys)."""
    spec = SPECS[name]
    corpus = load_corpus(spec["train"], spec["val"])
    vocab, ctx = len(corpus.vocab), spec["context"]
    torch.manual_seed(seed)
    model = {"gru": lambda: GRULM(vocab), "nplm": lambda: NPLM(vocab, ctx),
             "tfm": lambda: CharLM(vocab, d_model=48, n_layer=2, n_head=4, context=ctx)}[name]()
    optimizer = make_optimizer(opt, model.parameters())
    loader = WindowLoader(corpus.train, ctx, BATCH, shuffle=True, seed=seed)
    batches: list[Any] = []
    while len(batches) < N_BATCHES:
        batches.extend(loader)
    val = list(WindowLoader(corpus.val, ctx, 64, shuffle=False, max_windows=VAL_WINDOWS))
    return {"model": model, "optimizer": optimizer, "batches": batches[:N_BATCHES], "val": val,
            "loss_fn": _next_char_loss if name == "nplm" else lm_loss}


@torch.no_grad()
def evaluate(parts: dict[str, Any]) -> float:
    """Minus the mean validation loss (capped at 10 nats: a blown-up run scores -10)."""
    model = parts["model"]
    model.eval()
    loss = float(np.mean([float(parts["loss_fn"](model(x), y)) for x, y in parts["val"]]))
    model.train()
    return -min(loss, 10.0) if math.isfinite(loss) else -10.0


def train(name: str, opt: str, lr: float, seed: int, budget: int) -> float:
    """The validation metric after ``budget`` steps at constant ``lr`` (higher is better)."""
    torch.set_num_threads(1)
    p = parts(name, opt, seed)
    return evaluate(p) if train_constant(p, lr, budget) else -10.0  # a non-finite loss: blown up
