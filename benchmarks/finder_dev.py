"""Which suggestion rule, on the finder's development set (workloads that are NOT the built-in tasks)?

Rules are chosen here, never on ``finder_regret.py``'s configurations (those are the held-out
evidence). The workloads, their ground truth and the sweeps are ``dev/finder_dev.py``'s (cached in
``results/finder_dev.json``). **Offline scoring** (a proxy, documented in ``docs/evidence.md``): every
candidate rule is applied to the stored sweeps; a suggestion is scored by the grid's mean metric
linearly interpolated in log-lr (clamped to the grid's ends), and its regret is the grid-best mean
minus that score. No training run at the suggested rate is made, so the proxy cannot see structure
finer than half a decade.

    nice .venv/bin/python benchmarks/finder_dev.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev.finder_dev import (  # noqa: E402
    ADAPTIVE, BATCH, BUDGETS, CANDIDATES, SEEDS, WORKLOADS, ground_truth, key, score,
)
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

import torch  # noqa: E402

def table(cache: dict[str, Any], workloads: list[tuple[str, str]], budget: int) -> tuple[list, list]:
    """(summary rows, per-workload rows) of the proxy regret at one training budget."""
    # Regret units differ (accuracy points vs standardized MSE), so the summary averages each kind
    # of workload separately; "by kind" is `default` for SGD/momentum and `falling` for the adaptive ones.
    names = [*CANDIDATES, "by kind (default | falling)"]
    regrets: dict[str, dict[str, list[float]]] = {r: {} for r in names}
    rows = []
    for name, opt in workloads:
        sweeps = cache[key(name, opt, BUDGETS[0])]["sweeps"]  # one sweep per seed serves every budget
        gm = {float(k): float(np.mean(v)) for k, v in cache[key(name, opt, budget)]["grid"].items()}
        best_lr = max(gm, key=gm.get)
        worst = min(gm.values())
        adaptive = opt in ADAPTIVE
        group = "regression " if name == "friedman" else "classification "
        group += "adaptive" if adaptive else "SGD"
        row: list[Any] = [f"{name}/{opt}", f"{best_lr:.3g}"]
        for r, fn in CANDIDATES.items():
            regs = [gm[best_lr] - score(gm, fn(np.asarray(l), np.asarray(y)), worst) for l, y in sweeps]
            regrets[r].setdefault(group, []).append(float(np.mean(regs)))
            row.append(float(np.mean(regs)))
        kind = regrets["falling" if adaptive else "default (w=1/3)"][group][-1]
        regrets[names[-1]].setdefault(group, []).append(kind)
        rows.append(row)
    groups = ["classification SGD", "classification adaptive", "regression SGD", "regression adaptive"]
    ref = regrets["default (w=1/3)"]

    def tally(r: str) -> str:
        pairs = [(a, b) for g in groups[1::2] for a, b in zip(regrets[r][g], ref[g])]
        return f"{sum(a < b - 1e-9 for a, b in pairs)} / {sum(a > b + 1e-9 for a, b in pairs)}"

    return [[r, *(float(np.mean(regrets[r][g])) for g in groups), tally(r)] for r in names], rows


def main() -> None:
    ap = arguments(__doc__)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cache = ground_truth()
    workloads = list(WORKLOADS)
    headers = ["workload", "grid best", *CANDIDATES]
    sh = ["rule", "acc. points, SGD/momentum (6)", "acc. points, Adam/AdamW/RMSprop (9)",
          "MSE, SGD/momentum (2)", "MSE, adaptive (3)", "adaptive (12): better / worse than default"]
    body = (
        "Proxy regret (mean over the group's workloads of the grid-best mean metric minus the grid's mean "
        "metric interpolated in log-lr at the suggestion; accuracy points, or MSE on a standardized target "
        f"for `friedman`), mean of {len(SEEDS)} seeds, batch {BATCH}, MLP 64 tanh; the same sweeps scored "
        "against each budget's grid. Lower is better. `falling` is the half-depth valley's falling crossing "
        "(w = 0); the default is w = 1/3.\n\n"
    )
    for budget in BUDGETS:
        summary, rows = table(cache, workloads, budget)
        print(f"\n{budget}-step budget")
        print_table(summary, sh, ".3g")
        body += (f"**{budget}-step budget**\n\n" + markdown_table(summary, sh, ".3g")
                 + f"\n\nPer workload ({budget} steps):\n\n" + markdown_table(rows, headers, ".3g") + "\n\n")
    if args.no_record:
        return
    record("finder_dev", "LR finder rules on the development set (not the built-in tasks)", body,
           command="nice .venv/bin/python benchmarks/finder_dev.py")


if __name__ == "__main__":
    main()
