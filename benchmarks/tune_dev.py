"""A development set for ``tune``'s defaults: workloads that are NOT the built-in tasks.

``tune``'s rate range, its first (enqueued) trial and its pruning are chosen here, and
only confirmed on the built-in tasks by ``tune_efficiency.py``. Each workload is a
small sklearn data set (breast cancer, a 4-class ``make_classification``, two moons,
Friedman #1 regression) wrapped with :func:`lrkit.tasks.from_arrays` around a
64-unit tanh MLP (batch 32, 300 steps) and one of the task optimizers:

0. **Rate range** (offline, no training): on ``finder_dev.py``'s cached sweeps and grids,
   how candidate ranges around the suggestion meet the near-best band.
1. **Ground truth**: a constant-rate grid of 11 rates (1e-4.5 .. 10^0.5, half-decade
   steps) per seed; cached in ``results/tune_dev.json``.
2. **First trial**: the range test's suggestion ``s`` (``rule="auto"``) trained once
   with each candidate schedule, at budgets of 60, 300 and 1500 steps; a hit is a final
   metric within 1% of that seed's grid best (the ``tune_efficiency`` criterion).
3. **Search** (300 steps): ``tune`` (12 trials) with its defaults but the pruner's
   first decision at 1/10, 1/3 or 1/2 of the budget, or no pruning, against Optuna
   TPE on the naive space (``tune_efficiency.naive_tpe``): steps until the first trial
   within 1% of the grid's best (the grid: 11 x 300 = 3300 steps).

    nice .venv/bin/python benchmarks/tune_dev.py            # every part; records BENCHMARKS.md
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
BUDGET = 300  # the search's budget; the first-trial part also tries FIRST_BUDGETS
FIRST_BUDGETS = (60, 300, 1500)
#: Search settings: label -> (pruner, FIRST_RUNG); the default is tune's own.
SETTINGS = {"first rung at 1/10": ("hyperband", 0.1), "at 1/3 (default)": ("hyperband", 1 / 3),
            "at 1/2": ("hyperband", 0.5), "no pruning": ("none", 1 / 3)}
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


def task(workload: str, budget: int = BUDGET) -> Any:
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

    return from_arrays(x, y, model=model, task_type=kind, optimizer=opt, budget=budget, val_fraction=0.25,
                       name=f"dev-{name}-{opt}")


def _load() -> dict[str, Any]:
    return json.loads(CACHE.read_text()) if CACHE.exists() else {}


def grid(workload: str, seed: int, cache: dict[str, Any], budget: int = BUDGET) -> list[float]:
    """Final metric at every grid rate (cached); a diverged run carries the task's worst value."""
    from lrkit.tasks import train

    k = f"{workload}|{seed}" if budget == BUDGET else f"{workload}|{seed}|{budget}"
    if k not in cache:
        t = task(workload, budget)
        cache[k] = [train(t, lr=lr, seed=seed).metric for lr in GRID]
        CACHE.write_text(json.dumps(cache, indent=0))
    return [math.inf if v is None else v for v in cache[k]]


def best_of(values: list[float], higher: bool) -> float:
    finite = [v for v in values if math.isfinite(v)]
    return max(finite) if higher else min(finite)


