"""How the final metric of every built-in task depends on the (constant) learning rate.

For each task and its default optimizer and budget: full training runs on a log grid of
rates (3 per decade, >= 13 rates over >= 4 decades) and 3 seeds; the mean, spread and
divergences per rate, the grid-best rate, and one PNG of all the U-shaped curves.
The runs are cached in ``benchmarks/results/lr_sensitivity.json`` (see ``dev/ground_truth.py``):
the finder and tuning benchmarks read the same ground truth.

    nice .venv/bin/python benchmarks/lr_sensitivity.py            # charlm at a cut-down budget
    nice .venv/bin/python benchmarks/lr_sensitivity.py --full     # charlm at its full budget too
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev.ground_truth import GRIDS, ROOT, best_lr, good_band, load_or_compute, summarize  # noqa: E402
from dev.record import markdown_table, print_table, record  # noqa: E402

PNG = ROOT / "benchmarks" / "results" / "lr_sensitivity.png"
ORDER = ["digits-mlp", "digits-cnn", "diabetes-linear", "wine-logreg", "charlm-small", "charlm"]


def _fmt(v: float) -> str:
    return "inf" if math.isinf(v) else f"{v:.4g}"


def plot(results: dict[str, list[dict]], path: Path) -> None:
    """One panel per task: mean metric vs rate (log), the seed range shaded, divergences marked."""
    from dev.plots import pyplot
    from lrkit.tasks import get_task

    plt = pyplot()
    n = len(results)
    cols = min(3, n)
    rows_n = math.ceil(n / cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(4.6 * cols, 3.5 * rows_n), layout="constrained",
                             squeeze=False)
    for ax, (task, records) in zip(axes.ravel(), results.items()):
        rows = summarize(records)
        lrs = np.array([r["lr"] for r in rows])
        mean = np.array([r["mean"] for r in rows])
        lo, hi = np.array([r["min"] for r in rows]), np.array([r["max"] for r in rows])
        finite = np.isfinite(mean)
        ax.plot(lrs[finite], mean[finite], "o-", ms=3.5, color="C0", label="mean of 3 seeds")
        band = np.isfinite(lo) & np.isfinite(hi)
        ax.fill_between(lrs[band], lo[band], hi[band], color="C0", alpha=0.2, label="min-max over seeds")
        g = records[0]
        if not g["higher_is_better"] and finite.any():
            # Losses explode past the edge of stability: show the bottom of the U, not the blow-up.
            fin = mean[finite]
            ax.set_ylim(0.9 * fin.min(), min(fin.max(), 2.5 * fin.min()) * 1.05)
        div = np.array([r["diverged"] > 0 for r in rows])
        if div.any():
            edge = ax.get_ylim()[0] if g["higher_is_better"] else ax.get_ylim()[1]
            ax.plot(lrs[div], np.full(div.sum(), edge), "x", color="C3", clip_on=False,
                    label="a seed diverged")
        best, _ = best_lr(records)
        ax.axvline(best, color="C2", ls="--", lw=1, label=f"grid best {best:.3g}")
        curvature = getattr(get_task(task), "curvature", None)
        if curvature is not None:
            ax.axvline(curvature().max_stable_lr, color="C1", ls=":", lw=1.2, label="2/L (full-batch GD)")
        ax.set_xscale("log")
        ax.set_title(f"{task} ({g['optimizer']}, {g['budget']} steps)", fontsize=10)
        ax.set_xlabel("learning rate")
        better = " (higher is better)" if g["higher_is_better"] else " (lower is better)"
        ax.set_ylabel(g["metric_name"] + better)
        ax.legend(fontsize=7)
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", nargs="*", default=ORDER, help="tasks to run (default: all)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds per rate (default 3)")
    parser.add_argument("--full", action="store_true", help="charlm at its full budget (minutes per run)")
    parser.add_argument("--workers", type=int, default=1, help="parallel training processes")
    parser.add_argument("--no-record", action="store_true", help="do not write BENCHMARKS.md")
    args = parser.parse_args()

    from lrkit.tasks import get_task

    results: dict[str, list[dict]] = {}
    summary, details = [], []
    for task in args.tasks:
        g = GRIDS[task]
        budget = get_task(task).info.budget if (args.full and task == "charlm") else g.budget
        print(f"{task}: {g.optimizer}, {len(g.lrs)} rates {g.lrs[0]:g}..{g.lrs[-1]:g}, {args.seeds} seeds, "
              f"{budget} steps", flush=True)
        seeds = range(args.seeds)
        records = load_or_compute(task, g.optimizer, g.lrs, seeds, budget=budget, workers=args.workers)
        results[task] = records
        rows = summarize(records)
        table = [[r["lr"], _fmt(r["mean"]), _fmt(r["std"]), _fmt(r["min"]), _fmt(r["max"]), r["diverged"]]
                 for r in rows]
        headers = ["lr", f"mean {records[0]['metric_name']}", "std", "min", "max", "diverged"]
        print_table(table, headers)
        best, best_mean = best_lr(records)
        lo, hi = good_band(records)
        info = get_task(task).info
        near = min(rows, key=lambda r: abs(math.log(r["lr"] / info.default_lr)))  # nearest grid rate
        summary.append([task, g.optimizer, budget, f"{g.lrs[0]:g}..{g.lrs[-1]:g} ({len(g.lrs)})",
                        records[0]["metric_name"], f"{best:.3g}", _fmt(best_mean), f"{lo:.3g}..{hi:.3g}",
                        f"{info.default_lr:g} ({_fmt(near['mean'])} at {near['lr']:.3g})"])
        details.append(f"**{task}** ({g.optimizer}, {budget} steps, seeds 0..{args.seeds - 1})\n\n"
                       + markdown_table(table, headers))
        print(f"grid-best lr {best:.4g} ({records[0]['metric_name']} {_fmt(best_mean)}); near-best band "
              f"{lo:.3g}..{hi:.3g}\n", flush=True)

    headers = ["task", "optimizer", "steps", "grid (rates)", "metric", "grid-best lr", "best mean",
               "near-best band", "default lr (mean at nearest grid rate)"]
    print_table(summary, headers)
    plot(results, PNG)
    if args.no_record:
        return
    body = (
        "Final validation metric after a full constant-rate run, per learning rate (3 per decade) and seed, "
        "each task with its default optimizer and budget. Diverged runs (NaN/inf loss) count as the worst "
        "value (chance accuracy, infinite loss). *Near-best band*: rates whose mean is within 1 accuracy "
        "point (or 5% of the loss) of the best. Ground truth for the finder and tuning benchmarks "
        "(cached in `benchmarks/results/lr_sensitivity.json`). "
        + ("" if args.full else f"charlm runs at a cut-down budget ({GRIDS['charlm'].budget} of its "
           f"{get_task('charlm').info.budget} steps; `--full` for the whole budget), so its default rate, "
           "chosen for the full budget, need not be its cut-down optimum. ")
        + "The wine-logreg metric is the training objective, the quantity step-size theory speaks about; "
        "the dotted line is 2/L of full-batch GD (`ConvexTask.curvature()`).\n\n"
        + markdown_table(summary, headers)
        + "\n\n![LR sensitivity](benchmarks/results/lr_sensitivity.png)\n\n"
        + "<details><summary>Per-rate tables</summary>\n\n" + "\n\n".join(details) + "\n\n</details>"
    )
    cmd = "nice .venv/bin/python benchmarks/lr_sensitivity.py" + (" --full" if args.full else "")
    record("lr_sensitivity", "Learning-rate sensitivity of the built-in tasks", body, command=cmd)


if __name__ == "__main__":
    main()
