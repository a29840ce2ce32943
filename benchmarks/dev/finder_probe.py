"""How far does ``find_lr``'s suggestion land from the grid-best rate on workloads outside the zoo?

The repro of the new-user probe (``dev.finder_probe_workloads``: nine task scripts a user wrote, none in
the zoo, none used to choose a rule). Per workload and seed (0, 1, 2): one ``find_lr`` call with every
default (``rule="auto"``, second pass on), and :func:`lrkit.finder.advise`'s confidence word; the
ground truth is a grid of full runs (``lrkit.tasks.train``, :data:`BUDGET` updates, rates
``10 ** (k / 3)`` from 1e-5 to 10, the same seeds), once at a constant rate (the zoo's protocol) and
once with the schedule the advice prints (a cosine to 1% over the run, peaking at the rate). Regret:
the zoo's ``gap`` unit, percent of the grid-best rate's gain over the untrained model that is lost,
read from the grid's mean interpolated in log-rate at the suggestion.

Cached in ``benchmarks/results/finder_probe.json``::

    nice -n 10 .venv/bin/python benchmarks/dev/finder_probe.py [NAME ...]
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev.finder_plateau_workloads import WORKLOADS as PLATEAU  # noqa: E402
from dev.finder_probe_workloads import WORKLOADS  # noqa: E402
from dev.finder_zoo_data import load_cache, save_cache  # noqa: E402
from lrkit.finder import FinderPolicy, advise  # noqa: E402
from lrkit.tasks import train  # noqa: E402
from lrkit.torch import find_lr  # noqa: E402

__all__ = ["BUDGET", "BUILDS", "GRID", "SEEDS", "grid", "probe", "regret", "suggestion"]

RESULTS = Path(__file__).resolve().parents[1] / "results" / "finder_probe.json"
SEEDS = (0, 1, 2)
#: Updates of every full run: the probe's (a few epochs of each data set).
BUDGET = 300
#: The grid's rates: three per decade from 1e-5 to 10.
GRID = tuple(float(f"{10 ** (k / 3):.4g}") for k in range(-15, 4))
#: The two ways a full run uses the rate: held constant, or the advice's cosine peaking at it.
SCHEDULES = {"constant": None, "cosine": f"cosine(lr=1, steps={BUDGET}, min_lr=0.01)"}
#: Every workload this module can run: the probe's nine and the plateau benchmark's three (same protocol).
BUILDS = {**WORKLOADS, **PLATEAU}


def _run(name: str, lr: float, seed: int, schedule: str) -> float:
    """The validation loss after a full run (``inf`` when it diverged), cached."""
    data, key = load_cache(RESULTS), f"run|{name}|{lr:.6g}|{seed}|{schedule}"
    if key not in data:
        torch.set_num_threads(1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = train(BUILDS[name], lr=lr, schedule=SCHEDULES[schedule], budget=BUDGET, seed=seed)
        data[key] = r.metric if math.isfinite(r.metric) and not r.diverged else None
        save_cache(RESULTS)
    v = data[key]
    return math.inf if v is None else float(v)


def untrained(name: str) -> float:
    """The validation loss of the untrained model (mean over seeds): regret 100."""
    return float(np.mean([_run(name, 1e-12, s, "constant") for s in SEEDS]))


def grid(name: str, schedule: str) -> np.ndarray:
    """The mean validation loss over seeds at each :data:`GRID` rate (a diverged run scores untrained)."""
    top = untrained(name)
    return np.array([np.mean([min(_run(name, lr, s, schedule), top) for s in SEEDS]) for lr in GRID])


def regret(name: str, lr: float | None, schedule: str) -> float:
    """Gap regret of ``lr``: the grid's mean interpolated in log-rate (100 for no suggestion)."""
    if lr is None:
        return 100.0
    g, top = grid(name, schedule), untrained(name)
    best = float(g.min())
    at = float(np.interp(np.log10(lr), np.log10(GRID), g))
    return 100.0 * (at - best) / (top - best)


def suggestion(name: str, seed: int, policy: FinderPolicy = FinderPolicy(),
               read: Callable[[Any], dict[str, Any]] | None = None) -> dict[str, Any]:
    """``find_lr``'s answer with every default but ``policy``: rate, confidence word, signal, source."""
    torch.set_num_threads(1)
    parts = BUILDS[name](seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                    policy=policy, progress=False)
    a = advise(r)
    out = {"lr": r.suggestion, "confidence": a.confidence, "source": r.meta.get("source"),
           "reason": r.reason, "lrs": r.lrs.tolist(), "losses": r.losses.tolist()}
    if read is not None:
        out.update(read(r))
    return out


def probe(names: list[str], policy: FinderPolicy = FinderPolicy()) -> list[list[Any]]:
    """One row per workload and seed: suggestion, grid bests, distance in decades, regrets, confidence."""
    rows = []
    for n in names:
        bests = {k: GRID[int(np.argmin(grid(n, k)))] for k in SCHEDULES}
        for s in SEEDS:
            a = suggestion(n, s, policy)
            lr = a["lr"]
            far = {k: "-" if lr is None else f"{math.log10(lr / b):+.2f}" for k, b in bests.items()}
            rows.append([n, s, "-" if lr is None else f"{lr:.3g}", a["confidence"], a["source"],
                         f"{bests['constant']:.3g}", far["constant"], f"{regret(n, lr, 'constant'):.1f}",
                         f"{bests['cosine']:.3g}", far["cosine"], f"{regret(n, lr, 'cosine'):.1f}",
                         a["reason"][:60]])
    return rows


HEADERS = ["workload", "seed", "suggestion", "confidence", "source", "best (constant)", "decades",
           "regret", "best (cosine)", "decades", "regret", "reason"]


def main() -> None:
    from dev.record import print_table

    names = sys.argv[1:] or list(WORKLOADS)
    print_table(probe(names), HEADERS)


if __name__ == "__main__":
    main()
