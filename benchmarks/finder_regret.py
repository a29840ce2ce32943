"""How good is a range-test suggestion? Regret against a trained LR grid, lrkit vs today's finders.

For each (task, optimizer) configuration:

1. **Ground truth**: full training runs at every rate of a log grid (>= 13 rates over
   >= 4 decades, 3 per decade), >= 5 seeds, the task's full budget (charlm: a cut-down
   budget unless ``--full``); the grid-best rate by the mean validation metric. Runs are
   cached (``benchmarks/dev/ground_truth.py``, ``results/lr_sensitivity.json``).
2. **Suggestions**, per seed, each finder on the task built with that seed, over the same
   sweep (1e-7 .. 10, 100 rates, exponential):

   - lrkit ``find_lr`` with its default ``rule="auto"`` (the rule picked by the optimizer's kind), and,
     from the *same* sweep, the core's ``default``,
     ``falling`` (w = 0; auto's pick for adaptive optimizers), ``steepest``, fastai-style ``valley`` and
     ``minimum/10`` rules;
   - the peers of ``dev/peers_finders.py``, each from its own package as its documentation
     recommends (the configurations and the quoted sources are there): torch-lr-finder's
     ``plot(suggest_lr=True)`` suggestion over 1e-7 .. 10, Lightning's ``Tuner.lr_find`` with every
     default (1e-8 .. 1, 100 updates) and ``suggestion()``, fastai's ``valley`` and ``minimum/10``;
     each that is installed.
3. **Regret**: a full training run at each suggested rate, with the same seed; regret =
   grid-best mean metric minus the mean metric of those runs (accuracy in points; for
   loss/MSE tasks, the excess loss). A finder that gives no suggestion is charged the
   task's worst metric (chance accuracy / infinite loss).
4. **Cost**: optimizer steps of each sweep and its CPU time as a fraction of one full
   run's wall time. (What ``find_lr`` adds over the same number of plain training steps is
   ``finder_overhead.py``'s question.)

The runs are ``dev/regret_runs.py``'s.

    nice .venv/bin/python benchmarks/finder_regret.py            # charlm at a cut-down budget
    nice .venv/bin/python benchmarks/finder_regret.py --full     # charlm at its full budget

The peers are benchmark-only dependencies (``dev/peers_finders.py`` says how each installs next to
torch without replacing it); they are not part of CI.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev.ground_truth import summarize  # noqa: E402
from dev.plots import pyplot  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402
from dev.regret_runs import PNG, SWEEP, available_peers, configs, evaluate  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

#: The peers' suggestion names (``dev.peers_finders``); fastai's package gives two rules.
PEERS = ("torch-lr-finder", "lightning", "fastai valley", "fastai minimum/10")


def plot(results: list[dict[str, Any]], path: Path) -> None:

    plt = pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(14, 7.5), layout="constrained", squeeze=False)
    for ax, res in zip(axes.ravel(), results):
        rows = summarize(res["truth"])
        lrs = np.array([r["lr"] for r in rows])
        mean = np.array([r["mean"] for r in rows])
        ok = np.isfinite(mean)
        ax.plot(lrs[ok], mean[ok], "o-", color="0.3", ms=3, label="grid (mean of seeds)")
        ax.axvline(res["best"], color="0.3", ls="--", lw=1)
        for i, (name, row) in enumerate(res["rows"].items()):
            if row["lr"] is not None:
                ax.axvline(row["lr"], color=f"C{i}", lw=1.5, alpha=0.8, label=f"{name}: {row['regret']:.3g}")
        ax.set_xscale("log")
        if not res["hib"]:
            ax.set_yscale("log")
        c = res["cfg"]
        ax.set_title(f"{c['task']} ({c['optimizer']}, {c['budget']} steps)", fontsize=10)
        ax.set_xlabel("learning rate")
        ax.set_ylabel(res["truth"][0]["metric_name"])
        ax.legend(fontsize=6.5, title="regret", title_fontsize=7)
    for ax in axes.ravel()[len(results):]:
        ax.axis("off")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _f(v: float | None, fmt: str = ".3g") -> str:
    if v is None:
        return "-"
    return "inf" if math.isinf(v) else format(v, fmt)


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--full", action="store_true", help="charlm at its full budget")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--charlm-seeds", type=int, default=5,
                        help="seeds for charlm (a cut-down run costs ~16 s of CPU; seeds 3 and 4 added "
                             "~14 CPU-minutes: 26 grid runs, the runs at every finder's suggestions, "
                             "the sweeps)")
    parser.add_argument("--only", nargs="*", help="task names to run (default: all)")
    parser.add_argument("--suggest-only", action="store_true",
                        help="only run the finders and the full runs at their suggestions (fills the caches)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    seeds = list(range(args.seeds))
    peers = available_peers()
    results = []
    for cfg in configs(args.full):
        if args.only and cfg["task"] not in args.only:
            continue
        task_seeds = seeds[: args.charlm_seeds] if cfg["task"] == "charlm" else seeds
        print(f"{cfg['task']} / {cfg['optimizer']}: grid {len(cfg['lrs'])} rates x {len(task_seeds)} seeds, "
              f"budget {cfg['budget']}", file=sys.stderr, flush=True)
        results.append(evaluate(cfg, task_seeds, peers, suggest_only=args.suggest_only))
    if args.suggest_only:
        return

    headers = ["task", "optimizer", "seeds", "metric", "grid-best lr", "grid-best", "finder",
               "suggested lr (geo-mean)",
               "range over seeds", "none", "regret", "steps", "CPU / full run"]
    rows = []
    for res in results:
        c = res["cfg"]
        unit = "acc points" if res["hib"] else res["truth"][0]["metric_name"] + " excess"
        for name, row in res["rows"].items():
            rows.append([c["task"], c["optimizer"], len(res["seeds"]), unit, _f(res["best"]),
                         _f(res["best_mean"], ".4g"), name,
                         _f(row["lr"]), f"{_f(row['lr_min'])} .. {_f(row['lr_max'])}", row["none"],
                         _f(row["regret"]), f"{row['steps']:.0f}", f"{row['wall_frac']:.2f}"])
    print_table(rows, headers)

    verdict_rows = []
    for res in results:
        c, r = res["cfg"], res["rows"]
        peer = [r[k]["regret"] for k in PEERS if k in r]
        best_peer = min(peer) if peer else math.nan
        mine = r["lrkit auto"]["regret"]
        digits = c["task"].startswith("digits")
        verdict_rows.append([c["task"], c["optimizer"], _f(mine), _f(best_peer),
                             "yes" if mine <= best_peer + 1e-12 else "NO",
                             ("yes" if mine <= 0.3 else "NO") if digits else "n/a"])
    verdict_headers = ["task", "optimizer", "lrkit auto regret", "best peer regret", "<= best peer",
                       "<= 0.3 points"]
    print()
    print_table(verdict_rows, verdict_headers)

    plot(results, PNG)
    from dev.peers_common import package_version

    versions = [package_version(p) for p in peers]  # a peer's name is its distribution's
    body = (
        f"Sweep for every finder: {SWEEP.start:g} .. {SWEEP.end:g}, {SWEEP.num_steps} rates, exponential; "
        f"{len(seeds)} seeds (charlm: {min(args.charlm_seeds, len(seeds))}); "
        f"peers (dev/peers_finders.py, as they ship): {', '.join(versions) or 'none installed'}. "
        "Regret = grid-best mean metric "
        "minus the mean metric of full runs at the suggested rate (accuracy points; excess loss/MSE "
        "otherwise). `none` counts seeds without a suggestion (charged the worst metric). `steps` = "
        "optimizer steps of the sweep; `CPU / full run` = the sweep's CPU time over one full training "
        "run's wall time.\n\n"
        + markdown_table(rows, headers)
        + "\n\n**Targets** (lrkit auto: find_lr's default, the rule picked by the optimizer's kind):\n\n"
        + markdown_table(verdict_rows, verdict_headers)
        + f"\n\n![finder regret](benchmarks/results/{PNG.name})\n"
    )
    if args.no_record:
        return
    cmd = "nice .venv/bin/python benchmarks/finder_regret.py" + (" --full" if args.full else "")
    if args.charlm_seeds != 5:
        cmd += f" --charlm-seeds {args.charlm_seeds}"
    if args.only:
        cmd += " --only " + " ".join(args.only)
    record("finder_regret", "LR finder regret: lrkit vs torch-lr-finder, Lightning and fastai", body,
           command=cmd)


if __name__ == "__main__":
    main()
