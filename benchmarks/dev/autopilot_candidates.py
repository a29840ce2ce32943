"""Candidate Autopilot policies against the default and the peers, chosen by leave-one-family-out.

The report of a benchmark that asks one question of a few ``AutopilotPolicy`` variants
(``candidates``: name -> fields on top of ``autopilot_shape.DEFAULT``, the first the default), as
``benchmarks/autopilot_shape.py`` does for the main phase's shape: a bit-identity check of the
default's stored runs (made again here on :data:`CHECK`), every zoo workload and built-in task at
seeds 0, 1, 2 (run when missing), the family table, the leave-one-family-out choice among all of
them and between each candidate and the default alone (:func:`pairwise`), and the built-in tasks
held out, printed and written into the script's own BENCHMARKS.md section.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from dev import autopilot_tables as tables
from dev import autopilot_truth as truth
from dev.autopilot_zoo_runs import reads_as, resolve_task, run_autopilot
from dev.record import markdown_table, print_table, record

__all__ = ["CHECK", "FIELDS", "identity", "main", "pairwise", "report"]

#: Seed-0 runs of the default made again here, one workload per optimizer kind (bit-identity check).
CHECK = ("regression-huber-adam", "norm-bn-nesterov", "embbag-keyword-sgd")
#: What a run records that must match bit for bit.
FIELDS = ("metric", "raw_metric", "steps", "peak", "probe_steps", "diverged_at", "probe_losses")


def identity(default: str, candidates: dict[str, dict]) -> tuple[list[list[Any]], list[str]]:
    """The default run again here (seed 0, not from the store) against its stored record."""
    from autopilot_shape import DEFAULT, runs
    from lrkit.torch import optimizer_kind

    rows = []
    for n in CHECK:
        stored = runs(n, default, False, candidates)[0]
        kind = optimizer_kind(resolve_task(n).build(0)["optimizer"])
        base = candidates[default].get("base", DEFAULT)  # a benchmark of an earlier default names it
        fields = {k: v for k, v in candidates[default].items() if k not in ("base", "rerun")}
        fresh = run_autopilot(resolve_task(n), 0, truth.budget_of(n), reads_as({**base, **fields}, kind))
        same = [f for f in FIELDS if fresh[f] == stored[f]]
        rows.append([n, kind, stored["metric"], fresh["metric"], f"{len(same)}/{len(FIELDS)}"])
    return rows, ["workload (seed 0)", "kind", "stored metric", "metric here now", "fields bit-identical"]


def pairwise(means: dict[str, dict[str, float]], default: str, candidates: dict[str, dict]
             ) -> list[list[Any]]:
    """Per candidate, leave-one-family-out between it and the default alone: the held-out mean, the
    families that choice is ahead of Prodigy and of Schedule-Free on, the folds that chose it."""
    from autopilot_shape import lofo

    rows = []
    for c in candidates:
        if c == default:
            continue
        two = {default: candidates[default], c: candidates[c]}
        held, _ = lofo(means, two)
        col = {f: means[f][held[f]] for f in held}
        ahead = [f"{sum(col[f] < means[f][p] for f in held)}/{len(held)}"
                 for p in ("prodigy", "schedule-free")]
        rows.append([c, float(np.mean(list(col.values()))), *ahead,
                     f"{sum(v == c for v in held.values())}/{len(held)}"])
    return rows


def report(candidates: dict[str, dict], *, cached_only: bool, no_record: bool, section: str, title: str,
           doc: str, script: str, preface: str = "") -> dict[str, dict[str, float]]:
    """Run (unless ``cached_only``) and tabulate ``candidates``; record the section unless ``no_record``.
    Returns ``family -> method -> mean gap regret``."""
    from autopilot_shape import PEERS, SEEDS, collect, lofo, summary
    from lrkit import zoo

    start = time.process_time()
    default = next(iter(candidates))
    irows, ih = identity(default, candidates)  # three seed-0 runs, made even with ``cached_only``
    if irows:
        print_table(irows, ih, floatfmt=".6g")
    results = collect(sorted(zoo.names()), not cached_only, candidates)
    frows, means = tables.family_table(results, [*candidates, *PEERS], SEEDS)
    fh = ["family", "method", "workloads", "mean regret (gap %)", "standard error", "mean regret (native)"]
    held, everything = lofo(means, candidates)
    srows, sh = summary(means, held, candidates)
    prows = pairwise(means, default, candidates)
    ph = ["candidate against the default alone", "held-out mean (gap %)", "families ahead of prodigy",
          "families ahead of schedule-free", "folds choosing the candidate"]
    choice = [[f, held[f], means[f][held[f]], means[f][default], means[f]["prodigy"],
               means[f]["schedule-free"]] for f in held]
    ch = ["held-out family", "chosen on the other 11", "its regret (gap %)", "default's", "prodigy's",
          "schedule-free's"]
    builtin = collect(list(truth.BUILTIN), not cached_only, candidates)
    bwork = [[n, *[float(np.mean([truth.regret(n, r["metric"], SEEDS, "gap") for r in res[m]]))
                   if m in res else float("nan") for m in (*candidates, *PEERS)]]
             for n, res in builtin.items()]
    bh = ["built-in task (held out)", *candidates, *PEERS]
    bwork.append(["mean", *[float(np.nanmean([r[i] for r in bwork])) for i in range(1, len(bh))]])
    for rows, headers in ((frows, fh), (choice, ch), (srows, sh), (prows, ph), (bwork, bh)):
        print_table(rows, headers, floatfmt=".3g")
    verdict = (f"Chosen on all twelve families: **{everything}**. Per held-out family: "
               + "; ".join(f"{s}: {sum(v == s for v in held.values())}" for s in candidates) + ".")
    cpu = f"CPU seconds of this process (cached runs cost nothing): {time.process_time() - start:.0f}."
    print(preface, verdict, cpu, sep="\n")
    if not no_record:
        body = "\n\n".join([
            *([preface] if preface else []),
            *(["The default run again here (seed 0) against its stored runs:",
               markdown_table(irows, ih, floatfmt=".6g")] if irows else []),
            markdown_table(srows, sh, floatfmt=".3g"), verdict,
            "Each candidate against the default alone, by leave-one-family-out:",
            markdown_table(prows, ph, floatfmt=".3g"), markdown_table(choice, ch, floatfmt=".3g"),
            markdown_table(frows, fh, floatfmt=".3g"),
            "Built-in tasks, held out (gap %, mean of 3 seeds):", markdown_table(bwork, bh, floatfmt=".3g"),
            cpu])
        record(section, title, doc.split("\n\n", 1)[1] + "\n\n" + body,
               command=f"flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python {script}"
               + (" --cached-only" if cached_only else ""))
    return means


def main(candidates: dict[str, dict], *, section: str, title: str, doc: str, script: str,
         preface: str = "") -> None:
    """A question script's command line (``--cached-only``, ``--no-record``), then :func:`report`."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--cached-only", action="store_true",
                    help="no candidate runs (the bit-identity runs are made)")
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args()
    report(candidates, cached_only=args.cached_only, no_record=args.no_record, section=section, title=title,
           doc=doc, script=script, preface=preface)
