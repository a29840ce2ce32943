"""Ground truth for the learning-rate benchmarks: the final metric of full training runs on an LR grid.

Every run is ``lrkit.tasks.train(task, lr=lr, optimizer=optimizer, budget=budget, seed=seed)``
with a constant rate. Results are cached in ``benchmarks/results/lr_sensitivity.json``,
one record per ``(task, optimizer, lr, seed, budget)``, so the finder and tuning
benchmarks reuse what ``lr_sensitivity.py`` computed and only train what is missing::

    from _ground_truth import GRIDS, load_or_compute, summarize, best_lr
    g = GRIDS["digits-mlp"]
    records = load_or_compute("digits-mlp", g.optimizer, g.lrs, seeds=(0, 1, 2), budget=g.budget)
    best = best_lr(records)                       # grid-best rate by the mean over seeds

A record: ``{"task", "optimizer", "lr", "seed", "budget", "metric_name", "higher_is_better",
"metric", "final", "diverged", "steps", "wall_time"}``. A diverged run carries the task's
worst values (chance accuracy, ``inf`` loss); ``inf`` is stored as ``null`` in the JSON.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import math
import os
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
CACHE = ROOT / "benchmarks" / "results" / "lr_sensitivity.json"

#: Runs on which two records with these equal fields are the same run.
KEY_FIELDS = ("task", "optimizer", "lr", "seed", "budget")


@dataclasses.dataclass(frozen=True)
class Grid:
    """The LR grid of one task: its default optimizer, the rates and the budget (steps)."""

    optimizer: str
    lrs: tuple[float, ...]
    budget: int


def log_grid(lo_exp: float, hi_exp: float, per_decade: int = 3) -> tuple[float, ...]:
    """``10 ** e`` for ``e`` from ``lo_exp`` to ``hi_exp`` in steps of ``1 / per_decade`` (4 digits)."""
    n = int(round((hi_exp - lo_exp) * per_decade)) + 1
    return tuple(float(f"{v:.4g}") for v in np.logspace(lo_exp, hi_exp, n))


def _grids() -> dict[str, Grid]:
    from lrkit.tasks import get_task

    def g(name: str, lo: float, hi: float, budget: int | None = None) -> Grid:
        info = get_task(name).info
        return Grid(info.default_optimizer, log_grid(lo, hi), budget or info.budget)

    return {
        "digits-mlp": g("digits-mlp", -4, 1),
        "digits-cnn": g("digits-cnn", -5, 0),
        "diabetes-linear": g("diabetes-linear", -4, 1),
        "wine-logreg": g("wine-logreg", -2, 2),
        "charlm-small": g("charlm-small", -4, 0),
        # The full charlm budget costs minutes per run; benchmarks default to a cut-down one.
        "charlm": g("charlm", -4, 0, budget=CHARLM_CUT_BUDGET),
    }


#: Cut-down charlm budget (optimizer steps) used unless a benchmark asks for ``--full``.
CHARLM_CUT_BUDGET = 100
#: The default grid of every task (``>= 13`` rates over ``>= 4`` decades, 3 per decade).
GRIDS: dict[str, Grid] = _grids()


def key(task: str, optimizer: str, lr: float, seed: int, budget: int) -> str:
    """The cache key of one run (the rate in ``%.6g`` so grids written as decimals match)."""
    return f"{task}|{optimizer}|{lr:.6g}|{seed}|{budget}"


def _load(path: Path) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    return {k: _restore(r) for k, r in data["runs"].items()}


def _restore(record: dict[str, Any]) -> dict[str, Any]:
    # Only losses are ever non-finite here (a diverged run's worst value is +inf).
    r = dict(record)
    r["final"] = {k: math.inf if v is None else v for k, v in r["final"].items()}
    r["metric"] = math.inf if r["metric"] is None else r["metric"]
    return r


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _save(path: Path, new: dict[str, dict[str, Any]]) -> None:
    """Merge ``new`` into the cache under a file lock (other benchmarks may write too)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        runs = _load(path)
        runs.update(new)
        body = {"about": "lrkit.tasks.train final metrics on LR grids; see benchmarks/_ground_truth.py",
                "runs": {k: _plain(runs[k]) for k in sorted(runs)}}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, path)


def run_one(task: str, optimizer: str, lr: float, seed: int, budget: int) -> dict[str, Any]:
    """Train once (constant rate) and return the cache record."""
    import torch

    from lrkit.tasks import train

    torch.set_num_threads(1)
    r = train(task, lr=lr, optimizer=optimizer, budget=budget, seed=seed)
    return {"task": task, "optimizer": optimizer, "lr": lr, "seed": seed, "budget": budget,
            "metric_name": r.metric_name, "higher_is_better": r.higher_is_better, "metric": r.metric,
            "final": r.final, "diverged": r.diverged, "steps": r.steps, "wall_time": round(r.wall_time, 4)}


