"""Without a budget, where does the Autopilot's gap to the grid-best constant rate come from, and which rule
closes it?

The Autopilot not told its budget probes (a range test), warms up, holds the probe's peak and every
``check_every`` updates reacts to a diagnosis of its losses (``lrkit.torch._autopilot_guard.reaction``):
a plateau divides the rate by 10, a too-high verdict halves it, ``too_low_slow`` triples it. Its gap in
the zoo's gap unit (percent of the grid-best constant rate's gain over the untrained model) is split per
family into:

* **the probe's peak**: the grid's constant-rate curve (seeds 0-2, interpolated in log-rate) at the peak
  the probe read: what that peak scores held from the first update, with no probe and no warmup paid;
* **the probe's cost**: the same run with no reaction (``check_every`` past the budget) less the above:
  the probe's rolled-back updates and the warmup, paid from the budget (and the seed's draw against the
  grid's mean);
* **the reactions**: the default run less the run with none;
* **a known end's cool-down** (for scale, not part of the gap): the tuned warmup-stable-decay schedule's
  regret, the best peak of ``dev.autopilot_grid``'s WSD, against the same reference.

Then the rules measured against the default ("default": session 12's, a rolled-back probe, a 100-update
warmup and a raise by 3 on ``too_low_slow``; every policy starts from
``dev.autopilot_zoo_runs.NOBUDGET_LEGACY``, so the store's keys keep their meaning; "ramp, no raise" is
the library's default since): each run at the
workload's own number of batches (``dev.autopilot_truth.budget_of``), zoo seeds 0-2; leave-one-family-out
over every setting at once (the held-out family's figure of the setting the other eleven choose; a tie
keeps the default); the built-in tasks held out of the choice and reported; paired differences per
(workload, seed).

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_nobudget.py``
(runs cached in ``results/autopilot_runs.json`` under ``nobudget:...``; ``--cached-only``: the tables
from the store).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import autopilot_truth as truth  # noqa: E402
from dev import zoo_grid as zg  # noqa: E402
from dev.autopilot_tables import lofo_choices  # noqa: E402
from dev.autopilot_zoo_runs import cached, run_nobudget, variant_key  # noqa: E402
from dev.record import markdown_table, print_table, record, store_args  # noqa: E402

from lrkit import zoo  # noqa: E402

SEEDS = (0, 1, 2)
#: The paired check's seeds, for the settings in :data:`SIX_SETTINGS` (the default's stored runs have all 6).
SIX = (0, 1, 2, 3, 4, 5)
#: No reaction at all: ``check_every`` past every budget (the decomposition's reference).
NO_REACTION = {"check_every": 10**9}
#: The rules compared, each a change of ``NOBUDGET_LEGACY`` (``{}``: session 12's default; "ramp, no raise":
#: the library's default now).
SETTINGS = {
    "default": {},
    "no reaction": NO_REACTION,
    "no raise": {"too_low_factor": 1.0},
    "no plateau decay": {"max_decays": 0},
    "no raise, no plateau decay": {"too_low_factor": 1.0, "max_decays": 0},
    "no warmup": {"unknown_budget_warmup": 0},
    "ramp probe": {"unknown_budget_probe": "ramp"},
    "ramp, no reaction": {"unknown_budget_probe": "ramp", **NO_REACTION},
    "ramp, no raise": {"unknown_budget_probe": "ramp", "too_low_factor": 1.0},
}
#: The rules that still react to a diagnosis (a run longer than the zoo's meets plateaus): the second
#: leave-one-family-out chooses among these only.
REACTING = tuple(s for s, v in SETTINGS.items() if v.get("check_every") != NO_REACTION["check_every"])
#: The settings measured on the built-in tasks (held out) as well.
BUILTIN_SETTINGS = ("default", "no raise", "ramp probe", "ramp, no reaction", "ramp, no raise")
#: The settings measured at :data:`SIX` seeds.
SIX_SETTINGS = ("default", "ramp probe", "ramp, no reaction", "ramp, no raise")


def method(variant: dict[str, Any]) -> str:
    """The store's method name of a variant (``react_to`` named, as the first runs were stored)."""
    return "nobudget:" + variant_key({"react_to": "fired", **variant})


