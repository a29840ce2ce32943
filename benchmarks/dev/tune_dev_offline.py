"""The offline analyses of ``tune_dev.py``: no training, only arithmetic on cached results.

* :func:`ranges`: how rate ranges around the finder's suggestion meet the near-best band, on
  ``finder_dev.py``'s cached sweeps and grids;
* :func:`first`, :func:`paired`, :func:`budget_rules`: the first-trial part's tables, from the
  shortfalls that ``tune_dev.first_runs`` measured (one per (workload, seed) case and budget).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

__all__ = ["RANGES", "ranges", "first", "paired", "budget_rules"]

#: Rate ranges tried, as (decades below s, decades above s); the first is tune's.
RANGES = ((1.5, 1.0), (1.0, 1.0), (0.5, 0.5), (2.0, 1.0), (1.5, 1.5))


def ranges() -> list[list[Any]]:
    """Rows: how each rate range around s covers the near-best band, on ``finder_dev.py``'s cached runs.

    For every (workload, seed, budget) of the finder's development set, the grid's mean
    metric is interpolated in log-lr; the *band* is the rates within 1% of the grid's
    best. A range "covers" when it meets the band; ``P`` is the chance that a log-uniform
    draw from the range lands in it (the hit rate of a random trial).
    """
    from dev.finder_dev import ADAPTIVE, BUDGETS
    from dev.finder_dev import CACHE as DEV_CACHE

    from lrkit.finder import rules

    dev = json.loads(DEV_CACHE.read_text())
    cases = []  # (adaptive?, log10(rate / s) on a fine grid, near-best mask)
    for key, entry in dev.items():
        if "@" in key:
            continue
        opt = key.split("/")[1]
        rule = rules["falling" if opt in ADAPTIVE else "default"]  # what find_lr's rule="auto" picks
        for budget in BUDGETS:
            grid_of = dev[key if budget == BUDGETS[0] else f"{key}@{budget}"]["grid"]
            lrs = sorted(grid_of, key=float)
            for i, (sweep_lrs, sweep_losses) in enumerate(entry["sweeps"]):
                s = rule(np.asarray(sweep_lrs), np.asarray(sweep_losses)).lr
                m = np.array([grid_of[lr][i] for lr in lrs])
                x = np.log10([float(lr) for lr in lrs])
                fine = np.linspace(x[0], x[-1], 2001)
                fm = np.interp(fine, x, m)
                cases.append((opt in ADAPTIVE, fine - np.log10(s), fm >= m.max() - 0.01 * abs(m.max())))
    rows = []
    for below, above in RANGES:
        row: list[Any] = [f"[s / 10^{below:g}, s * 10^{above:g}]"]
        for adaptive in (False, True):
            cov, probs = [], []
            for a, rel, band in cases:
                if a != adaptive:
                    continue
                cov.append(bool((band & (rel >= -below) & (rel <= above)).any()))
                draws = np.linspace(-below, above, 400)  # outside the grid: its end's value
                probs.append(band[np.clip(np.searchsorted(rel, draws), 0, rel.size - 1)].mean())
            row += [f"{sum(cov)}/{len(cov)}", f"{np.median(probs):.2f}"]
        rows.append(row)
    return rows


def first(runs: dict[str, dict[int, list[float]]]) -> list[list[Any]]:
    """Rows: each trial-0 candidate's hits (within 1% of the grid's best) per budget, and overall."""
    rows = []
    for c, per in runs.items():
        hits = {b: sum(g <= 0.01 for g in v) for b, v in per.items()}
        n = len(next(iter(per.values())))
        rows.append([c, *(f"{h}/{n}" for h in hits.values()), f"{sum(hits.values())}/{n * len(per)}"])
    return rows


def paired(runs: dict[str, dict[int, list[float]]]) -> list[list[Any]]:
    """Rows per budget: wsd against cosine, and constant against wsd, on the same cases.

    Only the discordant pairs (one hits, the other misses) tell two schedules apart; with
    ``k`` of ``n`` discordant pairs won, the one-sided sign-test p-value is
    :math:`P(X \\ge k)`, :math:`X \\sim \\text{Bin}(n, 1/2)`. The shortfalls are medians.
    """
    from scipy.stats import binomtest

    def sign(a: np.ndarray, b: np.ndarray) -> tuple[int, int, float]:
        wa, wb = int(((a <= 0.01) & (b > 0.01)).sum()), int(((b <= 0.01) & (a > 0.01)).sum())
        return wa, wb, binomtest(wa, wa + wb, 0.5, alternative="greater").pvalue if wa + wb else 1.0

    rows = []
    for budget in runs["wsd"]:
        con, ws, co = (np.array(runs[c][budget]) for c in ("constant", "wsd", "cosine"))
        a, b, p = sign(ws, co)
        c, d, q = sign(con, ws)
        shortfall = f"{100 * np.median(ws):.2f}% / {100 * np.median(co):.2f}%"
        rows.append([budget, f"{a} / {b}", f"{p:.2f}", shortfall, f"{c} / {d}", f"{q:.2f}"])
    return rows


def budget_rules(runs: dict[str, dict[int, list[float]]], n_workloads: int, n_seeds: int) -> list[list[Any]]:
    """Rows: hits of each single family, and of a budget rule chosen on held-out folds.

    A rule is "constant below budget ``a``, wsd below ``b``, cosine from there on" (the
    form ``first_trial`` uses; ``a = b`` drops wsd, ``a = 0`` drops constant), over every
    pair of bounds at the measured budgets. Chosen on all cases it is scored in-sample;
    chosen on 7 workloads (on 4 seeds) and scored on the 8th (the 5th), fold by fold,
    it is cross-validated: the figure that says whether the rule generalises.
    """
    budgets = list(runs["cosine"])
    hits = {c: np.array([np.array(runs[c][b]).reshape(n_workloads, n_seeds) <= 0.01 for b in budgets])
            for c in ("constant", "wsd", "cosine")}  # [budget, workload, seed]
    pairs = [(a, b) for a in range(len(budgets) + 1) for b in range(a, len(budgets) + 1)]

    def score(pair: tuple[int, int], w: np.ndarray, s: np.ndarray) -> int:
        fam = ["constant" if i < pair[0] else "wsd" if i < pair[1] else "cosine" for i in range(len(budgets))]
        return int(sum(hits[f][i][np.ix_(w, s)].sum() for i, f in enumerate(fam)))

    def chosen(w: np.ndarray, s: np.ndarray) -> tuple[int, int]:
        return max(pairs, key=lambda p: (score(p, w, s), -p[0], -p[1]))  # ties: the simpler, fewer regimes

    def bound(i: int) -> str:
        return str(budgets[i]) if i < len(budgets) else "-"

    every_w, every_s = np.ones(n_workloads, bool), np.ones(n_seeds, bool)
    n = hits["cosine"][:, every_w][:, :, every_s].size
    rows = [[f"{c} at every budget", "-", f"{score(p, every_w, every_s)}/{n}"]
            for c, p in (("constant", (len(budgets),) * 2), ("wsd", (0, len(budgets))), ("cosine", (0, 0)))]
    p = chosen(every_w, every_s)
    rows.append([f"rule chosen on all cases: constant < {bound(p[0])}, wsd < {bound(p[1])}", "-",
                 f"{score(p, every_w, every_s)}/{n}"])
    folds = (("workload", n_workloads, lambda j: (np.arange(n_workloads) != j, every_s)),
             ("seed", n_seeds, lambda j: (every_w, np.arange(n_seeds) != j)))
    for name, n_folds, fold in folds:
        total, picks = 0, []
        for j in range(n_folds):
            w, s = fold(j)
            p = chosen(w, s)
            picks.append(f"{bound(p[0])}/{bound(p[1])}")
            total += score(p, ~w if name == "workload" else every_w, ~s if name == "seed" else every_s)
        rows.append([f"rule chosen without one {name}, scored on it", ", ".join(picks), f"{total}/{n}"])
    return rows
