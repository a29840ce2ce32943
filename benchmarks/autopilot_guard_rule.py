"""What does the guard's faults-in-row rule cost or gain on the zoo? The old rule against the new, paired.

The guard used to roll back at once on a NaN/inf loss or gradient (and on a second spike in a row).
Now a fault from finite weights (a spike, or a NaN/inf loss or gradient: one bad sample) is skipped,
and ``AutopilotPolicy.faults_in_row`` = 2 faults in a row, or non-finite weights, roll back, in the
guard and in the probe (where the second fault in a row is the divergence, read at the first's rate).

* **old rule**: the library's default Autopilot's runs made on this machine on 2026-12-06 before the
  change (``benchmarks/autopilot_shape.py``'s default, stored in ``results/autopilot_runs.json``;
  never run again here: today's code would run the new rule under the old key);
* **new rule**: the same default with ``faults_in_row=2`` named in its store key, so that it runs
  afresh (the store's key names only the fields a variant sets: the default's key alone would read
  the old rule's runs back).

Every zoo workload (37, 12 families) and every built-in task, seeds 0, 1, 2, each at its own budget,
the Autopilot told it. Regret in the zoo's gap unit against the grid-best constant rate, mean over
families; the peers' stored runs for the families ahead. Paired: same workload, seed, machine and
code apart from the rule; a run that never faults should be bit for bit the same (the sanity check).

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_guard_rule.py``
(``--cached-only``: the tables from the store alone).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from autopilot_shape import BEFORE_12, PEERS, SEEDS, SHAPES, collect  # noqa: E402
from dev import autopilot_tables as tables  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.record import markdown_table, print_table, record, store_args  # noqa: E402

from lrkit import zoo  # noqa: E402

OLD, NEW = "old rule (NaN rolls back at once)", "new rule (faults_in_row 2)"
#: The default's runs of ``autopilot_shape.py`` on this machine (before the change): read, never run.
_TAG = SHAPES["wsd, 20% cool-down (default)"]["rerun"]
#: Measured in session 11, on the default of then (``autopilot_shape.BEFORE_12``).
STORED = {OLD: {"rerun": _TAG, "base": BEFORE_12}}
FRESH = {NEW: {"faults_in_row": 2, "rerun": _TAG, "base": BEFORE_12}}
#: What a run records that the rule can move (its probe, its peak, its faults, its result).
FIELDS = ("metric", "raw_metric", "steps", "peak", "probe_steps", "diverged_at", "faults", "probe_losses")


def gather(names: list[str], run: bool) -> dict[str, dict[str, list[dict]]]:
    """``name -> method -> per-seed records``: the old rule's stored runs, the new rule's, the peers'."""
    out = collect(names, False, STORED)
    for n, res in collect(names, run, FRESH).items():
        out[n].update({k: v for k, v in res.items() if k in FRESH})
    return {n: res for n, res in out.items() if OLD in res and NEW in res}


def changed(results: dict[str, dict[str, list[dict]]]) -> tuple[list[list[Any]], int, int]:
    """Rows for the runs whose records differ between the rules; how many runs, how many faulted."""
    rows, total, faulted = [], 0, 0
    for n, res in results.items():
        for s, a, b in zip(SEEDS, res[OLD], res[NEW]):
            total += 1
            faulted += bool(a["faults"] or b["faults"])
            moved = [f for f in FIELDS if a.get(f) != b.get(f)]
            if moved:
                rows.append([n, s, a["metric"], b["metric"], a["faults"], b["faults"], a["peak"], b["peak"],
                             ", ".join(moved)])
    return rows, total, faulted


def paired(results: dict[str, dict[str, list[dict]]]) -> tuple[float, float]:
    """Mean over families of (new - old) gap, and its standard error over the seeds."""
    gap = tables.regrets(results, "gap", SEEDS)
    per_seed = np.mean([np.mean([gap[n][NEW] - gap[n][OLD] for n in names], axis=0)
                        for names in tables.families(results).values()], axis=0)
    return float(per_seed.mean()), float(per_seed.std(ddof=1) / np.sqrt(len(per_seed)))


def main() -> None:
    args = store_args(__doc__)
    start = time.process_time()
    results = gather(sorted(zoo.names()), not args.cached_only)
    builtin = gather(list(truth.BUILTIN), not args.cached_only)
    _, means = tables.family_table(results, [OLD, NEW, *PEERS], SEEDS)
    fams = list(means)
    frows = [[f, means[f][OLD], means[f][NEW], means[f][NEW] - means[f][OLD], means[f]["prodigy"]]
             for f in fams]
    fh = ["family", f"{OLD} (gap %)", f"{NEW} (gap %)", "new - old", "prodigy (gap %)"]
    _, bmeans = tables.family_table(builtin, [OLD, NEW, *PEERS], SEEDS)
    bwork = [[n, *[float(np.mean([truth.regret(n, r["metric"], SEEDS, "gap") for r in res[m]]))
                   for m in (OLD, NEW)]] for n, res in builtin.items()]
    crows, total, faulted = changed({**results, **builtin})
    diff, se = paired(results)
    srows = [[m, f"{len(fams)}", float(np.mean([means[f][m] for f in fams])),
              *[f"{sum(means[f][m] < means[f][p] for f in fams)}/{len(fams)}" for p in PEERS],
              bmeans["built-in"][m] if "built-in" in bmeans else float("nan")] for m in (OLD, NEW)]
    sh = ["guard rule", "families", "zoo mean over families (gap %)",
          *[f"families ahead of {p}" for p in PEERS], "built-in tasks (gap %)"]
    ch = ["workload", "seed", "old metric", "new metric", "old faults", "new faults", "old peak", "new peak",
          "what moved"]
    for rows, headers in ((srows, sh), (frows, fh), (bwork, ["built-in task", OLD, NEW]), (crows, ch)):
        print_table(rows, headers, floatfmt=".4g")
    verdict = (f"Zoo mean, new - old (paired, over families; standard error over the 3 seeds): "
               f"**{diff:+.3g}** ({se:.2g}). Runs whose record moved at all: **{len(crows)} of {total}** "
               f"({faulted} had a guard fault under either rule); every other run is bit for bit the same.")
    cpu = f"CPU seconds of this process (cached runs cost nothing): {time.process_time() - start:.0f}."
    print(verdict, cpu, sep="\n")
    if not args.no_record:
        body = "\n\n".join([
            markdown_table(srows, sh, floatfmt=".3g"), verdict, markdown_table(frows, fh, floatfmt=".3g"),
            "Built-in tasks (gap %, mean of 3 seeds):",
            markdown_table(bwork, ["built-in task", OLD, NEW], floatfmt=".3g"),
            "The runs that moved:", markdown_table(crows, ch, floatfmt=".4g"), cpu])
        record("autopilot_guard_rule", "The guard's faults-in-row rule on the zoo, paired with the old rule",
               __doc__.split("\n\n", 1)[1] + "\n\n" + body,
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
               "benchmarks/autopilot_guard_rule.py" + (" --cached-only" if args.cached_only else ""))


if __name__ == "__main__":
    main()