def gather(run: bool) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``{setting: {workload: [record per seed]}}``: :data:`SEEDS`, or :data:`SIX` for the settings in
    :data:`SIX_SETTINGS` (a workload only where every seed is there)."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {s: {} for s in SETTINGS}
    for label, variant in SETTINGS.items():
        names = sorted(zoo.names()) + (list(truth.BUILTIN) if label in BUILTIN_SETTINGS else [])
        seeds = SIX if label in SIX_SETTINGS else SEEDS
        for n in names:
            budget, recs = truth.budget_of(n), []
            for seed in seeds if truth.family_of(n) != "built-in" else SEEDS:
                def go(n: str = n, seed: int = seed, budget: int = budget) -> dict[str, Any]:
                    if not run:
                        raise truth.Missing(n)
                    return run_nobudget(n, seed, budget, variant)
                try:
                    recs.append(cached(method(variant), n, seed, budget, go))
                except truth.Missing:
                    break
            if len(recs) >= len(SEEDS):
                out[label][n] = recs
    return out


def at_rate(name: str, lr: float) -> float:
    """The grid's mean constant-rate regret (gap %) at ``lr``, interpolated in log-rate (its end
    values outside it)."""
    g = zg.load(name)
    reg = zg.regret(name, g.mean, unit="gap")
    return float(np.interp(math.log10(lr), np.log10(g.lrs), reg))


def regrets(runs: dict[str, list[dict[str, Any]]], name: str, seeds: int = len(SEEDS)) -> list[float]:
    """The first ``seeds`` runs' regrets (gap %)."""
    return [truth.regret(name, r["metric"], unit="gap") for r in runs[name][:seeds]]


def decomposition(runs: dict[str, dict[str, list[dict[str, Any]]]], setting: str,
                  quiet: str) -> tuple[list[list[Any]], list[str]]:
    """Per family: ``setting``'s regret split into its probe's peak, its probe's cost and its reactions
    (``quiet``: the same probe, no reaction), and the tuned WSD's regret for scale."""
    rows, cols = [], [setting, "peak", "cost", "reactions", "wsd"]
    table: dict[str, dict[str, list[float]]] = {}
    reacted: dict[str, int] = {}
    for n, recs in runs[setting].items():
        fam = truth.family_of(n)
        if fam == "built-in" or n not in runs[quiet]:
            continue
        full, still = np.mean(regrets(runs[setting], n)), np.mean(regrets(runs[quiet], n))
        peak = np.mean([at_rate(n, r["peak"]) for r in recs[:len(SEEDS)]])
        try:
            wsd = truth.regret(n, float(np.mean(truth.tuned_schedule(n, "wsd", run=False)[1])), unit="gap")
        except truth.Missing:
            wsd = math.nan
        for c, v in zip(cols, [full, peak, still - peak, full - still, wsd]):
            table.setdefault(fam, {}).setdefault(c, []).append(float(v))
        reacted[fam] = reacted.get(fam, 0) + sum(r["reactions"] != [] for r in recs[:len(SEEDS)])
    for fam, v in sorted(table.items()):
        rows.append([fam, *(float(np.nanmean(v[c])) for c in cols), reacted[fam]])
    rows.append(["mean of families", *(float(np.mean([r[i] for r in rows])) for i in range(1, len(cols) + 1)),
                 sum(r[-1] for r in rows)])
    return rows, ["family", setting, "probe's peak", "probe's cost", "reactions", "(tuned WSD)",
                  "runs that reacted"]


