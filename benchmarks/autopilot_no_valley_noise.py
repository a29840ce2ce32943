"""A ramp with no valley, quiet or noisy: how far below its blow-up the peak goes, by family.

A ramp whose loss never fell and that blew up at ``r`` is read at the band's floor ``r / 30`` (the
default since session 12, ``AutopilotPolicy(no_valley_peak="floor")``, ``benchmarks/autopilot_no_valley.py``):
the ramp knows where training breaks and nothing about where it works. That benchmark's part one showed
the best given peak of those runs on both sides of the floor: ``r/10`` (``r/3``) for the recall RNNs,
``r/100`` for the transformers and the Huber regression. Their ramps differ in one thing the ramp
shows: its **batch noise** relative to its loss (``lrkit.finder.noise_scale`` over the median loss,
``lrkit.torch._autopilot_peak.no_valley_divisor``): 0.7-1.9% for the recall RNNs, whose loss sits at
chance, still, until it blows up; 4.5-7.3% for the transformers, 28-66% for the regressions. A quiet
flat ramp is a plateau (the gradient is small, not hidden), left fastest at a high rate; a noisy flat
ramp hides a descent under the noise, and SGD's stationary excess loss grows with the rate times the
gradient's variance, so a lower rate lets the descent through. ``no_valley_peak="noise"`` reads such a
ramp at ``r / no_valley_below[0]`` when quiet (noise under ``no_valley_quiet``, 3%) and
``r / no_valley_below[1]`` when noisy (an opt-in: chosen among the floor and each half alone it does not
hold out, and ``benchmarks/autopilot_no_valley_heldout.py`` judges it on families outside the zoo). Four
parts:

1. **The units** (nothing run): every zoo run of the default (seeds 0-5) and built-in task (seeds
   0-2) whose ramp had no valley and blew up (the only runs the rule reads: before that point it is
   the default's code path), its noise, and its regret with the peak given at ``r / k``
   (``dev.autopilot_no_valley.given_regret``'s stored runs: the same ramp, rewind and schedule).
2. **The divisors offline**: each pair (quiet, noisy) of :data:`PAIRS` priced on those given-peak
   runs (each candidate's peak from ``lrkit.torch.autopilot_peak``, its regret interpolated in log-rate
   on the unit's given grid: plain SGD's factor 2 lands between grid points), the family means at
   seeds 0-2 and 0-5 (every other unit the default's run), leave-one-family-out among the pairs.
   Only the recall RNNs have quiet ramps, so no fold but theirs can judge the quiet divisor: a tie
   on the other families goes to the pair listed first, the default's 30 (conservative for rnn).
3. **The pair chosen and each of its halves, in full runs** on those units (every other unit is the
   default's run, the same code path, checked bit for bit on two workloads): leave-one-family-out
   against the default on family means at seeds 0-2 and 0-5, the paired test against the default,
   Prodigy and Schedule-Free at seeds 0-5 (``benchmarks/autopilot_family_resolution.py``'s), the
   built-in tasks held out.
4. **Without a budget**: the chosen pair on the no-budget Autopilot's runs (its default since session
   13, plain SGD's factor 2; ``benchmarks/autopilot_nobudget.py``'s "ramp, no raise" store), seeds 0-2,
   run where that default's ramp was read at the floor.

Regret in the zoo's gap unit against the grid-best constant rate of seeds 0-2.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_no_valley_noise.py``
(runs cached in ``results/autopilot_runs.json``; ``--cached-only``: the tables from the store, only the
two bit-identity runs made).
"""

from __future__ import annotations

import functools
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import autopilot_shape as shape  # noqa: E402
from dev import autopilot_no_valley as nv  # noqa: E402
from dev import autopilot_no_valley_race as floor_runs  # noqa: E402
from dev import autopilot_tables as tables  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_zoo_runs import resolve_task  # noqa: E402
from dev.record import markdown_table, print_table, record, store_args  # noqa: E402

