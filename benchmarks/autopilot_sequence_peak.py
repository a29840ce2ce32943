"""Where across the ramp's valley should an adaptive optimizer's peak be read? Chosen by leave-one-family-out.

An adaptive optimizer's peak is read by the ``falling`` rule: where the ramp's smoothed loss first
falls through half depth, :math:`x_{fast}` (log-rate), :math:`w = 0` of the way across the valley to
its edge :math:`x_{edge}` (where the loss climbs back, or the ramp ends). The finder's ``default``
rule reads :math:`x_{fast} + w (x_{edge} - x_{fast})` with :math:`w = 1/3` for SGD, because the
descent comes early on a short sweep (each rate gets few updates) and the edge late. The candidates
(``AutopilotPolicy(adaptive_peak="default", adaptive_edge_weight=w)``, :data:`WEIGHTS`) read an
adaptive valley a fraction :math:`w` across; SGD's readings are untouched (their runs are the
default's).

Part one, why, on the two families this question came from (recurrent models and transformers,
where the Autopilot trails Prodigy): per workload and seed, the ramp's valley (or why it has none),
where it blew up, the peak each candidate reads, the grid-tuned peak of the Autopilot's own schedule
(wsd after a 5% warmup; ``dev.autopilot_truth.tuned_schedule``), the regret. Part two, whether the
reason holds elsewhere: per adaptive zoo workload, where across its ramp's valley the rates lie whose
given-peak runs (the Autopilot's own ramp and schedule with the peak given: ``ap:given=...`` in the
store, 3 seeds, a third of a decade apart; runs from before the budget fix) are within
:data:`GOOD` gap points of the best, as a range of :math:`w` (median over seeds). Part three: the
candidates and the default, full runs on every zoo workload (37, 12 families) and built-in task
(held out), seeds 0, 1, 2, each at its own budget, the Autopilot told it; regret in the zoo's gap
unit against the grid-best constant rate, mean over families; **leave-one-family-out** among the
default and every candidate: each family is scored with the one that has the lowest mean over the
other eleven. The default's runs are the ones ``benchmarks/autopilot_guard_rule.py`` made on this
machine (``@2026-12-06``); :func:`identity` makes a few of them again in the same run and checks
that they are bit for bit the stored ones before anything is compared.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_sequence_peak.py``
(runs cached in ``results/autopilot_runs.json``; ``--weights 0.2`` runs only those candidates;
``--extra-seeds 0.2``: that candidate and the default also on seeds 3 and 4 of the adaptive zoo
workloads, to choose between the two on five seeds; ``--cached-only``: the tables from the store alone).
"""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from autopilot_shape import BEFORE_12, PEERS, SEEDS, lofo, summary  # noqa: E402
from dev import autopilot_tables as tables  # noqa: E402
from dev.autopilot_valley import across_rows, valley  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_zoo_runs import AP, cached, reads_as, resolve_task, run_autopilot  # noqa: E402
from dev.autopilot_zoo_runs import run_peer, variant_key  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit import zoo  # noqa: E402
from lrkit.torch import optimizer_kind  # noqa: E402

#: The candidates' fractions across an adaptive valley (the finder's own w = 1/3 among them).
WEIGHTS = (0.1, 0.2, 1 / 3)
#: The default as it ran in session 11 (the guard's rule named: the key is the runs made after it).
NOW = {**BEFORE_12, "faults_in_row": 2}  # measured in session 11, on the default of then
#: The tag of the default's runs made on this machine (``benchmarks/autopilot_guard_rule.py``).
TAG = "@2026-12-06"
DEFAULT_RUN = "default: falling (w = 0)"
#: Given-peak rates within this many gap points of a workload's best count as good (part two).
GOOD = 3.0
#: The families part one reads.
FAMILIES = ("rnn", "transformer")
#: Workloads (seed 0) whose default run is made again to check it is bit for bit the stored one.
IDENTITY = ("rnn-adding-lstm-nadam", "transformer-keyword-radam", "regression-huber-adam")
IDENTITY_HEADERS = ["workload (seed 0)", "stored metric", "again", "stored peak", "again", "bit for bit"]


