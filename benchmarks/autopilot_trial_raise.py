"""Does the training loss soon after a raise tell a rate too low from a right one? Raises in the main phase.

``benchmarks/autopilot_gap_map.py`` finds most of the Autopilot's gap to Prodigy in its peak, and the
peak low on norm-mlp and embbag-keyword (a decade), where the rate the model tolerates rises as it
trains. The candidate mechanism (``dev.autopilot_raise``): in the stable part of the main phase,
double the rate and keep it only if the loss shows the raise helped, with the guard's rollback as the
safety net; raise-only, because a cut lowers the loss at once whatever the rate (the short-horizon
bias), so a raise kept *despite* that bias is evidence. Whether such a test can work is measured
first, with an upper bound no in-run test reaches: each zoo workload and built-in task (seeds 0-2)
is run twice on the same batches, the library's default (**x1**, its runs bit for bit) and the same
run with its main-phase rate doubled from the third segment on (**x2**; a segment is 5% of the main
phase, at least 8 updates; held to the end, the cool-down cooling from it; never above a third of the
highest rate the ramp survived, else x1). Their losses on the same batches compare update by update.

* **Raise or not, the final answer**: regret (gap %, against the grid-best constant rate) of x1 and x2,
  per family: where doubling the rate from early in the main phase helps the metric.
* **What the loss says by then**: the mean paired difference of the training losses (x2 - x1) over the
  first ``h`` segments after the raise. Each rule "keep the raise when it is below 0" is scored by the run
  it picks (x2 or x1): the upper bound of a test that waits ``h`` segments, with no noise from other
  batches and no update paid (a test inside one run would have to race the two rates from a snapshot, on
  different batches, and pay the loser). Agreement: how often the reading's sign is the final regret's.
  Leave-one-family-out among the default, x2 always and the rules; built-in tasks, held out, with the
  rule chosen on the whole zoo.
* **A side cool-down's loss** on every zoo workload at seed 0 (the 18 of :data:`COOLED_UNITS` read first,
  hand-picked; no rule chosen here: the race built on it is ``benchmarks/autopilot_main_race.py``):
  after ``h`` segments of the raise, one segment cooled 1-sqrt to 0 on a fixed set of training batches
  and rolled back bit for bit (``dev.autopilot_raise.cooled_run``), which reads what the raise has won
  with its rate's noise floor cooled away (the loss at a held rate hides progress a decay reveals: the
  river-valley picture of wsd).

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_trial_raise.py``
(``--cached-only``: the tables from the store, ``results/autopilot_trial_raise.json``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import autopilot_shape as shape  # noqa: E402
from dev import autopilot_raise as ar  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.record import markdown_table, print_table, record, store_args  # noqa: E402

from lrkit import zoo  # noqa: E402

SEEDS = shape.SEEDS
#: The longest wait of the loss rule, in segments (5% of the main phase each).
HORIZONS = 6
#: The units (seed 0) a side cool-down was read on, a first look: the four families behind Prodigy's too-low
#: and too-high workloads, workloads the raise hurt (finetune-cnn-momentum) or that overfit (tabular), and
#: eight more of other families, the cheapest to run.
COOLED_UNITS = ("embbag-keyword-sgd", "embbag-module-adam", "finetune-cnn-momentum", "norm-bn-nesterov",
                "norm-bn-sgd512", "norm-ln-adamw", "regression-huber-adam", "regression-huber-momentum",
                "tabular-cancer-momentum", "tabular-wine-adam", "deep-relu8-sgd", "deep-tanh6-momentum",
                "linear-softmax-adagrad", "tabular-blobs-sgd", "charlm-nplm-sgd",
                "autoencoder-curve-momentum",
                "rnn-recall-lstm-rmsprop", "transformer-keyword-radam")
END = "the loss over the last segment (known only at the end; not a candidate)"


def pair(name: str, seed: int) -> dict[str, Any]:
    """x1 and x2 on one unit: regrets, whether x2 raised, and each of :func:`readings`' paired differences."""
    one, two = ar.held_record(name, seed, 1.0), ar.held_record(name, seed, 2.0)
    if truth.family_of(name) != "built-in" and seed in SEEDS:  # x1 is the default of then, bit for bit
        assert one["metric"] == shape.runs(name, shape.S13, False, shape.S13_RUNS)[seed]["metric"], name
    a, b = np.asarray(one["losses"], float), np.asarray(two["losses"], float)
    m, raised = one["start"] // 2, two["mult"] != 1.0
    diffs = [float(np.nanmean((b - a)[one["start"]:one["start"] + h * m])) for h in range(1, HORIZONS + 1)]
    diffs.append(float(np.nanmean((b - a)[-m:])))
    return {"x1": truth.regret(name, one["metric"], SEEDS, "gap"),
            "x2": truth.regret(name, two["metric"], SEEDS, "gap"), "raised": raised,
            "diffs": [d if raised else 0.0 for d in diffs]}


