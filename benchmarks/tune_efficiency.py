"""How much training compute each search needs to find a near-best learning rate.

Side by side on the built-in tasks, for each seed (the seed of every training run
*and* of the sampler):

* **grid**: the sensitivity benchmark's constant-rate grid (``dev.ground_truth.GRIDS``,
  16 rates over 5 decades, full budget each; cached runs are reused);
* **naive TPE**: Optuna's ``TPESampler`` with Optuna 5 defaults on a naive space
  (rate log-uniform in 1e-5..1, constant schedule, no pruning);
* **lrkit tune**: :func:`lrkit.tuning.tune` with its defaults: the range test
  (``rule="auto"``) seeds the rate range and the first trial (its suggestion with a
  schedule chosen by the budget: constant below 50 updates, wsd below 1000, cosine
  from there on), the five schedule families, Hyperband pruning on validation
  reports every ``budget // 10`` steps with the first decision at a third of the
  budget. Its compute includes the finder's steps. (Those defaults were chosen on
  ``tune_dev.py``'s development workloads, not here.)

Compute is counted in optimizer steps. The target is the grid's best final metric
at that seed; "reached" means a completed trial within 1% of it (relative: metric
``>= 0.99 * best`` for accuracy, ``<= 1.01 * best`` for losses). Trials are
counted in the order they ran. "At 25% grid" is the best metric found with a
quarter of the grid's compute (the grid's own entry there is every 4th rate).

The target is checked on each task's median over seeds and, strictly, on every seed,
next to the floor arithmetic puts under "lrkit <= 50% of naive" (:func:`bounds`): a
completed trial costs a full budget B, so lrkit needs at least F + B steps (range
test F), while naive TPE's first hit at trial k costs k B; with naive's per-draw hit
rate p (measured from its random start-up draws, ``--p-seeds`` adds more) random
search costs B / p on average, so lrkit / naive >= (F + B) p / B.

    nice .venv/bin/python benchmarks/tune_efficiency.py                  # all tasks, 3 seeds
    nice .venv/bin/python benchmarks/tune_efficiency.py --tasks digits-mlp --seeds 0 --trials 12
    nice .venv/bin/python benchmarks/tune_efficiency.py --trials 12 --seeds 0 1 2 3 4 --p-seeds 5 6 7 8 9
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev.ground_truth import GRIDS, load_or_compute  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402
from dev.tune_runs import better, naive_tpe, near, trace_stats  # noqa: E402

TASKS = ["diabetes-linear", "wine-logreg", "charlm-small", "digits-mlp", "digits-cnn"]  # cheapest first


def lrkit_tune(task: str, seed: int, n_trials: int, budget: int) -> tuple[int, list[tuple[int, float]], Any]:
    """lrkit's tune with its defaults; returns (finder steps, per-trial trace, result)."""
    from lrkit.tuning import Storage, tune

    with tempfile.TemporaryDirectory() as out:
        r = tune(task, n_trials=n_trials, seed=seed, budget=budget, storage=Storage(out=out))
    trace = [(t["steps"] or 0, t["value"] if t["state"] == "COMPLETE" else math.nan) for t in r.trials]
    return (r.finder or {}).get("steps", 0), trace, r


#: Optuna TPESampler's default ``n_startup_trials``: naive TPE's first 10 trials are random draws.
STARTUP = 10


def _grid_best(task: str, seed: int) -> tuple[float, float, bool]:
    """(grid-best metric, best of every 4th grid rate, higher_is_better) at one seed."""
    recs = load_or_compute(task, seeds=(seed,), verbose=False)
    higher = recs[0]["higher_is_better"]
    metrics = [r["metric"] for r in recs]
    best = coarse = metrics[0]
    for m in metrics:
        best = better(m, best, higher)
    for m in metrics[::4]:
        coarse = better(m, coarse, higher)
    return best, coarse, higher


