"""Training with no learning-rate choice: lrkit's Autopilot against tuned and LR-free baselines.

Per built-in task and seed (0 .. 4; the grid has 5): ``charlm`` at the benchmarks' cut-down budget
(``dev.ground_truth.CHARLM_CUT_BUDGET`` = 100 updates, as in the grid; its full 1000 cost minutes per run),
every other task at its own budget:

* **grid-tuned**: the task's default optimizer, constant rate, at the grid-best rate of the
  sensitivity benchmark (``benchmarks/dev/ground_truth.py``, cached in
  ``results/lr_sensitivity.json``; best by the mean over these seeds). Its compute is one run;
  finding the rate cost the whole grid (listed separately).
* **adam-cosine**: Adam (AdamW for a decoupled-decay task) at its default rate 1e-3 with cosine
  annealing over the budget: what a user who tunes nothing writes (``dev.peers_lrfree``).
* **plateau**: the task's default optimizer and default rate with torch's ``ReduceLROnPlateau``
  (factor 0.1, patience 2) stepped once per epoch on that epoch's mean training loss.
* **prodigy**, **d-adapt**, **schedule-free**, **dog**: the LR-free peers, each from its own package
  and configured as its documentation recommends (``dev.peers_lrfree``, whose docstring quotes every
  source): Prodigy ``lr=1`` with cosine annealing over the budget ("we suggest setting
  `T_max=total_steps`"); D-Adaptation's SGD or Adam variant by the task's optimizer, ``lr=1``, with
  cosine ("Set the LR parameter to 1.0"); Schedule-Free SGD/AdamW at its default rate with 2%
  warmup and ``train()``/``eval()`` switching ("Using learning rate warmup is recommended"); DoG
  ``lr=1`` with iterate averaging, the averaged model evaluated ("DoG/L-DoG must be combined with
  iterate averaging"). Each is skipped (and said so) when its package is not installed.
* **autopilot**: the task's default optimizer wrapped in ``lrkit.torch.Autopilot(budget=...)``;
  its compute includes the probe's updates.

(``charlm`` at its own 1000 updates is ``no_tuning_charlm.py``; the runs are ``dev/autopilot_runs.py``.)

Every run gets the task's budget of optimizer steps (the grid's, :func:`run_budget`); the metric is the
task's own (``lrkit.tasks``). Each gap is reported with its standard error over seeds (the per-seed
gaps are paired: same seed, same initialization and batch order), so a gap smaller than about twice
its error is not a measured difference. Run: ``nice -n 10 .venv/bin/python benchmarks/no_tuning.py
[--seeds 5] [--no-dev]``; every run of the built-in tasks is cached in
``results/no_tuning_runs.json`` (``dev.autopilot_runs.cached_run``: an Autopilot's under the fingerprint
of the fields of the default ``AutopilotPolicy`` that a run told its budget reads, so a changed default
runs again and an unrelated field does not; the peers', adam-cosine's and plateau's once per machine,
under the machine's tag ``dev.autopilot_zoo_runs.HERE``: those stored before tags were made on another
machine, the AMD EPYC of 2026-12-05, and are not read).

**Development set** (``--dev``; also part of the full run, ``--no-dev`` skips it): the
Autopilot's probe was designed on workloads that are *not* the built-in tasks, two families:
``benchmarks/dev/finder_dev.py``'s 20 tabular ones (4 sklearn data sets x SGD, momentum, Adam, AdamW,
RMSprop, an MLP) at budgets 40, 100, 300 and 1500, and ``benchmarks/dev/seq_dev.py``'s 6 character
language models (GRU, transformer, NPLM on other stdlib text than ``charlm``'s) at 40, 100 and 300;
seeds 0 and 1. The reference is the best constant rate of a half-decade grid at the same budget
(finder_dev's cache at 300 and 1500, the rest computed here and cached in
``results/no_tuning_dev.json``). Four Autopilots: lrkit's default (a ramp inside the budget);
session 1's (a rolled-back probe of ``clip(0.1 budget, 20, 100)`` updates, the ``default`` rule,
cosine), to show what the budget-scaled probe trades; lrkit's default run for the same number of
updates without being told the budget (``budget=None``: a rolled-back probe of 100 updates, then the
peak held with the plateau reaction), to show what knowing the budget is worth; and the default
with its probe's choice replaced by the grid-best rate (``GIVEN_PEAK``, also run on the built-in
tasks), to show what the probe's structure (ramp, cool-down) costs at that rate.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev.autopilot_runs import (  # noqa: E402
    DEV_CACHE, DEV_FAMILIES, DEV_VARIANTS, GIVEN_PEAK, HEADERS, PEERS, RESULTS, TASKS, cached_run, dev_grid,
    dev_run, gap_rows, grid_tuned, loop, peer_run, run_budget,
)
from dev.autopilot_zoo_runs import HERE  # noqa: E402
from dev.ground_truth import GRIDS  # noqa: E402
from dev.peers_lrfree import available_lrfree_peers  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit.tasks import get_task, train  # noqa: E402

def dev_table() -> tuple[list[list[Any]], list[str]]:
    """Per family, budget and Autopilot variant: the gaps to the grid-best constant rate."""
    cache = json.loads(DEV_CACHE.read_text()) if DEV_CACHE.exists() else {}
    rows = []
    for family, (module, budgets) in DEV_FAMILIES.items():
        fam = importlib.import_module(module)
        for budget in budgets:
            for variant, kwargs in DEV_VARIANTS.items():
                gaps, spent = [], []
                for name, opt in fam.WORKLOADS:
                    best, rate = dev_grid(fam, name, opt, budget, cache)
                    given = {"peak": rate} if variant == GIVEN_PEAK else {}  # Autopilot's public peak=
                    runs = [dev_run(fam, name, opt, s, budget, {**kwargs(budget), **given})
                            for s in fam.SEEDS]
                    gaps.append(100 * (best - np.mean([r[0] for r in runs])) / abs(best))
                    spent.append(np.mean([r[1] for r in runs]) / budget)
                g = np.array(gaps)
                rows.append([f"{family} ({len(g)})", budget, variant, float(np.mean(g)), float(np.median(g)),
                             f"{int(np.sum(g <= 1))}/{len(g)}", float(np.max(g)), float(np.mean(spent))])
                print(f"dev {family} budget {budget} {variant} done", file=sys.stderr)
    RESULTS.mkdir(exist_ok=True)
    DEV_CACHE.write_text(json.dumps(cache))
    return rows, ["workloads", "budget", "autopilot", "mean gap (%)", "median gap (%)", "within 1%",
                  "worst gap (%)", "compute (x one run)"]


TRUNCATE = (0.05, 0.1, 0.2)


#: Most seconds per run (``TaskInfo.cost``) for :func:`given_peak_sweep` (13 rates x 5 seeds each).
SWEEP_MAX_COST = 5.0


def given_peak_sweep(results: dict[str, dict[str, list[dict[str, float]]]],
                     seeds: list[int]) -> tuple[list[list[Any]], list[str]]:
    """Where the Autopilot misses 1%: its structure with each grid rate as the given peak.

    The probe's choice is replaced by every rate of the task's grid in turn (ramp and cool-down
    unchanged). If no rate of the grid brings the run within 1% of grid-tuned, the miss
    is the structure's (the updates the in-run search spends), not the rule's, to the grid's
    half-decade resolution. Only tasks whose run costs at most :data:`SWEEP_MAX_COST` seconds are swept.
    """
    rows = []
    for name, res in results.items():
        budget, info = run_budget(name), get_task(name).info
        gap = gap_rows(name, res, ["autopilot"], budget)[0][4]
        if gap <= 1.0 or (info.cost or math.inf) > SWEEP_MAX_COST:
            continue
        swept = {}
        for lr in GRIDS[name].lrs:
            given = [cached_run(f"given:{lr:.6g}", name, s, autopilot=True, run=lambda s=s: loop(
                name, s, None, autopilot=True, ap_kwargs={"peak": lr})) for s in seeds]
            runs = {"grid-tuned": res["grid-tuned"], GIVEN_PEAK: given}
            swept[lr] = gap_rows(name, runs, [GIVEN_PEAK], budget)[0][4]
        best = min(swept, key=swept.get)
        rows.append([name, budget, gap, best, swept[best], len(swept)])
    return rows, ["task", "budget", "autopilot gap (%)", "best given peak", "its gap (%)", "peaks tried"]


def truncation_table(tasks: list[str], seeds: list[int]) -> tuple[list[list[Any]], list[str]]:
    """What losing part of the budget costs even at the grid-best rate: a bound on in-run search.

    Any in-run rate search spends updates that do not train at the best rate (a rolled-back
    probe outright; a ramp below the peak, partly). Training at the grid-best constant rate for
    ``B - ceil(f B)`` updates shows what losing a fraction ``f`` costs on its own; where it
    exceeds 1%, no search that costs that fraction can be within 1%.
    """
    rows = []
    for name in tasks:
        task = get_task(name)
        tuned, best, _ = grid_tuned(name, seeds)
        if not tuned:
            continue
        ref = float(np.mean([tuned[s] for s in seeds]))
        budget = run_budget(name)
        row: list[Any] = [name, budget, best]
        for f in TRUNCATE:
            cut = budget - math.ceil(f * budget)
            m = float(np.mean([cached_run(f"truncated:{best:.6g}", name, s, budget=cut, run=lambda s=s: {
                "metric": train(name, lr=best, budget=cut, seed=s).metric})["metric"] for s in seeds]))
            row.append(100 * ((ref - m) if task.info.higher_is_better else (m - ref)) / abs(ref))
        rows.append(row)
    cuts = [f"gap, {round(100 * f)}% fewer updates (%)" for f in TRUNCATE]
    return rows, ["task", "budget", "grid-best lr", *cuts]


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--tasks", nargs="*", default=list(TASKS))
    ap.add_argument("--dev", action="store_true", help="only the development set (not recorded)")
    ap.add_argument("--no-dev", action="store_true", help="skip the development set")
    args = ap.parse_args()
    if args.dev:
        print_table(*dev_table(), floatfmt=".3g")
        return
    seeds = list(range(args.seeds))
    methods = ["grid-tuned", "adam-cosine", "plateau", *PEERS, "autopilot", GIVEN_PEAK]
    skipped = [m for m, why in available_lrfree_peers().items() if why is not None and m in PEERS]
    results: dict[str, dict[str, list[dict[str, float]]]] = {}
    notes = []
    for name in args.tasks:
        task = get_task(name)
        res: dict[str, list[dict[str, float]]] = {m: [] for m in methods}
        tuned, best, grid_runs = grid_tuned(name, seeds)
        notes.append(f"{name}: grid-best rate {best:g} ({task.info.default_optimizer}), "
                     f"from {grid_runs} cached runs")
        for seed in seeds:
            if seed in tuned:
                res["grid-tuned"].append({"metric": tuned[seed], "steps": run_budget(name)})
            for peer in ("adam-cosine", *(p for p in PEERS if p not in skipped)):
                res[peer].append(cached_run(f"{peer}{HERE}", name, seed, lambda: peer_run(name, peer, seed)))
            res["plateau"].append(cached_run(f"plateau{HERE}", name, seed,
                                             lambda: loop(name, seed, None, plateau=True)))
            res["autopilot"].append(cached_run("autopilot", name, seed, autopilot=True,
                                               run=lambda: loop(name, seed, None, autopilot=True)))
            if math.isfinite(best):  # no cached grid: no grid-best rate to give
                res[GIVEN_PEAK].append(cached_run(f"given:{best:.6g}", name, seed, autopilot=True,
                                                  run=lambda: loop(name, seed, None, autopilot=True,
                                                                   ap_kwargs={"peak": best})))
            print(f"{name} seed {seed} done", file=sys.stderr)
        results[name] = res
    trunc = truncation_table(args.tasks, seeds)
    sweep = given_peak_sweep(results, seeds)
    dev = None if args.no_dev else dev_table()
    _report(results, methods, skipped, notes, args, dev, trunc, sweep)


def _report(results: dict, methods: list[str], skipped: list[str], notes: list[str], args: Any,
            dev: tuple[list[list[Any]], list[str]] | None, trunc: tuple[list[list[Any]], list[str]],
            sweep: tuple[list[list[Any]], list[str]]) -> None:
    rows, gaps = [], {m: [] for m in methods}
    for name, res in results.items():
        for row in gap_rows(name, res, methods, run_budget(name)):
            gaps[row[2]].append(row[4] / 100)
            rows.append(row)
    print_table(rows, HEADERS)
    summary = [[m, float(np.mean(g)) * 100, float(np.max(g)) * 100, len(g)] for m, g in gaps.items() if g]
    print_table(summary, ["method", "mean gap (%)", "worst gap (%)", "tasks"])
    print_table(*trunc, floatfmt=".3g")
    print_table(*sweep, floatfmt=".3g")
    if dev is not None:
        print_table(*dev, floatfmt=".3g")
    plot = _plot(results, gaps, methods)
    if args.no_record:
        return
    ap_rows = [r for r in rows if r[2] == "autopilot"]
    met = [r[0] for r in ap_rows if r[4] <= 1.0 and r[6] <= 1.15]
    peers = {m: float(np.mean(gaps[m])) for m in PEERS if len(gaps[m]) == len(ap_rows)}
    ahead = all(float(np.mean(gaps["autopilot"])) < v for v in peers.values())
    targets = (
        f"**Targets.** Autopilot within 1% of grid-tuned at <= 1.15x compute on {len(met)} of {len(ap_rows)} "
        f"tasks ({', '.join(met)}); ahead of every LR-free peer on average: {'yes' if ahead else 'no'} "
        f"(autopilot {100 * float(np.mean(gaps['autopilot'])):.3g}%, "
        + ", ".join(f"{m} {100 * v:.3g}%" for m, v in peers.items()) + ")."
    )
    extra = (
        "\n\n**What in-run search can cost at all**: the grid-best constant rate itself, trained with a "
        "fraction of the budget removed (gap to the same rate's full run; seeds as above). A range test "
        "needs at least 8 points (`lrkit.finder.MIN_POINTS`).\n\n" + markdown_table(*trunc, floatfmt=".3g")
        + "\n\n**Could any choice of peak meet the target?** Where the Autopilot misses 1% (and a run "
        f"costs at most {SWEEP_MAX_COST:g} s), its probe's choice is replaced by each rate of the task's "
        "grid in turn; the ramp and cool-down are unchanged (`given_peak_sweep`).\n\n"
        + markdown_table(*sweep, floatfmt=".3g")
    )
    if dev is not None:
        extra += (
            "\n\n**Development set** (`--dev`; workloads that are not the built-in tasks, see the module "
            "docstring and `benchmarks/seq_dev.py`): gap to the best constant rate of a half-decade grid at "
            "the same budget, per family (mean of 2 seeds per workload). "
            f"\"{GIVEN_PEAK}\" is the Autopilot with its probe's choice replaced by that best rate: what "
            "the ramp and cool-down cost at the best constant rate.\n\n"
            + markdown_table(*dev, floatfmt=".3g")
        )
    body = (
        f"Seeds {list(range(args.seeds))}; every run uses the task's budget (charlm: the grid's cut-down "
        f"{run_budget('charlm')} updates); gap = relative distance to the grid-tuned metric, "
        "positive = worse, "
        "with its standard error over the paired seeds. "
        + (f"Not installed, so not run: {', '.join(skipped)}. " if skipped else "")
        + "Grid cost is not in the grid-tuned compute: " + "; ".join(notes) + ".\n\n"
        + markdown_table(rows, HEADERS, floatfmt=".4g") + "\n\n"
        + markdown_table(summary, ["method", "mean gap (%)", "worst gap (%)", "tasks"], floatfmt=".3g")
        + "\n\n" + targets
        + (f"\n\n![gap to grid-tuned per task](benchmarks/results/{plot.name})" if plot else "")
        + extra
    )
    record("no_tuning", "No learning-rate tuning: Autopilot vs tuned and LR-free baselines", body,
           command=" ".join(["nice -n 10 .venv/bin/python benchmarks/no_tuning.py", *sys.argv[1:]]))


def _plot(results: dict, gaps: dict, methods: list[str]) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    names = list(results)
    shown = [m for m in methods if m != "grid-tuned" and len(gaps[m]) == len(names)]
    fig, ax = plt.subplots(figsize=(9, 4))
    width = 0.8 / max(1, len(shown))
    for j, m in enumerate(shown):
        ax.bar(np.arange(len(names)) + j * width, 100 * np.clip(gaps[m], -1, 1), width, label=m)
    ax.axhline(1.0, color="k", lw=0.8, ls="--")
    ax.set_xticks(np.arange(len(names)) + 0.4 - width / 2, names)
    ax.set_ylabel("gap to grid-tuned (%), clipped to +-100")
    ax.legend(fontsize=8, ncol=3)
    fig.tight_layout()
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "no_tuning.png"
    fig.savefig(out, dpi=110)
    return out


if __name__ == "__main__":
    main()
