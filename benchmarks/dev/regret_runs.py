"""Runs of ``finder_regret.py``: each finder's suggestions on a task, and full training runs at them.

``lrkit_suggestions`` (``find_lr``, every registered rule from one sweep), ``torch_lr_finder_suggestion``
and ``lightning_suggestion`` (the peers as their documentation recommends, when installed; cached in
``results/finder_regret_peers.json``) and ``evaluate`` (the grid's ground truth and a full run at every
suggestion, cached in ``results/finder_regret_runs.json``) for one (task, optimizer) configuration.
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from typing import Any

import numpy as np
import torch

from dev.ground_truth import GRIDS, ROOT, best_lr, load_or_compute, log_grid
from dev.peers_common import quiet

from lrkit.finder import Sweep
from lrkit.tasks import get_task
from lrkit.torch import find_lr

PNG = ROOT / "benchmarks" / "results" / "finder_regret.png"
RUNS_CACHE = ROOT / "benchmarks" / "results" / "finder_regret_runs.json"
PEERS_CACHE = ROOT / "benchmarks" / "results" / "finder_regret_peers.json"
SWEEP = Sweep(start=1e-7, end=10.0, num_steps=100)
LRKIT_RULES = ("default", "falling", "steepest", "valley", "minimum/10")


def configs(full: bool) -> list[dict[str, Any]]:
    """(task, optimizer, grid, budget) of every configuration."""
    def cfg(task: str, optimizer: str | None = None, lrs: tuple[float, ...] | None = None,
            budget: int | None = None) -> dict[str, Any]:
        g = GRIDS[task]
        return {"task": task, "optimizer": optimizer or g.optimizer, "lrs": lrs or g.lrs,
                "budget": budget or g.budget}

    return [
        cfg("digits-mlp"),  # SGD with momentum 0.9, the task's default
        cfg("digits-mlp", "adam", log_grid(-5, 0)),
        cfg("digits-cnn"),  # Adam
        cfg("diabetes-linear"),  # nn.Linear + MSE, plain SGD (the primer's example)
        cfg("charlm", budget=get_task("charlm").info.budget if full else None),  # AdamW
    ]


# ---------------------------------------------------------------- the finders


def lrkit_suggestions(parts: dict[str, Any]) -> tuple[dict[str, float | None], int, float]:
    began = time.perf_counter()  # the whole call, as for the peers: snapshot, sweep, restore, rules, interval
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # loaders shorter than the sweep are cycled, as for every finder
        res = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                      sweep=SWEEP)
    wall = time.perf_counter() - began
    # "lrkit auto" is what find_lr returns by default: the rule picked by the optimizer's kind.
    chosen = {"lrkit auto": res.suggestion}
    return chosen | {f"lrkit {r}": res.suggestions.get(r) for r in LRKIT_RULES}, res.steps, wall


def torch_lr_finder_suggestion(parts: dict[str, Any]) -> tuple[float | None, int, float]:
    from torch_lr_finder import LRFinder, TrainDataLoaderIter

    from dev.plots import pyplot

    opt = parts["optimizer"]
    for g in opt.param_groups:
        g["lr"] = SWEEP.start  # torch-lr-finder starts from the optimizer's rate
    finder = LRFinder(parts["model"], opt, parts["loss_fn"], device="cpu")
    began = time.perf_counter()
    with quiet():
        finder.range_test(TrainDataLoaderIter(parts["train_loader"]), end_lr=SWEEP.end,
                          num_iter=SWEEP.num_steps, step_mode="exp")
    wall = time.perf_counter() - began
    plt = pyplot()
    fig, ax = plt.subplots()
    try:
        with quiet():
            out = finder.plot(ax=ax, suggest_lr=True)
        lr = out[1] if isinstance(out, tuple) else None
    except Exception:  # its suggestion raises on too-short curves
        lr = None
    plt.close(fig)
    return (float(lr) if lr is not None else None), len(finder.history["lr"]), wall


def lightning_suggestion(parts: dict[str, Any]) -> tuple[float | None, int, float]:
    import lightning as L
    from lightning.pytorch.tuner import Tuner

    model, opt, loss_fn = parts["model"], parts["optimizer"], parts["loss_fn"]
    batches = []
    while len(batches) < SWEEP.num_steps + 5:
        batches.extend(parts["train_loader"])

    class Module(L.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = model

        def training_step(self, batch: Any, _: int) -> torch.Tensor:
            return loss_fn(self.net(batch[0]), batch[1])

        def configure_optimizers(self) -> torch.optim.Optimizer:
            return opt

    loader = torch.utils.data.DataLoader(batches, batch_size=None, shuffle=False)
    with tempfile.TemporaryDirectory() as tmp, quiet():
        trainer = L.Trainer(accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                            enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp)
        began = time.perf_counter()
        found = Tuner(trainer).lr_find(Module(), train_dataloaders=loader, min_lr=SWEEP.start,
                                       max_lr=SWEEP.end, num_training=SWEEP.num_steps,
                                       update_attr=False)
        wall = time.perf_counter() - began
    lr = found.suggestion() if found is not None else None
    return (float(lr) if lr is not None else None), len(found.results["lr"]) if found else 0, wall


def peer_suggestion(
    name: str, fn: Any, task: str, optimizer: str, seed: int
) -> tuple[float | None, int, float]:
    """A peer's (suggestion, steps, wall time), cached: peers do not change between runs of this script."""
    import json

    cache = json.loads(PEERS_CACHE.read_text()) if PEERS_CACHE.exists() else {}
    k = f"{name}|{task}|{optimizer}|{seed}|{SWEEP.start:g}|{SWEEP.end:g}|{SWEEP.num_steps}"
    if k not in cache:
        torch.manual_seed(seed)
        cache = json.loads(PEERS_CACHE.read_text()) if PEERS_CACHE.exists() else {}
        cache[k] = list(fn(get_task(task).build(seed, optimizer=optimizer)))
        PEERS_CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
    lr, steps, wall = cache[k]
    return lr, int(steps), float(wall)