def bounds(p: float, finder: float, budget: int, n_seeds: int) -> dict[str, float]:
    """What arithmetic allows against naive TPE, given its per-draw hit probability ``p``.

    A completed trial costs the full ``budget`` B, so lrkit needs at least F + B steps
    (its range test F, then one trial). Naive TPE's first hit at trial k costs k B, so
    "lrkit <= 50% of naive" on a seed needs k >= k_min = ceil(2 (F + B) / B); while
    naive draws at random that happens with chance (1 - p)^(k_min - 1) per seed, and
    on every one of n seeds with chance (1 - p)^((k_min - 1) n). Random search's
    expected cost is B / p, so on the median lrkit / naive >= (F + B) p / B.
    """
    k_min = math.ceil(2 * (finder + budget) / budget)
    per_seed = (1 - p) ** (k_min - 1)
    return {"k_min": k_min, "per_seed": per_seed, "all_seeds": per_seed**n_seeds,
            "ratio_floor": (finder + budget) * p / budget}


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--tasks", nargs="+", default=TASKS, choices=sorted(GRIDS))
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--p-seeds", nargs="*", type=int, default=[],
                    help="extra sampler seeds of naive TPE's random start-up draws only (training seeds "
                         "cycle through --seeds), to measure its per-draw hit rate")
    ap.add_argument("--trials", type=int, default=20, help="trials per search (naive TPE and lrkit)")
    args = ap.parse_args()

    import optuna
    import torch

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(logging.WARNING)
    rows, verdicts = [], []
    tally = {"pairs": 0, "reached": 0, "grid": 0, "naive": 0, "naive_ahead": 0, "tasks_median": 0}
    for task in args.tasks:
        g = GRIDS[task]
        grid_compute = len(g.lrs) * g.budget
        cap = grid_compute // 4
        per: dict[str, list[tuple[float, float]]] = {"grid": [], "naive": [], "lrkit": []}
        bests: list[float] = []
        families: list[str] = []
        finder_steps: list[int] = []
        draws = hits = 0
        extra: list[float] = []  # naive TPE's steps to 1% in the extra (sampler-seed) studies
        for k, s in enumerate(args.p_seeds):  # more random draws, on the grid seeds' ground truth
            seed = args.seeds[k % len(args.seeds)]
            best, _, higher = _grid_best(task, seed)
            naive = naive_tpe(task, seed, STARTUP, g.budget, g.optimizer, sampler_seed=s)
            draws += len(naive)
            hits += sum(near(v, best, higher) for _, v in naive)
            extra.append(trace_stats(naive, 0, best, higher, cap)[0])  # infinite: no hit in STARTUP trials
            print(f"{task} sampler seed {s} (random draws only): {hits}/{draws} within 1% so far",
                  file=sys.stderr, flush=True)
        for seed in args.seeds:
            best, coarse, higher = _grid_best(task, seed)
            t0 = time.perf_counter()
            naive = naive_tpe(task, seed, args.trials, g.budget, g.optimizer)
            draws += min(STARTUP, len(naive))
            hits += sum(near(v, best, higher) for _, v in naive[:STARTUP])
            per["grid"].append((grid_compute, coarse))
            per["naive"].append(trace_stats(naive, 0, best, higher, cap))
            t1 = time.perf_counter()
            f_steps, trace, res = lrkit_tune(task, seed, args.trials, g.budget)
            per["lrkit"].append(trace_stats(trace, f_steps, best, higher, cap))
            finder_steps.append(f_steps)
            bests.append(best)
            families.append(res.best_params.get("schedule", "none"))  # the sampled family, not the spec head
            print(f"{task} seed {seed}: grid best {best:.4g}; naive {per['naive'][-1]} ({t1 - t0:.0f}s); "
                  f"lrkit {per['lrkit'][-1]} ({time.perf_counter() - t1:.0f}s) best {res.best_schedule}",
                  file=sys.stderr, flush=True)

        def agg(name: str) -> tuple[str, str, float]:
            reach = [r for r, _ in per[name]]
            hit = [r for r in reach if math.isfinite(r)]
            med = float(np.median(reach))  # an unreached seed counts as infinite compute
            shown = f"{med:.0f}" if math.isfinite(med) else "not reached"
            if len(hit) < len(reach):
                shown += f" ({len(hit)}/{len(reach)} seeds reached)"
            at = [b for _, b in per[name]]
            return shown, f"{np.mean(at):.4g}", med

        g_at = f"{np.mean([b for _, b in per['grid']]):.4g}"
        n_s, n_at, n_med = agg("naive")
        l_s, l_at, l_med = agg("lrkit")
        p_hat = hits / draws
        n_all = float(np.median([nv for nv, _ in per["naive"]] + extra))
        all_ratio = f"{l_med / n_all:.0%}" if math.isfinite(l_med) and math.isfinite(n_all) else "-"
        f_med = float(np.median(finder_steps))
        b = bounds(p_hat, f_med, g.budget, len(args.seeds))
        pairs = [(lk, nv) for (lk, _), (nv, _) in zip(per["lrkit"], per["naive"])]
        ok_grid = all(lk <= 0.25 * grid_compute for lk, _ in pairs)
        ok_naive = all(math.isfinite(lk) and lk <= 0.5 * nv for lk, nv in pairs)
        med_grid = l_med <= 0.25 * grid_compute
        med_naive = math.isfinite(l_med) and l_med <= 0.5 * n_med
        rows.append([task, f"{np.mean(bests):.4g}", str(grid_compute), n_s, l_s,
                     f"{l_med / grid_compute:.0%}" if math.isfinite(l_med) else "-",
                     f"{l_med / n_med:.0%}" if math.isfinite(l_med) and math.isfinite(n_med) else "-",
                     f"{n_all:.0f}" if math.isfinite(n_all) else "not reached", all_ratio,
                     f"{hits}/{draws} = {p_hat:.2f}", f"{b['ratio_floor']:.0%}", g_at, n_at, l_at])
        tally["pairs"] += len(pairs)
        tally["reached"] += sum(math.isfinite(lk) for lk, _ in pairs)
        tally["grid"] += sum(lk <= 0.25 * grid_compute for lk, _ in pairs)
        tally["naive"] += sum(math.isfinite(lk) and lk <= 0.5 * nv for lk, nv in pairs)
        tally["naive_ahead"] += sum(nv < lk for lk, nv in pairs)
        tally["tasks_median"] += med_grid and med_naive
        yn = {True: "yes", False: "no"}
        per_seed = ", ".join(f"{lk:.0f}/{nv:.0f}" for lk, nv in pairs)
        random_cost = f"B/p = {g.budget / p_hat:.0f}" if p_hat > 0 else "B/p = infinite"
        first_hits = sum(lk <= f + g.budget for (lk, _), f in zip(per["lrkit"], finder_steps))
        at_floor = (f" (lrkit's first trial hit on {first_hits}/{len(pairs)} seeds: there it costs F + B, "
                    "its floor)")
        verdicts.append(
            f"{task}: median over seeds: lrkit <= 25% of grid: {yn[med_grid]}, <= 50% of naive TPE: "
            f"{yn[med_naive]} (of naive's median over all {len(per['naive']) + len(extra)} studies: "
            f"{yn[math.isfinite(l_med) and l_med <= 0.5 * n_all]}); on every seed: {yn[ok_grid]} / "
            f"{yn[ok_naive]} (steps to 1%, lrkit/naive per seed: {per_seed}; best lrkit schedules: "
            f"{'; '.join(families)}). Arithmetic (B = {g.budget}, "
            f"range test F = {f_med:.0f} steps, naive's per-draw hit rate p = {p_hat:.2f}): lrkit needs >= "
            f"F + B = {f_med + g.budget:.0f} steps, so a seed can pass '<= 50% of naive' only if naive's "
            f"first hit is trial {b['k_min']} or later: chance {b['per_seed']:.2f} per seed, "
            f"{b['all_seeds']:.3f} "
            f"for all {len(args.seeds)}; against random search's expected {random_cost} steps "
            f"lrkit / naive >= {b['ratio_floor']:.0%}; against naive's measured median, "
            f"{(f_med + g.budget) / n_med:.0%}{at_floor}. A quarter of the grid ({cap} steps) holds F + "
            f"{max(0, int((cap - f_med) // g.budget))} full trials.")
        _report(rows, verdicts, args, done=len(rows), total=len(args.tasks), tally=tally)


