"""Where the Autopilot's peak misses: its choice against the tuned peak of its own schedule, per workload.

For every zoo workload with the recorded runs of an Autopilot variant (three seeds): the peak it
chose (geometric mean over seeds), the best peak of the tuned wsd schedule (``dev.autopilot_truth.
tuned_schedule``), the miss :math:`\\log_{10}(\\text{chosen}/\\text{best})` in decades (> 0: too high),
and the regret (gap unit). :func:`by_group` summarizes the misses by optimizer kind, by normalization
(a BatchNorm / LayerNorm module in the model) and by budget: is the miss a bias one factor could fix
(one sign per group), or a spread no factor can (both signs)?
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from dev import autopilot_truth as truth

__all__ = ["MISS", "by_group", "misses", "text"]

#: A miss beyond this many decades (a factor of ~1.8) counts as too high / too low.
MISS = 0.25


def _normalization(model: Any) -> str:
    import torch

    kinds = {type(m) for m in model.modules()}
    if any(issubclass(k, torch.nn.modules.batchnorm._BatchNorm) for k in kinds):
        return "batch"
    if any(issubclass(k, (torch.nn.LayerNorm, torch.nn.GroupNorm)) for k in kinds):
        return "layer"
    return "none"


def misses(store: Mapping[str, Any], key: str, names: list[str], seeds: tuple[int, ...] = (0, 1, 2),
           tag: str = "") -> list[dict[str, Any]]:
    """Per workload (with a tuned wsd grid cached, made on the machine of ``tag``: ``dev.autopilot_zoo_runs.
    MACHINES``): chosen and best peak, miss in decades, regret."""
    from lrkit.torch import optimizer_kind

    out = []
    for n in names:
        b = truth.budget_of(n)
        recs = [store.get(f"{key}|{n}|{s}|{b}") for s in seeds]
        if any(r is None for r in recs):
            continue
        try:
            best = truth.tuned_schedule(n, "wsd", seeds, run=False, tag=tag)[0]
        except truth.Missing:
            continue
        parts = truth.resolve_task(n).build(0)
        chosen = float(np.exp(np.mean(np.log([r["peak"] for r in recs]))))
        out.append({"workload": n, "family": truth.family_of(n), "kind": optimizer_kind(parts["optimizer"]),
                    "norm": _normalization(parts["model"]), "budget": b, "chosen": chosen, "best": best,
                    "miss": math.log10(chosen / best),
                    "regret": float(np.mean([truth.regret(n, r["metric"], seeds, "gap") for r in recs]))})
    return out


def by_group(rows: list[dict[str, Any]]) -> list[list[Any]]:
    """Rows (grouping, group, workloads, too high, too low, median miss, spread (SD), mean regret)."""
    groups = [("kind", lambda r: r["kind"]), ("normalization", lambda r: r["norm"]),
              ("budget", lambda r: "<= 300" if r["budget"] <= 300 else "> 300"), ("all", lambda r: "all")]
    out = []
    for label, key in groups:
        for g in sorted({key(r) for r in rows}):
            m = np.array([r["miss"] for r in rows if key(r) == g])
            reg = [r["regret"] for r in rows if key(r) == g]
            out.append([label, g, m.size, int(np.sum(m > MISS)), int(np.sum(m < -MISS)), float(np.median(m)),
                        float(m.std(ddof=1)) if m.size > 1 else 0.0, float(np.mean(reg))])
    return out


def text(store: Mapping[str, Any], keys: Mapping[str, str], names: list[str], seeds: tuple[int, ...],
         tag: str = "") -> str:
    """Markdown: :func:`by_group` of each labelled store key (printed too; the tuned peaks of ``tag``)."""
    from dev.record import markdown_table, print_table

    headers = ["grouping", "group", "workloads", "too high", "too low", "median miss (decades)",
               "SD (decades)", "mean regret (gap %)"]
    out = []
    for label, key in keys.items():
        rows = by_group(misses(store, key, names, seeds, tag))
        print_table(rows, headers, floatfmt=".3g")
        out.append(f"Chosen peak against the tuned wsd peak, **{label}** (miss = log10(chosen / best); "
                   f"beyond {MISS} decades counts as too high / too low):\n\n"
                   + markdown_table(rows, headers, floatfmt=".3g"))
    return "\n\n".join(out)