def suggestion(workload: str, seed: int) -> tuple[float, int]:
    from lrkit.torch import find_lr

    p = task(workload).build(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = find_lr(p["model"], p["optimizer"], p["loss_fn"], p["train_loader"])
    return float(r.suggestion), int(r.steps)


#: Rate ranges tried, as (decades below s, decades above s); the first is tune's.
RANGES = ((1.5, 1.0), (1.0, 1.0), (0.5, 0.5), (2.0, 1.0), (1.5, 1.5))


def ranges() -> list[list[Any]]:
    """Rows: how each rate range around s covers the near-best band, on ``finder_dev.py``'s cached runs.

    For every (workload, seed, budget) of the finder's development set, the grid's mean
    metric is interpolated in log-lr; the *band* is the rates within 1% of the grid's
    best. A range "covers" when it meets the band; ``P`` is the chance that a log-uniform
    draw from the range lands in it (the hit rate of a random trial).
    """
    from finder_dev import ADAPTIVE, BUDGETS
    from finder_dev import CACHE as DEV_CACHE

    from lrkit.finder import rules

    dev = json.loads(DEV_CACHE.read_text())
    cases = []  # (adaptive?, log10(rate / s) on a fine grid, near-best mask)
    for key, entry in dev.items():
        if "@" in key:
            continue
        opt = key.split("/")[1]
        rule = rules["falling" if opt in ADAPTIVE else "default"]  # what find_lr's rule="auto" picks
        for budget in BUDGETS:
            grid_of = dev[key if budget == BUDGETS[0] else f"{key}@{budget}"]["grid"]
            lrs = sorted(grid_of, key=float)
            for i, (sweep_lrs, sweep_losses) in enumerate(entry["sweeps"]):
                s = rule(np.asarray(sweep_lrs), np.asarray(sweep_losses)).lr
                m = np.array([grid_of[lr][i] for lr in lrs])
                x = np.log10([float(lr) for lr in lrs])
                fine = np.linspace(x[0], x[-1], 2001)
                fm = np.interp(fine, x, m)
                cases.append((opt in ADAPTIVE, fine - np.log10(s), fm >= m.max() - 0.01 * abs(m.max())))
    rows = []
    for below, above in RANGES:
        row: list[Any] = [f"[s / 10^{below:g}, s * 10^{above:g}]"]
        for adaptive in (False, True):
            cov, probs = [], []
            for a, rel, band in cases:
                if a != adaptive:
                    continue
                cov.append(bool((band & (rel >= -below) & (rel <= above)).any()))
                draws = np.linspace(-below, above, 400)  # outside the grid: its end's value
                probs.append(band[np.clip(np.searchsorted(rel, draws), 0, rel.size - 1)].mean())
            row += [f"{sum(cov)}/{len(cov)}", f"{np.median(probs):.2f}"]
        rows.append(row)
    return rows


def first(seeds: list[int]) -> list[list[Any]]:
    """Rows: each trial-0 candidate's hits (within 1% of the grid's best) per budget."""
    from tune_efficiency import _near

    from lrkit.tasks import train

    cache = _load()
    hits = {c: {b: 0 for b in FIRST_BUDGETS} for c in FIRST}
    n = 0
    for w in WORKLOADS:
        for seed in seeds:
            s, _ = suggestion(w, seed)  # the sweep does not depend on the budget
            n += 1
            for b in FIRST_BUDGETS:
                t = task(w, b)
                higher = t.info.higher_is_better
                best = best_of(grid(w, seed, cache, b), higher)
                for c, spec in FIRST.items():
                    sched = spec.format(s=s, m=s * 0.01, m10=s * 0.1, T=b, w=b // 20, st=b - 1 - b // 5, d=b // 5)
                    hits[c][b] += _near(train(t, lr=s, schedule=sched, seed=seed).metric, best, higher)
            print(f"first trial: {w} seed {seed} done", file=sys.stderr, flush=True)
    return [[c, *(f"{h[b]}/{n}" for b in FIRST_BUDGETS), f"{sum(h.values())}/{n * len(FIRST_BUDGETS)}"]
            for c, h in hits.items()]


def search(seeds: list[int], trials: int) -> list[list[Any]]:
    """Rows: steps to 1% of naive TPE and of tune under each pruning setting."""
    import tempfile

    from tune_efficiency import _trace_stats, naive_tpe

    from lrkit.tuning import _tune, tune

    cache = _load()
    grid_steps = len(GRID) * BUDGET
    reach: dict[str, list[float]] = {"naive TPE": [], **{k: [] for k in SETTINGS}}
    default_rung = _tune.FIRST_RUNG
    try:
        for w in WORKLOADS:
            t = task(w)
            higher = t.info.higher_is_better
            for seed in seeds:
                best = best_of(grid(w, seed, cache), higher)
                naive = naive_tpe(t, seed, trials, BUDGET, t.info.default_optimizer)
                reach["naive TPE"].append(_trace_stats(naive, 0, best, higher, grid_steps)[0])
                for label, (pruner, rung) in SETTINGS.items():
                    _tune.FIRST_RUNG = rung
                    with tempfile.TemporaryDirectory() as out:
                        r = tune(t, n_trials=trials, seed=seed, out=out, pruner=pruner)
                    trace = [(x["steps"] or 0, x["value"] if x["state"] == "COMPLETE" else math.nan)
                             for x in r.trials]
                    reach[label].append(_trace_stats(trace, r.finder["steps"], best, higher, grid_steps)[0])
                print(f"search: {w} seed {seed}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in reach.items()),
                      file=sys.stderr, flush=True)
    finally:
        _tune.FIRST_RUNG = default_rung
    naive = np.array(reach["naive TPE"])
    rows = []
    for label, values in reach.items():
        v = np.array(values)
        rows.append([label, f"{np.isfinite(v).sum()}/{v.size}", f"{np.median(v):.0f}",
                     f"{(v <= grid_steps / 4).sum()}/{v.size}",
                     "-" if label == "naive TPE" else f"{(v <= naive / 2).sum()}/{v.size}"])
    return rows


def main() -> None:
    import optuna
    import torch

    from _record import markdown_table, print_table, record

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--trials", type=int, default=12)
    ap.add_argument("--no-record", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = ap.parse_args()
    fh = ["first trial at s", *(f"{b} steps" for b in FIRST_BUDGETS), "all"]
    sh = ["search", "reached 1%", "median steps to 1%", "<= 25% of grid", "<= 50% of naive (paired)"]
    rh = ["rate range", "SGD-like (default rule): covers band", "median P", "adaptive (falling rule): covers band",
          "median P"]
    rrows = ranges()
    print_table(rrows, rh)
    frows = first(args.seeds)
    print_table(frows, fh)
    srows = search(args.seeds, args.trials)
    print_table(srows, sh)
    if args.no_record:
        return
    body = (
        f"Development workloads (not built-in tasks): {', '.join(WORKLOADS)}; from_arrays, MLP 64 tanh, "
        f"batch 32; seeds {args.seeds}; ground truth: constant-rate grid of {len(GRID)} rates "
        "(1e-4.5 .. 10^0.5). A hit / 'reached' = a final metric within 1% of that seed's grid best.\n\n"
        "**Rate range** around the suggestion s (offline, on `finder_dev.py`'s cached sweeps and grids: 20 "
        "workloads x 2 seeds x budgets 300 and 1500): does the range meet the band of rates within 1% of the "
        "grid's best, and the median chance P that a log-uniform draw from it lands in that band:\n\n"
        + markdown_table(rrows, rh) + "\n\n"
        "**First trial**: the range test's suggestion s (rule='auto') trained once with each schedule "
        "(hits per budget):\n\n" + markdown_table(frows, fh)
        + f"\n\n**Search** ({BUDGET} steps, {args.trials} trials, grid = {len(GRID) * BUDGET} steps; an "
        "unreached search counts as infinite in the median): tune's defaults with the pruner's first "
        "decision moved, against naive TPE:\n\n" + markdown_table(srows, sh)
    )
    record("tune_dev", "Tuning defaults on the development set (not the built-in tasks)", body,
           command="nice .venv/bin/python benchmarks/tune_dev.py")


if __name__ == "__main__":
    main()
