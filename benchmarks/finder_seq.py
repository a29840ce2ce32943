"""The finder's rules on a family they were not designed on: six character language models.

``find_lr``'s rules were chosen on ``finder_dev.py``'s tabular MLPs and checked on the built-in
tasks (``finder_regret.py``). ``dev/seq_dev.py``'s sequence workloads (GRU, transformer and NPLM
character models, on other stdlib text than ``charlm``'s) were added afterwards, with no rule
changed since: this is held-out evidence. Each workload and seed gets one range test with
``finder_dev``'s sweep (1e-7 .. 10, 100 rates, cached in ``results/finder_seq.json``); every rule,
lrkit's and the other finders' (fastai's ``valley``, ``minimum/10`` and the steepest-slope rule of
``torch-lr-finder``), is scored with ``finder_dev``'s proxy: the regret, in nats of validation loss,
of the grid's mean metric interpolated in log-lr at the suggestion, against the grid-best constant
rate (the half-decade grids of ``no_tuning.py --dev``, at 100 and 300 updates). ``find_lr`` is
``rule="auto"``: ``falling`` for the Adam family, ``default`` for SGD::

    nice .venv/bin/python benchmarks/finder_seq.py
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import finder_dev as fd  # noqa: E402
from dev import autopilot_runs  # noqa: E402
from dev import seq_dev  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit.torch import find_lr  # noqa: E402

CACHE = Path(__file__).resolve().parent / "results" / "finder_seq.json"
BUDGETS = (100, 300)
#: Table name -> ``finder_dev.CANDIDATES`` name (None: ``find_lr``'s own suggestion).
RULES = {"find_lr (rule='auto')": None, "default": "default (w=1/3)", "falling": "falling",
         "valley (fastai)": "valley", "steepest (torch-lr-finder)": "steepest",
         "minimum/10 (fastai)": "minimum/10"}


def _sweep(name: str, opt: str, seed: int) -> dict[str, Any]:
    torch.set_num_threads(1)
    p = seq_dev.parts(name, opt, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the batch list is cycled
        res = find_lr(p["model"], p["optimizer"], p["loss_fn"], p["batches"], sweep=fd.SWEEP)
    return {"lrs": [float(v) for v in res.lrs], "losses": [float(v) for v in res.losses],
            "auto": res.suggestion}


def main() -> None:
    ap = arguments(__doc__)
    args = ap.parse_args()
    sweeps = json.loads(CACHE.read_text()) if CACHE.exists() else {}
    for name, opt in seq_dev.WORKLOADS:
        for s in seq_dev.SEEDS:
            if f"{name}/{opt}/{s}" not in sweeps:
                sweeps[f"{name}/{opt}/{s}"] = _sweep(name, opt, s)
    CACHE.parent.mkdir(exist_ok=True)
    CACHE.write_text(json.dumps(sweeps))
    grids = json.loads(autopilot_runs.DEV_CACHE.read_text()) if autopilot_runs.DEV_CACHE.exists() else {}
    cached = len(grids)
    body = ""
    for budget in BUDGETS:
        regret: dict[str, list[float]] = {r: [] for r in RULES}
        rows = []
        for name, opt in seq_dev.WORKLOADS:
            best, rate = autopilot_runs.dev_grid(seq_dev, name, opt, budget, grids)  # cached if missing
            gm = {float(k): float(np.mean(v)) for k, v in grids[f"{name}/{opt}@{budget}"].items()}
            row: list[Any] = [f"{name}/{opt}", rate]
            for r, cand in RULES.items():
                regs = []
                for s in seq_dev.SEEDS:
                    sw = sweeps[f"{name}/{opt}/{s}"]
                    lr = sw["auto"] if cand is None else fd.CANDIDATES[cand](np.asarray(sw["lrs"]),
                                                                            np.asarray(sw["losses"]))
                    regs.append(best - fd.score(gm, lr, min(gm.values())))
                regret[r].append(float(np.mean(regs)))
                row.append(regret[r][-1])
            rows.append(row)
        summary = [[r, float(np.mean(v)), float(np.median(v)), float(np.max(v)),
                    sum(v[i] <= min(regret[q][i] for q in RULES) + 1e-9 for i in range(len(v)))]
                   for r, v in regret.items()]
        sh = ["rule", "mean regret (nats)", "median", "worst", "workloads where lowest (ties count)"]
        print(f"\n{budget} updates")
        print_table(summary, sh, ".3g")
        print_table(rows, ["workload", "grid best", *RULES], ".3g")
        body += (f"**{budget} updates**\n\n" + markdown_table(summary, sh, ".3g") + "\n\nPer workload:\n\n"
                 + markdown_table(rows, ["workload", "grid best", *RULES], ".3g") + "\n\n")
    if len(grids) > cached:
        autopilot_runs.DEV_CACHE.write_text(json.dumps(grids))
    head = (f"{len(seq_dev.WORKLOADS)} workloads x seeds {list(seq_dev.SEEDS)} (`dev/seq_dev.py`), one sweep "
            "each, scored against the grid at each budget; lower is better. The rules were fixed before "
            "these workloads existed.\n\n")
    if args.no_record:
        return
    record("finder_seq", "LR finder rules on sequence models (held out)", head + body,
           command="nice .venv/bin/python benchmarks/finder_seq.py")


if __name__ == "__main__":
    main()
