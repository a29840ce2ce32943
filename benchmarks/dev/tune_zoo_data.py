"""The offline data and scoring of ``benchmarks/tune_zoo.py`` and ``tune_first_trial_zoo.py``.

Per (workload, seed) of the zoo: the shipped ``find_lr``'s suggestion ``s`` (read from the finder
benchmark's stored sweeps and answers) and two ground-truth regret curves in log-rate (the constant-rate
grid, and the wsd peak grid of "schedule, tuned"); the built-in tasks' constant grids; and how a rate
range meets a curve's near-best band (:func:`score`), per family (:func:`family_means`), chosen by
leave-one-family-out (:func:`lofo`). No training: every number is read from ``benchmarks/results/``.
"""

from __future__ import annotations

import json
import math
import warnings
from collections import defaultdict
from typing import Any

import numpy as np

from dev import autopilot_grid as ag
from dev import finder_zoo_cv as cv
from dev import finder_zoo_data as data
from dev import zoo_grid as zg
from dev.zoo_runs import run_key
from lrkit import zoo
from lrkit.finder import GUESS_SOURCE, FinderPolicy
from lrkit.tuning import TunePolicy

#: TPE's random start-up draws at the CLI's default 20 trials (clip(20 // 4, 4, 10)).
STARTUP = 5
#: Tolerances: (label, unit, tol) in ``zoo_grid.regret`` units; the first chooses.
TOLERANCES = (("1 point / 1% of the loss", "best", zg.NEAR_OPTIMAL),
              ("5% of the gain", "gap", zg.NEAR_OPTIMAL_GAP))
SHAPES = ("constant", "wsd")
#: Draws per range when its in-band share is measured (a range of 5 decades: 0.0125 decades apart).
DRAWS = 400
#: The built-in tasks and the budget of their sensitivity grid (``lr_sensitivity.json``); all but wine-logreg
#: have a stored finder suggestion (``finder_plateau.json``).
BUILTIN = (("charlm", "adamw", 100), ("diabetes-linear", "sgd-plain", 300), ("digits-cnn", "adam", 460),
           ("digits-mlp", "adam", 920), ("digits-mlp", "sgd", 920), ("wine-logreg", "sgd-plain", 300))



def shipped_candidate() -> cv.Candidate:
    """The finder benchmark's candidate that is ``find_lr``'s shipped policy (checked field by field)."""
    ship = FinderPolicy()
    for c in cv.CANDIDATES:
        if all(getattr(c.policy, f) == getattr(ship, f) for f in cv.FIELDS):
            return c
    raise SystemExit("no finder-benchmark candidate is the shipped FinderPolicy: re-run finder_zoo.py")


