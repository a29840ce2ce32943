"""A development set for ``tune``'s defaults: workloads that are NOT the built-in tasks.

``tune``'s rate range, its first (enqueued) trial and its pruning are chosen here, and
only confirmed on the built-in tasks by ``tune_efficiency.py``. Each workload is a
small sklearn data set (breast cancer, a 4-class ``make_classification``, two moons,
Friedman #1 regression) wrapped with :func:`lrkit.tasks.from_arrays` around a
64-unit tanh MLP (batch 32, 300 steps) and one of the task optimizers:

1. **Ground truth**: a constant-rate grid of 11 rates (1e-4.5 .. 10^0.5, half-decade
   steps) per seed; cached in ``results/tune_dev.json``.
2. **First trial** (``--first``): the range test's suggestion ``s`` (``rule="auto"``)
   trained once with each candidate schedule; a hit is a final metric within 1% of
   that seed's grid best (the ``tune_efficiency`` criterion).
3. **Search** (``--search``): ``tune`` with its defaults against Optuna TPE on the naive
   space (``tune_efficiency.naive_tpe``), steps until the first trial within 1%.

    nice .venv/bin/python benchmarks/tune_dev.py --first
    nice .venv/bin/python benchmarks/tune_dev.py --search --trials 12
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

CACHE = Path(__file__).resolve().parent / "results" / "tune_dev.json"
GRID = tuple(float(f"{10.0**e:.4g}") for e in np.arange(-4.5, 0.51, 0.5))
BUDGET = 300
WORKLOADS = ("cancer/sgd", "cancer/adamw", "blobs/sgd-plain", "blobs/adam", "moons/sgd", "moons/adamw",
             "friedman/sgd", "friedman/adam")
#: Trial-0 candidates at the suggestion s: schedule spec templates over the budget T.
FIRST = {
    "constant": "constant(lr={s})",
    "cosine": "cosine(lr={s}, steps={T}, min_lr={m})",
    "warmup_cosine": "warmup_cosine(lr={s}, warmup={w}, steps={T}, min_lr={m})",
    "cosine r=0.1": "cosine(lr={s}, steps={T}, min_lr={m10})",
    "wsd": "wsd(lr={s}, warmup=1, stable={st}, decay={d}, min_lr={m})",
}


def task(workload: str) -> Any:
    """The dev workload as an lrkit Task (data split fixed; the seed sets init and batch order)."""
    import torch
    from sklearn import datasets

    from lrkit.tasks import from_arrays

    name, opt = workload.split("/")
    if name == "cancer":
        x, y = datasets.load_breast_cancer(return_X_y=True)
    elif name == "blobs":
        x, y = datasets.make_classification(1200, 20, n_informative=8, n_classes=4, random_state=7)
    elif name == "moons":
        x, y = datasets.make_moons(1000, noise=0.3, random_state=7)
    else:
        x, y = datasets.make_friedman1(1200, 10, noise=1.0, random_state=7)
        y = (y - y.mean()) / y.std()
    kind = "regression" if name == "friedman" else "classification"
    out = 1 if kind == "regression" else int(y.max()) + 1

    def model() -> torch.nn.Module:
        return torch.nn.Sequential(torch.nn.Linear(x.shape[1], 64), torch.nn.Tanh(), torch.nn.Linear(64, out))

    return from_arrays(x, y, model=model, task_type=kind, optimizer=opt, budget=BUDGET, val_fraction=0.25,
                       name=f"dev-{name}-{opt}")


def _load() -> dict[str, Any]:
    return json.loads(CACHE.read_text()) if CACHE.exists() else {}


def grid(workload: str, seed: int, cache: dict[str, Any]) -> list[float]:
    """Final metric at every grid rate (cached); a diverged run carries the task's worst value."""
    from lrkit.tasks import train

    k = f"{workload}|{seed}" if BUDGET == 300 else f"{workload}|{seed}|{BUDGET}"
    if k not in cache:
        t = task(workload)
        cache[k] = [train(t, lr=lr, seed=seed).metric for lr in GRID]
        CACHE.write_text(json.dumps(cache, indent=0))
    return [math.inf if v is None else v for v in cache[k]]


def best_of(values: list[float], higher: bool) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return max(finite) if higher else min(finite)


def near(value: float, best: float, higher: bool) -> bool:
    if not math.isfinite(value):
        return False
    return value >= 0.99 * best if higher else value <= 1.01 * best


