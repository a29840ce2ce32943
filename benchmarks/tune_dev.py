"""A development set for ``tune``'s defaults: workloads that are NOT the built-in tasks.

``tune``'s rate range, its first (enqueued) trial and its pruning are chosen here, and
only confirmed on the built-in tasks by ``tune_efficiency.py``. Each workload is a
small sklearn data set (breast cancer, a 4-class ``make_classification``, two moons,
Friedman #1 regression) wrapped with :func:`lrkit.tasks.from_arrays` around a
64-unit tanh MLP (batch 32, 300 steps) and one of the task optimizers:

0. **Rate range** (offline, no training): on ``finder_dev.py``'s cached sweeps and grids,
   how candidate ranges around the suggestion meet the near-best band. This part and the
   first-trial part's tables are arithmetic on cached results, in ``dev/tune_dev_offline.py``.
1. **Ground truth**: a constant-rate grid of 11 rates (1e-4.5 .. 10^0.5, half-decade
   steps) per seed; cached in ``results/tune_dev.json``.
2. **First trial** (seeds 0-4): the range test's suggestion ``s`` (``rule="auto"``) trained
   once with each candidate schedule (built by ``schedule_from_params``, as a trial runs it),
   at budgets of 20 to 3000 steps; a hit is a final metric within 1% of that seed's grid
   best at that budget (the ``tune_efficiency`` criterion). The last row is what
   ``first_trial`` queues.
3. **Search** (300 steps): ``tune`` (12 trials) with its defaults but the pruner's
   first decision at 1/10, 1/3 or 1/2 of the budget, or no pruning, against Optuna
   TPE on the naive space (``tune_efficiency.naive_tpe``): steps until the first trial
   within 1% of the grid's best (the grid: 11 x 300 = 3300 steps).

    nice .venv/bin/python benchmarks/tune_dev.py                 # every part; records BENCHMARKS.md
    nice .venv/bin/python benchmarks/tune_dev.py --only-first    # the first-trial part, printed only
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev.tune_dev_offline import budget_rules, first, paired, ranges  # noqa: E402

CACHE = Path(__file__).resolve().parent / "results" / "tune_dev.json"
GRID = tuple(float(f"{10.0**e:.4g}") for e in np.arange(-4.5, 0.51, 0.5))
BUDGET = 300  # the search's budget; the first-trial part also tries FIRST_BUDGETS
FIRST_BUDGETS = (20, 30, 40, 60, 100, 300, 600, 1000, 1500, 3000)
FIRST_SEEDS = (0, 1, 2, 3, 4)  # more cases than the search part: the first trial is one run per case
#: Search settings: label -> (pruner, TunePolicy.first_rung); the default is tune's own.
SETTINGS = {"first rung at 1/10": ("hyperband", 0.1), "at 1/3 (default)": ("hyperband", 1 / 3),
            "at 1/2": ("hyperband", 0.5), "no pruning": ("none", 1 / 3)}
WORKLOADS = ("cancer/sgd", "cancer/adamw", "blobs/sgd-plain", "blobs/adam", "moons/sgd", "moons/adamw",
             "friedman/sgd", "friedman/adam")
#: Trial-0 candidates at the suggestion s, as trial parameters (``schedule_from_params`` builds the
#: schedule over the budget T, exactly as a trial of ``tune`` runs it). wsd is FIRST_TRIAL's own shape.
FIRST = {
    "constant": {"schedule": "constant"},
    "cosine": {"schedule": "cosine", "final_ratio": 0.01},
    "wsd": {"schedule": "wsd", "warmup_fraction": 0.05, "decay_fraction": 0.2, "final_ratio": 0.01},
}
TUNE_ROW = "tune's first trial"


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


def first_runs(seeds: list[int],
               budgets: tuple[int, ...] = FIRST_BUDGETS) -> dict[str, dict[int, list[float]]]:
    """Each trial-0 candidate's shortfall from the grid's best, per budget: one value per (workload, seed).

    The shortfall is ``(best - metric) / |best|`` oriented so that > 0 is worse than the
    grid's best (``inf`` for a diverged run); a hit is a shortfall <= 0.01
    (``tune_efficiency._near``). Every run is cached in ``results/tune_dev.json`` under
    its spec, so a re-run trains only what is new. The row ``tune's first trial`` is
    what :func:`lrkit.tuning.first_trial` queues on the default space.
    """
    from lrkit.tasks import train
    from lrkit.tuning import SearchSpace, first_trial, lr_range_from_finder, schedule_from_params

    cache = _load()
    out: dict[str, dict[int, list[float]]] = {c: {b: [] for b in budgets} for c in [*FIRST, TUNE_ROW]}
    for w in WORKLOADS:
        for seed in seeds:
            s, _ = suggestion(w, seed)  # the sweep does not depend on the budget
            space = SearchSpace(lr=lr_range_from_finder(s), lr_source="finder")
            for b in budgets:
                t = task(w, b)
                higher = t.info.higher_is_better
                best = best_of(grid(w, seed, cache, b), higher)
                queued = {"schedule": space.schedules[0], **first_trial(space, s, budget=b)}
                for c, params in [*FIRST.items(), (TUNE_ROW, queued)]:
                    spec = schedule_from_params({"lr": s, **params}, b).to_spec()
                    k = f"run|{w}|{seed}|{b}|{spec}"
                    if k not in cache:
                        cache[k] = train(t, lr=s, schedule=spec, seed=seed).metric
                        CACHE.write_text(json.dumps(cache, indent=0))
                    m = math.inf if cache[k] is None else cache[k]
                    gap = (best - m if higher else m - best) / abs(best) if math.isfinite(m) else math.inf
                    out[c][b].append(gap)
            print(f"first trial: {w} seed {seed} done", file=sys.stderr, flush=True)
    return out


def search(seeds: list[int], trials: int) -> list[list[Any]]:
    """Rows: steps to 1% of naive TPE and of tune under each pruning setting."""
    import tempfile

    from dev.tune_runs import naive_tpe, trace_stats

    from lrkit.tuning import Storage, TunePolicy, tune

    cache = _load()
    grid_steps = len(GRID) * BUDGET
    reach: dict[str, list[float]] = {"naive TPE": [], **{k: [] for k in SETTINGS}}
    for w in WORKLOADS:
        t = task(w)
        higher = t.info.higher_is_better
        for seed in seeds:
            best = best_of(grid(w, seed, cache), higher)
            naive = naive_tpe(t, seed, trials, BUDGET, t.info.default_optimizer)
            reach["naive TPE"].append(trace_stats(naive, 0, best, higher, grid_steps)[0])
            for label, (pruner, rung) in SETTINGS.items():
                with tempfile.TemporaryDirectory() as out:
                    r = tune(t, n_trials=trials, seed=seed, storage=Storage(out=out), pruner=pruner,
                             policy=TunePolicy(first_rung=rung))
                trace = [(x["steps"] or 0, x["value"] if x["state"] == "COMPLETE" else math.nan)
                         for x in r.trials]
                reach[label].append(trace_stats(trace, r.finder["steps"], best, higher, grid_steps)[0])
            print(f"search: {w} seed {seed}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in reach.items()),
                  file=sys.stderr, flush=True)
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

    from dev.record import arguments, markdown_table, print_table, record

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ap = arguments(__doc__)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="seeds of the search part")
    ap.add_argument("--first-seeds", nargs="+", type=int, default=list(FIRST_SEEDS),
                    help="seeds of the first-trial part")
    ap.add_argument("--trials", type=int, default=12)
    ap.add_argument("--only-first", action="store_true",
                    help="run the first-trial part only (implies --no-record)")
    args = ap.parse_args()
    fh = ["first trial at s", *(f"{b} steps" for b in FIRST_BUDGETS), "all"]
    ph = ["budget", "wsd only / cosine only hits", "p (wsd better)", "median shortfall wsd / cosine",
          "constant only / wsd only hits", "p (constant better)"]
    bh = ["first trial by budget", "bounds picked per fold (constant < / wsd <)", "hits"]
    sh = ["search", "reached 1%", "median steps to 1%", "<= 25% of grid", "<= 50% of naive (paired)"]
    rh = ["rate range", "SGD-like (default rule): covers band", "median P",
          "adaptive (falling rule): covers band",
          "median P"]
    runs = first_runs(args.first_seeds)
    frows, prows, brows = first(runs), paired(runs), budget_rules(runs, len(WORKLOADS), len(args.first_seeds))
    print_table(frows, fh)
    print_table(prows, ph)
    print_table(brows, bh)
    if args.only_first:
        return
    rrows = ranges()
    print_table(rrows, rh)
    srows = search(args.seeds, args.trials)
    print_table(srows, sh)
    if args.no_record:
        return
    n_first = len(WORKLOADS) * len(args.first_seeds)
    body = (
        f"Development workloads (not built-in tasks): {', '.join(WORKLOADS)}; from_arrays, MLP 64 tanh, "
        f"batch 32; ground truth: constant-rate grid of {len(GRID)} rates (1e-4.5 .. 10^0.5) per seed and "
        "budget. A hit / 'reached' = a final metric within 1% of that seed's grid best.\n\n"
        "**Rate range** around the suggestion s (offline, on `finder_dev.py`'s cached sweeps and grids: 20 "
        "workloads x 2 seeds x budgets 300 and 1500): does the range meet the band of rates within 1% of the "
        "grid's best, and the median chance P that a log-uniform draw from it lands in that band:\n\n"
        + markdown_table(rrows, rh) + "\n\n"
        f"**First trial** (seeds {args.first_seeds}, {n_first} cases per budget): the range test's "
        "suggestion s (rule='auto') trained once with each schedule, built by `schedule_from_params` as a "
        "trial runs it "
        "(cosine to 1% of s; wsd: 5% warmup, 20% linear cool-down to 1%); hits per budget. The last row is "
        "what `first_trial` queues:\n\n" + markdown_table(frows, fh)
        + "\n\nPaired on the same cases (shortfall = distance below the grid's best, relative; the one-sided "
        "sign test counts only the cases where one hits and the other misses):\n\n"
        + markdown_table(prows, ph)
        + "\n\nA budget rule (constant below a, wsd below b, cosine from b on; the bounds at measured "
        "budgets) against one family at every budget; cross-validated: bounds chosen without a workload "
        "(a seed) and "
        "scored on it, fold by fold:\n\n" + markdown_table(brows, bh)
        + f"\n\n**Search** (seeds {args.seeds}, {BUDGET} steps, {args.trials} trials, "
        f"grid = {len(GRID) * BUDGET} steps; an unreached search counts as infinite in the median): tune's "
        "defaults with the pruner's first decision moved, against naive TPE:\n\n" + markdown_table(srows, sh)
    )
    record("tune_dev", "Tuning defaults on the development set (not the built-in tasks)", body,
           command="nice .venv/bin/python benchmarks/tune_dev.py")


if __name__ == "__main__":
    main()