def label(w: float) -> str:
    return f"default rule, w = {w:.2g}"


def fields(w: float) -> dict[str, Any]:
    """The candidate's ``AutopilotPolicy`` fields on top of the default."""
    return {"adaptive_peak": "default", "adaptive_edge_weight": round(w, 4)}


@functools.cache
def kind_of(name: str) -> str:
    return optimizer_kind(resolve_task(name).build(0)["optimizer"])


def default_key(name: str) -> str:
    return AP + variant_key(reads_as(NOW, kind_of(name))) + TAG


def key_of(name: str, method: str, weights: dict[str, float]) -> str:
    """The store's method key: a candidate reads the default's runs on non-adaptive workloads (the
    candidate's fields are read for adaptive optimizers only, so the run is the default's)."""
    if method == DEFAULT_RUN or (method in weights and kind_of(name) != "adaptive"):
        return default_key(name)
    if method in weights:
        return AP + variant_key(reads_as({**NOW, **fields(weights[method])}, "adaptive"))
    return method


def collect(names: list[str], weights: dict[str, float], run: set[str]) -> dict[str, dict[str, list[dict]]]:
    """``name -> method -> per-seed records``; candidates in ``run`` are run where not stored."""
    out: dict[str, dict[str, list[dict]]] = {}
    for n in names:
        budget, out[n] = truth.budget_of(n), {}
        for m in (DEFAULT_RUN, *weights, *PEERS):
            key = key_of(n, m, weights)

            def fresh(seed: int, m: str = m) -> dict[str, Any]:
                if m not in run:
                    raise LookupError(m)
                if m in PEERS:
                    return run_peer(n, m, seed, budget)
                variant = reads_as({**NOW, **fields(weights[m])}, "adaptive")
                return run_autopilot(resolve_task(n), seed, budget, variant)

            try:
                out[n][m] = [cached(key, n, s, budget, lambda s=s: fresh(s)) for s in SEEDS]
            except LookupError:
                pass
        print(f"{n}: {len(out[n])} methods", file=sys.stderr)
    return out


def _missing() -> dict[str, Any]:
    raise LookupError("the default's stored run is missing")


#: More seeds for the choice between the default and a candidate (adaptive zoo workloads only: the others'
#: runs are the default's, so a family's difference is theirs alone).
EXTRA_SEEDS = (3, 4)


def differences(weights: dict[str, float], run: set[str]) -> dict[str, dict[str, float]]:
    """``family -> candidate -> mean over its workloads of (candidate - default)`` regret (gap %) over seeds
    0-4: the default and the candidates in ``run`` made on :data:`EXTRA_SEEDS` where not stored."""
    per: dict[str, dict[str, list[float]]] = {}
    for n in sorted(zoo.names()):
        fam, budget = truth.family_of(n), truth.budget_of(n)
        per.setdefault(fam, {m: [] for m in weights})
        if kind_of(n) != "adaptive":
            for m in weights:
                per[fam][m].append(0.0)
            continue

        def rec(m: str, seed: int) -> dict[str, Any]:
            def fresh() -> dict[str, Any]:
                if m not in run and not (m == DEFAULT_RUN and run):
                    raise LookupError(m)
                variant = NOW if m == DEFAULT_RUN else {**NOW, **fields(weights[m])}
                return run_autopilot(resolve_task(n), seed, budget, reads_as(variant, "adaptive"))

            return cached(key_of(n, m, weights), n, seed, budget, fresh)

        seeds = (*SEEDS, *EXTRA_SEEDS)
        base = [truth.regret(n, rec(DEFAULT_RUN, s)["metric"], SEEDS, "gap") for s in seeds]
        for m in weights:
            per[fam][m].append(float(np.mean([truth.regret(n, rec(m, s)["metric"], SEEDS, "gap")
                                              for s in seeds]) - np.mean(base)))
        print(f"{n}: seeds 0-4", file=sys.stderr)
    return {f: {m: float(np.mean(v)) for m, v in d.items()} for f, d in per.items()}