def curve(lrs: np.ndarray, regret: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(lrs)
    return np.log10(lrs[order]), regret[order]


def regret_to_best(g: zg.Grid, means: np.ndarray, unit: str) -> np.ndarray:
    """Regret of ``means`` against their own best, in ``unit`` (as ``zoo_grid.regret``)."""
    b = means.max() if g.higher_is_better else means.min()
    behind = (b - means) if g.higher_is_better else (means - b)
    if unit == "gap":
        return 100.0 * behind / abs(b - g.untrained)
    return 100.0 * behind if g.metric_name == "val_acc" else 100.0 * behind / abs(b)


def wsd_means(name: str) -> tuple[np.ndarray, np.ndarray]:
    """The stored "schedule, tuned" wsd grid of ``name``: peak rates with every seed, mean scored metric."""
    spec = ag.shape_spec("wsd", zoo.get(name).info.budget)
    tail = run_key(1.0, 0, spec).split("_")[-1]
    rates = {float(f.name.split("_")[0]) for f in (zg.RUNS_DIR / name).glob(f"*_{tail}.npz")}
    lrs, means = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lr in sorted(rates):
            if all((zg.RUNS_DIR / name / f"{run_key(lr, s, spec)}.npz").exists() for s in zg.SEEDS):
                lrs.append(lr)
                means.append(np.mean([zg.run_at(name, lr, s, spec).metric for s in zg.SEEDS]))
    return np.array(lrs), np.array(means)


def zoo_cases() -> list[dict[str, Any]]:
    """One case per (workload, seed): family, s (None for the wide range) and each shape's regret curve."""
    cand = shipped_candidate()
    out = []
    for name in data.workloads():
        g = zg.load(name)
        w_lrs, w_means = wsd_means(name)
        curves = {(shape, unit): curve(lrs, regret_to_best(g, m, unit))
                  for unit in {u for _, u, _ in TOLERANCES}
                  for shape, lrs, m in (("constant", g.lrs, g.mean), ("wsd", w_lrs, w_means))}
        for seed in data.SEEDS:
            lr, _, source = cv.read(name, seed, cand)
            guess = lr is None or source == GUESS_SOURCE
            out.append({"name": name, "family": g.family, "seed": seed, "s": None if guess else lr,
                        "guess": lr if guess else None, "curves": curves})
    return out


def builtin_cases() -> list[dict[str, Any]]:
    """The built-in tasks' cases: constant grids only, 1 point / 1% of the loss only (no untrained metric)."""
    plateau = json.loads((data.RESULTS / "finder_plateau.json").read_text())
    runs = json.loads((data.RESULTS / "lr_sensitivity.json").read_text())["runs"]
    out = []
    for task, opt, budget in BUILTIN:
        per: dict[float, list[float]] = defaultdict(list)
        higher, metric = True, "val_acc"
        for r in runs.values():
            if (r["task"], r["optimizer"], r["budget"]) == (task, opt, budget) and r["seed"] in (0, 1, 2):
                v = r["metric"]
                ok = v is not None and math.isfinite(v) and not r["diverged"]
                per[r["lr"]].append(v if ok else math.nan)
                higher, metric = r["higher_is_better"], r["metric_name"]
        lrs = np.array(sorted(lr for lr, v in per.items() if len(v) == 3))
        m = np.array([np.mean(per[lr]) for lr in lrs])
        m = np.where(np.isfinite(m), m, np.nanmin(m) if higher else np.nanmax(m))  # diverged: the worst seen
        b = m.max() if higher else m.min()
        reg = 100.0 * (b - m) if metric == "val_acc" else 100.0 * (m - b) / abs(b)
        reg_curve = curve(lrs, reg)
        for seed in range(5):
            s = plateau.get(f"builtin|{task}|{opt}|{seed}|default", {}).get("lr")
            out.append({"name": f"{task} ({opt})", "family": "built-in", "seed": seed, "s": s, "guess": None,
                        "curves": {("constant", "best"): reg_curve}})
    return out


def score(case: dict[str, Any], rng: Any, shape: str, unit: str, tol: float) -> tuple[bool, float]:
    """Whether ``rng`` meets the band, and P: ``rng`` is (decades below, above s), searched as the shipped
    wide range where the case has no s, or ``("wide", lo, hi)``, a range without s."""
    wide = TunePolicy().wide_lr_range
    if rng[0] == "wide":
        lo, hi = math.log10(rng[1]), math.log10(rng[2])
    elif case["s"] is None:
        lo, hi = math.log10(wide[0]), math.log10(wide[1])
    else:
        c = math.log10(case["s"])
        lo, hi = c - rng[0], c + rng[1]
    x, reg = case["curves"][(shape, unit)]
    draws = np.linspace(lo, hi, DRAWS)
    inside = np.interp(draws, x, reg) <= tol  # beyond the grid: its edge value (clearly worse)
    return bool(inside.any()), float(inside.mean())


def startup(p: float) -> float:
    """Chance that at least one of :data:`STARTUP` independent draws lands in the band."""
    return 1.0 - (1.0 - p) ** STARTUP


def family_means(cases: list[dict[str, Any]], rng: Any, unit: str, tol: float,
                 shapes: tuple[str, ...] = SHAPES) -> dict[str, tuple[float, float]]:
    """Per family: the mean share of cases whose band ``rng`` meets, and the mean start-up chance (shapes
    averaged). ``rng``: decades (below, above) s, or ``("wide", lo, hi)`` for a range without s."""
    fam: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for c in cases:
        got = [score(c, rng, sh, unit, tol) for sh in shapes]
        fam[c["family"]].append((float(np.mean([g[0] for g in got])),
                                 float(np.mean([startup(g[1]) for g in got]))))
    return {f: (float(np.mean([a for a, _ in v])), float(np.mean([b for _, b in v]))) for f, v in fam.items()}


def criterion(cases: list[dict[str, Any]], rng: Any, unit: str, tol: float, kind: str) -> tuple[float, ...]:
    """What a fold maximises, over the mean of families: ``"coverage"`` (the share of cases whose band the
    range meets, then the start-up chance: a band outside the range is out of every trial's reach) or
    ``"start-up"`` alone."""
    fm = family_means(cases, rng, unit, tol)
    cov, st = float(np.mean([v[0] for v in fm.values()])), float(np.mean([v[1] for v in fm.values()]))
    return (round(cov, 9), st) if kind == "coverage" else (st,)


def lofo(cases: list[dict[str, Any]], cands: list[Any], unit: str, tol: float, kind: str
         ) -> tuple[Any, dict[str, Any], dict[str, tuple[float, float]]]:
    """The in-sample pick, each family's pick on the others, and each family's held-out figures."""
    families = sorted({c["family"] for c in cases})

    def pick(cs: list[dict[str, Any]]) -> Any:
        return max(cands, key=lambda r: (*criterion(cs, r, unit, tol, kind), -cands.index(r)))

    picks = {f: pick([c for c in cases if c["family"] != f]) for f in families}
    held = {f: family_means([c for c in cases if c["family"] == f], picks[f], unit, tol)[f] for f in families}
    return pick(cases), picks, held


def rng_label(rng: Any) -> str:
    if rng[0] == "wide":
        return f"{rng[1]:g} .. {rng[2]:g}"
    return f"[s/10^{rng[0]:g}, s*10^{rng[1]:g}]"


def mean2(d: dict[str, tuple[float, float]]) -> tuple[float, float]:
    return float(np.mean([v[0] for v in d.values()])), float(np.mean([v[1] for v in d.values()]))
