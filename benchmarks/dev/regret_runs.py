"""Runs of ``finder_regret.py``: each finder's suggestions on a task, and full training runs at them.

``lrkit_suggestions`` (``find_lr``, every registered rule from one sweep), ``peer_suggestions`` (the
peers of ``dev.peers_finders``, from their own packages as their documentation recommends, when
installed; cached in ``results/finder_regret_peers.json``) and ``evaluate`` (the grid's ground truth
and a full run at every suggestion, cached in ``results/finder_regret_runs.json``) for one (task,
optimizer) configuration.
"""

from __future__ import annotations

import dataclasses
import sys
import time
import warnings
from typing import Any

import numpy as np

from dev.ground_truth import GRIDS, ROOT, best_lr, load_or_compute, log_grid

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
    began = time.process_time()  # the whole call, as for the peers: snapshot, sweep, restore, rules, interval
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # loaders shorter than the sweep are cycled, as for every finder
        res = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                      sweep=SWEEP)
    wall = time.process_time() - began
    # "lrkit auto" is what find_lr returns by default: the rule picked by the optimizer's kind.
    chosen = {"lrkit auto": res.suggestion}
    return chosen | {f"lrkit {r}": res.suggestions.get(r) for r in LRKIT_RULES}, res.steps, wall


@dataclasses.dataclass(frozen=True)
class ConfiguredTask:
    """A built-in task with its optimizer fixed: what ``dev.peers_finders`` builds (``build(seed)``)."""

    task: str
    optimizer: str

    def build(self, seed: int) -> dict[str, Any]:
        return get_task(self.task).build(seed, optimizer=self.optimizer)


def peer_suggestions(task: str, optimizer: str, seed: int) -> dict[str, tuple[float | None, int, float]]:
    """Every installed peer's ``(suggestion, steps, CPU seconds)``, run as it ships, cached.

    The peers are ``dev.peers_finders``'s (torch-lr-finder, Lightning's ``Tuner.lr_find`` with its
    defaults, fastai's ``valley`` and ``minimum/10``), each configured as its documentation
    recommends (quoted there); peers do not change between runs of this script.
    """
    import json

    from dev.peers_finders import run_finder_peers

    cache = json.loads(PEERS_CACHE.read_text()) if PEERS_CACHE.exists() else {}
    k = f"{task}|{optimizer}|{seed}"
    if k not in cache:
        found = run_finder_peers(ConfiguredTask(task, optimizer), seed=seed)
        cache[k] = {r.peer: [r.lr, r.steps, r.cpu_s] for r in found}
        PEERS_CACHE.write_text(json.dumps(cache, indent=1, sort_keys=True) + "\n")
    return {name: (lr, int(steps), float(cpu)) for name, (lr, steps, cpu) in cache[k].items()}


def available_peers() -> list[str]:
    """The finder peers installed here (a note on stderr for each that is not)."""
    from dev.peers_finders import available_finder_peers

    names = []
    for name, why in available_finder_peers().items():
        if why is None:
            names.append(name)
        else:
            print(f"note: {name} skipped: {why}", file=sys.stderr)
    return names


# ---------------------------------------------------------------- regret


def evaluate(
    cfg: dict[str, Any], seeds: list[int], peers: list[str], *, suggest_only: bool = False
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
        if peers:
            for name, (lr, steps, cpu) in peer_suggestions(task, optimizer, seed).items():
                suggested.setdefault(name, []).append(lr)
                cost.setdefault(name, []).append((steps, cpu))
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
