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
from dev.autopilot_zoo_runs import STORE, _read, cached, reads_as, run_autopilot, run_nobudget, variant_key
from dev.record import markdown_table, print_table

__all__ = ["NO_BUDGET", "RACE", "SAME", "at_floor", "noise_without_budget", "race_in_full", "raced",
           "same_elsewhere"]

RACE = "no valley: a race of r/3 against the floor r/30 (12% of the budget each, fit to the race limit)"
#: Two workloads (an adaptive and a momentum one) none of whose seeds 0-5 reads a ramp at the band's floor:
#: the race's runs made there at seed 0 and checked bit for bit against the default's.
SAME = ("autoencoder-digits-adam", "autoencoder-curve-momentum")
#: The record's fields compared bit for bit (everything but the CPU time).
COMPARED = ("metric", "raw_metric", "steps", "peak", "probe_steps", "how", "faults", "scale", "diverged_at",
            "probe_lrs", "probe_losses")


def _candidates(floor: str, fields: dict[str, Any], candidate: str = RACE,
                variant: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The default (``floor``: its name and fields) and ``candidate`` (``variant``'s fields, the race's by
    default) on top of it, run again on this machine."""
    race = {**(variant or {"no_valley_peak": "race"}), "rerun": fields["rerun"]}
    if "base" in fields:  # the default of the session that measured it, not today's
        race["base"] = fields["base"]
    return {floor: fields, candidate: race}


def at_floor(rec: dict[str, Any]) -> bool:
    """Whether the default's run read its peak at the band's floor (a ramp with no valley that blew up):
    the only runs the race acts on (before that point the two are the same code path)."""
    return "taken at the band's floor" in (rec.get("how") or "")  # a no-budget run may record no reading


def raced(name: str, method: str, run: bool, seeds: tuple[int, ...], candidates: dict[str, dict]
          ) -> list[dict[str, Any]]:
    """Per seed, the record of ``method``; for a candidate after the first of ``candidates`` (the default),
    its own run where the default's ramp had no valley and blew up, the default's record elsewhere (the
    same run: :func:`same_elsewhere` checks it)."""
    import autopilot_shape as shape

    if method not in candidates or method == next(iter(candidates)):
        return shape.runs(name, method, run, candidates, seeds)
    floor = shape.runs(name, next(iter(candidates)), False, candidates, seeds)
    return [shape.runs(name, method, run, candidates, (s,))[0] if at_floor(f) else f
            for s, f in zip(seeds, floor)]


def same_elsewhere(candidates: dict[str, dict]) -> list[list[Any]]:
    """The second candidate's runs (the race's) on :data:`SAME` at seed 0, made here, against the
    default's (the first's) stored ones."""
    import autopilot_shape as shape

    rows = []
    cand = list(candidates)[1]
    for n in SAME:
        stored = shape.runs(n, next(iter(candidates)), False, candidates, (0, 1, 2, 3, 4, 5))
        assert not any(at_floor(r) for r in stored), n
        base = candidates[cand].get("base", shape.DEFAULT)
        fields = {k: v for k, v in candidates[cand].items() if k not in ("base", "rerun")}
        fresh = run_autopilot(n, 0, truth.budget_of(n), reads_as({**base, **fields}, shape._kind(n)))
        same = [f for f in COMPARED if fresh[f] == stored[0][f]]
        if len(same) != len(COMPARED):
            raise AssertionError(f"{n}: {cand}'s run differs from the default's in "
                                 f"{sorted(set(COMPARED) - set(same))}")
        rows.append([n, shape._kind(n), stored[0]["metric"], fresh["metric"], f"{len(same)}/{len(COMPARED)}"])
    return rows


def race_in_full(run: bool, seeds: tuple[int, ...], fields: dict[str, Any], floor: str,
                 candidate: str = RACE, variant: dict[str, Any] | None = None, intro: str | None = None,
                 builtin_seeds: int = 5) -> tuple[str, dict[str, Any]]:
    """Part five: the race (or ``candidate``, ``variant``'s fields, introduced by ``intro``) in full runs
    on the units the default (``floor``, with ``fields``) reads at the band's floor; every other unit the
    default's run. Leave-one-family-out between the two on family means at seeds 0-2 and at ``seeds``
    (0..n), the paired test at ``seeds`` against the default, Prodigy and Schedule-Free; the built-in tasks'
    stored runs at seeds 0..builtin_seeds-1 counted."""
    import autopilot_family_resolution as resolution
    import autopilot_shape as shape

    from lrkit import zoo
    from lrkit.torch import AutopilotPolicy

    names, both = sorted(zoo.names()), _candidates(floor, fields, candidate, variant)
    policy = AutopilotPolicy(no_valley_peak="race")
    urows, figures = [], {}
    for n in names:
        pairs = zip(shape.runs(n, floor, False, both, seeds), raced(n, candidate, run, seeds, both))
        for s, (f, r) in enumerate(pairs):
            if at_floor(f):
                urows.append([n, s, truth.budget_of(n), truth.regret(n, f["metric"], shape.SEEDS, "gap"),
                              truth.regret(n, r["metric"], shape.SEEDS, "gap"),
                              f"r/{f['diverged_at'] / r['peak']:.3g}"])
    uh = ["workload", "seed", "budget", "floor (default) regret (gap %)",
          "race regret" if intro is None else "candidate regret",
          "race's pick" if intro is None else "its peak"]
    print_table(urows, uh, floatfmt=".3g")
    nb = builtin_seeds
    builtin = {n: shape.runs(n, floor, False, both, tuple(range(nb))) for n in truth.BUILTIN}
    floored = sum(at_floor(r) for recs in builtin.values() for r in recs)
    print(f"built-in tasks, seeds 0-{nb - 1}: {floored} of {nb * len(builtin)} stored default runs at the "
          "floor")
    methods = [floor, candidate, "prodigy", "schedule-free"]
    results = {n: {m: raced(n, m, run, seeds, both) for m in methods} for n in names}
    race_intro = (f"Part five: the race in full runs (`AutopilotPolicy(no_valley_peak=\"race\")`: r/3 "
                  f"against r/30, {policy.no_valley_race_fraction:.0%} of the budget each, shortened to fit "
                  f"`max_race_fraction` (47 updates at a budget of 400); the loser's updates paid from the "
                  f"budget) on the {len(urows)} units the default reads at the band's floor (zoo seeds "
                  f"{seeds[0]}-{seeds[-1]}); every other unit is the default's run, the same code path, "
                  "checked bit for bit on two workloads:")
    parts = [race_intro if intro is None else intro,
             markdown_table(same_elsewhere(both), ["workload (seed 0)", "kind", "the default's stored "
                                                   "metric", "the race's here" if intro is None else
                                                   "the candidate's here", "fields bit-identical"],
                            floatfmt=".6g"),
             markdown_table(urows, uh, floatfmt=".3g"),
             f"Built-in tasks (held out): {floored} of {nb * len(builtin)} of the default's stored runs at "
             f"seeds 0-{nb - 1} read a ramp at the band's floor, so the "
             f"{'race' if intro is None else 'candidate'} leaves every one as it is (bit for bit)."]
    for k in sorted({3, len(seeds)}):
        label = f"seeds 0-{k - 1}"
        sub = {n: {m: recs[:k] for m, recs in res.items()} for n, res in results.items()}
        _, means = tables.family_table(sub, methods, shape.SEEDS)
        held, everything = shape.lofo(means, both)
        srows, sh = shape.held_out_rows(means, held, both, label, resolution.PEERS)
        frows = [[f, means[f][floor], means[f][candidate], means[f]["prodigy"], held[f]] for f in held]
        fh = ["family", "floor (default)", "race" if intro is None else "candidate", "prodigy",
              "chosen on the other 11"]
        print_table(srows, sh, floatfmt=".4g")
        figures[label] = {"rows": srows, "held": held}
        parts += [markdown_table(srows, sh, floatfmt=".4g"), tables.lofo_verdict(everything, held, both),
                  markdown_table(frows, fh, floatfmt=".3g")]

    def read(name: str, method: str, run: bool, seeds: tuple[int, ...], candidates: dict[str, dict]
             ) -> dict[int, float]:
        return {s: truth.regret(name, r["metric"], shape.SEEDS, "gap")
                for s, r in zip(seeds, raced(name, method, run, seeds, candidates))}

    rows, counts = resolution.family_rows(names, False, seeds, candidate, both, (floor, *resolution.PEERS),
                                          read)
    rh = ["against", "family", "units", "mean difference (gap %)", "standard error", "p", "units ahead",
          "call"]
    crows = [[p, f"{c['ahead by mean']}/12", c["ahead"], c["behind"], c["can't tell"]]
             for p, c in counts.items()]
    ch = ["the race against" if intro is None else "the candidate against", "families ahead by mean",
          "ahead (p < 0.05)", "behind (p < 0.05)", "can't tell"]
    print_table(crows, ch, floatfmt=".3g")
    figures["paired"] = counts
    parts += [f"The paired test at seeds {seeds[0]}-{seeds[-1]} (units workload x seed):",
              markdown_table(crows, ch, floatfmt=".3g"), markdown_table(rows, rh, floatfmt=".3g")]
    return "\n\n".join(parts), figures


#: The Autopilot without a budget as the library runs it (on ``dev.autopilot_zoo_runs.NOBUDGET_LEGACY``; plain
#: SGD's reading x 2 since session 14: ``benchmarks/autopilot_plain_peak.py``'s part five).
NO_BUDGET = {"react_to": "fired", "too_low_factor": 1.0, "unknown_budget_probe": "ramp"}


def noise_without_budget(run: bool, name: str, fields: dict[str, Any]) -> str:
    """The candidate ``name`` (``fields`` on top of the no-budget default, :data:`NO_BUDGET`) without a
    budget, seeds 0-2 (``benchmarks/autopilot_no_valley_noise.py``'s part four), run where the no-budget
    default's ramp was read at the band's floor (every other unit that default's run, the same code path);
    family means and leave-one-family-out between the two, the built-in tasks held out."""
    import autopilot_shape as shape

    from lrkit import zoo

    names = ["the default", name]
    per: dict[str, dict[str, dict[str, float]]] = {}
    moved = []
    for n in sorted(zoo.names()) + list(truth.BUILTIN):
        base = {**NO_BUDGET, **({"plain_factor": 2.0} if shape._kind(n) == "plain" else {})}
        noise = {**base, **fields}
        budget = truth.budget_of(n)
        both: dict[str, list[float]] = {m: [] for m in names}
        for s in shape.SEEDS:
            floor = _read(STORE)[f"nobudget:{variant_key(base)}|{n}|{s}|{budget}"]
            rec = floor
            if at_floor(floor):

                def go(s: int = s) -> dict[str, Any]:
                    if not run:
                        raise LookupError(f"{n} seed {s} without a budget")
                    return run_nobudget(n, s, budget, noise)

                rec = cached("nobudget:" + variant_key(noise), n, s, budget, go)
                moved.append([n, s, truth.regret(n, floor["metric"], shape.SEEDS, "gap"),
                              truth.regret(n, rec["metric"], shape.SEEDS, "gap")])
            for m, r in zip(names, (floor, rec)):
                both[m].append(truth.regret(n, r["metric"], shape.SEEDS, "gap"))
        fam = truth.family_of(n) if n in zoo.registry else "built-in"
        for m in names:
            per.setdefault(fam, {}).setdefault(m, {})[n] = float(np.mean(both[m]))
    means = {f: {m: float(np.mean(list(ws.values()))) for m, ws in d.items()} for f, d in per.items()}
    zoo_means = {f: d for f, d in means.items() if f != "built-in"}
    held, everything = tables.lofo_choices(zoo_means, names)
    rows = [[f, means[f][names[0]], means[f][names[1]], held.get(f, "")] for f in sorted(means)]
    rows.append(["mean over the zoo's families",
                 *[float(np.mean([zoo_means[f][m] for f in zoo_means])) for m in names],
                 float(np.mean([zoo_means[f][held[f]] for f in held]))])
    h = ["family (without a budget)", "the default: floor (gap %)", name,
         "chosen on the other 11 (last row: held out)"]
    mh = ["workload (without a budget)", "seed", "floor (gap %)", name]
    for r, hh in ((moved, mh), (rows, h)):
        print_table(r, hh, floatfmt=".3g")
    intro = (f"Part four: {name} without a budget (seeds 0-2; the units whose no-budget ramp was "
             "read at the floor, every other unit the default's run; built-in tasks held out):")
    parts = [intro, markdown_table(moved, mh, floatfmt=".3g"), markdown_table(rows, h, floatfmt=".3g")]
    return "\n\n".join([*parts, tables.lofo_verdict(everything, held, names)])
