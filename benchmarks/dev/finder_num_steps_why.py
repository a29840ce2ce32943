"""Why the finder's answer moves with ``num_steps``: the grid the rules read, or the sweep itself?

Offline, from the zoo's stored full sweeps (``dev.finder_zoo_data.sweep``: every rate to ``end``, the stop
rule replayed), the first sweep's reading only (``rule="auto"``'s rule for the optimizer's kind, as
``dev.finder_zoo_cv.read`` reads it; no second pass, no density move):

* :func:`grid_rows`: a 100-step sweep read on every other point (50 points on the same curve: only the grid
  changes) against a real 50-step sweep (the model trained by 50 updates): the cells whose reading has a
  drop of at least ``retry_sigmas`` in all three;
* :func:`landmark_rows`: how far each landmark the rules read moves from its 100-step place, per sweep
  length, in units of :math:`\\log_{10}` of the density ratio (-1: it moves as the progress law says);
* :func:`smoothing_rows`: the smoother's window held in decades (no widening to reach the neighbours:
  ``min_neighbours=2``) against the shipped one, at 50 and 100 steps.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np

from dev import finder_zoo_cv as cv
from dev import finder_zoo_data as data
from dev import zoo_grid
from lrkit.finder import FinderPolicy, FinderResult, blow_up_rate, suggest, valley_geometry

__all__ = ["first_reading", "grid_rows", "landmark_rows", "smoothing_rows"]

#: The stored full sweeps' lengths the landmarks are compared at (100: the calibrated one).
LENGTHS = (50, 150, 200)


def _names() -> list[str]:
    return [n for n in data.workloads() if zoo_grid.status(n) == "ok"]


def _fam_mean(pairs: list[tuple[str, float]]) -> float:
    by: dict[str, list[float]] = defaultdict(list)
    for f, v in pairs:
        by[f].append(v)
    return float(np.mean([np.mean(v) for v in by.values()]))


def first_reading(name: str, lrs: np.ndarray, losses: np.ndarray,
                  policy: FinderPolicy = FinderPolicy()) -> tuple[float | None, float]:
    """``(suggestion, signal)`` of a first sweep over the full curve ``(lrs, losses)``, the stop rule
    replayed."""
    c = policy.memoryless_decades if data.memoryless(name) else policy.anchor_decades
    p = policy.replace(anchor_decades=c, memoryless_decades=c)
    x, y = data.replay(lrs, losses, p)
    rule = p.adaptive_rule if data.adaptive(name) else p.sgd_rule
    v = valley_geometry(x, y, policy=p)
    return suggest(x, y, rule, policy=p).lr, 0.0 if isinstance(v, str) else float(v.signal)


def grid_rows() -> tuple[list[list[Any]], int]:
    """Rows ``[reading, family-mean regret, median decades from the grid best, mean |decades| from the
    100-step reading]`` for the 100-step reading, its every-other-point subsample and a real 50-step
    sweep; and the number of cells."""
    retry = FinderPolicy().retry_sigmas
    got = []
    for n in _names():
        for s in data.SEEDS:
            lrs, y = data.sweep(n, s, 100)
            half_lrs, half_y = data.sweep(n, s, 50)
            three = [first_reading(n, lrs, y), first_reading(n, lrs[::2], y[::2]),
                     first_reading(n, half_lrs, half_y)]
            if all(lr is not None and sig >= retry for lr, sig in three):
                got.append((n, [lr for lr, _ in three]))
    out = []
    for i, label in enumerate(("100 steps", "100 steps, every other point (the grid alone)",
                               "50 steps (the sweep itself)")):
        regret = _fam_mean([(data.family(n), cv.proxy(n, v[i])) for n, v in got])
        off = [math.log10(v[i] / zoo_grid.best(n)[0]) for n, v in got]
        moved = [abs(math.log10(v[i] / v[0])) for _, v in got]
        out.append([label, round(regret, 2), round(float(np.median(off)), 3),
                    round(float(np.mean(moved)), 3)])
    return out, len(got)


def landmark_rows() -> list[list[Any]]:
    """Per length: each landmark's median move from its 100-step place over ``log10(density ratio)``
    (the blow-up where the stop rule fired; the falling crossing, the rising edge and the minimum of
    readings with a drop of at least ``weak_rule_sigmas`` at both lengths)."""
    p = FinderPolicy()
    marks: dict[tuple[str, int], dict[int, tuple[float | None, Any]]] = defaultdict(dict)
    for n in _names():
        for s in data.SEEDS:
            for k in (100, *LENGTHS):
                x, y = data.replay(*data.sweep(n, s, k), p)
                v = valley_geometry(x, y, policy=p)
                curve = FinderResult(lrs=x, losses=y, smoothed=np.full(x.size, np.nan),
                                     stop_reason="completed", suggestion=None, interval=None, rule="default",
                                     reason="", steps=x.size, wall_time=0.0)
                top = blow_up_rate(curve, p)  # the anchor's blow-up: where the stop rule fired, or a NaN
                marks[n, s][k] = (None if top is None else math.log10(top), None if isinstance(v, str) else v)
    out = []
    for k in LENGTHS:
        ratio = math.log10((k - 1) / 99)
        blow = [m[k][0] - m[100][0] for m in marks.values() if None not in (m[k][0], m[100][0])]
        clear = [(m[k][1], m[100][1]) for m in marks.values() if m[k][1] and m[100][1]
                 and min(m[k][1].signal, m[100][1].signal) >= p.weak_rule_sigmas]
        out.append([k, round(ratio, 3), round(float(np.median(blow)) / ratio, 2), len(blow)]
                   + [round(float(np.median([getattr(a, f) - getattr(b, f) for a, b in clear])) / ratio, 2)
                      for f in ("x_fast", "x_edge", "x_min")] + [len(clear)])
    return out


def smoothing_rows() -> list[list[Any]]:
    """Per length (50, 100): the first sweep's family-mean regret with the shipped smoother and with its
    window held in decades (``min_neighbours=2``: at 50 steps the 0.3-decade window keeps its width and
    holds 3 points), on the cells where both read a drop of at least ``retry_sigmas``."""
    shipped, decades = FinderPolicy(), FinderPolicy(min_neighbours=2)
    out = []
    for k in (50, 100):
        pairs = []
        for n in _names():
            for s in data.SEEDS:
                lrs, y = data.sweep(n, s, k)
                a, b = first_reading(n, lrs, y, shipped), first_reading(n, lrs, y, decades)
                if all(lr is not None and sig >= shipped.retry_sigmas for lr, sig in (a, b)):
                    pairs.append((data.family(n), cv.proxy(n, a[0]), cv.proxy(n, b[0])))
        out.append([k, len(pairs), round(_fam_mean([(f, x) for f, x, _ in pairs]), 2),
                    round(_fam_mean([(f, y) for f, _, y in pairs]), 2)])
    return out