HEADERS = ["task", "grid-best metric", "grid steps", "naive TPE steps to 1%", "lrkit steps to 1%",
           "lrkit / grid", "lrkit / naive", "naive steps to 1%, all studies", "lrkit / naive, all studies",
           "naive per-draw hit rate p", "floor of lrkit / naive: (F+B)p/B",
           "grid best @25% (coarse)", "naive best @25%", "lrkit best @25%"]


def _report(rows: list[list[Any]], verdicts: list[str], args: argparse.Namespace, *, done: int, total: int,
            tally: dict[str, int]) -> None:
    """Print the table so far and (re)write the BENCHMARKS.md section: partial results survive a stop."""
    print_table(rows, HEADERS)
    for v in verdicts:
        print(v)
    if args.no_record:
        return
    partial = "" if done == total else f" **Partial: {done} of {total} tasks done when this was written.**"
    p_seeds = f", plus {STARTUP} draws each of sampler seeds {args.p_seeds}" if args.p_seeds else ""
    body = (
        f"Seeds {args.seeds}; {args.trials} trials per search; steps = optimizer updates of all runs "
        "(lrkit's include its range test). 'steps to 1%' is the median over seeds of the compute until "
        "the first completed trial within 1% of that seed's grid-best metric (a seed that never got there "
        "counts as infinite). 'naive per-draw hit rate': of naive TPE's random start-up trials (the first "
        f"{STARTUP}; seeds {args.seeds}{p_seeds}), the fraction within 1%; 'all studies': naive's median "
        "over those studies too (an extra study without a hit in its draws counts as infinite). '@25%' "
        "columns: the mean over "
        f"seeds of the best metric found within a quarter of the grid's compute.{partial}\n\n"
        + markdown_table(rows, HEADERS) + "\n\nTarget (issue 7): lrkit within 1% of grid-best with <= 25% "
        "of the grid's compute and <= 50% of naive TPE's, on every task: checked on the per-task median and, "
        "strictly, on every seed, with the arithmetic floor each check faces.\n\n"
        + "\n".join(f"- {v}" for v in verdicts)
        + "\n\nOver all (task, seed) pairs: lrkit reached 1% of grid-best in "
        f"{tally['reached']}/{tally['pairs']}, "
        f"with <= 25% of the grid's compute in {tally['grid']}/{tally['pairs']}, with <= 50% of naive TPE's "
        f"in {tally['naive']}/{tally['pairs']}; naive TPE got there first in "
        f"{tally['naive_ahead']}/{tally['pairs']}. "
        f"Tasks meeting both targets on the median: {tally['tasks_median']}/{done}."
    )
    cmd = "nice .venv/bin/python benchmarks/tune_efficiency.py " + " ".join(sys.argv[1:])
    record("tune_efficiency", "Tuning efficiency: grid vs naive TPE vs lrkit tune", body, command=cmd.strip())


if __name__ == "__main__":
    main()
