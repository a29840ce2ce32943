"""The data of ``finder_num_steps.py``: ``find_lr`` answers at several sweep lengths, cached, and scored.

Per zoo workload (finished grids) and built-in task of ``finder_regret.py``, seeds 0-2, and sweep length
(:data:`STEPS`): one ``find_lr`` call with every default over ``Sweep``'s default range, then
:func:`lrkit.finder.advise`; cached in ``benchmarks/results/finder_num_steps.json`` under the finder
policy's fingerprint. Scored against the zoo grid (the gap proxy) or a built-in task's grid.
"""

from __future__ import annotations

import hashlib
import math
import warnings
from typing import Any

import numpy as np
import torch

from dev import finder_confidence_data as cdata
from dev import finder_zoo_cv as cv
from dev import finder_zoo_data as data
from dev import zoo_grid
from dev.finder_zoo_data import RESULTS as RESULTS_DIR, load_cache, save_cache
from dev.ground_truth import best_lr, load_or_compute
from dev.regret_runs import configs

from lrkit import zoo
from lrkit.finder import (FinderPolicy, FinderResult, Sweep, advise, confidence_features, density_words,
                          sparse_grid)
from lrkit.tasks import get_task
from lrkit.torch import find_lr

__all__ = ["CLEAR_KINDS", "NO_ANSWER", "STEPS", "answer", "cells", "check_default", "collect", "corrected",
           "density",
           "now_word", "score"]

RESULTS = RESULTS_DIR / "finder_num_steps.json"
#: The sweep lengths compared: half and twice the default.
STEPS = (50, Sweep().num_steps, 200)


#: The fields of the sweep-density move (``lrkit.finder._density``), left out of a key where they move
#: nothing (off, or at the calibrated 100 steps over the default range), so the answers stored before them
#: keep their keys.
_DENSITY_FIELDS = ("progress_exponent", "progress_max_ratio")


#: ``seed_spread`` widens only the reported interval, which no answer here stores (the word and the kind
#: read the batch-noise interval): every key carries the value the store was recorded under, so a
#: recalibrated spread leaves the stored answers where they are.
_KEY_SEED_SPREAD = 0.36


def _key(where: str, name: str, optimizer: str, seed: int, steps: int, policy: FinderPolicy) -> str:
    fields = {**policy.to_dict(), "seed_spread": _KEY_SEED_SPREAD}
    if policy.progress_exponent == 0 or steps == Sweep().num_steps:
        fields = {k: v for k, v in fields.items() if k not in _DENSITY_FIELDS}
    digest = hashlib.sha1(repr(sorted(fields.items())).encode()).hexdigest()[:10]
    return f"{where}|{name}|{optimizer}|{seed}|{steps}|{digest}"


def _build(where: str, name: str, optimizer: str, seed: int) -> dict[str, Any]:
    if where == "zoo":
        return zoo.get(name).build(seed)
    return get_task(name).build(seed, optimizer=optimizer)


def answer(where: str, name: str, optimizer: str, seed: int, steps: int, *,
           run: bool, policy: FinderPolicy = FinderPolicy()) -> dict[str, Any] | None:
    """One ``find_lr`` call's answer, word and kind at ``steps`` under ``policy`` (cached; None: not cached,
    not run)."""
    cache, key = load_cache(RESULTS), _key(where, name, optimizer, seed, steps, policy)
    if key not in cache:
        if not run:
            return None
        torch.set_num_threads(1)
        parts = _build(where, name, optimizer, seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                        sweep=Sweep(num_steps=steps), policy=policy, progress=False)
        f = confidence_features(r)
        cache[key] = {"lr": r.suggestion, "confidence": advise(r).confidence, "kind": f["kind"],
                      "signal": f["signal"], "spread": f["spread"], "source": r.meta["source"],
                      "updates": r.meta["updates"]}
        save_cache(RESULTS)
    return cache[key]


def cells() -> list[tuple[str, str, str, int]]:
    """``(where, name, optimizer, seed)`` of every zoo workload with a finished grid, then the built-in
    tasks."""
    names = [n for n in data.workloads() if zoo_grid.status(n) == "ok"]
    tasks = [(c["task"], c["optimizer"]) for c in configs(full=False)]
    return [("zoo", n, "", s) for n in names for s in data.SEEDS] + [
        ("task", t, o, s) for t, o in tasks for s in data.SEEDS]


def _task_truth(name: str, optimizer: str) -> tuple[float, np.ndarray, np.ndarray, bool]:
    """A built-in task's grid-best rate, its grid's rates and mean metric, and whether higher is better."""
    cfg = next(c for c in configs(full=False) if (c["task"], c["optimizer"]) == (name, optimizer))
    recs = load_or_compute(name, optimizer, cfg["lrs"], data.SEEDS, budget=cfg["budget"], verbose=False)
    lrs = np.array(sorted({r["lr"] for r in recs}))
    mean = np.array([np.mean([r["metric"] for r in recs if r["lr"] == lr]) for lr in lrs])
    return best_lr(recs)[0], lrs, mean, bool(recs[0]["higher_is_better"])


