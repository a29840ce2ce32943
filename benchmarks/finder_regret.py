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
     ``falling`` (w = 0; auto's pick for adaptive optimizers), ``steepest``, fastai-style ``valley`` and ``minimum/10`` rules;
   - torch-lr-finder 0.2.x ``LRFinder.range_test`` + its ``plot(suggest_lr=True)``
     suggestion (steepest gradient of its EMA-smoothed loss), if installed;
   - Lightning ``Tuner.lr_find`` + ``suggestion()``, if installed.
3. **Regret**: a full training run at each suggested rate, with the same seed; regret =
   grid-best mean metric minus the mean metric of those runs (accuracy in points; for
   loss/MSE tasks, the excess loss). A finder that gives no suggestion is charged the
   task's worst metric (chance accuracy / infinite loss).
4. **Cost**: optimizer steps of each sweep and its wall time as a fraction of one full
   run; and the overhead of ``find_lr`` over the same number of plain training steps
   (sweep loop only, and end to end including snapshot, restore, smoothing, rules and
   the bootstrap interval).

    nice .venv/bin/python benchmarks/finder_regret.py            # charlm at a cut-down budget
    nice .venv/bin/python benchmarks/finder_regret.py --full     # charlm at its full budget
    nice .venv/bin/python benchmarks/finder_regret.py --overhead-only   # the overhead table alone

torch-lr-finder is a benchmark-only dependency: ``pip install --no-deps torch-lr-finder``
(it must not change torch); it is not part of CI.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import math
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev.ground_truth import GRIDS, ROOT, best_lr, load_or_compute, log_grid, summarize  # noqa: E402
from dev.record import markdown_table, print_table, record  # noqa: E402

import torch  # noqa: E402

from lrkit.tasks import get_task  # noqa: E402
from lrkit.finder import Sweep  # noqa: E402
from lrkit.torch import find_lr  # noqa: E402

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

    from lrkit.plotting._mpl import pyplot

    opt = parts["optimizer"]
    for g in opt.param_groups:
        g["lr"] = SWEEP.start  # torch-lr-finder starts from the optimizer's rate
    finder = LRFinder(parts["model"], opt, parts["loss_fn"], device="cpu")
    began = time.perf_counter()
    with _quiet():
        finder.range_test(TrainDataLoaderIter(parts["train_loader"]), end_lr=SWEEP.end,
                          num_iter=SWEEP.num_steps, step_mode="exp")
    wall = time.perf_counter() - began
    plt = pyplot()
    fig, ax = plt.subplots()
    try:
        with _quiet():
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
    with tempfile.TemporaryDirectory() as tmp, _quiet():
        trainer = L.Trainer(accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                            enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp)
        began = time.perf_counter()
        found = Tuner(trainer).lr_find(Module(), train_dataloaders=loader, min_lr=SWEEP.start,
                                       max_lr=SWEEP.end, num_training=SWEEP.num_steps,
                                       update_attr=False)
        wall = time.perf_counter() - began
    lr = found.suggestion() if found is not None else None
    return (float(lr) if lr is not None else None), len(found.results["lr"]) if found else 0, wall


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence a peer's prints, progress bars, log lines and warnings (results are printed by us)."""
    loggers = [logging.getLogger(n) for n in ("lightning", "lightning.pytorch", "lightning.fabric")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


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


def overhead(task: str, optimizer: str, repeats: int = 7) -> dict[str, float]:
    """Median wall time of find_lr vs the same number of plain training steps on the same batches.

    Each repeat builds the task afresh and times both on it, in alternating order (the
    first loop on a fresh model pays one-time costs, such as allocating its buffers, that
    the second does not), and the ratios are those of the medians.
    """
    n = SWEEP.num_steps
    times: dict[str, list[float]] = {k: [] for k in ("plain", "sweep", "total", "plain_cpu", "sweep_cpu",
                                                      "total_cpu")}
    for rep in range(repeats):
        parts = get_task(task).build(0, optimizer=optimizer)
        model, opt, loss_fn = parts["model"], parts["optimizer"], parts["loss_fn"]
        batches = []
        while len(batches) < n:
            batches.extend(parts["train_loader"])
        batches = batches[:n]
        state = {k: v.clone() for k, v in model.state_dict().items()}

        def plain() -> None:
            began, began_cpu = time.perf_counter(), time.process_time()
            for x, y in batches:  # the plain loop a user would write (loss logged each step)
                opt.zero_grad(set_to_none=True)
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
                loss.item()
            times["plain"].append(time.perf_counter() - began)
            times["plain_cpu"].append(time.process_time() - began_cpu)
            model.load_state_dict(state)
            opt.state.clear()

        def finder() -> None:
            # A sweep that stays low so that every one of the n steps runs (no early stop);
            # find_lr restores the model and optimizer itself.
            began, began_cpu = time.perf_counter(), time.process_time()
            res = find_lr(model, opt, loss_fn, batches, sweep=Sweep(start=1e-7, end=1e-4, num_steps=n))
            times["total"].append(time.perf_counter() - began)
            times["total_cpu"].append(time.process_time() - began_cpu)
            assert res.steps == n, res
            times["sweep"].append(res.wall_time)
            times["sweep_cpu"].append(res.meta["loop_cpu_time"])

        for measure in (plain, finder) if rep % 2 == 0 else (finder, plain):
            measure()
    m = {k: statistics.median(v) for k, v in times.items()}
    return {"plain_s": m["plain"], "sweep_s": m["sweep"], "total_s": m["total"],
            "sweep_ratio": m["sweep"] / m["plain"], "total_ratio": m["total"] / m["plain"],
            "sweep_cpu_ratio": m["sweep_cpu"] / m["plain_cpu"], "total_cpu_ratio": m["total_cpu"] / m["plain_cpu"]}


def overhead_table(repeats: int) -> tuple[list[list[Any]], list[str]]:
    """The overhead table's rows and headers: digits-mlp (SGD) and digits-cnn (Adam)."""
    over = [dict(task=t, optimizer=o, **overhead(t, o, repeats))
            for t, o in (("digits-mlp", "sgd"), ("digits-cnn", "adam"))]
    rows = [[o["task"], o["optimizer"], f"{o['plain_s'] * 1e3:.1f}", f"{o['sweep_s'] * 1e3:.1f}",
             f"{o['total_s'] * 1e3:.1f}", f"{o['sweep_ratio']:.3f}", f"{o['total_ratio']:.2f}",
             f"{o['sweep_cpu_ratio']:.3f}", f"{o['total_cpu_ratio']:.2f}"] for o in over]
    headers = ["task", "optimizer", "100 plain steps (ms)", "find_lr sweep loop (ms)",
               "find_lr end to end (ms)", "sweep / plain", "end to end / plain", "sweep / plain (CPU)",
               "end to end / plain (CPU)"]
    return rows, headers


# ---------------------------------------------------------------- output


def plot(results: list[dict[str, Any]], path: Path) -> None:
    from lrkit.plotting._mpl import pyplot

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
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="charlm at its full budget")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--charlm-seeds", type=int, default=5,
                        help="seeds for charlm (a cut-down run costs ~16 s of CPU; seeds 3 and 4 added "
                             "~14 CPU-minutes: 26 grid runs, the runs at every finder's suggestions, the sweeps)")
    parser.add_argument("--only", nargs="*", help="task names to run (default: all)")
    parser.add_argument("--no-record", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--suggest-only", action="store_true",
                        help="only run the finders and the full runs at their suggestions (fills the caches)")
    parser.add_argument("--overhead-only", action="store_true",
                        help="only measure and print the finder-overhead table (a minute or two; leaves "
                             "BENCHMARKS.md alone)")
    parser.add_argument("--overhead-repeats", type=int, default=7,
                        help="side-by-side repeats of the overhead measurement (the median is reported)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if args.overhead_only:
        print_table(*overhead_table(args.overhead_repeats))
        return
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
               "range over seeds", "none", "regret", "steps", "wall / full run"]
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
        peer = [r[k]["regret"] for k in ("torch-lr-finder", "lightning") if k in r]
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

    over_rows, over_headers = overhead_table(args.overhead_repeats)
    print()
    print_table(over_rows, over_headers)

    plot(results, PNG)
    versions = []
    for mod in ("torch_lr_finder", "lightning"):
        try:
            versions.append(f"{mod} {__import__(mod).__version__}")
        except (ImportError, AttributeError):
            pass
    body = (
        f"Sweep for every finder: {SWEEP.start:g} .. {SWEEP.end:g}, {SWEEP.num_steps} rates, exponential; "
        f"{len(seeds)} seeds (charlm: {min(args.charlm_seeds, len(seeds))}); "
        f"peers: {', '.join(versions) or 'none installed'}. Regret = grid-best mean metric "
        "minus the mean metric of full runs at the suggested rate (accuracy points; excess loss/MSE otherwise). "
        "`none` counts seeds without a suggestion (charged the worst metric). `steps` = optimizer steps of the "
        "sweep; `wall / full run` = sweep wall time over one full training run.\n\n"
        + markdown_table(rows, headers)
        + "\n\n**Targets** (lrkit auto: find_lr's default, the rule picked by the optimizer's kind):\n\n"
        + markdown_table(verdict_rows, verdict_headers)
        + f"\n\n**Finder overhead** over the same number of plain training steps (median of "
        f"{args.overhead_repeats}, side by side; the sweep loop "
        "is `FinderResult.wall_time`; end to end adds snapshot, restore, smoothing, rules and the bootstrap "
        "interval; the ratios are of wall times, and of process CPU times in the (CPU) columns, which other "
        "processes on a shared machine do not inflate):\n\n"
        + markdown_table(over_rows, over_headers)
        + f"\n\n![finder regret](benchmarks/results/{PNG.name})\n"
    )
    if args.no_record:
        return
    cmd = "nice .venv/bin/python benchmarks/finder_regret.py" + (" --full" if args.full else "")
    if args.charlm_seeds != 5:
        cmd += f" --charlm-seeds {args.charlm_seeds}"
    if args.only:
        cmd += " --only " + " ".join(args.only)
    record("finder_regret", "LR finder regret: lrkit vs torch-lr-finder vs Lightning", body, command=cmd)


if __name__ == "__main__":
    main()