def identity() -> tuple[list[list[Any]], bool]:
    """The default run again (seed 0) on :data:`IDENTITY`, against its stored record, field by field."""
    rows, same = [], True
    for n in IDENTITY:
        budget = truth.budget_of(n)
        stored = cached(default_key(n), n, 0, budget, _missing)
        again = run_autopilot(resolve_task(n), 0, budget, reads_as(NOW, kind_of(n)))
        ok = all(again[f] == stored[f] for f in ("metric", "peak", "probe_losses", "steps"))
        same &= ok
        rows.append([n, stored["metric"], again["metric"], stored["peak"], again["peak"],
                     "yes" if ok else "NO"])
    return rows, same


def why_rows(results: dict, weights: dict[str, float]) -> tuple[list[list[Any]], list[str]]:
    """Part one: per workload and seed of :data:`FAMILIES`, the valley, the blow-up, each peak and regret."""
    rows = []
    have = [m for m in (DEFAULT_RUN, *weights) if all(m in results[n] for n in results)]
    for n in sorted(results):
        if truth.family_of(n) not in FAMILIES:
            continue
        tuned = truth.tuned_schedule(n, "wsd", SEEDS, run=False)[0]
        for s in SEEDS:
            recs = [results[n][m][s] for m in have]
            v = valley(recs[0])
            shape = (v.split(":")[0].split(" (")[0] if isinstance(v, str) else
                     f"{10 ** v.x_fast:.2g} to {10 ** v.x_edge:.2g}, {v.signal:.0f} SDs")
            rows.append([n, s, shape, recs[0]["diverged_at"] or float("nan"), tuned,
                         *[r["peak"] for r in recs],
                         *[truth.regret(n, r["metric"], SEEDS, "gap") for r in recs]])
    headers = ["workload", "seed", "ramp's valley (half depth)", "ramp blew up at", "tuned wsd peak",
               *[f"peak, {m}" for m in have], *[f"regret, {m} (gap %)" for m in have]]
    return rows, headers


