"""The tuned references a no-rate method is measured against, for zoo workloads and built-in tasks alike.

For a workload ``name`` (a zoo workload, or a built-in task at its ground-truth budget):

* :func:`constant_best`: the grid-best constant rate and its per-seed scored metrics (the zoo's
  ``dev.zoo_grid``; for a built-in task ``dev.ground_truth``'s sensitivity grid, charlm cut to 100
  updates as there);
* :func:`tuned_schedule`: the best peak of a schedule shape (``dev.autopilot_grid.shape_spec``: a
  linear warmup, then the shape) over a grid of peaks a third of a decade apart around the constant
  best, widened until the best peak is interior, and its per-seed metrics: what a user who tuned
  the rate for that schedule gets;
* :func:`regret`: how far a scored metric is behind the constant best, in the zoo's native unit
  (accuracy points, or percent of the best loss) or its ``"gap"`` unit (percent of the best rate's
  gain over the untrained model; a built-in task's untrained metric is evaluated here, seed 0),
  and :func:`tolerance`, the target's margin in the native unit.

Built-in tasks are scored like the zoo's runs (never worse than the untrained model's metric).
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import numpy as np

from dev import autopilot_grid as ag
from dev import zoo_grid as zg
from dev.autopilot_zoo_runs import cached, resolve_task, scored
from dev.zoo_runs import run_key

__all__ = ["BUILTIN", "Missing", "budget_of", "constant_best", "family_of", "regret", "tolerance",
           "tuned_at", "tuned_key", "tuned_schedule"]

#: The built-in tasks, held out of every choice; re-measured at the end.
BUILTIN = ("diabetes-linear", "wine-logreg", "digits-mlp", "digits-cnn", "charlm-small", "charlm")


class Missing(LookupError):
    """A reference run that is not cached, asked for with ``run=False``."""


def _is_zoo(name: str) -> bool:
    return name not in BUILTIN


def family_of(name: str) -> str:
    """The zoo family, or ``"built-in"``."""
    return resolve_task(name).info.family if _is_zoo(name) else "built-in"


def budget_of(name: str) -> int:
    """Updates per run: the workload's own budget (a built-in task's ground-truth budget)."""
    if _is_zoo(name):
        return resolve_task(name).info.budget
    from dev.ground_truth import GRIDS

    return GRIDS[name].budget


def _builtin_grid(name: str, seeds: tuple[int, ...]) -> dict[float, list[float]]:
    from dev.ground_truth import CACHE, GRIDS

    g, task = GRIDS[name], resolve_task(name)
    runs = json.loads(CACHE.read_text())["runs"]
    out: dict[float, dict[int, float]] = {}
    for r in runs.values():
        same = r["task"] == name and r["optimizer"] == g.optimizer and r["budget"] == g.budget
        if same and r["seed"] in seeds:
            raw = math.nan if r["metric"] is None else r["metric"]
            out.setdefault(r["lr"], {})[r["seed"]] = scored(task, raw, bool(r["diverged"]))
    return {lr: [v[s] for s in seeds] for lr, v in sorted(out.items()) if len(v) == len(seeds)}


def _best(grid: dict[float, list[float]], higher: bool) -> tuple[float, list[float]]:
    lrs = sorted(grid)
    means = [np.mean(grid[lr]) for lr in lrs]
    i = int(np.argmax(means) if higher else np.argmin(means))
    return lrs[i], list(grid[lrs[i]])


def constant_best(name: str, seeds: tuple[int, ...] = zg.SEEDS) -> tuple[float, list[float]]:
    """The grid-best constant rate and its per-seed scored metrics."""
    if _is_zoo(name):
        g = zg.load(name)
        return float(g.lrs[g.best_index]), [float(v) for v in g.metrics[g.best_index]]
    return _best(_builtin_grid(name, seeds), resolve_task(name).info.higher_is_better)


def _builtin_run(name: str, lr: float, seed: int, spec: str) -> float:
    from lrkit.tasks import train

    task = resolve_task(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = train(task, lr=lr, schedule=spec, budget=budget_of(name), seed=seed)
    return scored(task, r.metric, r.diverged)


def _scheduled(name: str, lr: float, seed: int, spec: str, shape: str, run: bool = True,
               tag: str = "") -> float:
    if _is_zoo(name):
        if not run and not zg.run_path(name, lr, seed, spec, tag).exists():
            raise Missing(name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return zg.run_at(name, lr, seed, spec, tag).metric

    def fresh() -> dict[str, float]:
        if not run:
            raise Missing(name)
        return {"metric": _builtin_run(name, lr, seed, spec)}

    return cached(f"tuned:{shape}:{lr:.6g}{tag}", name, seed, budget_of(name), fresh)["metric"]


def tuned_key(name: str, shape: str, seed: int = 0, tag: str = "") -> str:
    """A store key naming :func:`tuned_schedule`'s runs under a machine ``tag`` (the zoo's are files of
    ``zoo_runs/``, a built-in task's records of the Autopilot's store): what
    ``dev.autopilot_zoo_runs.paired`` reads their machine from."""
    return f"tuned:{shape}{tag}|{name}|{seed}|{budget_of(name)}"


def tuned_schedule(name: str, shape: str, seeds: tuple[int, ...] = zg.SEEDS, span: int = ag.START_SPAN,
                   run: bool = True, tag: str = "") -> tuple[float, list[float]]:
    """The best peak of ``shape`` on ``name`` and its per-seed scored metrics (see the module docstring),
    from the runs made on the machine of ``tag`` (``dev.autopilot_zoo_runs.MACHINES``; none: the runs
    stored before tags).

    Raises:
        Missing: with ``run=False``, when a run it needs is not cached.
    """
    info = resolve_task(name).info
    spec = ag.shape_spec(shape, budget_of(name))
    c = zg.exponent(constant_best(name, seeds)[0])
    done = {k: [_scheduled(name, zg.rate(k), s, spec, shape, run, tag) for s in seeds]
            for k in range(c - span, c + span + 1)}
    for _ in range(ag.MAX_DECADES):
        ks = sorted(done)
        kb, _ = _best({k: done[k] for k in ks}, info.higher_is_better)  # keyed by exponent
        new = range(ks[0] - zg.PER_DECADE, ks[0]) if kb == ks[0] else \
            range(ks[-1] + 1, ks[-1] + 1 + zg.PER_DECADE) if kb == ks[-1] else ()
        if not new:
            break
        done.update({k: [_scheduled(name, zg.rate(k), s, spec, shape, run, tag) for s in seeds] for k in new})
    k, metrics = _best(done, info.higher_is_better)
    return zg.rate(k), metrics


def tuned_at(name: str, shape: str, seeds: tuple[int, ...] = zg.SEEDS, run: bool = True, tag: str = "",
             chosen_on: str = "") -> tuple[float, list[float]]:
    """The peak :func:`tuned_schedule` chose from the runs of the machine of ``chosen_on``, and its per-seed
    metrics from runs made on the machine of ``tag`` (``dev.autopilot_zoo_runs.MACHINES``): the reference
    scored on one machine where its peak search was made on another (a grid step is 2.15x, and a float
    rounding rarely moves the best of them; the scores it does move).

    Raises:
        Missing: with ``run=False``, when a run it needs is not cached.
    """
    lr, _ = tuned_schedule(name, shape, seeds, run=False, tag=chosen_on)
    spec = ag.shape_spec(shape, budget_of(name))
    return lr, [_scheduled(name, lr, s, spec, shape, run, tag) for s in seeds]


def _untrained(name: str) -> float:
    """A built-in task's metric before any update (seed 0), cached in the store."""
    task = resolve_task(name)

    def evaluate() -> dict[str, float]:
        parts = task.build(0)
        return {"metric": float(task.evaluate(parts["model"], parts["val_loader"])[task.info.metric])}

    return cached("untrained", name, 0, budget_of(name), evaluate)["metric"]


def regret(name: str, metric: float, seeds: tuple[int, ...] = zg.SEEDS, unit: str = "best") -> float:
    """Behind the constant best's mean (>= 0 is behind): ``unit="best"``, points for accuracy,
    percent of the best loss; ``unit="gap"``, percent of the best rate's gain over the untrained model."""
    info = resolve_task(name).info
    if _is_zoo(name):
        return float(zg.regret(name, metric, unit=unit))
    best = float(np.mean(constant_best(name, seeds)[1]))
    behind = best - metric if info.higher_is_better else metric - best
    if unit == "gap":
        return 100.0 * behind / abs(best - _untrained(name))
    return 100.0 * behind if info.metric == "val_acc" else 100.0 * behind / abs(best)


def tolerance(name: str) -> float:
    """The target's margin in :func:`regret`'s unit: 0.5 accuracy points, or 1% of the best loss."""
    return 0.5 if resolve_task(name).info.metric == "val_acc" else 1.0


def describe(name: str) -> dict[str, Any]:
    """What the table prints about a workload: family, optimizer, metric, budget."""
    info = resolve_task(name).info
    return {"family": family_of(name), "optimizer": info.default_optimizer, "metric": info.metric,
            "budget": budget_of(name)}
