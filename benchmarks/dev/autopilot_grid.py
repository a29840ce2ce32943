"""The tuned-with-a-schedule reference: per workload, a grid of peak rates for one schedule shape.

What a user who tuned would get with the schedule shape the Autopilot uses: the shape's spec
(:func:`shape_spec`) is run through ``dev.zoo_grid.run_at`` (full runs of the workload's budget,
cached one file per run) at peak rates ``10 ** (k / 3)``, starting from :data:`START_SPAN` grid
steps either side of a centre (the Autopilot's own median choice, or the grid-best constant rate),
and widened a decade at a time, like the constant-rate grid, until the best peak is interior with a
clearly worse rate on each side (``dev.zoo_grid.CLEARLY_WORSE``) or :data:`MAX_DECADES` is reached.

:func:`response` gives the mean scored metric per peak, from which any rule for choosing the peak
is scored offline (interpolated in log-rate between grid points).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from dev import zoo_grid as zg

__all__ = ["SHAPES", "at", "autopilot_grid", "response", "schedule_grid", "shape_spec"]

#: The schedule shapes measured: name -> (main-phase family, cool-down fraction for wsd).
SHAPES = ("wsd", "cosine", "linear")
#: Warmup of the tuned reference, a fraction of the budget (linear from 0; the Autopilot's ramp is
#: its own warmup).
WARMUP = 0.05
#: Grid steps (a third of a decade each) either side of the centre in the first pass.
START_SPAN = 3
#: Widest grid, in decades.
MAX_DECADES = 6


def shape_spec(shape: str, budget: int) -> str:
    """The spec (peak 1) of ``shape`` over ``budget`` updates, after a linear warmup of :data:`WARMUP`."""
    w = max(1, round(WARMUP * budget))
    if shape == "wsd":
        cool = max(1, round(0.2 * budget))
        return f"wsd(lr=1, warmup={w}, stable={budget - w - cool}, decay={cool}, shape='1-sqrt')"
    if shape == "cosine":
        return f"warmup_cosine(lr=1, warmup={w}, steps={budget})"
    if shape == "linear":
        return f"linear(start=0, end=1, steps={w}) >> linear(start=1, end=0, steps={budget - w})"
    raise ValueError(f"unknown shape {shape!r}")


def _means(name: str, spec: str, ks: list[int], seeds: tuple[int, ...]) -> dict[int, list[float]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {k: [zg.run_at(name, zg.rate(k), s, spec).metric for s in seeds] for k in ks}


def schedule_grid(name: str, shape: str, centre: float, seeds: tuple[int, ...] = zg.SEEDS,
                  budget: int | None = None) -> dict[float, list[float]]:
    """Peak rate -> per-seed scored metrics of ``shape`` on ``name``, the grid widened as needed."""
    from lrkit import zoo

    info = zoo.get(name).info
    spec = shape_spec(shape, budget or info.budget)
    c = zg.exponent(centre)
    done = _means(name, spec, list(range(c - START_SPAN, c + START_SPAN + 1)), seeds)
    while True:
        ks = sorted(done)
        means = np.array([np.mean(done[k]) for k in ks])
        i = int(np.argmax(means) if info.higher_is_better else np.argmin(means))
        b = means[i]
        worse = 100 * (b - means) if info.higher_is_better else 100 * (means - b) / abs(b)
        if ks[-1] - ks[0] >= MAX_DECADES * zg.PER_DECADE:
            break
        new: list[int] = []
        if i == 0 or worse[:i].max() < zg.CLEARLY_WORSE:
            new += range(ks[0] - zg.PER_DECADE, ks[0])
        if i == len(ks) - 1 or worse[i + 1:].max() < zg.CLEARLY_WORSE:
            new += range(ks[-1] + 1, ks[-1] + 1 + zg.PER_DECADE)
        if not new:
            break
        done.update(_means(name, spec, new, seeds))
    return {zg.rate(k): done[k] for k in sorted(done)}


def autopilot_grid(name: str, shape: str, centre: float, seeds: tuple[int, ...] = zg.SEEDS,
                   span: int = START_SPAN, extensions: int = 2) -> dict[float, list[dict]]:
    """Peak rate -> per-seed records of the Autopilot with that peak *given* (its ramp, rewind, refund
    and ``shape`` as usual): the response a rule for choosing the peak is scored on. The grid spans
    ``span`` steps either side of ``centre`` and grows by a decade on a side whose edge is the best,
    at most ``extensions`` times."""
    from dev.autopilot_zoo_runs import cached, run_autopilot, variant_key
    from lrkit import zoo

    w = zoo.get(name)
    info = w.info

    def runs(k: int) -> list[dict]:
        v = {"given": zg.rate(k), "schedule": shape}
        return [cached("ap:" + variant_key(v), name, s, info.budget, lambda: run_autopilot(w, s, variant=v))
                for s in seeds]

    c = zg.exponent(centre)
    done = {k: runs(k) for k in range(c - span, c + span + 1)}
    for _ in range(extensions):
        ks = sorted(done)
        means = [np.mean([r["metric"] for r in done[k]]) for k in ks]
        i = int(np.argmax(means) if info.higher_is_better else np.argmin(means))
        new = list(range(ks[0] - zg.PER_DECADE, ks[0])) if i == 0 else \
            list(range(ks[-1] + 1, ks[-1] + 1 + zg.PER_DECADE)) if i == len(ks) - 1 else []
        if not new:
            break
        done.update({k: runs(k) for k in new})
    return {zg.rate(k): done[k] for k in sorted(done)}


def response(grid: dict[float, list[float]], higher: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(log10 rates, mean metric)`` of a :func:`schedule_grid`, sorted by rate."""
    lrs = sorted(grid)
    return np.log10(lrs), np.array([np.mean(grid[lr]) for lr in lrs])


def at(curve: tuple[np.ndarray, np.ndarray], lr: float) -> float:
    """The metric ``curve`` predicts at ``lr``: interpolated in log-rate inside the grid, the edge
    value outside it (the grid is widened until its edges are clearly worse than its best)."""
    x, y = curve
    v = math.log10(lr)
    if v <= x[0]:
        return float(y[0])
    if v >= x[-1]:
        return float(y[-1])
    return float(np.interp(v, x, y))