def cooled(name: str, seed: int) -> list[float]:
    """The side cool-downs' paired differences (x2 - x1) after each of ``ar.COOLED_CHECKS`` segments."""
    c1, c2 = ar.cooled_record(name, seed, 1.0), ar.cooled_record(name, seed, 2.0)
    same = (ar.held_record(name, seed, 1.0)["metric"], ar.held_record(name, seed, 2.0)["metric"])
    assert (c1["metric"], c2["metric"]) == same, name  # the side cool-downs leave the run as it was
    return [c2["cooled"][str(h)] - c1["cooled"][str(h)] for h in ar.COOLED_CHECKS]


def readings() -> list[str]:
    """What each rule reads (x2 - x1, paired): the loss over the first ``h`` segments of the raise and, for
    reference only, over the run's last segment."""
    return [*[f"the loss over {h} segments after the raise" for h in range(1, HORIZONS + 1)], END]


def rules() -> list[str]:
    return ["default (no raise)", "x2 always", *[f"raise if lower: {r}" for r in readings()]]


def picked(u: dict[str, Any], rule: int) -> float:
    """The regret of a unit under rule index ``rule`` of :func:`rules`."""
    if rule == 0:
        return u["x1"]
    if rule == 1:
        return u["x2"]
    return u["x2"] if u["raised"] and u["diffs"][rule - 2] < 0 else u["x1"]


def family_means(units: dict[str, list[dict[str, Any]]], rule: int) -> dict[str, float]:
    fams: dict[str, list[float]] = {}
    for n, us in units.items():
        fams.setdefault(truth.family_of(n), []).append(float(np.mean([picked(u, rule) for u in us])))
    return {f: float(np.mean(v)) for f, v in fams.items()}


def lofo(units: dict[str, list[dict[str, Any]]]) -> tuple[dict[str, int], int, list[list[Any]]]:
    means = [family_means(units, r) for r in range(len(rules()) - 1)]  # END is no candidate
    fams = sorted(means[0])

    def best(excluded: str | None) -> int:
        return min(range(len(means)), key=lambda r: np.mean([means[r][f] for f in fams if f != excluded]))

    held = {f: best(f) for f in fams}
    return held, best(None), [[f, rules()[held[f]], means[held[f]][f], means[0][f]] for f in fams]


def prodigy(names: list[str]) -> dict[str, float]:
    """Prodigy's mean regret per family (its stored runs, seeds 0-2)."""
    fams: dict[str, list[float]] = {}
    for n in names:
        fams.setdefault(truth.family_of(n), []).append(float(np.mean(
            [truth.regret(n, r["metric"], SEEDS, "gap") for r in shape.runs(n, "prodigy", False)])))
    return {f: float(np.mean(v)) for f, v in fams.items()}


COOLED_TEXT = ("The side cool-down's reading on every zoo workload raised at seed 0 (session 13 read the 18 "
               "of `COOLED_UNITS`, hand-picked; no rule chosen): the paired difference of each reading "
               "(x2 - x1) beside the final regret's.")