def available_peers() -> dict[str, Any]:
    peers: dict[str, Any] = {}
    try:
        import torch_lr_finder  # noqa: F401

        peers["torch-lr-finder"] = torch_lr_finder_suggestion
    except ImportError:
        print("note: torch-lr-finder not installed; skipped", file=sys.stderr)
    try:
        import lightning  # noqa: F401

        peers["lightning"] = lightning_suggestion
    except ImportError:
        print("note: lightning not installed; skipped", file=sys.stderr)
    return peers


# ---------------------------------------------------------------- regret


def evaluate(
    cfg: dict[str, Any], seeds: list[int], peers: dict[str, Any], *, suggest_only: bool = False
) -> dict[str, Any] | None:
    task, optimizer, budget = cfg["task"], cfg["optimizer"], cfg["budget"]
    suggested: dict[str, list[float | None]] = {}
    cost: dict[str, list[tuple[int, float]]] = {}
    for seed in seeds:
        parts = get_task(task).build(seed, optimizer=optimizer)
        sugg, steps, wall = lrkit_suggestions(parts)
        for name, lr in sugg.items():
            suggested.setdefault(name, []).append(lr)
            cost.setdefault(name, []).append((steps, wall))
        for name, fn in peers.items():
            lr, steps, wall = peer_suggestion(name, fn, task, optimizer, seed)
            suggested.setdefault(name, []).append(lr)
            cost.setdefault(name, []).append((steps, wall))
        line = ", ".join(f"{k}={v[-1]:.3g}" if v[-1] else f"{k}=None" for k, v in suggested.items())
        print(f"  {task}/{optimizer} seed {seed}: {line}", file=sys.stderr, flush=True)
    # Full runs at every suggested rate first: they do not need the grid, which may still be computing.
    runs = {}
    for name, lrs in suggested.items():
        for seed, lr in zip(seeds, lrs):
            if lr is not None:
                run = load_or_compute(task, optimizer, [lr], [seed], budget=budget, cache=RUNS_CACHE,
                                      verbose=False)
                runs[name, seed] = run[0]["metric"]
    if suggest_only:
        return None
    truth = load_or_compute(task, optimizer, cfg["lrs"], seeds, budget=budget)
    best, best_mean = best_lr(truth)
    hib = truth[0]["higher_is_better"]
    # One full run timed now, in this process: cached grid runs were timed under other loads.
    from dev.ground_truth import run_one

    full_wall = run_one(task, optimizer, best, seeds[0], budget)["wall_time"]
    worst = get_task(task).worst()[truth[0]["metric_name"]]
    rows = {}
    for name, lrs in suggested.items():
        metrics = [runs.get((name, seed), worst) for seed in seeds]
        mean = float(np.mean(metrics))
        regret = (best_mean - mean) * 100 if hib else mean - best_mean
        found = [v for v in lrs if v is not None]
        rows[name] = {
            "regret": regret,
            "lr": float(np.exp(np.mean(np.log(found)))) if found else None,
            "lr_min": min(found) if found else None,
            "lr_max": max(found) if found else None,
            "none": sum(v is None for v in lrs),
            "steps": float(np.mean([c[0] for c in cost[name]])),
            "wall_frac": float(np.mean([c[1] for c in cost[name]])) / full_wall,
            "metrics": metrics,
        }
    return {"cfg": cfg, "seeds": seeds, "truth": truth, "best": best, "best_mean": best_mean, "hib": hib,
            "rows": rows}


# ---------------------------------------------------------------- overhead
