"""What should the Autopilot do when its ramp has no valley? Chosen by leave-one-family-out on the zoo.

A ramp whose loss never falls (a recall RNN or a small transformer at chance until it blows up, a Huber
loss whose bounded gradient shows no descent) knows the blow-up rate ``r`` and nothing about where
training works. Until session 12 its peak was a fallback rule's reading of noise clipped into
``[r/30, r/3]`` (``AutopilotPolicy(no_valley_peak="guess")``), its account saying "this peak is a guess".
Five parts:

1. **Where those ramps are**: every (workload, seed) of the guess's stored runs (zoo seeds 0-5, built-in
   tasks seeds 0-2) whose ramp has no valley, with the Autopilot's regret when its peak is **given** at
   ``r / k`` (its own ramp, rewind and schedule, only the choice replaced; a ramp that never blew up counts
   from its top), :data:`GIVEN_K`.
2. **A fixed distance below r** for those runs, scored offline on part one's given-peak runs.
3. **A race** on those runs only (a few candidates spanning the band, each trained from the rewound
   state): the losses of ``dev.autopilot_no_valley.RACE_K``'s candidates over 48 updates each from the
   post-ramp state (``dev.autopilot_no_valley.race_traces``), the pick of a race of a few of them at a
   segment of 2-8% of the budget (the lowest mean of the last half, as ``lrkit.torch._autopilot_race``; or
   the highest rate unless a lower one is some standard errors lower), scored by the given-peak run at the
   pick (the losers' updates not charged: an upper bound); a screen of such races chosen by
   leave-one-family-out.
4. **The band's floor** (``no_valley_peak="floor"``, the default since): such a ramp that blew up takes
   ``r / clip_below`` (the ramp knows where training breaks, nothing about where it works, and a guess too
   high under a bounded gradient bounces without blowing up, where the guard has nothing to catch). Full
   runs on every zoo workload (seeds 0-5) and built-in task (seeds 0-2, held out); a run whose ramp has a
   valley, or never blew up, is the same bit for bit under both. Leave-one-family-out between the two on
   family means at seeds 0-2 and 0-5; the paired test (``benchmarks/autopilot_family_resolution.py``) of
   the floor against the guess, Prodigy and Schedule-Free at seeds 0-5.
5. **A race in full runs** (``no_valley_peak="race"``, an opt-in): after such a ramp, r/3 against the
   floor r/30 (``AutopilotPolicy.no_valley_race``), 12% of the budget each shortened to fit the race
   limit, the loser's updates paid from the budget, on the units the default reads at the floor (every
   other unit is the default's run, the same code path: checked bit for bit on two workloads
   (``dev.autopilot_no_valley_race.SAME``), and on the
   built-in tasks no stored run reads the floor). Leave-one-family-out between it and the floor at seeds
   0-2 and 0-5; the paired test against the floor, Prodigy and Schedule-Free at seeds 0-5.

Regret in the zoo's gap unit against the grid-best constant rate of seeds 0-2. Both are run on this machine
(``autopilot_shape.SHAPES``'s ``@2026-12-06``); the seeds 0-2 report first makes the default again on three
workloads and checks it is bit for bit the stored runs.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_no_valley.py``
(runs cached in ``results/autopilot_runs.json``, the race's losses in ``results/autopilot_no_valley.json``;
``--cached-only``: the tables from the store, only the three bit-identity runs made).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import autopilot_family_resolution as resolution  # noqa: E402
import autopilot_shape as shape  # noqa: E402
from dev import autopilot_candidates as candidates  # noqa: E402
from dev import autopilot_no_valley as nv  # noqa: E402
from dev import autopilot_no_valley_race as race  # noqa: E402
from dev import autopilot_tables as tables  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_zoo_runs import reads_as  # noqa: E402
from dev.record import markdown_table, print_table, store_args  # noqa: E402

from lrkit import zoo  # noqa: E402

DEFAULT = next(iter(shape.SHAPES))
FLOOR = "no valley: the band's floor r/30 (the default)"
GUESS = "no valley: the guess in [r/30, r/3] (the default before)"
#: The library's default (``no_valley_peak="floor"``) and the guess it replaced, both made on this machine
#: (``autopilot_shape.SHAPES``'s tag; the guess's runs are the ones stored for the default before).
CANDIDATES = {FLOOR: shape.S13_RUNS[shape.S13],  # measured in session 12, on the default of then
              GUESS: {"no_valley_peak": "guess", "rerun": shape.SHAPES[DEFAULT]["rerun"],
                      "base": shape.BEFORE_14}}
#: The given peaks of part one: r / k.
GIVEN_K = (3, 10, 30, 100, 300, 1000)
SIX = (0, 1, 2, 3, 4, 5)
#: Part three's races: (candidates' k, segment as a fraction of the budget, z or None for the lowest mean).
RACES = (((3, 30, 300), 0.04, None), ((3, 30, 300), 0.08, None), ((3, 10, 30, 100, 300), 0.04, None),
         ((10, 100), 0.04, None), ((3, 30, 300), 0.04, 2.0), ((3, 10, 30, 100, 300), 0.08, 2.0),
         ((3, 30), 0.06, None), ((3, 30), 0.12, None))


def survey(run: bool) -> tuple[list[dict[str, Any]], list[list[Any]], list[str]]:
    """Part one: the no-valley runs and their given-peak regrets."""
    records = {}
    for n in sorted(zoo.names()):
        records[n] = shape.runs(n, GUESS, False, CANDIDATES, SIX)
    for n in truth.BUILTIN:
        records[n] = shape.runs(n, GUESS, False, CANDIDATES, shape.SEEDS)
    found = nv.no_valley_runs(records)
    rows = []
    for v in found:
        v["default"] = truth.regret(v["name"], v["record"]["metric"], shape.SEEDS, "gap")
        v["given"] = {k: nv.given_regret(v["name"], v["seed"], nv.given_rate(v["r"], k), run)
                      for k in GIVEN_K}
        best = min(v["given"], key=v["given"].get)
        rows.append([v["name"], v["seed"], v["reason"], v["r"] if v["blew"] else "never", v["r"] / v["peak"],
                     v["default"], *v["given"].values(), f"r/{best}"])
    heads = ["workload", "seed", "ramp", "blew up at r", "stored peak: r / this", "the guess's regret",
             *[f"given r/{k}" for k in GIVEN_K], "best given"]
    return found, rows, heads


def _by_family(found: list[dict[str, Any]], regret: dict[tuple[str, int], float]) -> str:
    """Per family, the sum over its no-valley runs of (rule - guess) regret, gap points."""
    fam: dict[str, float] = {}
    for v in found:
        f = truth.family_of(v["name"]) if v["name"] in zoo.registry else "built-in"
        fam[f] = fam.get(f, 0.0) + regret[(v["name"], v["seed"])] - v["default"]
    return "; ".join(f"{f} {d:+.0f}" for f, d in sorted(fam.items()))


def offline(found: list[dict[str, Any]], traces: dict) -> tuple[list[list[Any]], list[str]]:
    """Parts two and three: each fixed distance and each race, scored on the given-peak runs."""
    every = float(np.mean([v["default"] for v in found]))
    rows = [["the guess in [r/30, r/3] (the default before)", every, every, "",
             _by_family(found, {(v["name"], v["seed"]): v["default"] for v in found})]]
    for k in GIVEN_K:
        reg = {(v["name"], v["seed"]): v["given"][k] for v in found}
        rows.append([f"every one at r/{k}", float(np.mean(list(reg.values()))), every, "",
                     _by_family(found, reg)])
    reg = {(v["name"], v["seed"]): min(v["given"].values()) for v in found}
    rows.append(["the best of those per run (no rule reaches it)", float(np.mean(list(reg.values()))),
                 every, "",
                 _by_family(found, reg)])
    have = [v for v in found if (v["name"], v["seed"]) in traces and v["blew"]]
    for ks, frac, z in RACES:
        reg = {}
        for v in have:
            m = min(nv.SEGMENT, max(8, round(frac * truth.budget_of(v["name"]))))
            k = nv.race_pick(traces[(v["name"], v["seed"])], ks, m, z)
            reg[(v["name"], v["seed"])] = v["given"][k] if k in v["given"] else float("nan")
        label = (f"race of r/{', r/'.join(map(str, ks))}, {frac:.0%} of the budget each (at most "
                 f"{nv.SEGMENT} updates), "
                 + ("lowest late loss" if z is None else f"higher rate unless {z:g} SEs worse"))
        rows.append([label + f" ({len(have)} runs that blew up)", float(np.mean(list(reg.values()))),
                     float(np.mean([v["default"] for v in have])), f"{(len(ks) - 1) * frac:.0%}",
                     _by_family(have, reg)])
    heads = ["reading of a ramp with no valley", "mean regret over those runs (gap %)", "the guess's there",
             "losers' updates (of the budget; not charged here)",
             "per family: sum of (rule - guess), gap points"]
    return rows, heads


#: Part three's screen: candidate sets, segments (fraction of the budget) and tolerances (None: lowest mean).
SCREEN_K = ((3, 30, 300), (3, 10, 30, 100, 300), (3, 10, 100), (10, 100), (3, 30, 100), (10, 30, 100),
            (3, 10, 30, 100))
SCREEN_SEGMENT = (0.02, 0.04, 0.06, 0.08)
SCREEN_Z = (None, 1.0, 2.0, 3.0)
#: The most of the budget a race's losers may take (the cost the question allows: 1.15 runs).
MAX_LOST = 0.15


def screen(found: list[dict[str, Any]], traces: dict) -> str:
    """Leave-one-family-out over every race of the screen whose losers take at most :data:`MAX_LOST` of the
    budget, and the guess: per family the mean change over its units at seeds 0-5 (18 per family here)."""
    have = [v for v in found if (v["name"], v["seed"]) in traces and v["blew"]]
    fams = sorted({truth.family_of(v["name"]) for v in found})
    units = {f: 6 * sum(truth.family_of(n) == f for n in zoo.names()) for f in fams}
    races = [(ks, frac, z) for ks in SCREEN_K for frac in SCREEN_SEGMENT for z in SCREEN_Z
             if (len(ks) - 1) * frac <= MAX_LOST]
    delta: dict[Any, dict[str, float]] = {"the guess": {f: 0.0 for f in fams}}
    for race in races:
        ks, frac, z = race
        d = {f: 0.0 for f in fams}
        for v in have:
            m = min(nv.SEGMENT, max(8, round(frac * truth.budget_of(v["name"]))))
            k = nv.race_pick(traces[(v["name"], v["seed"])], ks, m, z)
            f = truth.family_of(v["name"])
            d[f] += (v["given"][k] - v["default"]) / units[f]
        delta[race] = d
    held = {f: min(delta, key=lambda c: sum(delta[c][g] for g in fams if g != f)) for f in fams}
    best = min(delta, key=lambda c: sum(delta[c].values()))
    cross = sum(delta[held[f]][f] for f in fams) / 12
    return (f"Leave-one-family-out over the {len(races)} races of a screen (candidate sets {SCREEN_K}, "
            f"segments {SCREEN_SEGMENT} of the budget, tolerances {SCREEN_Z} standard errors; losers at most "
            f"{MAX_LOST:.0%} of the budget) and the guess, on the runs above (the other seven families are "
            f"unchanged): held out, the zoo mean moves by {cross:+.2f} gap "
            f"points; in sample, the best race ({best}) moves it by {sum(delta[best].values()) / 12:+.2f}. "
            "Per held-out family, the race chosen on the others and its change (gap points): "
            + "; ".join(f"{f} {held[f]} {delta[held[f]][f]:+.2f}" for f in fams) + ".")


def six_seeds(run: bool) -> tuple[str, dict[str, dict[str, float]]]:
    """Part four at seeds 0-5: leave-one-family-out on family means, and the paired tests."""
    names = sorted(zoo.names())
    methods = [GUESS, FLOOR, "prodigy", "schedule-free"]
    results = {n: {m: shape.runs(n, m, run and m == FLOOR, CANDIDATES, SIX) for m in methods} for n in names}
    changed = sum(a["metric"] != b["metric"] or a["peak"] != b["peak"]
                  for n in names for a, b in zip(results[n][GUESS], results[n][FLOOR]))
    _, means = tables.family_table(results, methods, shape.SEEDS)
    two = {GUESS: CANDIDATES[GUESS], FLOOR: CANDIDATES[FLOOR]}
    held, everything = shape.lofo(means, two)
    srows, sh = shape.held_out_rows(means, held, two, "seeds 0-5", resolution.PEERS)
    frows = [[f, means[f][GUESS], means[f][FLOOR], means[f]["prodigy"], means[f]["schedule-free"], held[f]]
             for f in held]
    fh = ["family", "guess (gap %)", "floor", "prodigy", "schedule-free", "chosen on the other 11"]
    vs_default, counts_d = resolution.family_rows(names, False, SIX, FLOOR, CANDIDATES, (GUESS,))
    vs_peers, counts_p = resolution.family_rows(names, False, SIX, FLOOR, CANDIDATES, resolution.PEERS)
    rh = ["against", "family", "units", "mean difference (gap %)", "standard error", "p", "units ahead",
          "call"]
    crows = [[p, f"{c['ahead by mean']}/12", c["ahead"], c["behind"], c["can't tell"]]
             for p, c in {**counts_d, **counts_p}.items()]
    ch = ["the candidate against", "families ahead by mean", "ahead (p < 0.05)", "behind (p < 0.05)",
          "can't tell"]
    for rows, headers in ((srows, sh), (frows, fh), (crows, ch), (vs_default + vs_peers, rh)):
        print_table(rows, headers, floatfmt=".3g")
    verdict = tables.lofo_verdict(everything, held, two)
    text = "\n\n".join([
        f"Seeds 0-5 (runs whose peak or metric differ between the two: {changed} of {len(names) * 6}):",
        markdown_table(srows, sh, floatfmt=".3g"), verdict, markdown_table(frows, fh, floatfmt=".3g"),
        "The paired test at seeds 0-5 (units workload x seed):", markdown_table(crows, ch, floatfmt=".3g"),
        markdown_table(vs_default + vs_peers, rh, floatfmt=".3g")])
    return text, means


def main() -> None:
    args = store_args(__doc__)
    start = time.process_time()
    run = not args.cached_only
    found, srows, sh = survey(run)
    guess = {**shape.BEFORE_14, "no_valley_peak": "guess"}
    traces = nv.race_traces([v for v in found if v["blew"]], run,
                            lambda n: reads_as(guess, shape._kind(n)))
    orows, oh = offline(found, traces)
    for rows, headers in ((srows, sh), (orows, oh)):
        print_table(rows, headers, floatfmt=".3g")
    screened = screen(found, traces)
    print(screened)
    six, _ = six_seeds(run)
    race_text, _ = race.race_in_full(run, SIX, CANDIDATES[FLOOR], FLOOR)
    preface = "\n\n".join([
        f"Part one: the {len(found)} runs whose ramp has no valley (zoo seeds 0-5, built-in seeds 0-2), "
        "and the "
        "Autopilot's regret (gap %) with its peak given at r / k:", markdown_table(srows, sh, floatfmt=".3g"),
        "Parts two and three, offline on part one's given-peak runs:",
        markdown_table(orows, oh, floatfmt=".3g"), screened,
        "Part four, the candidate in full runs.", six, race_text,
        f"CPU seconds of parts one to three and the six seeds (cached runs cost nothing): "
        f"{time.process_time() - start:.0f}. Seeds 0-2 with the built-in tasks (held out):"])
    candidates.report(CANDIDATES, cached_only=args.cached_only, no_record=args.no_record,
                      section="autopilot_no_valley",
                      title="The Autopilot after a ramp with no valley, chosen by leave-one-family-out",
                      doc=__doc__, script="benchmarks/autopilot_no_valley.py", preface=preface)


if __name__ == "__main__":
    main()