def score(where: str, name: str, optimizer: str, lr: float | None) -> tuple[float, float | None]:
    """``(regret, decades from the grid best)``: the zoo's gap proxy; a built-in task's regret in its unit
    (accuracy points, or the excess loss) from its grid's mean interpolated in log-rate (inf: none)."""
    if where == "zoo":
        best = zoo_grid.best(name)[0]
        return cv.proxy(name, lr), None if lr is None else math.log10(lr / best)
    best, lrs, mean, higher = _task_truth(name, optimizer)
    if lr is None:
        return math.inf, None
    at = float(np.interp(np.log10(lr), np.log10(lrs), mean))
    top = float(mean.max() if higher else mean.min())
    return (100.0 * (top - at) if higher else at - top), math.log10(lr / best)


def collect(run: bool, policy: FinderPolicy = FinderPolicy(),
            steps: tuple[int, ...] = STEPS) -> list[dict[str, Any]]:
    """One row per cell and sweep length (``steps``) under ``policy`` (cells with an answer missing at any
    length are left out)."""
    rows = []
    for where, name, optimizer, seed in cells():
        got = {n: answer(where, name, optimizer, seed, n, run=run, policy=policy) for n in steps}
        if any(v is None for v in got.values()):
            continue
        family = zoo.get(name).info.family if where == "zoo" else f"built-in:{name}/{optimizer}"
        for n, a in got.items():
            if a["lr"] is None:  # read as confidence_features reads it now (answers stored before it said so)
                a = {**a, "kind": NO_ANSWER}
            regret, decades = score(where, name, optimizer, a["lr"])
            rows.append({"where": where, "name": name, "optimizer": optimizer, "seed": seed, "steps": n,
                         "family": family, "regret": regret, "decades": decades, **a})
    return rows


#: The kind (and word) of an answer without a suggestion (``lrkit.finder.confidence_features``): no reading,
#: so no calibrated word; the words' calibration leaves such answers out.
NO_ANSWER = "none"


def check_default(rows: list[dict[str, Any]]) -> tuple[int, int, int, list[str]]:
    """The zoo's 100-step answers against the stored default answers (``finder_confidence.json``): how many
    are equal, how many within 1e-6 decades, how many were compared, and the others (name, seed, decades)."""
    stored = load_cache(cdata.RESULTS)
    same = close = total = 0
    far = []
    for r in rows:
        key = f"zoo|{r['name']}|{r['seed']}|r{cdata.REVISION}"
        if r["where"] != "zoo" or r["steps"] != Sweep().num_steps or key not in stored:
            continue
        total += 1
        was = stored[key]["lr"]
        moved = None if None in (was, r["lr"]) else abs(math.log10(r["lr"] / was))
        same += was == r["lr"]
        if moved is not None and moved <= 1e-6:
            close += 1
        else:
            far.append(f"{r['name']} seed {r['seed']} ({'none' if moved is None else f'{moved:.2g}'})")
    return same, close, total, far


def now_word(row: dict[str, Any]) -> str:
    """The word the shipped rule gives a recorded answer: a clear reading (``tight``, ``fair``) of a first
    sweep too sparse for the smoother's window (:func:`lrkit.finder.sparse_grid` on its rates; a second
    sweep's answer is judged by its first sweep) is ``sparse``; the kind's word at the sweep's density
    (``DENSITY_WORDS``, between two measured densities the lower word; ``low`` outside them)."""
    kind = row["kind"]
    if kind == NO_ANSWER:
        return NO_ANSWER
    sweep = Sweep(num_steps=row["steps"])
    rates = sweep.schedule()(np.arange(sweep.num_steps))
    stand_in = FinderResult(lrs=rates, losses=np.ones_like(rates), smoothed=np.ones_like(rates),
                            stop_reason="completed", suggestion=None, interval=None, rule="default",
                            reason="", steps=sweep.num_steps, wall_time=0.0,
                            meta={"start": sweep.start, "end": sweep.end, "num_steps": sweep.num_steps})
    if kind in ("tight", "fair") and sparse_grid(stand_in):
        kind = "sparse"
    words = density_words(stand_in)
    return "low" if words is None else words[kind]


def density(steps: int) -> float:
    """A default-range sweep's rates per decade over the calibrated ones."""
    return (steps - 1) / (Sweep().num_steps - 1)


#: The kinds of a clear reading: a first sweep's valley read by its crossings from a drop of at least
#: ``weak_rule_sigmas`` noise SDs (``sparse``: such a reading of a sparse sweep).
CLEAR_KINDS = ("tight", "fair", "loose", "sparse")


def corrected(rows: list[dict[str, Any]], beta: float, *, clear_only: bool = False) -> list[dict[str, Any]]:
    """Every row's answer (``clear_only``: a first sweep's clear reading's, :data:`CLEAR_KINDS`) moved by
    the density correction ``beta``, rescored."""
    out = []
    for r in rows:
        clear = r["kind"] in CLEAR_KINDS and r["source"] == "sweep"
        move = r["lr"] is not None and (clear or not clear_only)
        lr = r["lr"] * density(r["steps"]) ** beta if move else r["lr"]
        regret, decades = score(r["where"], r["name"], r["optimizer"], lr)
        out.append({**r, "lr": lr, "regret": regret, "decades": decades})
    return out