def suggestion(workload: str, seed: int) -> tuple[float, int]:
    from lrkit.torch import find_lr

    p = task(workload).build(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = find_lr(p["model"], p["optimizer"], p["loss_fn"], p["train_loader"])
    return float(r.suggestion), int(r.steps)


def first(seeds: list[int]) -> None:
    """Hit rate of each trial-0 candidate at the finder's suggestion."""
    from lrkit.tasks import train

    cache = _load()
    hits: dict[str, list[bool]] = {c: [] for c in FIRST}
    for w in WORKLOADS:
        t = task(w)
        higher = t.info.higher_is_better
        for seed in seeds:
            g = grid(w, seed, cache)
            best = best_of(g, higher)
            s, _ = suggestion(w, seed)
            line = []
            for c, spec in FIRST.items():
                m = train(t, lr=s, schedule=spec.format(s=s, m=s * 0.01, m10=s * 0.1, T=BUDGET, w=BUDGET // 20,
                                                       st=BUDGET - 1 - BUDGET // 5, d=BUDGET // 5), seed=seed).metric
                hits[c].append(near(m, best, higher))
                line.append(f"{c} {m:.4g}{'*' if hits[c][-1] else ''}")
            print(f"{w} s{seed}: best {best:.4g} at {GRID[g.index(best)]:.3g}, s={s:.3g}: " + ", ".join(line),
                  flush=True)
    for c, h in hits.items():
        print(f"{c}: {sum(h)}/{len(h)} within 1%")


def search(seeds: list[int], trials: int, pruner: str) -> None:
    """Steps to 1%: lrkit tune vs naive TPE vs the grid, per workload and seed."""
    import tempfile

    from tune_efficiency import _trace_stats, naive_tpe

    from lrkit.tuning import tune

    cache = _load()
    grid_steps = len(GRID) * BUDGET
    tally: dict[str, list[float]] = {"lrkit": [], "naive": []}
    for w in WORKLOADS:
        t = task(w)
        higher = t.info.higher_is_better
        for seed in seeds:
            best = best_of(grid(w, seed, cache), higher)
            nv, _ = _trace_stats(naive_tpe(t, seed, trials, BUDGET, t.info.default_optimizer), 0, best, higher,
                                 grid_steps // 4)
            with tempfile.TemporaryDirectory() as out:
                r = tune(t, n_trials=trials, seed=seed, out=out, pruner=pruner)
            trace = [(x["steps"] or 0, x["value"] if x["state"] == "COMPLETE" else math.nan) for x in r.trials]
            lk, _ = _trace_stats(trace, r.finder["steps"], best, higher, grid_steps // 4)
            tally["lrkit"].append(lk)
            tally["naive"].append(nv)
            print(f"{w} s{seed}: lrkit {lk:.0f} naive {nv:.0f} (grid {grid_steps}); best {r.best_schedule}",
                  flush=True)
    lk, nv = np.array(tally["lrkit"]), np.array(tally["naive"])
    print(f"lrkit reached 1% in {np.isfinite(lk).sum()}/{lk.size}; <= 25% grid in {(lk <= grid_steps / 4).sum()}; "
          f"<= 50% naive in {(lk <= nv / 2).sum()}; median lrkit {np.median(lk):.0f}, naive {np.median(nv):.0f}")


def main() -> None:
    global BUDGET
    import optuna
    import torch

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--first", action="store_true")
    ap.add_argument("--search", action="store_true")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--trials", type=int, default=12)
    ap.add_argument("--pruner", default="hyperband")
    ap.add_argument("--prune-start", type=float, default=None, help="Hyperband's first rung / budget")
    ap.add_argument("--budget", type=int, default=BUDGET, help="steps per run (300, or 1500 for the noise floor)")
    args = ap.parse_args()
    BUDGET = args.budget
    if args.first:
        first(args.seeds)
    if args.prune_start is not None:  # try Hyperband's first rung at another fraction of the budget
        from lrkit.tuning import _tune

        make = _tune.make_pruner
        _tune.make_pruner = lambda name, *, min_resource, max_resource: make(
            name, min_resource=max(1, int(args.prune_start * max_resource)), max_resource=max_resource)
    if args.search:
        search(args.seeds, args.trials, args.pruner)


if __name__ == "__main__":
    main()
