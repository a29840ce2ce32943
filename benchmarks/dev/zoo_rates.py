"""The zoo grid's rates: three per decade, where each optimizer's grid starts, and how it grows.

A workload's grid starts at five decades around where its optimizer's good rates usually sit
(:data:`START`) and is extended a decade at a time on a side whose edge is the best rate or has
no clearly worse rate (:func:`extensions`), up to :data:`MAX_DECADES`. Pure rules, no files:
``dev.zoo_grid`` stores and reads the runs (and re-exports these names).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SEEDS", "PER_DECADE", "MIN_DECADES", "CLEARLY_WORSE", "MAX_DECADES", "START", "rate",
           "exponent", "extensions"]

#: Seeds of every grid rate.
SEEDS: tuple[int, ...] = (0, 1, 2)
#: Grid resolution: rates 10 ** (k / PER_DECADE).
PER_DECADE = 3
#: Fewest decades a finished grid spans.
MIN_DECADES = 5
#: Mean regret (``unit="best"``) a rate on each side of the best must reach for the best to be interior:
#: two accuracy points or 2% of the best loss, well beyond the seed-to-seed noise of a grid mean.
CLEARLY_WORSE = 2.0
#: Widest grid (decades) a workload may extend to before the grid is reported as unfinished.
MAX_DECADES = 10
#: First grid per optimizer, as exponents ``k`` (``lr = 10 ** (k / 3)``): five decades around where
#: that optimizer's good rates usually sit; :func:`extensions` widens it as the runs ask.
START: dict[str, tuple[int, int]] = {
    "adam": (-15, 0), "adamw": (-15, 0), "nadam": (-15, 0), "radam": (-15, 0), "rmsprop": (-15, 0),
    "sgd": (-12, 3), "nesterov": (-12, 3), "sgd-plain": (-12, 3), "adagrad": (-12, 3),
}


def rate(k: int) -> float:
    """The grid rate ``10 ** (k / 3)`` to 4 significant digits (``rate(-3) == 0.1``)."""
    return float(f"{10 ** (k / PER_DECADE):.4g}")


def exponent(lr: float) -> int:
    """The grid exponent nearest to ``lr``."""
    return int(round(math.log10(lr) * PER_DECADE))



def extensions(name: str, optimizer: str, done: dict[float, list[float]], higher: bool) -> list[int]:
    """Grid exponents still to run for ``name``: the start grid, then one decade more on each side
    whose edge is the best or has no clearly-worse rate (``done``: rate -> scored metrics so far)."""
    lo, hi = START[optimizer]
    ks = {exponent(lr) for lr in done} | set(range(lo, hi + 1))
    have = sorted(k for k in ks if rate(k) in done and len(done[rate(k)]) == len(SEEDS))
    if len(have) < len(ks):
        return sorted(k for k in ks if k not in have)
    means = np.array([np.mean(done[rate(k)]) for k in have])
    i = int(np.argmax(means) if higher else np.argmin(means))
    b = means[i]
    worse = 100.0 * (b - means) if higher else 100.0 * (means - b) / abs(b)  # regret, unit "best"
    new: list[int] = []
    if (i == 0 or worse[:i].max() < CLEARLY_WORSE) and (have[-1] - have[0]) < MAX_DECADES * PER_DECADE:
        new += range(have[0] - PER_DECADE, have[0])
    if (i == len(have) - 1 or worse[i + 1:].max() < CLEARLY_WORSE) and \
            (have[-1] - have[0]) < MAX_DECADES * PER_DECADE:
        new += range(have[-1] + 1, have[-1] + 1 + PER_DECADE)
    return new
