"""Does averaging the Autopilot's last iterates help at a known budget, and when? Leave-one-family-out says.

Schedule-Free's lead at short budgets (``BENCHMARKS.md#no_tuning``: charlm at 100 updates, where its
averaged iterate beats every peak of both schedules) comes from averaging iterates, which the
Autopilot lacked. Every zoo workload (37 workloads, 12 families; seeds 0, 1, 2, each at its own
budget) is run by ``dev.autopilot_average`` on two trajectories, each watched by several averages
(averaging changes no update, so one run scores all of them):

* **wsd**: the library's default Autopilot (ramp, the peak held, a 1-sqrt cool-down over the last
  20%); the averages: the uniform mean of the iterates of the last 10% to 100% of the main phase
  (``AutopilotPolicy.average_tail``; 20% is the cool-down itself);
* **constant**: the same with (next to) no cool-down (``cooldown`` at one update): the peak held to the
  end, as Schedule-Free and SWA run; the averages: the same tails, and exponential moving averages
  with a horizon of 3%, 10% and 20% of the main phase.

A candidate rule is one of those averages (or none, the default's last iterate), optionally only at
budgets up to a cap (:data:`CAPS`; above it the default wsd run's last iterate). Regret is against
the grid-best constant rate in the zoo's gap unit, per family the mean over its workloads and seeds;
each family is scored with the candidate of lowest mean regret over the *other* families, and the
mean of those held-out scores is the cross-validated figure. The built-in tasks stay held out: with
``--builtin`` their runs are added as a check of the zoo's choice, never to choose.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_average.py`` (runs are
cached in ``benchmarks/results/autopilot_average.json``; ``--cached-only`` builds the tables from it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_tables import lofo_choices  # noqa: E402
from dev.autopilot_average import EMAS, SEEDS, TAILS, records  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit import zoo  # noqa: E402

#: Budget caps of a candidate (the zoo's budgets run from 100 to 3000 updates; None: every budget).
CAPS = (200, 300, 400, 600, 1000, None)
OFF = "wsd, last iterate (the default)"


def candidates() -> dict[str, tuple[str, str]]:
    """``name -> (trajectory, record key)`` of every average compared (caps applied in :func:`metric`)."""
    out = {OFF: ("", "live")}
    out |= {f"wsd, tail {t:g}": ("", f"avg:{t}") for t in TAILS}
    out |= {"constant, last iterate": ("no cool-down", "live")}
    out |= {f"constant, tail {t:g}": ("no cool-down", f"avg:{t}") for t in TAILS}
    out |= {f"constant, EMA {h:g}": ("no cool-down", f"ema{h}") for h in EMAS}
    return out


def metric(runs: dict, name: str, seed: int, cand: str, cap: int | None) -> float:
    """The scored metric of a candidate with a budget cap (above it: the default's last iterate)."""
    trajectory, key = candidates()[cand]
    if cap is not None and truth.budget_of(name) > cap:
        trajectory, key = candidates()[OFF]
    return runs[trajectory][name][seed][key]


def family_means(runs: dict, names: list[str]) -> dict[str, dict[str, float]]:
    """``family -> rule -> mean regret (gap)``; a rule is ``"candidate"`` or ``"candidate, B <= cap"``."""
    fams: dict[str, list[str]] = {}
    for n in names:
        fams.setdefault(truth.family_of(n), []).append(n)
    rules = {(c, cap) for c in candidates() for cap in CAPS} - {(OFF, cap) for cap in CAPS[:-1]}
    out = {}
    for f, ns in sorted(fams.items()):
        out[f] = {label(c, cap): float(np.mean([[truth.regret(n, metric(runs, n, s, c, cap), SEEDS, "gap")
                                                 for s in range(len(SEEDS))] for n in ns]))
                  for c, cap in sorted(rules, key=str)}
    return out


def label(cand: str, cap: int | None) -> str:
    return cand if cap is None else f"{cand}, B <= {cap}"


def lofo(means: dict[str, dict[str, float]], rules: list[str]) -> tuple[list[list], str, float]:
    """Rows (held-out family, rule chosen on the others, its regret, the default's); the rule chosen on
    every family; the cross-validated mean."""
    held, everything = lofo_choices(means, rules)
    rows = [[f, r, means[f][r], means[f][OFF]] for f, r in held.items()]
    return rows, everything, float(np.mean([r[2] for r in rows]))


def choice_sets(rules: list[str]) -> dict[str, list[str]]:
    """The leave-one-family-out questions asked: every rule; a tail of the default's run alone; the best
    rule in-sample (a constant rate's last 10% averaged) against the default alone."""
    return {"every rule": rules,
            "a tail of the default's wsd run": [r for r in rules if r.startswith("wsd")],
            "a constant rate's last 10% averaged, or the default": [OFF, "constant, tail 0.1"]}


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--cached-only", action="store_true", help="run nothing; tables from the cache")
    ap.add_argument("--builtin", action="store_true", help="also the held-out built-in tasks (a check)")
    args = ap.parse_args()
    names = sorted(zoo.names())
    runs = {t: records(names, t, run=not args.cached_only) for t in ("", "no cool-down")}
    names = [n for n in names if all(n in r for r in runs.values())]
    means = family_means(runs, names)
    rules = list(next(iter(means.values())))
    fams = list(means)
    summary = sorted(([r, float(np.mean([means[f][r] for f in fams]))] for r in rules), key=lambda x: x[1])
    sheaders = ["rule", "zoo mean over families, in-sample (gap %)"]
    print_table(summary[:15], sheaders, floatfmt=".3g")
    headers = ["held-out family", "chosen on the other families", "its regret (gap %)", "default's (gap %)"]
    off = float(np.mean([means[f][OFF] for f in fams]))
    body, chosen = [f"The default's mean over families: {off:.3g} gap % ({len(names)} workloads, {len(fams)} "
                    "families)."], None
    for question, subset in choice_sets(rules).items():
        rows, pick, cv = lofo(means, subset)
        chosen = chosen or pick
        verdict = (f"**{question}** ({len(subset)} rules): cross-validated mean {cv:.3g} gap % (the default: "
                   f"{off:.3g}); chosen on every family: **{pick}**; folds choosing it: "
                   f"{sum(r[1] == pick for r in rows)} of {len(rows)}.")
        print_table(rows, headers, floatfmt=".3g")
        print(verdict)
        body += [verdict, markdown_table(rows, headers, floatfmt=".3g")]
    picks = [OFF, chosen, *(r for r in ("wsd, tail 0.2", "constant, last iterate", "constant, tail 0.5",
                                        "constant, EMA 0.1") if r != chosen)]
    frows = [[r, *(means[f][r] for f in fams)] for r in picks]
    print_table(frows, ["rule", *fams], floatfmt=".3g")
    body += ["Per family (gap %):", markdown_table(frows, ["rule", *fams], floatfmt=".3g"),
            "The 15 best rules in-sample (gap %):", markdown_table(summary[:15], sheaders, floatfmt=".3g")]
    body.append(batchnorm_table(runs[""], names))
    if args.builtin:
        body.append(builtin_check(args.cached_only, chosen))
    if not args.no_record:
        record("autopilot_average", "The Autopilot's last iterates averaged: chosen by leave-one-family-out",
               __doc__.split("\n\n")[1] + "\n\n" + "\n\n".join(body),
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
               "benchmarks/autopilot_average.py"
               + (" --cached-only" if args.cached_only else "") + (" --builtin" if args.builtin else ""))


def batchnorm_table(runs: dict, names: list[str]) -> str:
    """BatchNorm workloads of the default's run: each tail with the running statistics averaged (what the
    library writes), kept live, or recomputed on training batches (mean regret, gap %)."""
    bn = [n for n in names if runs[n][0]["batchnorm"]]
    ways = {"averaged": "avg", "live": "avg-live-buffers", "recomputed": "recal"}

    def mean(key: str) -> float:
        return float(np.mean([truth.regret(n, runs[n][s][key], SEEDS, "gap") for n in bn
                              for s in range(len(SEEDS))]))

    rows = [[f"{t:g}", *(mean(f"{k}:{t}") for k in ways.values())] for t in TAILS]
    headers = ["tail", *(f"running statistics {w} (gap %)" for w in ways)]
    print_table(rows, headers, floatfmt=".3g")
    return (f"BatchNorm ({len(bn)} workloads, the default's run; its last iterate: {mean('live'):.3g} "
            "gap %):\n\n" + markdown_table(rows, headers, floatfmt=".3g"))


def builtin_check(cached_only: bool, chosen: str) -> str:
    """The held-out built-in tasks under the default and the zoo's choice (a check, not a choice)."""
    names = list(truth.BUILTIN)
    runs = {t: records(names, t, run=not cached_only) for t in ("", "no cool-down")}
    names = [n for n in names if all(n in r for r in runs.values())]
    cand, _, cap = chosen.partition(", B <= ")
    rules = ((OFF, None), (cand, int(cap) if cap else None))
    rows = [[n, *(float(np.mean([truth.regret(n, metric(runs, n, s, c, k), SEEDS, "gap")
                                 for s in range(len(SEEDS))])) for c, k in rules)] for n in names]
    rows.append(["mean", float(np.mean([r[1] for r in rows])), float(np.mean([r[2] for r in rows]))])
    headers = ["built-in task (held out)", "default (gap %)", f"{chosen} (gap %)"]
    print_table(rows, headers, floatfmt=".3g")
    return "Built-in tasks, held out (3 seeds):\n\n" + markdown_table(rows, headers, floatfmt=".3g")


if __name__ == "__main__":
    main()
