"""The finder's development set: tabular workloads that are NOT the built-in tasks, their grids and sweeps.

Rules are chosen here, never on ``finder_regret.py``'s configurations (those are the
held-out evidence). Each workload is a small sklearn data set with an MLP trained by
one of five optimizers (SGD, SGD+momentum 0.9, Adam, AdamW, RMSprop):

1. **Ground truth**: a log grid of 11 rates (1e-4.5 .. 10^0.5, half-decade steps), 2 seeds,
   two budgets (300 steps, and 1500 to reach the noise floor); metric = validation accuracy
   (classification) or minus the validation MSE on a standardized target (regression),
   higher is better.
2. **Sweeps**: one ``lrkit.torch.find_lr`` range test per seed (1e-7 .. 10, 100 rates,
   the same sweep as ``finder_regret.py``); its raw ``(lrs, losses)`` are stored.
3. **Offline scoring** (a proxy, documented in ``docs/evidence.md``): every candidate
   rule is applied to the stored sweeps; a suggestion is scored by the grid's mean
   metric linearly interpolated in log-lr (clamped to the grid's ends), and its
   regret is the grid-best mean minus that score. No training run at the suggested
   rate is made, so the proxy cannot see structure finer than half a decade.

    nice .venv/bin/python benchmarks/finder_dev.py          # cached in results/finder_dev.json

This module is the workload set (``WORKLOADS``, ``SEEDS``, ``GRID``, ``parts``, ``train``, ``evaluate``,
``sweep``, the cache); ``benchmarks/finder_dev.py`` asks the question (which rule) of it.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from lrkit import zoo
from lrkit.finder import FinderPolicy, Sweep, suggest
from lrkit.torch import find_lr

CACHE = Path(__file__).resolve().parents[1] / "results" / "finder_dev.json"
GRID = tuple(float(10.0**e) for e in np.arange(-4.5, 0.51, 0.5))
SEEDS = (0, 1)
BUDGETS = (300, 1500)  # optimizer steps per training run: short, and long enough to reach the noise floor
BATCH = 32
SWEEP = Sweep(start=1e-7, end=10.0, num_steps=100)
OPTIMIZERS = ("sgd", "momentum", "adam", "adamw", "rmsprop")
ADAPTIVE = {"adam", "adamw", "rmsprop"}
DATASETS = zoo.TABULAR_SETS
WORKLOADS = tuple((name, opt) for name in DATASETS for opt in OPTIMIZERS)


def _data(name: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """(x_train, y_train, x_val, y_val, is_classification) of the zoo's tabular set ``name``
    (:func:`lrkit.zoo.tabular_set`), standardized, split 75/25 by ``seed``.

    The zoo's tabular workloads split each set once (stratified); here every seed has its own split
    (and the regression target is z-scored over all rows), as the cached ground truth in
    ``results/finder_dev.json`` and the caches built on it were measured.
    """
    x, y = zoo.tabular_set(name)
    clf = name != "friedman"
    if not clf:
        y = (y - y.mean()) / y.std()
    idx = np.random.default_rng(seed).permutation(len(x))
    cut = int(0.75 * len(x))
    x = (x - x[idx[:cut]].mean(0)) / (x[idx[:cut]].std(0) + 1e-12)
    return x[idx[:cut]], y[idx[:cut]], x[idx[cut:]], y[idx[cut:]], clf


def make_optimizer(name: str, params: Any) -> torch.optim.Optimizer:
    """One of :data:`OPTIMIZERS` (rate 1e-3, overwritten by every caller) over ``params``."""
    return {
        "sgd": lambda: torch.optim.SGD(params, lr=1e-3),
        "momentum": lambda: torch.optim.SGD(params, lr=1e-3, momentum=0.9),
        "adam": lambda: torch.optim.Adam(params, lr=1e-3),
        "adamw": lambda: torch.optim.AdamW(params, lr=1e-3, weight_decay=0.01),
        "rmsprop": lambda: torch.optim.RMSprop(params, lr=1e-3),
    }[name]()


def parts(name: str, opt: str, seed: int) -> dict[str, Any]:
    """The workload ``name`` with optimizer ``opt``, built for ``seed``.

    Returns the model, optimizer, loss, batches and validation batches.
    """
    xt, yt, xv, yv, clf = _data(name, seed)
    torch.manual_seed(seed)
    out = int(yt.max()) + 1 if clf else 1
    model = torch.nn.Sequential(torch.nn.Linear(xt.shape[1], 64), torch.nn.Tanh(), torch.nn.Linear(64, out))
    optimizer = make_optimizer(opt, model.parameters())
    tx = torch.tensor(xt, dtype=torch.float32)
    ty = torch.tensor(yt, dtype=torch.long if clf else torch.float32)
    if not clf:
        ty = ty[:, None]
    gen = torch.Generator().manual_seed(seed)
    batches = [(tx[i], ty[i]) for i in torch.randperm(len(tx), generator=gen).split(BATCH) if len(i) == BATCH]
    loss_fn = torch.nn.functional.cross_entropy if clf else torch.nn.functional.mse_loss
    val = (torch.tensor(xv, dtype=torch.float32), torch.tensor(yv))
    return {"model": model, "optimizer": optimizer, "loss_fn": loss_fn, "batches": batches, "val": val,
            "clf": clf}


def train(name: str, opt: str, lr: float, seed: int, budget: int,
          build: Callable[[str, str, int], dict[str, Any]] | None = None) -> float:
    """The validation metric after ``budget`` steps at constant ``lr`` (higher is better).

    ``build(name, opt, seed)`` makes the workload (default :func:`parts`; ``finder_kind.py`` passes
    one with other optimizers)."""
    p = (build or parts)(name, opt, seed)
    train_constant(p, lr, budget)
    return evaluate(p)


def train_constant(p: dict[str, Any], lr: float, budget: int) -> bool:
    """``budget`` updates of ``p`` (a :func:`parts` dict) at constant ``lr``, its batches cycled;
    False when a loss was not finite (training stopped there, before that update)."""
    for g in p["optimizer"].param_groups:
        g["lr"] = lr
    model, batches = p["model"], p["batches"]
    for i in range(budget):
        xb, yb = batches[i % len(batches)]
        p["optimizer"].zero_grad()
        loss = p["loss_fn"](model(xb), yb)
        if not torch.isfinite(loss):
            return False
        loss.backward()
        p["optimizer"].step()
    return True


@torch.no_grad()
def evaluate(p: dict[str, Any]) -> float:
    """Validation accuracy in % (classification) or minus the MSE capped at 10 (regression)."""
    xv, yv = p["val"]
    out = p["model"](xv)
    if p["clf"]:
        return float((out.argmax(1) == yv).double().mean()) * 100.0 if torch.isfinite(out).all() else 0.0
    mse = float(((out[:, 0] - yv.float()) ** 2).mean())
    return -min(mse, 10.0) if np.isfinite(mse) else -10.0  # a blown-up run: a capped loss


def sweep(name: str, opt: str, seed: int,
          build: Callable[[str, str, int], dict[str, Any]] | None = None) -> tuple[list[float], list[float]]:
    """One range test (``find_lr``, :data:`SWEEP`) of the workload: its ``(lrs, losses)``."""
    p = (build or parts)(name, opt, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the loader is cycled
        res = find_lr(p["model"], p["optimizer"], p["loss_fn"], p["batches"], sweep=SWEEP)
    return [float(v) for v in res.lrs], [float(v) for v in res.losses]


def score(grid_mean: dict[float, float], lr: float | None, worst: float) -> float:
    """The grid's mean metric interpolated in log-lr at ``lr`` (clamped to the grid)."""
    if lr is None:
        return worst
    xs = np.log10(sorted(grid_mean))
    return float(np.interp(np.log10(lr), xs, [grid_mean[k] for k in sorted(grid_mean)]))


