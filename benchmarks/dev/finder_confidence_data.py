"""What the advice's confidence word is read from, and how far each answer landed: per zoo and probe cell.

For every zoo workload and seed (``dev.finder_zoo_data``) and every probe workload and seed
(``dev.finder_probe``): one ``find_lr`` call with every default (``rule="auto"``, second pass and
interval on), then :func:`lrkit.finder.advise`. Recorded: the suggestion, the word the advice gives, and
the measured quantities a word can be read from (:func:`lrkit.finder.confidence_features`); and the
distance in decades from the grid-best constant rate (the zoo's ground truth, ``dev.zoo_grid``, and the
probe's constant-rate grid). Cached in ``benchmarks/results/finder_confidence.json`` under a key that
names the finder's revision (:data:`REVISION`), so an edit that moves suggestions is recomputed::

    nice -n 10 .venv/bin/python benchmarks/dev/finder_confidence_data.py
"""

from __future__ import annotations

import math
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev import finder_probe as probe  # noqa: E402
from dev import finder_zoo_data as data  # noqa: E402
from dev import zoo_grid  # noqa: E402
from dev.finder_zoo_data import load_cache, save_cache  # noqa: E402
from lrkit import zoo  # noqa: E402
from lrkit.finder import advise, confidence_features  # noqa: E402
from lrkit.torch import find_lr  # noqa: E402

__all__ = ["REVISION", "cells", "collect"]

RESULTS = Path(__file__).resolve().parents[1] / "results" / "finder_confidence.json"
#: The finder's revision the records come from: raise it when a change moves suggestions or features
#: (2: the anchor distance linear in the lag for a momentum between 0 and 0.9; 3: the descent floor; 4: no
#: finder change, re-recorded on the machine of sessions 10-14, where 8 of the 111 zoo answers of 3 differed
#: by 0.008-0.22 decades).
REVISION = 4
def _build(where: str, name: str, seed: int) -> dict[str, Any]:
    return zoo.get(name).build(seed) if where == "zoo" else probe.WORKLOADS[name](seed)


def _best(where: str, name: str) -> float:
    """The grid-best constant rate (the zoo's ground truth; the probe's constant-rate grid)."""
    if where == "zoo":
        return float(zoo_grid.best(name)[0])
    return float(probe.GRID[int(np.argmin(probe.grid(name, "constant")))])


def record(where: str, name: str, seed: int) -> dict[str, Any]:
    """One cell's answer, advice word, features and distance from the grid best (cached)."""
    key = f"{where}|{name}|{seed}|r{REVISION}"
    cache = load_cache(RESULTS)
    if key not in cache:
        torch.set_num_threads(1)
        parts = _build(where, name, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                        progress=False)
        a = advise(r)
        best = _best(where, name)
        cache[key] = {"lr": r.suggestion, "confidence": a.confidence, **confidence_features(r),
                      "decades": None if r.suggestion is None else math.log10(r.suggestion / best),
                      "family": zoo.get(name).info.family if where == "zoo" else f"probe:{name}"}
        save_cache(RESULTS)
    return cache[key]


def cells(where: str) -> list[tuple[str, int]]:
    """Every ``(workload, seed)`` of the zoo (finished grids) or of the probe."""
    if where == "zoo":
        return [(n, s) for n in data.workloads() if zoo_grid.status(n) == "ok" for s in data.SEEDS]
    return [(n, s) for n in probe.WORKLOADS for s in probe.SEEDS]


def collect(where: str) -> list[dict[str, Any]]:
    """Every cell's record (computed where missing)."""
    return [{"name": n, "seed": s, **record(where, n, s)} for n, s in cells(where)]


if __name__ == "__main__":
    for w in sys.argv[1:] or ["zoo", "probe"]:
        print(w, len(collect(w)))
