"""The race after a ramp with no valley in full runs (``benchmarks/autopilot_no_valley.py``'s part five).

``AutopilotPolicy(no_valley_peak="race")`` acts only where the default reads its peak at the band's
floor (a ramp with no valley that blew up): before that point the two are one code path, so a unit the
default does not read at the floor is the default's run, bit for bit (:func:`same_elsewhere` makes the
race's run on :data:`SAME` and checks it; :func:`raced` reads the default's record there and the race's
own run, cached in the runs' store, elsewhere).

* :func:`race_in_full`: the units the race acts on (each one's regret under both and the race's pick),
  leave-one-family-out between the two on family means at seeds 0-2 and at all the seeds given, the
  paired test (``autopilot_family_resolution.family_rows``) against the default, Prodigy and
  Schedule-Free; a markdown text and the figures.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dev import autopilot_tables as tables
from dev import autopilot_truth as truth
from dev.autopilot_zoo_runs import reads_as, run_autopilot
from dev.record import markdown_table, print_table

__all__ = ["RACE", "SAME", "at_floor", "race_in_full", "raced", "same_elsewhere"]

RACE = "no valley: a race of r/3 against the floor r/30 (12% of the budget each, fit to the race limit)"
#: Two workloads (an adaptive and a momentum one) none of whose seeds 0-5 reads a ramp at the band's floor:
#: the race's runs made there at seed 0 and checked bit for bit against the default's.
SAME = ("autoencoder-digits-adam", "autoencoder-curve-momentum")
#: The record's fields compared bit for bit (everything but the CPU time).
COMPARED = ("metric", "raw_metric", "steps", "peak", "probe_steps", "how", "faults", "scale", "diverged_at",
            "probe_lrs", "probe_losses")


def _candidates(floor: str, fields: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The default (``floor``: its name and fields) and the race on top of it, run again on this machine."""
    race = {"no_valley_peak": "race", "rerun": fields["rerun"]}
    if "base" in fields:  # the default of the session that measured it, not today's
        race["base"] = fields["base"]
    return {floor: fields, RACE: race}


def at_floor(rec: dict[str, Any]) -> bool:
    """Whether the default's run read its peak at the band's floor (a ramp with no valley that blew up):
    the only runs the race acts on (before that point the two are the same code path)."""
    return "taken at the band's floor" in rec["how"]


def raced(name: str, method: str, run: bool, seeds: tuple[int, ...], candidates: dict[str, dict]
          ) -> list[dict[str, Any]]:
    """Per seed, the record of ``method``; for :data:`RACE`, its own run where the default's ramp had no
    valley and blew up, the default's record elsewhere (the same run: :func:`same_elsewhere` checks it)."""
    import autopilot_shape as shape

    if method != RACE:
        return shape.runs(name, method, run, candidates, seeds)
    floor = shape.runs(name, next(iter(candidates)), False, candidates, seeds)
    return [shape.runs(name, RACE, run, candidates, (s,))[0] if at_floor(f) else f
            for s, f in zip(seeds, floor)]


def same_elsewhere(candidates: dict[str, dict]) -> list[list[Any]]:
    """The race's runs on :data:`SAME` at seed 0, made here, against the default's stored ones."""
    import autopilot_shape as shape

    rows = []
    for n in SAME:
        stored = shape.runs(n, next(iter(candidates)), False, candidates, (0, 1, 2, 3, 4, 5))
        assert not any(at_floor(r) for r in stored), n
        base = candidates[RACE].get("base", shape.DEFAULT)
        fresh = run_autopilot(n, 0, truth.budget_of(n), reads_as({**base, "no_valley_peak": "race"},
                                                                  shape._kind(n)))
        same = [f for f in COMPARED if fresh[f] == stored[0][f]]
        if len(same) != len(COMPARED):
            raise AssertionError(f"{n}: the race's run differs from the default's in "
                                 f"{sorted(set(COMPARED) - set(same))}")
        rows.append([n, shape._kind(n), stored[0]["metric"], fresh["metric"], f"{len(same)}/{len(COMPARED)}"])
    return rows


