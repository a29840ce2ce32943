"""How far is training with no rate given from training at a tuned rate? The Autopilot and the LR-free peers.

Every zoo workload (``lrkit.zoo``: 37 workloads, 12 families) and every built-in task (held out of
every choice the Autopilot makes; charlm at the ground truth's cut-down 100 updates), seeds 0, 1, 2,
each run at its own budget and built by ``task.build(seed)`` (the same weights and batch order for
every method):

* **autopilot**: ``lrkit.torch.Autopilot`` as it ships (``AutopilotPolicy()``), told the budget; every
  update it makes is paid from the budget. Its runs are the store's runs of the library's default as
  ``autopilot_shape.DEFAULT`` names it (the store keys them by that policy, so a later default's rows
  are read from the store as soon as its runs are there), made on this machine
  (``autopilot_shape.SHAPES``'s tag); the script stops if that policy is not ``AutopilotPolicy()``.
  Each of its rules was chosen by leave-one-family-out in its own section (:data:`RULES`), which gives
  that choice's cross-validated figure; this section measures the default as it ships.
* the LR-free peers, each from its own package and configured as its documentation recommends
  (``dev.peers_lrfree``, whose docstring quotes every source): **prodigy** (``Prodigy(lr=1)``, cosine
  over the budget: "We recommend using `lr=1.` (default) for all networks" / "we suggest setting
  `T_max=total_steps`"), **d-adapt** (``DAdaptSGD`` / ``DAdaptAdam`` by the workload's optimizer,
  ``lr=1``, cosine: "Set the LR parameter to 1.0" / "Use the same learning rate scheduler you would
  normally use"), **schedule-free** (``SGDScheduleFree`` / ``AdamWScheduleFree`` at their default
  rates, 2% warmup, ``train()``/``eval()``: "Using learning rate warmup is recommended"), **dog**
  (``DoG(lr=1)``, the averaged model evaluated: "DoG/L-DoG must be combined with iterate averaging");
* baselines: **constant, tuned** (the grid-best constant rate of the ground truth), **schedule,
  tuned** (the best peak of the Autopilot's schedule shape, wsd, after a 5% linear warmup,
  ``dev.autopilot_truth.tuned_schedule``: what a user who tuned the rate for that schedule gets,
  the real target), and **adam-cosine** (Adam(W) at 1e-3 with cosine: what a user who tunes nothing
  writes).

**Machines.** Every run compared here was made on one machine, the Intel Xeon of sessions 10-17: the
default's (store tag ``@2026-12-06``), the peers' and adam-cosine's (``@xeon``, made again in session 17:
their runs of session 5, on an AMD EPYC machine, stay in the store untagged, and 24 of 60 of them differ
here), and "schedule, tuned"'s at its peak (``zoo_runs/NAME/*@xeon.npz``; a built-in task's
``tuned:wsd:RATE@xeon``), a peak chosen on the AMD EPYC machine's runs (:data:`TUNED_CHOSEN_ON`).
:func:`collect` stops on a pair of runs from two machines (``dev.autopilot_zoo_runs.paired``). The
constant grid (the reference of every regret, and "constant, tuned") is the zoo ground truth's, made on
the AMD EPYC machine (2026-12-05), and the built-in tasks' sensitivity grid (an Intel Xeon, 2026-11-24):
it moves every method's regret on a workload by the same amount in the native unit, so it sets the
scale, not the order, of the methods.

**Made again here** (:func:`check`): on the lightest workload of every family (seed 0) the default and
every peer are run again and compared with the store, field by field (the store's runs reproduce);
their CPU seconds, side by side under one load, are the compute figure (the stored runs' CPU seconds
come from different loads).

Regret is against the constant grid-best mean; a diverged run, or one worse than the untrained
model, scores the untrained model. Units (DECISIONS #1): means across families in the zoo's
**gap** unit (percent of the best rate's gain over the untrained model); per family also in the
**native** unit (accuracy points, percent of the best loss). Per family: the mean over its
workloads, and its standard error over the three seeds (the family mean per seed; methods share
seeds). Targets (issue 15): ahead of every peer on the mean over families and on at least two
thirds of them; within the tolerance (0.5 points, 1% for loss metrics) of "schedule, tuned" on at
least 80% of the families at no more than 1.15 runs of compute.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_zoo.py`` (every run
is cached in ``benchmarks/results/autopilot_runs.json`` and ``results/zoo_runs/``; ``--cached-only``
builds the tables from the cache alone, leaving out what was not run; the check's runs are made either
way).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import autopilot_shape as shape  # noqa: E402
from dev import autopilot_miss as miss  # noqa: E402
from dev import autopilot_tables as tables  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_candidates import FIELDS  # noqa: E402
from dev.autopilot_zoo_runs import HERE, MACHINES, paired, policy_of, reads_as, resolve_task  # noqa: E402
from dev.autopilot_zoo_runs import run_autopilot, run_peer  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit import zoo  # noqa: E402

SEEDS = (0, 1, 2)
PEERS = ("prodigy", "d-adapt", "schedule-free", "dog")
#: The library's default in ``autopilot_shape``'s candidates (its store keys carry this machine's tag).
DEFAULT = next(iter(shape.SHAPES))
METHODS = ("autopilot", *PEERS, "adam-cosine", "constant, tuned", "schedule, tuned")
#: The schedule shape of the Autopilot (``AutopilotPolicy.main_shape``) and of "schedule, tuned".
SHAPE = "wsd"
#: The machine every compared run was made on (``dev.autopilot_zoo_runs.MACHINES``): the default's, the
#: peers' (``autopilot_shape.PEER_TAG``) and "schedule, tuned"'s runs; :func:`collect` stops on a pair
#: of runs from two machines.
TAG = HERE
#: The machine "schedule, tuned"'s peak was chosen on: its search (seven peaks or more, three seeds, a
#: workload) is the AMD EPYC's, not yet made again here; its runs at that peak are made here (``TAG``;
#: ``dev.autopilot_truth.tuned_at``).
TUNED_CHOSEN_ON = ""
#: Where each rule of the default was chosen by leave-one-family-out, or an opt-in measured, and where the
#: candidates this section compared before session 16 went (a BENCHMARKS.md section, or the evidence page
#: that quotes their figures).
RULES = {
    "the ramp's weak valley read by minimum/10 where it turned (against its crossing and the unguarded "
    "minimum/10)": "docs/evidence.md#autopilot-the-peak",
    "SGD momentum's blow-up anchor, and the weak valley it bounds": "docs/evidence.md#autopilot-the-blow-up-"
                                                                     "anchor-for-momentum",
    "races of multiples of the ramp's peak (opt-in)": "docs/evidence.md#autopilot-the-race",
    "a floor under an adaptive strong valley (opt-in)": "docs/evidence.md#autopilot-a-floor-under-a-strong-"
                                                        "valley",
    "the main phase's shape": "BENCHMARKS.md#autopilot_shape",
    "a ramp with no valley": "BENCHMARKS.md#autopilot_no_valley",
    "plain SGD's reading x 2": "BENCHMARKS.md#autopilot_plain_peak",
    "paired, family by family, at six seeds": "BENCHMARKS.md#autopilot_family_resolution",
}


class _NotRun(LookupError):
    pass


def default_policy_checked() -> None:
    """Stop unless ``autopilot_shape.DEFAULT`` (the store's name for the default) is ``AutopilotPolicy()``."""
    from lrkit.torch import AutopilotPolicy

    if policy_of(shape.DEFAULT) != AutopilotPolicy():
        raise SystemExit("autopilot_shape.DEFAULT is not the library's AutopilotPolicy(): name the new "
                         "default there (its runs are stored under its fields)")


def method_runs(name: str, method: str, run: bool) -> list[dict[str, Any]]:
    """Per-seed records of the default Autopilot or a peer (cached; run when missing if ``run``)."""
    try:
        return shape.runs(name, DEFAULT if method == "autopilot" else method, run)
    except LookupError as e:  # autopilot_shape's "not run" (a run it may not make)
        raise _NotRun(method) from e


def collect(names: list[str], run: bool) -> dict[str, dict[str, list[dict]]]:
    """``name -> method -> per-seed records`` (a method left out where it was not run)."""
    out: dict[str, dict[str, list[dict]]] = {}
    for n in names:
        budget, res = truth.budget_of(n), {}
        for m in ("autopilot", *PEERS, "adam-cosine"):
            try:
                res[m] = method_runs(n, m, run)
            except _NotRun:
                pass
        res["constant, tuned"] = [{"metric": v, "steps": budget} for v in truth.constant_best(n, SEEDS)[1]]
        try:
            res["schedule, tuned"] = [{"metric": v, "steps": budget}
                                      for v in truth.tuned_at(n, SHAPE, SEEDS, run, TAG, TUNED_CHOSEN_ON)[1]]
        except truth.Missing:
            pass
        machine_checked(n, res)
        out[n] = res
        print(f"{n}: {len(res)} methods", file=sys.stderr)
    return out


def machine_checked(name: str, res: dict[str, list[dict]]) -> str:
    """The machine every compared method's runs on ``name`` were made on; a ``ValueError`` when two
    differ (``dev.autopilot_zoo_runs.paired``: the Autopilot, the peers, adam-cosine, "schedule, tuned")."""
    keys = {m: shape.store_key(name, DEFAULT if m == "autopilot" else m, 0)
            for m in ("autopilot", *PEERS, "adam-cosine") if m in res}
    if "schedule, tuned" in res:
        keys["schedule, tuned"] = truth.tuned_key(name, SHAPE, 0, TAG)
    return paired(keys)


def lightest(results: dict[str, dict[str, list[dict]]]) -> list[str]:
    """Per family, the workload whose stored adam-cosine run (else the Autopilot's) at seed 0 took the fewest
    CPU seconds."""
    return [min(ns, key=lambda n: results[n].get("adam-cosine", results[n]["autopilot"])[0]["cpu_s"])
            for ns in tables.families(results).values()]


def check(names: list[str]) -> tuple[list[list[Any]], list[str], float]:
    """Seed 0 of the default and of every peer on ``names``, made again here, against the store: the
    fields that match bit for bit and the scored difference (gap %, here minus stored); and the default's
    CPU seconds over adam-cosine's (the mean of the ratio)."""
    rows, ratio = [], []
    for n in names:
        budget, cpu = truth.budget_of(n), {}
        for m in ("autopilot", *PEERS, "adam-cosine"):
            try:
                stored = method_runs(n, m, False)[0]
            except _NotRun:  # not made on this machine yet: nothing to compare with
                continue
            if m == "autopilot":
                fresh = run_autopilot(resolve_task(n), 0, budget, reads_as(shape.DEFAULT, shape._kind(n)))
                fields = FIELDS
            else:
                fresh, fields = run_peer(n, m, 0, budget), ("metric", "raw_metric", "steps", "diverged")
            same = [f for f in fields if fresh[f] == stored[f]]
            cpu[m] = fresh["cpu_s"]
            moved = (truth.regret(n, fresh["metric"], SEEDS, "gap")
                     - truth.regret(n, stored["metric"], SEEDS, "gap"))
            rows.append([truth.family_of(n), n, m, stored["raw_metric"], fresh["raw_metric"],
                         f"{len(same)}/{len(fields)}", moved])
        if "adam-cosine" in cpu:
            ratio.append(cpu["autopilot"] / cpu["adam-cosine"])
    return rows, ["family", "workload (seed 0)", "method", "stored metric", "metric here now",
                  "fields bit-identical", "here minus stored (gap %)"], float(np.mean(ratio))


def check_text(rows: list[list[Any]], cpu: float) -> str:
    """The check's summary: bit-identical runs per side, how far the others moved, the CPU ratio."""
    def summary(side: list[list[Any]]) -> str:
        same = [r for r in side if r[5].split("/")[0] == r[5].split("/")[1]]
        moved = [abs(r[6]) for r in side if r not in same]
        return (f"{len(same)} of {len(side)} bit-identical in every field compared"
                + (f", the other {len(moved)} moved by float rounding, at most {max(moved):.3g} gap points "
                   f"(mean {np.mean(moved):.3g})" if moved else ""))

    ours = [r for r in rows if r[2] == "autopilot"]
    theirs = [r for r in rows if r[2] != "autopilot"]
    return (f"Made again here, seed 0 of the lightest workload of each family (the Autopilot: metric, peak, "
            f"probe and ramp losses; a peer: metric, raw metric, updates, divergence). The Autopilot: "
            f"{summary(ours)}. The peers and adam-cosine (their stored runs made here too, "
            f"`{TAG}`): {summary(theirs)}. CPU seconds of the Autopilot over "
            f"adam-cosine's on these runs, made side by side under one load: **{cpu:.3g}** (mean ratio).")


def misses(results: dict[str, dict[str, list[dict]]]) -> str:
    """The default's chosen peak against the tuned wsd peak (``dev.autopilot_miss``), by group."""
    store = {f"autopilot|{n}|{s}|{truth.budget_of(n)}": r
             for n, res in results.items() if "autopilot" in res for s, r in zip(SEEDS, res["autopilot"])}
    return miss.text(store, {"autopilot": "autopilot"}, list(results), SEEDS, TUNED_CHOSEN_ON)


def report(label: str, results: dict) -> str:
    """The family table and the summary with the targets (printed; markdown)."""
    rows, means = tables.family_table(results, METHODS, SEEDS)
    headers = ["family", "method", "workloads", "mean regret (gap %)", "standard error",
               "mean regret (native)"]
    print_table(rows, headers, floatfmt=".3g")
    srows, targets = tables.summary(results, means, "autopilot", METHODS, PEERS, SEEDS)
    srows = [r[:-1] for r in srows]  # CPU over adam-cosine's: stored runs made under other loads (the check)
    sheaders = ["method", "mean over families (gap %)", "families autopilot is ahead on",
                "families within tolerance of schedule, tuned", "updates / budget"]
    print_table(srows, sheaders, floatfmt=".3g")
    print(targets)
    return "\n\n".join([f"### {label}", markdown_table(srows, sheaders, floatfmt=".3g"), targets,
                        markdown_table(rows, headers, floatfmt=".3g")])


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--cached-only", action="store_true",
                    help="run nothing but the check; the tables from the cache")
    ap.add_argument("--no-check", action="store_true", help="leave the check out (its runs are made here)")
    args = ap.parse_args()
    default_policy_checked()
    zoo_results = collect(sorted(zoo.names()), run=not args.cached_only)
    builtin = collect(list(truth.BUILTIN), run=not args.cached_only)
    crows, ch, cpu = ([], [], float("nan")) if args.no_check else check(lightest(zoo_results))
    checked = ("The check (seed 0 made again) was left out of this recording (`--no-check`)." if args.no_check
               else check_text(crows, cpu) + "\n\n" + markdown_table(crows, ch, floatfmt=".6g"))
    print(checked)
    missing = sorted({m for res in zoo_results.values() for m in METHODS if m not in res})
    body = [f"The library's default is `autopilot_shape.DEFAULT` = `{shape.DEFAULT}` (its store key per "
            "optimizer kind: `dev.autopilot_zoo_runs.reads_as`). Where each of its rules was chosen by "
            "leave-one-family-out (or an opt-in measured), and so where the candidates this section compared "
            "until session 16 went (their runs were made on another machine, so they are not compared here; "
            "their figures are quoted on the evidence page): "
            + "; ".join(f"{k}: `{v}`" for k, v in RULES.items()) + ".",
            f"Not stored on this machine ({MACHINES[TAG]}), so left out: {', '.join(missing) or 'none'}"
            + ("; the targets below are read over the methods made here only." if missing else "."),
            report("zoo", zoo_results), report("built-in tasks (held out)", builtin), checked,
            misses(zoo_results)]
    if not args.no_record:
        record("autopilot_zoo", "No rate given: the Autopilot and the LR-free peers against tuned rates",
               __doc__.split("\n\n", 1)[1] + "\n\n" + "\n\n".join(body),
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_zoo.py"
               + (" --cached-only" if args.cached_only else "") + (" --no-check" if args.no_check else ""))


if __name__ == "__main__":
    main()