def five_seeds(args: Any, weights: dict[str, float], means: dict[str, dict[str, float]]
               ) -> tuple[list[list[Any]], list[str]]:
    """Per candidate of ``--extra-seeds``: leave-one-family-out against the default alone on seeds 0-4
    (:func:`differences`), each held-out family scored on seeds 0-2 with the other eleven's choice."""
    if args.extra_seeds is None:
        return [], []
    chosen = {label(w): w for w in args.extra_seeds}
    diff = differences(chosen, set() if args.cached_only else set(chosen))
    rows = []
    for m in chosen:
        picks = {f: m if sum(diff[g][m] for g in diff if g != f) < 0 else DEFAULT_RUN for f in diff}
        col = {f: means[f][picks[f]] for f in picks}
        rows.append([m, sum(p == m for p in picks.values()), float(np.mean(list(col.values()))),
                     sum(col[f] < means[f]["prodigy"] for f in col), sum(col[f] < means[f]["schedule-free"]
                                                                          for f in col),
                     "; ".join(f"{f} {diff[f][m]:+.2f}" for f in diff if diff[f][m])])
    headers = ["candidate", "folds choosing it (of 12)", "held out, mean over families (seeds 0-2)",
               "families ahead of prodigy", "families ahead of schedule-free",
               "family: candidate - default, seeds 0-4 (gap %)"]
    return rows, headers


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--cached-only", action="store_true", help="run nothing; tables from the store")
    ap.add_argument("--weights", type=float, nargs="*", default=None, help="run only these candidates")
    ap.add_argument("--extra-seeds", type=float, nargs="*", default=None,
                    help="also choose between the default and these candidates on seeds 0-4")
    args = ap.parse_args()
    start = time.process_time()
    weights = {label(w): w for w in WEIGHTS}
    run = set() if args.cached_only else {label(w) for w in (args.weights or WEIGHTS)}
    check, same = ([], True) if args.cached_only else identity()
    if check:
        print_table(check, IDENTITY_HEADERS)
        if not same:
            sys.exit("the default's stored runs are not reproduced on this machine: nothing is comparable")
    results = collect(sorted(zoo.names()), weights, run)
    builtin = collect(list(truth.BUILTIN), weights, run)
    done = [m for m in weights if all(m in r for r in (*results.values(), *builtin.values()))]
    candidates = {DEFAULT_RUN: {}, **{m: {} for m in done}}
    wrows, wh = why_rows(results, {m: weights[m] for m in done})
    arows, ah = across_rows({n: r[DEFAULT_RUN] for n, r in results.items()}, GOOD)
    frows, means = tables.family_table(results, [*candidates, *PEERS], SEEDS)
    fh = ["family", "method", "workloads", "mean regret (gap %)", "standard error", "mean regret (native)"]
    held, everything = lofo(means, candidates)
    srows, sh = summary(means, held, candidates)
    brows, _ = tables.family_table(builtin, [*candidates, *PEERS], SEEDS)
    choice = [[f, held[f], means[f][held[f]], means[f][DEFAULT_RUN], means[f]["prodigy"],
               means[f]["schedule-free"]] for f in held]
    ch = ["held-out family", "chosen on the other 11", "its regret (gap %)", "default's", "prodigy's",
          "schedule-free's"]
    for rows, headers in ((wrows, wh), (arows, ah), (srows, sh), (choice, ch), (frows, fh), (brows, fh)):
        print_table(rows, headers, floatfmt=".3g")
    extra, eh = five_seeds(args, weights, means)
    if extra:
        print_table(extra, eh, floatfmt=".3g")
    verdict = tables.lofo_verdict(everything, held, candidates)
    cpu = f"CPU seconds of this process (cached runs cost nothing): {time.process_time() - start:.0f}."
    print(verdict, cpu, sep="\n")
    if not args.no_record:
        body = "\n\n".join([
            *(["The default made again in this run (seed 0), against its stored runs:",
               markdown_table(check, IDENTITY_HEADERS, floatfmt=".6g")] if check else []),
            "Part one: the recurrent and transformer workloads' ramps, peaks and regrets:",
            markdown_table(wrows, wh, floatfmt=".3g"),
            f"Part two: where the good given peaks (within {GOOD:g} gap points of the best) lie across each "
            "adaptive workload's valley (w = 0: the fast descent, w = 1: the edge):",
            markdown_table(arows, ah, floatfmt=".3g"),
            "Part three: leave-one-family-out among the default and the candidates:",
            markdown_table(srows, sh, floatfmt=".3g"), verdict, markdown_table(choice, ch, floatfmt=".3g"),
            markdown_table(frows, fh, floatfmt=".3g"),
            "Built-in tasks, held out:", markdown_table(brows, fh, floatfmt=".3g"),
            *([f"Seeds 0-4 (adaptive zoo workloads; seeds {EXTRA_SEEDS} added): per candidate against the "
               "default alone, each held-out family scored (on seeds 0-2, as the peers) with the choice the "
               "other eleven make on five seeds:",
               markdown_table(extra, eh, floatfmt=".3g")] if extra else []),
            cpu])
        record("autopilot_sequence_peak", "The Autopilot: where across the ramp's valley an adaptive peak is "
               "read", __doc__.split("\n\n", 1)[1] + "\n\n" + body,
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
               "benchmarks/autopilot_sequence_peak.py" + (" --cached-only" if args.cached_only else "")
               + ("" if args.extra_seeds is None else
                  " --extra-seeds " + " ".join(f"{w:g}" for w in args.extra_seeds)))


if __name__ == "__main__":
    main()