from lrkit import zoo  # noqa: E402
from lrkit.torch import AutopilotPolicy, autopilot_peak  # noqa: E402
from lrkit.finder import noise_scale  # noqa: E402

DEFAULT = next(iter(shape.SHAPES))
FLOOR = "no valley: the band's floor r/30 (the default)"
#: The (quiet, noisy) divisors priced offline; (30, 30) is the floor, listed first (ties go to it).
PAIRS = ((30, 30), (30, 100), (30, 300), (10, 30), (10, 100), (10, 300), (3, 100))
#: The pair run in full (the one chosen on all twelve families offline).
CHOSEN = (10, 100)
#: The pairs run in full: the floor, the chosen pair and each of its two halves alone.
FULL = ((30, 30), (30, 100), (10, 30), CHOSEN)
QUIET = 0.03
#: The given peaks r / k stored for those units (``benchmarks/autopilot_no_valley.py``'s part one).
GIVEN_K = (3, 10, 30, 100, 300, 1000)
SIX = (0, 1, 2, 3, 4, 5)


def label(pair: tuple[float, float]) -> str:
    return FLOOR if pair == (30, 30) else (f"no valley: quiet r/{pair[0]:g}, noisy r/{pair[1]:g}"
                                           + (" (the opt-in)" if pair == CHOSEN else ""))


def fields(pair: tuple[float, float]) -> dict[str, Any]:
    return {"no_valley_peak": "noise", "no_valley_below": (float(pair[0]), float(pair[1])),
            "no_valley_quiet": QUIET, "base": shape.BEFORE_15}


def policy_fields(pair: tuple[float, float]) -> dict[str, Any]:
    """:func:`fields` as ``AutopilotPolicy`` arguments (the store's base left out)."""
    return {k: v for k, v in fields(pair).items() if k != "base"}


#: The default these were measured against (session 14's: the floor), run again on this machine.
BASE = {**shape.SHAPES[next(iter(shape.SHAPES))], "base": shape.BEFORE_15}


def units() -> list[dict[str, Any]]:
    """Part one: the default's runs whose ramp had no valley and blew up (zoo 0-5, built-in 0-2)."""
    cands = {DEFAULT: BASE}
    out = []
    for n in sorted(zoo.names()) + list(truth.BUILTIN):
        seeds = SIX if n in zoo.registry else shape.SEEDS
        for s, rec in zip(seeds, shape.runs(n, DEFAULT, False, cands, seeds)):
            if not floor_runs.at_floor(rec):
                continue
            r = rec["diverged_at"]
            grid = {nv.given_rate(r, k): nv.given_regret(n, s, nv.given_rate(r, k), False) for k in GIVEN_K
                    if _have(n, s, nv.given_rate(r, k))}
            y = np.array(rec["probe_losses"])[np.isfinite(rec["probe_losses"])]
            noise = noise_scale(y) / float(np.median(np.abs(y)))  # as the rule reads it (no_valley_divisor)
            out.append({"name": n, "seed": s, "r": r, "rec": rec, "noise": noise, "grid": grid,
                        "family": truth.family_of(n) if n in zoo.registry else "built-in",
                        "default": truth.regret(n, rec["metric"], shape.SEEDS, "gap")})
    return out


def _have(name: str, seed: int, rate: float) -> bool:
    try:
        nv.given_regret(name, seed, rate, False)
    except LookupError:
        return False
    return True


@functools.cache
def _optimizer(name: str) -> Any:
    return resolve_task(name).build(0)["optimizer"]


def priced(u: dict[str, Any], pair: tuple[float, float]) -> float:
    """The unit's regret under ``pair``: its peak (``autopilot_peak``) on the given-peak grid, the
    difference from the default's peak there added to its measured regret."""
    rec = u["rec"]
    opt = _optimizer(u["name"])
    peak = autopilot_peak(rec["probe_lrs"], rec["probe_losses"], opt,
                          AutopilotPolicy(**policy_fields(pair)), rec["diverged_at"])[0]
    xs = sorted(u["grid"])
    ys = [u["grid"][x] for x in xs]

    def at(lr: float) -> float:
        return float(np.interp(math.log10(lr), np.log10(xs), ys))

    return u["default"] + at(peak) - at(rec["peak"])