def key(name: str, opt: str, budget: int) -> str:
    return f"{name}/{opt}" if budget == BUDGETS[0] else f"{name}/{opt}@{budget}"


def ground_truth() -> dict[str, Any]:
    """The cache of grids (every budget) and sweeps (one per seed), computed where missing."""
    cache: dict[str, Any] = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    for budget in BUDGETS:
        for name, opt in WORKLOADS:
            k = key(name, opt, budget)
            if k in cache:
                continue
            cache[k] = {"grid": {str(lr): [train(name, opt, lr, s, budget) for s in SEEDS] for lr in GRID}}
            if budget == BUDGETS[0]:
                cache[k]["sweeps"] = [sweep(name, opt, s) for s in SEEDS]
            CACHE.write_text(json.dumps(cache))
            print("done", k, flush=True)
    return cache


def _registered(name: str, policy: FinderPolicy = FinderPolicy()):  # noqa: ANN202 - a rule factory
    return lambda lrs, losses: suggest(lrs, losses, name, policy=policy).lr


#: Candidate name -> ``(lrs, losses) -> lr``: the registered rules, and the default rule at
#: other edge weights ``w`` (a policy field, varied through the public ``policy=`` argument).
CANDIDATES = {
    "default (w=1/3)": _registered("default"),
    "falling": _registered("falling"),
    "w=1/6": _registered("default", FinderPolicy(edge_weight=1 / 6)),
    "w=1/2": _registered("default", FinderPolicy(edge_weight=0.5)),
    "valley": _registered("valley"),
    "steepest": _registered("steepest"),
    "minimum/10": _registered("minimum/10"),
}