def race_in_full(run: bool, seeds: tuple[int, ...], fields: dict[str, Any], floor: str
                 ) -> tuple[str, dict[str, Any]]:
    """Part five: the race in full runs on the units the default (``floor``, with ``fields``) reads at the
    band's floor; every other unit the default's run. Leave-one-family-out between the two on family
    means at seeds 0-2 and at ``seeds`` (0..n), the paired test at ``seeds`` against the default,
    Prodigy and Schedule-Free."""
    import autopilot_family_resolution as resolution
    import autopilot_shape as shape

    from lrkit import zoo
    from lrkit.torch import AutopilotPolicy

    names, both = sorted(zoo.names()), _candidates(floor, fields)
    policy = AutopilotPolicy(no_valley_peak="race")
    urows, figures = [], {}
    for n in names:
        pairs = zip(shape.runs(n, floor, False, both, seeds), raced(n, RACE, run, seeds, both))
        for s, (f, r) in enumerate(pairs):
            if at_floor(f):
                urows.append([n, s, truth.budget_of(n), truth.regret(n, f["metric"], shape.SEEDS, "gap"),
                              truth.regret(n, r["metric"], shape.SEEDS, "gap"),
                              f"r/{f['diverged_at'] / r['peak']:.3g}"])
    uh = ["workload", "seed", "budget", "floor (default) regret (gap %)", "race regret", "race's pick"]
    print_table(urows, uh, floatfmt=".3g")
    builtin = {n: shape.runs(n, floor, False, both, tuple(range(5))) for n in truth.BUILTIN}
    floored = sum(at_floor(r) for recs in builtin.values() for r in recs)
    print(f"built-in tasks, seeds 0-4: {floored} of {5 * len(builtin)} stored default runs at the floor")
    methods = [floor, RACE, "prodigy", "schedule-free"]
    results = {n: {m: raced(n, m, run, seeds, both) for m in methods} for n in names}
    parts = [f"Part five: the race in full runs (`AutopilotPolicy(no_valley_peak=\"race\")`: r/3 against "
             f"r/30, {policy.no_valley_race_fraction:.0%} of the budget each, shortened to fit "
             f"`max_race_fraction` (47 updates at a budget of 400); the loser's updates paid from the "
             f"budget) on the {len(urows)} units the default reads at the band's floor (zoo seeds "
             f"{seeds[0]}-{seeds[-1]}); every other unit is the default's run, the same code path, checked "
             "bit for bit on two workloads:",
             markdown_table(same_elsewhere(both), ["workload (seed 0)", "kind", "the default's stored "
                                                   "metric", "the race's here", "fields bit-identical"],
                            floatfmt=".6g"),
             markdown_table(urows, uh, floatfmt=".3g"),
             f"Built-in tasks (held out): {floored} of {5 * len(builtin)} of the default's stored runs at "
             "seeds 0-4 read a ramp at the band's floor, so the race leaves every one as it is (bit for "
             "bit)."]
    for k in sorted({3, len(seeds)}):
        label = f"seeds 0-{k - 1}"
        sub = {n: {m: recs[:k] for m, recs in res.items()} for n, res in results.items()}
        _, means = tables.family_table(sub, methods, shape.SEEDS)
        held, everything = shape.lofo(means, both)
        srows, sh = shape.held_out_rows(means, held, both, label, resolution.PEERS)
        frows = [[f, means[f][floor], means[f][RACE], means[f]["prodigy"], held[f]] for f in held]
        fh = ["family", "floor (default)", "race", "prodigy", "chosen on the other 11"]
        print_table(srows, sh, floatfmt=".4g")
        figures[label] = {"rows": srows, "held": held}
        parts += [markdown_table(srows, sh, floatfmt=".4g"), tables.lofo_verdict(everything, held, both),
                  markdown_table(frows, fh, floatfmt=".3g")]

    def read(name: str, method: str, run: bool, seeds: tuple[int, ...], candidates: dict[str, dict]
             ) -> dict[int, float]:
        return {s: truth.regret(name, r["metric"], shape.SEEDS, "gap")
                for s, r in zip(seeds, raced(name, method, run, seeds, candidates))}

    rows, counts = resolution.family_rows(names, False, seeds, RACE, both, (floor, *resolution.PEERS), read)
    rh = ["against", "family", "units", "mean difference (gap %)", "standard error", "p", "units ahead",
          "call"]
    crows = [[p, f"{c['ahead by mean']}/12", c["ahead"], c["behind"], c["can't tell"]]
             for p, c in counts.items()]
    ch = ["the race against", "families ahead by mean", "ahead (p < 0.05)", "behind (p < 0.05)", "can't tell"]
    print_table(crows, ch, floatfmt=".3g")
    figures["paired"] = counts
    parts += [f"The paired test at seeds {seeds[0]}-{seeds[-1]} (units workload x seed):",
              markdown_table(crows, ch, floatfmt=".3g"), markdown_table(rows, rh, floatfmt=".3g")]
    return "\n\n".join(parts), figures