def offline(found: list[dict[str, Any]], means: dict[str, dict[str, dict[str, float]]]
            ) -> tuple[str, dict[str, Any]]:
    """Part two: per pair and family the mean regret (the units' priced changes on the default's family
    means), leave-one-family-out at seeds 0-2 and 0-5."""
    names = [label(p) for p in PAIRS]
    parts, out = [], {}
    for k, key in ((3, "seeds 0-2"), (6, "seeds 0-5")):
        base = means[key]
        est = {f: {m: base[f][FLOOR] for m in names} for f in base}
        for u in found:
            if u["family"] == "built-in" or u["seed"] >= k:
                continue
            per_family = k * sum(truth.family_of(n) == u["family"] for n in zoo.names())
            for p in PAIRS:  # a unit's change over the family's workload x seed units
                est[u["family"]][label(p)] += (priced(u, p) - u["default"]) / per_family
        held, everything = tables.lofo_choices(est, names)
        fams = sorted(est)
        rows = [[m, float(np.mean([est[f][m] for f in fams])),
                 *[f"{sum(est[f][m] < base[f][p] for f in fams)}/12" for p in ("prodigy", "schedule-free")],
                 *[est[f][m] for f in fams]] for m in names]
        col = {f: est[f][held[f]] for f in fams}
        rows.append(["chosen by leave-one-family-out (held out)", float(np.mean(list(col.values()))),
                     *[f"{sum(col[f] < base[f][p] for f in fams)}/12" for p in ("prodigy", "schedule-free")],
                     *[col[f] for f in fams]])
        h = [f"{key}, offline", "mean over families (gap %)", "families ahead of prodigy",
             "families ahead of schedule-free", *fams]
        print_table(rows, h, floatfmt=".3g")
        parts += [markdown_table(rows, h, floatfmt=".3g"), tables.lofo_verdict(everything, held, names)]
        out[key] = everything
    return "\n\n".join(parts), out


def family_means(seeds: int) -> dict[str, dict[str, float]]:
    """The default's and the peers' family means (gap %) at seeds 0..seeds-1 from the store."""
    cands = {FLOOR: BASE}
    methods = [FLOOR, "prodigy", "schedule-free"]
    results = {n: {m: shape.runs(n, m, False, cands, SIX[:seeds]) for m in methods}
               for n in sorted(zoo.names())}
    return tables.family_table(results, methods, shape.SEEDS)[1]


def full_results(run: bool) -> tuple[dict[str, dict], list[str], dict[str, dict[str, list[dict]]]]:
    """The pairs of :data:`FULL` (the floor first) as candidates, the methods (the candidates and two
    peers) and every zoo workload's records of each at seeds 0-5 (``results[name][method]``)."""
    cands = {FLOOR: BASE, **{label(p): {**fields(p), "rerun": BASE["rerun"]} for p in FULL[1:]}}
    methods = [*cands, "prodigy", "schedule-free"]
    return cands, methods, {n: {m: floor_runs.raced(n, m, run, SIX, cands) for m in methods}
                            for n in sorted(zoo.names())}


