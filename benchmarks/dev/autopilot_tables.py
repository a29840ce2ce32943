"""The tables of ``benchmarks/autopilot_zoo.py``: regret per family and method, the summary, the targets.

``results`` is ``workload -> method -> per-seed records`` (each with ``"metric"``, ``"steps"`` and,
for full runs, ``"cpu_s"``); regrets come from ``dev.autopilot_truth`` (the constant grid-best
mean as zero; ``"gap"`` or the native ``"best"`` unit). A family's figure is the mean over its
workloads, per seed, then over seeds; its standard error is over the seeds (methods share seeds).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dev import autopilot_truth as truth

__all__ = ["compute", "families", "family_table", "lofo_choices", "regrets", "summary", "within"]

#: The reference the tolerance target is measured against (``dev.autopilot_truth.tuned_schedule``).
TUNED = "schedule, tuned"


def regrets(results: dict, unit: str, seeds: tuple[int, ...]) -> dict[str, dict[str, np.ndarray]]:
    """``name -> method -> per-seed regret`` in ``unit``."""
    return {n: {m: np.array([truth.regret(n, r["metric"], seeds, unit) for r in recs])
                for m, recs in res.items()} for n, res in results.items()}


def families(results: dict) -> dict[str, list[str]]:
    """``family -> workloads`` of ``results``, families sorted."""
    fams: dict[str, list[str]] = {}
    for n in results:
        fams.setdefault(truth.family_of(n), []).append(n)
    return dict(sorted(fams.items()))


def family_table(results: dict, methods: Sequence[str], seeds: tuple[int, ...]
                 ) -> tuple[list[list[Any]], dict[str, dict[str, float]]]:
    """Rows (family, method, workloads, gap mean, SE, native mean) and ``family -> method -> gap mean``."""
    gap, native = regrets(results, "gap", seeds), regrets(results, "best", seeds)
    rows, means = [], {}
    for f, names in families(results).items():
        means[f] = {}
        for m in dict.fromkeys(methods):
            have = [n for n in names if m in gap[n]]
            if not have:
                continue
            per_seed = np.mean([gap[n][m] for n in have], axis=0)
            se = float(per_seed.std(ddof=1) / math.sqrt(len(per_seed)))
            means[f][m] = float(per_seed.mean())
            rows.append([f, m, f"{len(have)}/{len(names)}", float(per_seed.mean()), se,
                         float(np.mean([native[n][m] for n in have]))])
    return rows, means


def lofo_choices(means: Mapping[str, Mapping[str, float]], candidates: Sequence[str], keep: str | None = None
                 ) -> tuple[dict[str, str], str]:
    """Leave-one-family-out over family means (``means[family][candidate]``, lower is better): per held-out
    family the candidate with the lowest mean over the other families, and the one chosen on every family.
    A tie goes to ``keep`` (the default, so a candidate must win to replace it), else to the earlier one.

    Example:
        >>> means = {"a": {"x": 1.0, "y": 2.0}, "b": {"x": 3.0, "y": 0.0}, "c": {"x": 1.0, "y": 1.5}}
        >>> lofo_choices(means, ["x", "y"])
        ({'a': 'y', 'b': 'x', 'c': 'y'}, 'y')
    """
    def best(excluded: str | None) -> str:
        return min(candidates, key=lambda c: (
            float(np.mean([m[c] for g, m in means.items() if g != excluded])), c != keep))

    return {f: best(f) for f in means}, best(None)


def lofo_verdict(everything: str, held: dict[str, str], candidates: Sequence[str], note: str = "") -> str:
    """The sentence under a leave-one-family-out table: the choice on every family (``note`` after it),
    and how many held-out folds chose each candidate."""
    return (f"Chosen on all twelve families: **{everything}**{note}. Per held-out family: "
            + "; ".join(f"{c}: {sum(v == c for v in held.values())}" for c in candidates) + ".")


def compute(results: dict, method: str) -> tuple[float, float]:
    """Mean updates over the budget, and mean CPU seconds over adam-cosine's on the same run."""
    steps, cpu = [], []
    for n, res in results.items():
        if method not in res:
            continue
        steps += [r["steps"] / truth.budget_of(n) for r in res[method]]
        if "cpu_s" in res[method][0] and "adam-cosine" in res:
            cpu += [a["cpu_s"] / b["cpu_s"] for a, b in zip(res[method], res["adam-cosine"])]
    return float(np.mean(steps)) if steps else math.nan, float(np.mean(cpu)) if cpu else math.nan


def within(results: dict, ap: str, seeds: tuple[int, ...]) -> tuple[list[str], int]:
    """Families whose mean (over workloads with both) of (ap - schedule, tuned) / tolerance is <= 1,
    and how many families have both."""
    native = regrets(results, "best", seeds)
    by: dict[str, list[float]] = {}
    for n, r in native.items():
        if ap in r and TUNED in r:
            gap = float(np.mean(r[ap]) - np.mean(r[TUNED])) / truth.tolerance(n)
            by.setdefault(truth.family_of(n), []).append(gap)
    return [f for f, v in sorted(by.items()) if np.mean(v) <= 1.0], len(by)


def summary(results: dict, means: dict[str, dict[str, float]], ap: str, methods: Sequence[str],
            peers: Sequence[str], seeds: tuple[int, ...]) -> tuple[list[list[Any]], str]:
    """Per method: mean over families (gap), families ``ap`` is ahead on, families the method is within
    the tolerance of "schedule, tuned" on (the target's count, for every method: what no-rate methods
    reach), compute; the targets for ``ap``
    (ahead of every one of ``peers`` on the mean and on two thirds of the families; within the
    tolerance of "schedule, tuned" on 80% of them)."""
    fams = [f for f in means if ap in means[f]]
    rows, ahead_all = [], True
    for m in dict.fromkeys(methods):
        both = [f for f in fams if m in means[f]]
        if not both:
            continue
        mine, theirs = (np.array([means[f][x] for f in both]) for x in (ap, m))
        ahead = int(np.sum(mine < theirs))
        steps, cpu = compute(results, m)
        close, measured = within(results, m, seeds)
        rows.append([m, float(theirs.mean()), f"{ahead}/{len(both)}", f"{len(close)}/{measured}", steps, cpu])
        if m in peers:
            ahead_all &= bool(mine.mean() < theirs.mean()) and ahead >= 2 * len(both) / 3
    inside, measured = within(results, ap, seeds)
    steps, _ = compute(results, ap)
    text = (f"**Targets ({ap}).** Ahead of every peer on the mean over families and on at least two "
            f"thirds of them: {'met' if ahead_all else 'not met'}. Within the tolerance of \"{TUNED}\" "
            f"on {len(inside)} of the {measured} families where it was measured "
            f"({', '.join(inside) or 'none'}; 80% needs {math.ceil(0.8 * measured)}) at {steps:.3f} runs "
            f"of compute (updates).")
    return rows, text
