"""A ramp that never blew up: how far below its top is the best peak? Read from stored runs.

A ramp that reaches the top of its band without a blow-up only bounds the blow-up from below: the
clip ``[r / clip_below, r / clip_above]`` below a divergence at ``r`` has nothing to hold on to. The
question (asked of ``embbag-keyword-sgd``, plain SGD whose ramp reads about 1 where the tuned rate is
about 10): is there a rule with a reason for such a ramp, such as reading its top as the blow-up
(``top / clip_above``), and what would it do on every other workload whose ramp did not blow up?

Read from the store alone (``results/autopilot_runs.json``; nothing is run): every run of the
default Autopilot on this machine (``autopilot_shape.py``'s, 37 zoo workloads and the built-in tasks,
seeds 0, 1, 2) whose ramp did not stop on a blow-up; whether its loss **turned** (the finder's valley
geometry saw the loss rise back through half depth: ``edge_seen``, the test ``weak_rule_when`` reads);
its top, the peak it read, the best peak of the Autopilot *given* a peak (``ap:given=X,schedule=wsd``:
its ramp and wsd main phase, a third of a decade apart; made in an earlier session on another machine,
when a ramp's undone updates were refunded, so a guide to where the best peak lies, not a paired
figure), and the regret each reading would get, interpolated on that grid in log-rate
(``dev.autopilot_grid.at``, the edge value outside it). Regret in the zoo's gap unit.

Run: ``.venv/bin/python benchmarks/autopilot_unbroken_ramp.py`` (seconds; ``--no-record``).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from autopilot_shape import SEEDS, SHAPES, runs  # noqa: E402
from dev import autopilot_grid as ag  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_zoo_runs import STORE, _read, resolve_task  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit import zoo  # noqa: E402
from lrkit.finder import valley_geometry  # noqa: E402
from lrkit.torch import AutopilotPolicy, optimizer_kind  # noqa: E402

DEFAULT_NAME = next(iter(SHAPES))
#: The store's method prefix of the given-peak runs with the default's main phase.
GIVEN, SHAPE = "ap:given=", "wsd"


def given_grid(name: str) -> dict[float, list[float]]:
    """Given peak -> per-seed gap regrets of the Autopilot run at that peak (complete seeds only)."""
    out: dict[float, dict[int, float]] = {}
    for key, rec in _read(STORE).items():
        method, workload, seed, _ = key.split("|")
        if workload == name and method.startswith(GIVEN) and method.endswith(f"schedule={SHAPE}"):
            lr = float(method[len(GIVEN):].split(",")[0])
            out.setdefault(lr, {})[int(seed)] = truth.regret(name, rec["metric"], unit="gap")
    return {lr: [v[s] for s in SEEDS] for lr, v in sorted(out.items()) if len(v) == len(SEEDS)}


def turned(rec: dict[str, Any], policy: AutopilotPolicy) -> bool:
    """Whether the ramp's loss rose back through half depth (the finder's ``edge_seen``)."""
    v = valley_geometry(np.array(rec["probe_lrs"]), np.array(rec["probe_losses"]), policy=policy.finder)
    return v is not None and not isinstance(v, str) and bool(v.edge_seen)


def rows_for(names: list[str], policy: AutopilotPolicy) -> list[list[Any]]:
    """One row per run whose ramp did not blow up."""
    rows = []
    for n in names:
        kind = optimizer_kind(resolve_task(n).build(0)["optimizer"])
        grid = given_grid(n)
        curve = ag.response(grid, higher=False) if grid else None
        best = min(grid, key=lambda lr: np.mean(grid[lr])) if grid else math.nan
        for seed, rec in zip(SEEDS, runs(n, DEFAULT_NAME, False)):
            if rec["diverged_at"] is not None:
                continue
            top = max(rec["probe_lrs"])
            at_top = top / policy.clip_above
            rows.append([n, truth.family_of(n), kind, seed, "yes" if turned(rec, policy) else "no", top,
                         rec["peak"], best, math.log10(best / top) if grid else math.nan,
                         truth.regret(n, rec["metric"], unit="gap"),
                         ag.at(curve, rec["peak"]) if curve else math.nan,
                         ag.at(curve, at_top) if curve else math.nan])
    return rows


HEADERS = ["workload", "family", "kind", "seed", "loss turned", "ramp top", "peak read", "best given peak",
           "log10(best / top)", "regret (run)", "regret at the peak read (grid)",
           "regret at top / clip_above (grid)"]


def summary(rows: list[list[Any]]) -> tuple[list[list[Any]], list[str]]:
    """Per group (loss turned or not): runs, those with a grid, best/top quantiles, how many a reading
    of ``top / clip_above`` puts a decade or more above the best given peak, and the mean regrets."""
    out = []
    for label, keep in (("turned, no blow-up", "yes"), ("never turned, no blow-up", "no")):
        g = [r for r in rows if r[4] == keep]
        have = [r for r in g if not math.isnan(r[8])]
        ratio = np.array([r[8] for r in have])
        high = int(np.sum(ratio < -1 - math.log10(AutopilotPolicy().clip_above))) if have else 0
        out.append([label, len(g), len(have), float(ratio.min()) if have else math.nan,
                    float(np.median(ratio)) if have else math.nan, float(ratio.max()) if have else math.nan,
                    f"{high}/{len(have)}", float(np.mean([r[10] for r in have])) if have else math.nan,
                    float(np.mean([r[11] for r in have])) if have else math.nan])
    return out, ["ramp", "runs", "with a given-peak grid", "log10(best / top): min", "median", "max",
                 "top / clip_above a decade or more above the best", "mean regret at the peak read (grid)",
                 "mean regret at top / clip_above (grid)"]


def main() -> None:
    ap = arguments(__doc__)
    args = ap.parse_args()
    policy = AutopilotPolicy()
    rows = rows_for([*sorted(zoo.names()), *truth.BUILTIN], policy)
    srows, sh = summary(rows)
    print_table(rows, HEADERS, floatfmt=".3g")
    print_table(srows, sh, floatfmt=".3g")
    if not args.no_record:
        body = "\n\n".join([markdown_table(srows, sh, floatfmt=".3g"),
                             markdown_table(rows, HEADERS, floatfmt=".3g")])
        record("autopilot_unbroken_ramp", "The Autopilot: a ramp that never blew up",
               __doc__.split("\n\n", 1)[1] + "\n\n" + body,
               command=".venv/bin/python benchmarks/autopilot_unbroken_ramp.py")


if __name__ == "__main__":
    main()