def in_full(run: bool) -> str:
    """Part three's first tables: the pairs of :data:`FULL` in full runs on the units at the floor, the
    family means at seeds 0-2 and 0-5, leave-one-family-out among them and each against the default."""
    cands, methods, results = full_results(run)
    parts = []
    for k in (3, 6):
        key = f"seeds 0-{k - 1}"
        sub = {n: {m: recs[:k] for m, recs in res.items()} for n, res in results.items()}
        _, means = tables.family_table(sub, methods, shape.SEEDS)
        held, everything = shape.lofo(means, cands)
        srows, sh = shape.held_out_rows(means, held, cands, key, ("prodigy", "schedule-free"))
        prows = []
        for c in list(cands)[1:]:
            two = {FLOOR: cands[FLOOR], c: cands[c]}
            h2, _ = shape.lofo(means, two)
            col = {f: means[f][h2[f]] for f in h2}
            prows.append([c, float(np.mean(list(col.values()))),
                          *[f"{sum(col[f] < means[f][p] for f in h2)}/12"
                            for p in ("prodigy", "schedule-free")],
                          f"{sum(v == c for v in h2.values())}/12"])
        ph = [f"{key}: against the default alone", "held-out mean (gap %)", "families ahead of prodigy",
              "families ahead of schedule-free", "folds choosing it"]
        frows = [[f, *[means[f][m] for m in methods], held[f]] for f in sorted(means)]
        fh = ["family", *methods, "chosen on the other 11"]
        for rows, h in ((srows, sh), (prows, ph), (frows, fh)):
            print_table(rows, h, floatfmt=".3g")
        parts += [f"In full runs, {key}:", markdown_table(srows, sh, floatfmt=".3g"),
                  tables.lofo_verdict(everything, held, list(cands)),
                  markdown_table(prows, ph, floatfmt=".3g"),
                  markdown_table(frows, fh, floatfmt=".3g")]
    return "\n\n".join(parts)


def main() -> None:
    args = store_args(__doc__)
    start = time.process_time()
    run = not args.cached_only
    found = units()
    means = {"seeds 0-2": family_means(3), "seeds 0-5": family_means(6)}
    urows = [[u["name"], u["seed"], u["family"], u["r"], u["noise"],
              "quiet" if u["noise"] < QUIET else "noisy",
              u["default"], *[u["grid"].get(nv.given_rate(u["r"], k), float("nan")) for k in GIVEN_K],
              *[priced(u, p) for p in PAIRS[1:]]] for u in found]
    uh = ["workload", "seed", "family", "blew up at r", "batch noise / median loss", "ramp", "default (r/30)",
          *[f"given r/{k}" for k in GIVEN_K], *[f"priced {label(p)[11:].split(' (')[0]}" for p in PAIRS[1:]]]
    print_table(urows, uh, floatfmt=".3g")
    off_text, chosen = offline(found, means)
    print(chosen)
    name = label(CHOSEN)
    intro = (f"Part three: {name} (`AutopilotPolicy(no_valley_peak=\"noise\", no_valley_below={CHOSEN}, "
             f"no_valley_quiet={QUIET})`) in full runs on the units the default reads at the band's floor "
             "(zoo seeds 0-5); every other unit is the default's run, the same code path, checked bit for "
             "bit on two workloads:")
    every = in_full(run)
    nob = floor_runs.noise_without_budget(run, label(CHOSEN), policy_fields(CHOSEN))
    full, _ = floor_runs.race_in_full(run, SIX, BASE, FLOOR, name, fields(CHOSEN), intro,
                                      builtin_seeds=len(shape.SEEDS))
    cpu = f"CPU seconds of this process (cached runs cost nothing): {time.process_time() - start:.0f}."
    print(cpu)
    if not args.no_record:
        body = "\n\n".join([
            f"Part one: the {len(found)} runs whose ramp had no valley and blew up (zoo seeds 0-5, built-in "
            "seeds 0-2), their noise, the regret (gap %) with the peak given at r / k, and each pair priced:",
            markdown_table(urows, uh, floatfmt=".3g"),
            "Part two, offline (every other unit the default's run; family means):", off_text,
            "Part three, the floor, the chosen pair and each half of it in full runs on those units (every "
            "other unit the default's run):", every,
            full, nob, cpu])
        record("autopilot_no_valley_noise",
               "A ramp with no valley, quiet or noisy: the peak below its blow-up",
               __doc__.split("\n\n", 1)[1] + "\n\n" + body,
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
               "benchmarks/autopilot_no_valley_noise.py" + (" --cached-only" if args.cached_only else ""))


if __name__ == "__main__":
    main()