def main() -> None:
    args = store_args(__doc__)
    start = time.process_time()
    names = sorted(zoo.names())
    if args.cached_only:
        names = [n for n in names if all(ar.is_stored(n, s, f) for s in SEEDS for f in (1.0, 2.0))]
    units = {n: [pair(n, s) for s in SEEDS] for n in names}
    tasks = [n for n in truth.BUILTIN if not args.cached_only or all(ar.is_stored(n, s, f) for s in SEEDS
                                                                     for f in (1.0, 2.0))]
    builtin = {n: [pair(n, s) for s in SEEDS] for n in tasks}
    rh = ["rule", "zoo, mean over families (in sample)", "units raised and kept",
          "sign agrees with the final",
          "built-in tasks (held out)"]
    rrows = []
    for r, label in enumerate(rules()):
        fm = family_means(units, r)
        flat = [u for us in units.values() for u in us if u["raised"]]
        kept = len(flat) if r == 1 else 0 if r == 0 else sum(u["diffs"][r - 2] < 0 for u in flat)
        right = sum((u["diffs"][r - 2] < 0) == (u["x2"] < u["x1"]) for u in flat) if r >= 2 else 0
        agree = "" if r < 2 else f"{right}/{len(flat)}"
        bi = float(np.mean([np.mean([picked(u, r) for u in us]) for us in builtin.values()]))
        rrows.append([label, float(np.mean(list(fm.values()))), f"{kept}/{len(flat)}", agree, bi])
    held, everything, lrows = lofo(units)
    lh = ["held-out family", "rule chosen on the others", "its regret (gap %)", "default's"]
    cv = float(np.mean([r[2] for r in lrows]))
    fm1, fm2 = family_means(units, 0), family_means(units, 1)
    frows = [[f, fm1[f], fm2[f], fm2[f] - fm1[f]] for f in sorted(fm1)]
    fh = ["family", "x1: the default", "x2: doubled from the third segment", "x2 - x1"]
    peer = prodigy(list(units))
    ahead = [sum(col[f] < peer[f] for f in peer) for col in (fm1, fm2, {r[0]: r[2] for r in lrows})]
    summary = (f"Leave-one-family-out among the rules: cross-validated **{cv:.3g}** against the default's "
               f"{np.mean(list(fm1.values())):.3g}; chosen on every family: **{rules()[everything]}**. "
               f"Families ahead of Prodigy by mean: the default {ahead[0]}/12, x2 always {ahead[1]}/12 "
               f"(in sample), the rules chosen held out {ahead[2]}/12.")
    crows = []
    for n in sorted(zoo.names()):
        if args.cached_only and not all(ar.is_stored(n, 0, f, side=True) for f in (1.0, 2.0)):
            continue
        u, c = units[n][0] if n in units else pair(n, 0), cooled(n, 0)
        if not u["raised"]:  # at its ceiling: x2 is x1, no sign to read
            continue
        crows.append([n, u["x2"] - u["x1"], u["diffs"][0], u["diffs"][HORIZONS - 1], *c])
    ch = ["workload (seed 0)", "final regret, x2 - x1", "loss over 1 segment", f"over {HORIZONS}",
          *[f"side cool-down after {h}" for h in ar.COOLED_CHECKS]]
    units_c = list(crows)
    for label, sub in (("signs agreeing with the final", units_c),
                       ("... on the 18 first looked at (COOLED_UNITS)",
                        [r for r in units_c if r[0] in COOLED_UNITS]),
                       ("... on the others", [r for r in units_c if r[0] not in COOLED_UNITS])):
        crows.append([label, "", *[f"{sum((r[i] < 0) == (r[1] < 0) for r in sub)}/{len(sub)}"
                                   for i in range(2, len(ch))]])
    crows.append(["mean regret change where the reading says raise (x2 always: the 2nd column's mean)",
                  float(np.mean([r[1] for r in units_c])),
                  *[float(np.mean([r[1] if r[i] < 0 else 0.0 for r in units_c])) for i in range(2, len(ch))]])
    for rows, h in ((frows, fh), (rrows, rh), (lrows, lh), (crows, ch)):
        print_table(rows, h, floatfmt=".3g")
    print(summary)
    cpu = f"CPU seconds of this process (cached runs cost nothing): {time.process_time() - start:.0f}."
    print(cpu)
    if not args.no_record:
        record("autopilot_trial_raise", "A raise tried in the main phase: does the loss tell a rate too low?",
               __doc__.split("\n\n", 1)[1].rsplit("\n\nRun:", 1)[0] + "\n\n" + "\n\n".join(
                   [markdown_table(frows, fh, floatfmt=".3g"), markdown_table(rrows, rh, floatfmt=".3g"),
                    markdown_table(lrows, lh, floatfmt=".3g"), summary, COOLED_TEXT,
                    markdown_table(crows, ch, floatfmt=".3g"), cpu]),
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
               "benchmarks/autopilot_trial_raise.py"
               + (" --cached-only" if args.cached_only else ""))


if __name__ == "__main__":
    main()
