"""Without a budget, should the Autopilot react to the committed verdict or to every test that fired?

The Autopilot not told its budget diagnoses its losses every ``check_every`` updates and multiplies the
rate by a factor for the first rate test that fired (plateau, too high, too low:
``lrkit.torch._autopilot_guard.reaction``). ``diagnose`` declines to commit in some cases (a recovered
early blow-up, swings alone): the verdict is then ``uncertain`` while a test still fired, and the
Autopilot halved the rate on a reading its own diagnosis calls a guess. ``AutopilotPolicy.react_to``:
``"fired"`` (every test that fired) or ``"verdict"`` (the committed verdict; ``uncertain`` leaves the rate
alone). The two runs are the same bit for bit until the first check whose diagnosis is ``uncertain``
with a rate test behind it; a reaction event names the diagnosis (``"diagnosis"``), so the ``"fired"``
run counts where they part.

Every zoo workload (seeds 0-1) and built-in task (seed 0-1, held out), each at its own number of updates
(the rolled-back probe's batches paid from them), the Autopilot with ``budget=None``; regret in the zoo's
gap unit against the grid-best constant rate (``dev.autopilot_truth``); leave-one-family-out between the
two settings on family means.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_react_to.py``
(runs cached in ``results/autopilot_runs.json`` under ``nobudget:react_to=...``; ``--cached-only``:
the tables from the store).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_tables import lofo_choices  # noqa: E402
from dev.autopilot_zoo_runs import cached, run_nobudget  # noqa: E402
from dev.record import markdown_table, print_table, record, store_args  # noqa: E402

from lrkit import zoo  # noqa: E402

SETTINGS = ("fired", "verdict")
SEEDS = (0, 1, 2, 3, 4, 5)


def names() -> list[str]:
    return sorted(zoo.names()) + list(truth.BUILTIN)


def gather(run: bool) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """``{setting: {workload: [record per seed]}}``; the ``"verdict"`` run is made only where the
    ``"fired"`` run reacted to an uncertain diagnosis (elsewhere it is the same run)."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {s: {} for s in SETTINGS}
    for n in names():
        budget = truth.budget_of(n)
        for seed in SEEDS:
            def make(s: str) -> Any:
                def go() -> dict[str, Any]:
                    if not run:
                        raise truth.Missing(n)
                    return run_nobudget(n, seed, budget, {"react_to": s})
                return go
            try:
                fired = cached("nobudget:react_to=fired", n, seed, budget, make("fired"))
            except truth.Missing:
                continue
            parts = any(r["diagnosis"] == "uncertain" for r in fired["reactions"])
            verdict = cached("nobudget:react_to=verdict", n, seed, budget, make("verdict")) if parts \
                else fired
            out["fired"].setdefault(n, []).append(fired)
            out["verdict"].setdefault(n, []).append(verdict)
    return out


def tables(runs: dict[str, dict[str, list[dict[str, Any]]]]) -> tuple[str, list[list[Any]], list[str]]:
    fams: dict[str, dict[str, list[float]]] = {}
    rows, builtin = [], {s: [] for s in SETTINGS}
    counts = {"runs": 0, "parted": 0, "uncertain reactions": 0, "reactions": 0}
    for n in runs["fired"]:
        fam = truth.family_of(n)
        for f in runs["fired"][n]:
            counts["runs"] += 1
            counts["reactions"] += len(f["reactions"])
            u = sum(r["diagnosis"] == "uncertain" for r in f["reactions"])
            counts["uncertain reactions"] += u
            counts["parted"] += u > 0
        reg = {s: [truth.regret(n, r["metric"], unit="gap") for r in runs[s][n]] for s in SETTINGS}
        if fam == "built-in":
            for s in SETTINGS:
                builtin[s].append(float(np.mean(reg[s])))
        else:
            for s in SETTINGS:
                fams.setdefault(fam, {}).setdefault(s, []).append(float(np.mean(reg[s])))
        uncertain = [f"{r['reaction']}@{r['t']}" for f in runs["fired"][n] for r in f["reactions"]
                     if r["diagnosis"] == "uncertain"]
        if uncertain:
            rows.append([n, fam, *(float(np.mean(reg[s])) for s in SETTINGS), ", ".join(uncertain)])
    diffs = [truth.regret(n, v["metric"], unit="gap") - truth.regret(n, f["metric"], unit="gap")
             for n in runs["fired"] if truth.family_of(n) != "built-in"
             for f, v in zip(runs["fired"][n], runs["verdict"][n])]
    raw = [(v["raw_metric"], f["raw_metric"]) for n in runs["fired"] for f, v in
           zip(runs["fired"][n], runs["verdict"][n]) if v is not f]
    means = {f: {s: float(np.mean(v[s])) for s in SETTINGS} for f, v in sorted(fams.items())}
    mean_of = {s: float(np.mean([m[s] for m in means.values()])) for s in SETTINGS}
    chosen, _ = lofo_choices(means, SETTINGS, keep="fired")
    picks, held = list(chosen.values()), [means[f][s] for f, s in chosen.items()]
    lines = [f"{counts['runs']} runs (zoo and built-in, seeds {SEEDS[0]}-{SEEDS[-1]}); "
             f"{counts['reactions']} reactions under 'fired', {counts['uncertain reactions']} of them on an "
             f"'uncertain' diagnosis, in {counts['parted']} runs (where the two settings part).",
             "Zoo, mean of family means (gap %): " + ", ".join(f"{s} {mean_of[s]:.2f}" for s in SETTINGS)
             + f"; leave-one-family-out {float(np.mean(held)):.2f} ('verdict' chosen in "
             f"{picks.count('verdict')} of {len(picks)} folds; the held-out family's figure of the setting "
             f"chosen without it) against {mean_of['fired']:.2f} for 'fired' kept everywhere.",
             f"Paired, zoo (workload x seed, {len(diffs)} units): 'verdict' - 'fired' "
             f"{float(np.mean(diffs)):+.3f} +- {float(np.std(diffs, ddof=1) / np.sqrt(len(diffs))):.3f} "
             f"gap points (s.e.); better on {sum(d < 0 for d in diffs)}, worse on "
             f"{sum(d > 0 for d in diffs)}; of the {len(raw)} runs that part, the raw metric moved on "
             f"{sum(a != b for a, b in raw)} (a reaction at the last check changes no update; a score "
             "floored at the untrained model's hides a raw change).",
             "Built-in tasks (held out), mean: " + ", ".join(
                 f"{s} {float(np.mean(builtin[s])):.2f}" for s in SETTINGS if builtin[s]) + ".",
             "Per family (gap %): " + "; ".join(
                 f"{f} {m['fired']:.2f} / {m['verdict']:.2f}" for f, m in means.items()) + "."]
    return "\n\n".join(lines), rows, ["workload", "family", "fired", "verdict", "uncertain reactions"]


def main() -> None:
    args = store_args(__doc__)
    start = time.process_time()
    runs = gather(not args.cached_only)
    text, rows, headers = tables(runs)
    print(text)
    print_table(rows, headers, floatfmt=".3g")
    body = "\n\n".join([text, "The runs that part (regret, gap %, mean of seeds):",
                        markdown_table(rows, headers, floatfmt=".3g"),
                        f"CPU seconds (cached runs cost nothing): {time.process_time() - start:.0f}."])
    if not args.no_record:
        record("autopilot_react_to", "The Autopilot without a budget: react to the verdict or to what fired",
               body, command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
                             "benchmarks/autopilot_react_to.py")


if __name__ == "__main__":
    main()
