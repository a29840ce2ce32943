"""The constant-rate grid histories of the twelfth new-user probe's six workloads (none in the zoo), frozen.

``benchmarks/results/ux16_probe_histories.npz`` holds the per-update training losses of the probe's grid
(/work/notes/ux16 ``wprobe.py``, session 16; recorded on the Intel Xeon machine): a small vision transformer
(AdamW), a 1-D CNN (SGD momentum), a graph-feature MLP (Adam), a siamese pair loss (SGD momentum), an
ordinal CORAL head (Adam) and a frozen pretrained body with a new head (plain SGD); rates 1e-4 .. 3.16 in
half decades, 300 updates, seeds 0-1 (vit, cnn1d, graphmlp: seed 0), with each run's final validation loss.
The losses are float32 (as recorded; NaN-padded after a run that stopped on a non-finite loss, ``length``
says where).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

__all__ = ["HISTORIES", "load"]

HISTORIES = Path(__file__).resolve().parents[1] / "results" / "ux16_probe_histories.npz"


def load() -> list[dict]:
    """One dict per run: ``workload``, ``lr``, ``seed``, ``loss`` (float64), ``lrs`` (constant) and
    ``decades_from_best``: ``log10(lr / best)``, the best rate the one of lowest mean validation loss over
    the seeds (a non-finite validation loss counts as infinite).

    Example:
        >>> runs = load()
        >>> len(runs), sorted({r["workload"] for r in runs})[:2]
        (90, ['cnn1d', 'frozen'])
    """
    data = np.load(HISTORIES)
    runs = [{"workload": str(w), "lr": float(lr), "seed": int(s), "val": float(v),
             "loss": data["loss"][i, :n].astype(np.float64)}
            for i, (w, lr, s, v, n) in enumerate(zip(data["workload"], data["lr"], data["seed"], data["val"],
                                                     data["length"]))]
    best = {}
    for w in {r["workload"] for r in runs}:
        mine = [r for r in runs if r["workload"] == w]
        mean = {lr: np.mean([r["val"] if math.isfinite(r["val"]) else np.inf for r in mine if r["lr"] == lr])
                for lr in {r["lr"] for r in mine}}
        best[w] = min(mean, key=mean.get)
    for r in runs:
        r["lrs"] = np.full(r["loss"].size, r["lr"])
        r["decades_from_best"] = math.log10(r["lr"] / best[r["workload"]])
    return runs
