"""Workloads outside the zoo whose optimizer has a step age, and their runs: a held-out test of
``AutopilotPolicy(age_correction=True)`` (``benchmarks/autopilot_step_age.py``).

The zoo holds two RMSprop and two NAdam workloads, the only ones whose optimizer's update per unit rate
changes with its state's age (``lrkit.torch._autopilot_age``): too few families to judge a rule by.
These put the same two optimizers, as ``lrkit.tasks.make_optimizer`` builds them, on models and data
in families the zoo does not have (the data of :mod:`dev.no_valley_heldout`, at torch's own
initialisation): two spirals, heavy-tailed regression, a matrix factorisation, a digits CNN, a deep linear
network. None is registered in :mod:`lrkit.zoo`. Each RMSprop workload has a **twin** on
``Adam(betas=(0, 0.99))``: RMSprop with bias correction, exactly what the correction emulates (part one
of the benchmark: does the corrected run read what the twin reads?).

Runs (cached in :data:`STORE`, scored like the zoo: a run never worse than the untrained model):
:func:`autopilot` (one full run under policy fields), :func:`grid` (constant rates three per decade at
seeds 0-2 from 1e-4 to 0.1, widened a decade where the edge is the best, as the zoo's grid is),
:func:`regret` (gap %, against the grid-best mean).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
from torch import nn

from dev import zoo_rates as zr
from dev.autopilot_zoo_runs import cached
from dev.no_valley_heldout import _Scaled, _stack, classes10, digit_images, heavy_tail, ratings, spirals
from dev.no_valley_heldout import _Factors as Factors
from dev.no_valley_heldout_runs import best_of, constant_run, library_run

from lrkit.zoo import ArrayWorkload, DigitCNN

__all__ = ["STORE", "SEEDS", "TWINS", "WORKLOADS", "autopilot", "best_of", "grid", "regret", "trains"]

STORE = Path(__file__).resolve().parents[1] / "results" / "autopilot_step_age.json"
#: Seeds of the Autopilot's runs (the grid's are ``dev.zoo_rates.SEEDS``, 0-2).
SEEDS = (0, 1, 2, 3, 4, 5)
#: The grid's first exponents (``dev.zoo_rates.rate``): 1e-4 .. 0.1, where RMSprop's and NAdam's good
#: rates sit on the zoo, widened by a decade where an edge is the best.
START = (-12, -3)

_p = functools.partial
_CLS = dict(loss="cross_entropy", metric="val_acc")
_REG = dict(loss="mse", metric="val_mse")


def _workloads(optimizer: str, options: dict[str, Any] | None = None, tag: str = "") -> list[ArrayWorkload]:
    o = dict(optimizer=optimizer, options=options)
    name = tag or optimizer
    return [
        ArrayWorkload(f"spirals-mlp-{name}", family="spirals",
                      summary=f"tanh MLP 2-64-64-2 on two spirals, {name}",
                      data="two spirals, 1.5 turns, 1500 rows", arrays=spirals,
                      model=_p(_stack, (2, 64, 64, 2), nn.Tanh), batch_size=32, budget=800, **o, **_CLS),
        ArrayWorkload(f"heavytail-mlp-{name}", family="heavy-tail",
                      summary=f"ReLU MLP 20-64-1 on Student-t(2) noisy targets, MSE, {name}, batch 8",
                      data="nonlinear target + 0.5 t_2 noise (training), clean validation, 2400 rows",
                      arrays=_p(heavy_tail, nonlinear=True), model=_p(_stack, (20, 64, 1), nn.ReLU),
                      batch_size=8, budget=800, **o, **_REG),
        ArrayWorkload(f"recsys-factors-{name}", family="recsys",
                      summary=f"matrix factorisation, 16-dim embeddings at 0.01 x N(0,1), MSE, {name}, "
                      "batch 16",
                      data="300 x 300 rank-4 ratings + N(0, 0.25) noise, 10000 rows", arrays=ratings,
                      model=Factors, batch_size=16, budget=1000, **o, **_REG),
        ArrayWorkload(f"cnn-digits-{name}", family="cnn", summary=f"ReLU DigitCNN on 8x8 digits, {name}",
                      data="sklearn digits / 16, 1437 rows", arrays=digit_images, model=_p(DigitCNN, 10),
                      batch_size=32, budget=600, **o, **_CLS),
        ArrayWorkload(f"deep-linear-{name}", family="deep-linear",
                      summary=f"6 linear layers of 64 at torch's init, {name}",
                      data="make_classification 3000x40, 10 classes", arrays=classes10,
                      model=lambda: _Scaled(_stack((40, *(64,) * 5, 10), None), 1.0), batch_size=64,
                      budget=600, **o, **_CLS),
    ]


#: Every held-out workload by name: RMSprop's five, NAdam's on the first two data sets.
WORKLOADS: dict[str, ArrayWorkload] = {w.name: w for w in (*_workloads("rmsprop"), *_workloads("nadam")[:2])}
#: RMSprop workload -> its twin on Adam(betas=(0, 0.99)) (bias-corrected RMSprop; part one only).
TWINS: dict[str, ArrayWorkload] = {
    a.name: b for a, b in zip(_workloads("rmsprop"), _workloads("adam", {"betas": (0.0, 0.99)}, "adam0"))}


def _workload(name: str) -> ArrayWorkload:
    return WORKLOADS[name] if name in WORKLOADS else {w.name: w for w in TWINS.values()}[name]


def _cached(method: str, name: str, seed: int, fresh: Any, run: bool) -> dict[str, Any] | None:
    budget = _workload(name).info.budget
    try:
        return cached(method, name, seed, budget, fresh if run else _missing, STORE)
    except LookupError:
        return None


def _missing() -> dict[str, Any]:
    raise LookupError("not stored")


def autopilot(name: str, seed: int, fields: dict[str, Any], run: bool) -> dict[str, Any] | None:
    """One full Autopilot run under ``fields`` (on the library's policy), scored; ``None`` when not stored
    and ``run`` is false."""
    w = _workload(name)
    fresh = functools.partial(library_run, w, seed, fields)
    key = "ap|" + ",".join(f"{k}={fields[k]}" for k in sorted(fields))
    return _cached(key, name, seed, fresh, run)


def grid(name: str, run: bool) -> dict[float, list[float]] | None:
    """Rate -> scored metrics at seeds 0-2 of constant-rate runs from :data:`START`, a decade added on a
    side whose edge is the best or has no clearly-worse rate (``dev.zoo_rates``'s widening); ``None``: a
    run is not stored and ``run`` is false."""
    w = WORKLOADS[name]
    higher = w.info.higher_is_better

    lo, hi = START
    done: dict[float, list[float]] = {}
    while True:
        for k in range(lo, hi + 1):
            if zr.rate(k) in done:
                continue
            recs = [_cached(f"constant|{zr.rate(k):.4g}", name, s,
                            lambda k=k, s=s: constant_run(w, zr.rate(k), s), run) for s in zr.SEEDS]
            if any(r is None for r in recs):
                return None
            done[zr.rate(k)] = [r["metric"] for r in recs]
        means = np.array([np.mean(done[zr.rate(k)]) for k in range(lo, hi + 1)])
        i = int(np.argmax(means) if higher else np.argmin(means))
        worse = 100.0 * (means[i] - means) if higher else 100.0 * (means - means[i]) / abs(means[i])
        wide = hi - lo < zr.MAX_DECADES * zr.PER_DECADE
        low = wide and (i == 0 or worse[:i].max() < zr.CLEARLY_WORSE)
        high = wide and (i == len(means) - 1 or worse[i + 1:].max() < zr.CLEARLY_WORSE)
        if not (low or high):
            return done
        lo, hi = lo - zr.PER_DECADE * low, hi + zr.PER_DECADE * high


def trains(name: str, g: dict[float, list[float]]) -> bool:
    """Whether the grid-best rate beats the untrained model by ``zoo_rates.CLEARLY_WORSE`` (accuracy
    points, or percent of the best loss): a workload no rate trains has no gap to measure in."""
    w = WORKLOADS[name]
    untrained = float(w.worst()[w.info.metric])
    _, b = best_of(g, w.info.higher_is_better)
    gain = 100.0 * (b - untrained) if w.info.higher_is_better else 100.0 * (untrained - b) / abs(b)
    return gain >= zr.CLEARLY_WORSE


def regret(name: str, metric: float, g: dict[float, list[float]]) -> float:
    """Gap %: behind the grid-best mean, as a percent of its gain over the untrained model."""
    w = WORKLOADS[name]
    untrained = float(w.worst()[w.info.metric])
    _, b = best_of(g, w.info.higher_is_better)
    behind = (b - metric) / (b - untrained) if w.info.higher_is_better else (metric - b) / (untrained - b)
    return 100.0 * behind