def compare(runs: dict[str, dict[str, list[dict[str, Any]]]], labels: tuple[str, ...],
            seeds: int = len(SEEDS)) -> tuple[str, list[list[Any]], list[str]]:
    """Each setting's zoo figure (the first ``seeds`` seeds), its paired difference from the default per
    (workload, seed), the built-in tasks' figure, and leave-one-family-out among ``labels``."""
    labels = tuple(s for s in labels if sum(len(v) >= seeds for v in runs[s].values()) >= len(zoo.names()))
    fams: dict[str, dict[str, list[float]]] = {}
    for s in labels:
        for n in runs[s]:
            if truth.family_of(n) != "built-in":
                mean = float(np.mean(regrets(runs[s], n, seeds)))
                fams.setdefault(truth.family_of(n), {}).setdefault(s, []).append(mean)
    means = {f: {s: float(np.mean(v[s])) for s in labels} for f, v in sorted(fams.items())}
    chosen, _ = lofo_choices(means, labels, keep="default")
    picks, held = list(chosen.values()), [means[f][s] for f, s in chosen.items()]
    rows = []
    for s in labels:
        diffs = [a - b for n in runs["default"] if truth.family_of(n) != "built-in" and n in runs[s]
                 for a, b in zip(regrets(runs[s], n, seeds), regrets(runs["default"], n, seeds))]
        se = float(np.std(diffs, ddof=1)) / math.sqrt(len(diffs)) if s != "default" else 0.0
        builtin = [float(np.mean(regrets(runs[s], n))) for n in truth.BUILTIN if n in runs[s]]
        rows.append([s, float(np.mean([m[s] for m in means.values()])),
                     f"{float(np.mean(diffs)):+.2f} +- {se:.2f}",
                     f"{sum(d < 0 for d in diffs)} / {sum(d > 0 for d in diffs)}", picks.count(s),
                     float(np.mean(builtin)) if len(builtin) == len(truth.BUILTIN) else math.nan])
    text = (f"Seeds 0-{seeds - 1}. Leave-one-family-out among these {len(labels)} settings: "
            f"**{float(np.mean(held)):.2f}** (chosen: "
            f"{', '.join(f'{s} in {picks.count(s)}' for s in labels if picks.count(s))}) against "
            f"{rows[0][1]:.2f} for the default kept everywhere. Per family (gap %; "
            f"{' / '.join(labels)}): " + "; ".join(
                f"{f} " + " / ".join(f"{m[s]:.1f}" for s in labels) for f, m in means.items()) + ".")
    return text, rows, ["setting", "zoo, mean of families", "paired vs default (s.e.)", "better / worse",
                        "folds choosing it", "built-in (held out, seeds 0-2)"]


def main() -> None:
    args = store_args(__doc__)
    start = time.process_time()
    runs = gather(not args.cached_only)
    split = [decomposition(runs, "default", "no reaction"),
             decomposition(runs, "ramp probe", "ramp, no reaction")]
    compared = [compare(runs, tuple(SETTINGS)), compare(runs, REACTING),
                compare(runs, SIX_SETTINGS, len(SIX))]
    for rows, heads in split:
        print_table(rows, heads, floatfmt=".2f")
    for text, rows, heads in compared:
        print_table(rows, heads, floatfmt=".2f")
        print(text)
    intro = ["Every zoo workload at its own number of batches; regret in gap % against the grid-best "
             "constant rate (lower is better). Where the default's gap comes from, per family (mean of "
             "workloads, "
             f"seeds {SEEDS[0]}-{SEEDS[-1]}; 'probe's peak' + 'probe's cost' + 'reactions' = 'default'):",
             markdown_table(*split[0], floatfmt=".2f"),
             "The same split with a ramp for the probe (its updates kept as the warmup):",
             markdown_table(*split[1], floatfmt=".2f")]
    names = ["Every rule:", "The rules that still react to a diagnosis:", "The paired check at six seeds:"]
    body = "\n\n".join(intro + [part for name, (text, rows, heads) in zip(names, compared)
                                 for part in (name, markdown_table(rows, heads, floatfmt=".2f"), text)]
                        + [f"CPU seconds (cached runs cost nothing): {time.process_time() - start:.0f}."])
    if not args.no_record:
        record("autopilot_nobudget", "The Autopilot without a budget: where its gap comes from", body,
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
                       "benchmarks/autopilot_nobudget.py")


if __name__ == "__main__":
    main()