def _run_args(args: tuple[str, str, float, int, int]) -> dict[str, Any]:
    return run_one(*args)


def load_or_compute(
    task: str,
    optimizer: str | None = None,
    lrs: Iterable[float] | None = None,
    seeds: Iterable[int] = (0, 1, 2),
    *,
    budget: int | None = None,
    workers: int = 1,
    cache: Path = CACHE,
    verbose: bool = True,
) -> list[dict[str, Any]]:
    """Records for every ``(lr, seed)`` of the grid, training only the runs not in the cache.

    Args:
        task: a built-in task name.
        optimizer, lrs, budget: default to :data:`GRIDS` ``[task]`` (so a benchmark that names only
            the task reuses exactly what ``lr_sensitivity.py`` computed).
        seeds: the seeds of every rate.
        workers: processes to train in parallel (each with one torch thread).
        cache: the JSON cache file.
        verbose: print one line per new run to stderr.

    Returns:
        The records, ordered by rate then seed.
    """
    grid = GRIDS.get(task)
    if grid is None and (optimizer is None or lrs is None or budget is None):
        raise ValueError(f"task {task!r} has no default grid; give optimizer, lrs and budget.")
    optimizer = optimizer or grid.optimizer
    lrs = tuple(float(v) for v in (lrs if lrs is not None else grid.lrs))
    budget = budget or grid.budget
    wanted = [(task, optimizer, lr, int(s), budget) for lr in lrs for s in seeds]
    runs = _load(cache)
    missing = [w for w in wanted if key(*w) not in runs]
    if missing:
        start = time.perf_counter()
        new: dict[str, dict[str, Any]] = {}
        with ProcessPoolExecutor(workers) if workers > 1 else _Serial() as pool:
            for i, rec in enumerate(pool.map(_run_args, missing)):
                new[key(*missing[i])] = rec
                if verbose:
                    print(f"  [{len(new)}/{len(missing)}] {task} {optimizer} lr={rec['lr']:.4g} "
                          f"seed={rec['seed']}: "
                          f"{rec['metric_name']}={rec['metric']:.4g}"
                          f"{' (diverged)' if rec['diverged'] else ''} "
                          f"[{time.perf_counter() - start:.0f}s]", file=sys.stderr, flush=True)
                if len(new) % 10 == 0 or rec["wall_time"] > 5:
                    _save(cache, new)  # keep finished runs if interrupted (every long run)
        _save(cache, new)
        runs.update(new)
    return [runs[key(*w)] for w in wanted]


class _Serial:
    """``map`` in this process, shaped like an executor."""

    def __enter__(self) -> _Serial:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def map(self, fn: Any, items: Sequence[Any]) -> Any:
        return map(fn, items)


def summarize(records: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per rate: mean, std, min and max of the metric over seeds, and how many runs diverged."""
    by_lr: dict[float, list[dict[str, Any]]] = {}
    for r in records:
        by_lr.setdefault(r["lr"], []).append(r)
    rows = []
    for lr in sorted(by_lr):
        m = np.array([r["metric"] for r in by_lr[lr]], dtype=float)
        std = 0.0 if m.min() == m.max() else float(m.std()) if np.all(np.isfinite(m)) else math.inf
        rows.append({"lr": lr, "mean": float(m.mean()), "std": std,
                     "min": float(m.min()), "max": float(m.max()), "n": len(m),
                     "diverged": sum(r["diverged"] for r in by_lr[lr])})
    return rows


def best_lr(records: Sequence[dict[str, Any]]) -> tuple[float, float]:
    """The grid-best rate by the mean metric over seeds, and that mean."""
    rows = summarize(records)
    hib = records[0]["higher_is_better"]
    best = max(rows, key=lambda r: r["mean"]) if hib else min(rows, key=lambda r: r["mean"])
    return best["lr"], best["mean"]


def good_band(
    records: Sequence[dict[str, Any]], *, acc_tol: float = 0.01, loss_rel: float = 0.05
) -> tuple[float, float]:
    """The lowest and highest grid rate whose mean is near the best.

    Near means within ``acc_tol`` (absolute) of the best accuracy, or within ``loss_rel``
    (relative) of the best loss / MSE.
    """
    rows = summarize(records)
    _, best = best_lr(records)
    if records[0]["higher_is_better"]:
        ok = [r["lr"] for r in rows if r["mean"] >= best - acc_tol]
    else:
        ok = [r["lr"] for r in rows if r["mean"] <= best * (1 + loss_rel)]
    return min(ok), max(ok)
