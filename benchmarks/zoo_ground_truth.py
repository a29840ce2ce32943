"""What is each zoo workload's best constant learning rate, and how sharp is its optimum?

For every workload of ``lrkit.zoo``: a constant-rate grid of 3 rates per decade (``10 ** (k/3)``)
over at least 5 decades, placed by the optimizer's usual range and widened a decade at a time until
the grid-best rate (by the mean scored metric over seeds 0, 1, 2) is interior with a clearly worse
rate on each side (``dev.zoo_grid.CLEARLY_WORSE``: 2 accuracy points or 2% of the best loss). Each
run is a full-budget ``lrkit.tasks.train`` run on one thread, recorded with its history (training
loss, rate and gradient norm per update; validation loss and metric at 16 points and the end) for
the diagnose corpus. A diverged run scores the untrained model's metric (``dev.zoo_runs``).

The table: the grid-best rate and mean metric; two near-optimal bands (contiguous grid rates around
the best whose mean regret is within 1 accuracy point or 1% of the best loss, and whose mean keeps 95%
of the best rate's gain over the untrained model) and their widths in decades; the CPU cost.
Results are cached per workload as they finish (``benchmarks/results/zoo_grid.json``,
``zoo_histories/``), so an interrupted run resumes where it stopped::

    nice -n 5 .venv/bin/python benchmarks/zoo_ground_truth.py --workers 2 > zoo_gt.log 2>&1
    .venv/bin/python benchmarks/zoo_ground_truth.py --report      # the table from the cache only
"""

from __future__ import annotations

import math
import sys
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import zoo_grid as zg  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402
from dev.zoo_runs import Run, run_one  # noqa: E402

from lrkit import zoo  # noqa: E402


def _meta(name: str) -> dict[str, object]:
    w = zoo.get(name)
    i = w.info
    return {"family": i.family, "metric": i.metric, "higher_is_better": i.higher_is_better,
            "untrained": w.worst()[i.metric], "optimizer": i.default_optimizer, "batch_size": i.batch_size,
            "budget": i.budget, "options": i.optimizer_options}


def _done(name: str) -> dict[float, dict[int, float]]:
    """Stored grid runs of ``name``: rate -> seed -> scored metric."""
    out: dict[float, dict[int, float]] = defaultdict(dict)
    for r in zg.read_grid()["runs"].get(name, {}).values():
        if r["schedule"] is None:
            out[r["lr"]][r["seed"]] = r["metric"]
    return out


def compute(names: list[str], workers: int) -> None:
    """Run every missing grid cell of ``names``, pass after pass, until no grid asks for more."""
    metas = {n: _meta(n) for n in names}
    start, n_runs = time.time(), 0
    while True:
        jobs = []
        for n in names:
            done = _done(n)
            scores = {lr: list(by_seed.values()) for lr, by_seed in done.items()}
            ks = zg.extensions(n, str(metas[n]["optimizer"]), scores, bool(metas[n]["higher_is_better"]))
            jobs += [(n, zg.rate(k), s) for k in ks for s in zg.SEEDS if s not in done.get(zg.rate(k), {})]
        if not jobs:
            return
        print(f"pass: {len(jobs)} runs over {len({j[0] for j in jobs})} workloads", flush=True)
        left = defaultdict(int)
        for j in jobs:
            left[j[0]] += 1
        finished: dict[str, list[Run]] = defaultdict(list)
        with ProcessPoolExecutor(workers) as pool:
            futures = {pool.submit(run_one, *j): j for j in jobs}
            for fut in as_completed(futures):
                run = fut.result()
                n_runs += 1
                finished[run.workload].append(run)
                left[run.workload] -= 1
                tag = " (diverged)" if run.diverged else ""
                print(f"[{n_runs} | {time.time() - start:.0f}s] {run.workload} lr={run.lr:.4g} "
                      f"seed={run.seed}: {run.metric:.4g}{tag} cpu={run.cpu_s:.2f}s", flush=True)
                if left[run.workload] == 0:
                    zg.save_workload(run.workload, metas[run.workload], finished.pop(run.workload))
                    zg._CACHE.pop(run.workload, None)


def table(names: list[str]) -> tuple[list[list[object]], float, int]:
    rows, cpu, n = [], 0.0, 0
    for name in names:
        g = zg.load(name)
        m = zg.read_grid()["workloads"][name]
        lr, mean = zg.best(name)
        lo, hi = zg.band(name)
        glo, ghi = zg.band(name, zg.NEAR_OPTIMAL_GAP, unit="gap")
        sd = float(g.metrics[g.best_index].std())
        cpu += float(g.cpu_s.sum())
        n += g.cpu_s.size
        rows.append([name, g.family, m["optimizer"], m["batch_size"], m["budget"], f"{lr:.3g}",
                     f"{mean:.4g} ± {sd:.2g}", f"{g.untrained:.3g}", f"{lo:.3g}-{hi:.3g}",
                     f"{math.log10(hi / lo):.2f}", f"{glo:.3g}-{ghi:.3g}", f"{math.log10(ghi / glo):.2f}",
                     f"{math.log10(g.lrs[-1] / g.lrs[0]):.2f}",
                     int(g.diverged.sum()), f"{float(np.median(g.cpu_s[g.best_index])):.2f}",
                     f"{float(g.cpu_s.sum()):.0f}", zg.status(name)])
    return rows, cpu, n


HEADERS = ["workload", "family", "optimizer", "batch", "budget", "best lr", "best metric (mean ± SD)",
           "untrained", "band: 1 pt / 1%", "decades", "band: 95% of gain", "decades", "grid (decades)",
           "diverged runs",
           "CPU s / run at best", "CPU s (grid)", "grid"]


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--only", nargs="*", default=None, help="workload names (default: the whole zoo)")
    ap.add_argument("--report", action="store_true", help="print the table from the cache; train nothing")
    args = ap.parse_args()
    names = args.only or zoo.names()
    if not args.report:
        compute(names, min(args.workers, 2))
    names = [n for n in names if n in zg.names()]
    rows, cpu, n = table(names)
    print_table(rows, HEADERS)
    ok = sum(r[-1] == "ok" for r in rows)
    summary = (f"{len(rows)} workloads in {len({r[1] for r in rows})} families, {n} full runs, "
               f"{cpu / 3600:.2f} CPU hours (process time, one thread per run); {ok} of {len(rows)} grids "
               f"finished (best interior with a clearly worse rate on each side).")
    print(summary)
    if args.no_record or args.only:
        return
    body = (
        "Best constant rate of every zoo workload: 3 rates per decade, seeds 0-2, full budgets, "
        "grid-best by the mean scored metric (a diverged run, or one ending worse than it started, "
        "scores the untrained model's metric). Near-optimal bands: contiguous grid rates around the "
        "best whose mean regret is within 1 accuracy point or 1% of the best loss, and whose mean keeps 95% "
        "of the best rate's gain over the untrained model (`regret(..., unit='gap') <= 5`). "
        + summary + "\n\n"
        "Runs, histories and the API (`best`, `regret`, `run_at`): `benchmarks/dev/zoo_grid.py`; "
        "results in `benchmarks/results/zoo_grid.json` and `zoo_histories/`.\n\n"
        + markdown_table(rows, HEADERS)
    )
    record("zoo_ground_truth", "Zoo ground truth: each workload's best constant rate", body,
           command="nice -n 5 .venv/bin/python benchmarks/zoo_ground_truth.py --workers 2")


if __name__ == "__main__":
    main()
