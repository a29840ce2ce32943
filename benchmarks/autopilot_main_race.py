"""A trial of the rate in the Autopilot's main phase, judged by side cool-downs, chosen by family held out.

``benchmarks/autopilot_trial_raise.py`` found that doubling the main phase's rate from 10% of it helps
in sample and not held out by family, that the training loss right after a raise has the final result's
sign at chance (a higher held rate sits higher until it is cooled), and that the loss after a short side
cool-down, rolled back, agrees better. This benchmark builds that reading into full runs:
``AutopilotPolicy.trial_factors`` (``lrkit.torch._autopilot_trial``): at 10% of the main phase each
multiple of the rate trains 20% of the main phase from one state, then cools 1-sqrt to 0 over 5%; the
lowest mean loss over the cool-down's last half wins, the winner's updates are kept and its factor held
to the end, every other update (the losers' and every cool-down) paid from the budget, the schedule laid
out again for what is left (the budget is never exceeded: one run's compute). Candidates above a third of
the highest rate the probe survived are dropped. The losses are the loop's next batches, each candidate
its own (what a run can read), unlike the paired reading of ``autopilot_trial_raise.py``.

* :data:`CANDIDATES`: the default (no trial), keep against x2, keep against x0.5 (the transformers' and
  regression-huber-momentum's peaks read high, norm-mlp's and embbag's low: ``autopilot_gap_map.py``).
  Every zoo workload and built-in task at seeds 0-2 (run when missing); the family table,
  leave-one-family-out among them and each against the default alone, the built-in tasks held out
  (``dev.autopilot_candidates.report``).
* **The trial's choice against the final answer**: on every unit whose trial ran, whether it kept x2, and
  whether that agrees with the sign of the final regret's difference of the paired held runs (x2 - x1,
  ``autopilot_trial_raise.py``'s, the same batches), and what the trial paid.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_main_race.py
[--runs NAME ...]`` (runs cached in ``results/autopilot_runs.json``; ``--runs`` names the candidates
whose missing runs are made, the others read from the store; ``--cached-only``: the tables from the
store, only the bit-identity runs made).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import autopilot_shape as shape  # noqa: E402
from dev import autopilot_candidates as candidates  # noqa: E402
from dev import autopilot_raise as ar  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.record import arguments, markdown_table, print_table  # noqa: E402

from lrkit import zoo  # noqa: E402

DEFAULT = next(iter(shape.SHAPES))
X2 = "trial: keep or x2"
X05 = "trial: keep or x0.5"
#: The default and the two trials (fields on top of ``autopilot_shape.DEFAULT``; each trial pays one
#: candidate's 20% and two cool-downs of 5%: 30% of the main phase; a three-way trial would pay 55%).
CANDIDATES = {DEFAULT: shape.S13_RUNS[shape.S13],  # measured in session 14 on the default of sessions 12-13
              X2: {"trial_factors": [1.0, 2.0], "base": shape.BEFORE_14},
              X05: {"trial_factors": [1.0, 0.5], "base": shape.BEFORE_14}}
SHORT = {"x2": X2, "x05": X05}


def choices(name: str, label: str) -> list[dict[str, Any]]:
    """Per seed where the trial ran: its factor, what it paid, its regret and the default's, and the paired
    held runs' regrets at x1 and x2 (``autopilot_trial_raise.py``'s, on the same batches)."""
    rows = []
    mine, default = (shape.runs(name, m, False, CANDIDATES) for m in (label, DEFAULT))
    for seed, rec, base in zip(shape.SEEDS, mine, default):
        if rec.get("trial") is None:
            continue
        x1, x2 = (truth.regret(name, ar.held_record(name, seed, f)["metric"], shape.SEEDS, "gap")
                  for f in (1.0, 2.0))
        rows.append({"name": name, "seed": seed, "factor": rec["trial"]["factor"],
                     "paid": rec["trial"]["paid"] / rec["budget"], "x1": x1, "x2": x2,
                     "trial": truth.regret(name, rec["metric"], shape.SEEDS, "gap"),
                     "default": truth.regret(name, base["metric"], shape.SEEDS, "gap")})
    return rows


def _family_mean(values: dict[str, float]) -> float:
    fams: dict[str, list[float]] = {}
    for n, v in values.items():
        fams.setdefault(truth.family_of(n), []).append(v)
    return float(np.mean([np.mean(v) for v in fams.values()]))


def price(label: str, names: list[str]) -> tuple[list[list[Any]], list[str], str]:
    """The trial's choices and their price: where it kept x1 the run is the default's with the paid updates
    taken from its main phase, so ``trial - default`` there is the pure price; for keep-or-x2, the sign
    agreement with the held runs and the family means of its choices with no price paid (held runs)."""
    units = [r for n in names for r in choices(n, label)]
    heads = ["factor kept", "units", "paid (of the budget)", "trial - default (gap points)",
             "held runs there: x2 - x1"]
    rows = [[f"x{f:g}", len(us), float(np.mean([u["paid"] for u in us])),
             float(np.mean([u["trial"] - u["default"] for u in us])),
             float(np.mean([u["x2"] - u["x1"] for u in us]))]
            for f in sorted({u["factor"] for u in units}) for us in [[u for u in units if u["factor"] == f]]]
    text = f"{label}: the trial ran on {len(units)} of {3 * len(names)} zoo units (seeds 0-2)."
    if label == X2 and units:
        agree = sum((u["factor"] == 2.0) == (u["x2"] < u["x1"]) for u in units)
        ran = {(u["name"], u["seed"]): u for u in units}
        every = {(n, s): ran.get((n, s)) for n in names for s in shape.SEEDS}
        free, oracle, held = {}, {}, {1.0: {}, 2.0: {}}
        for n in names:
            us = [every[(n, s)] for s in shape.SEEDS]
            for f in held:
                held[f][n] = [truth.regret(n, ar.held_record(n, s, f)["metric"], shape.SEEDS, "gap")
                              for s in shape.SEEDS]
            free[n] = float(np.mean([a if u is None else u["x2" if u["factor"] == 2.0 else "x1"]
                                     for u, a in zip(us, held[1.0][n])]))
            oracle[n] = float(np.mean([a if u is None else min(u["x1"], u["x2"])
                                       for u, a in zip(us, held[1.0][n])]))
        x1, x2 = ({n: float(np.mean(v)) for n, v in held[f].items()} for f in (1.0, 2.0))
        text += (f" Its keep-or-x2 choice has the sign of the paired held runs' final difference on "
                 f"**{agree}/{len(units)}**. Scored by the held runs (the choice with no update paid), its "
                 f"choices reach **{_family_mean(free):.3g}** over families (the default "
                 f"{_family_mean(x1):.3g}, x2 always {_family_mean(x2):.3g}), a choice always right "
                 f"{_family_mean(oracle):.3g}: what the trial's reading is worth before its price.")
    return rows, heads, text


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--cached-only", action="store_true", help="run nothing: the tables from the store")
    parser.add_argument("--runs", nargs="*", choices=sorted(SHORT), default=sorted(SHORT),
                        help="the candidates whose missing runs are made (the others read from the store)")
    args = parser.parse_args()
    start = time.process_time()
    names = sorted(zoo.names())
    make = [] if args.cached_only else [SHORT[k] for k in args.runs]
    for label in make:  # the runs first, one candidate at a time
        for n in [*names, *truth.BUILTIN]:
            shape.runs(n, label, True, CANDIDATES)
    stored = {DEFAULT: CANDIDATES[DEFAULT]}
    for label in (X2, X05):
        try:
            [shape.runs(n, label, False, CANDIDATES) for n in [*names, *truth.BUILTIN]]
            stored[label] = CANDIDATES[label]
        except LookupError:
            print(f"{label}: not every run is stored; left out", file=sys.stderr)
    texts = []
    for label in stored:
        if label == DEFAULT:
            continue
        rows, heads, text = price(label, names)
        print_table(rows, heads, floatfmt=".3g")
        print(text)
        texts += [text, markdown_table(rows, heads, floatfmt=".3g")]
    preface = "\n\n".join([*texts, f"CPU seconds of the runs and the tables above: "
                           f"{time.process_time() - start:.0f}. The candidates in full runs:"])
    candidates.report(stored, cached_only=True, no_record=args.no_record, section="autopilot_main_race",
                      title="A trial of the rate in the Autopilot's main phase, judged by side cool-downs",
                      doc=__doc__, script="benchmarks/autopilot_main_race.py", preface=preface)


if __name__ == "__main__":
    main()
