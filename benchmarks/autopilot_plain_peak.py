"""Where should plain SGD's peak sit on its ramp? Chosen by leave-one-family-out on the zoo.

#15's gap map (``benchmarks/autopilot_gap_map.py``) puts most of what the Autopilot loses to Prodigy in
its peak, read a decade low on norm-bn-sgd512 and embbag-keyword-sgd (plain SGD), norm-ln-adamw (AdamW)
and half a decade high on regression-huber-momentum. Five parts:

1. **Where the best peak lies on the ramp, by optimizer kind** (nothing run): every zoo run of the default
   (seeds 0-2) with a given-peak grid (``ap:given=X,schedule=wsd``: the Autopilot's own ramp and wsd main
   phase with the peak given, a third of a decade apart, made in an earlier session, so a guide to where
   the best peak lies), the best given peak of that seed against the peak the ramp read, the valley's
   rising edge (``lrkit.finder.valley_geometry``'s ``x_edge``) and the blow-up (or the ramp's top), in
   decades: median, quartiles, and the runs read more than a quarter decade low or high.
2. **A factor on plain SGD's reading, offline**: the default's ramps re-read with ``plain_factor``
   (:data:`FACTORS`; the divergence cap ``r / clip_above`` still holds), each new peak's regret
   interpolated in log-rate on that seed's given-peak grid, the difference added to the run's measured
   regret (an estimate); leave-one-family-out over the factors.
3. **The factors in full runs** (``AutopilotPolicy.plain_factor``): every zoo workload and built-in task,
   seeds 0-2; only plain SGD's runs differ (the field is read by plain SGD's peak alone, so the other
   kinds' runs are the default's: ``dev.autopilot_zoo_runs.reads_as``), made on this machine
   (``autopilot_shape.SHAPES``'s tag). The family
   table, leave-one-family-out among all factors and each against the default alone, the built-in tasks
   held out (``dev.autopilot_candidates.report``).
4. **Six seeds**: the factor chosen on all families in part three, paired with the default and with
   Prodigy and Schedule-Free at seeds 0-5 (``benchmarks/autopilot_family_resolution.py``'s test), and
   leave-one-family-out between it and the default on family means at seeds 0-5.
5. **Without a budget**: the same factor read by the Autopilot not told its budget (its default since
   session 13: the ramp kept as the warmup, no raise; ``benchmarks/autopilot_nobudget.py``'s "ramp, no
   raise" runs, stored under ``nobudget:...``), on plain SGD's zoo workloads and built-in tasks, seeds
   0-2; the other kinds' runs are unchanged.

Regret in the zoo's gap unit against the grid-best constant rate of seeds 0-2.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_plain_peak.py``
(runs cached in ``results/autopilot_runs.json``; ``--cached-only``: the tables from the store, only the
three bit-identity runs made).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import autopilot_family_resolution as resolution  # noqa: E402
import autopilot_shape as shape  # noqa: E402
from dev import autopilot_candidates as candidates  # noqa: E402
from dev import autopilot_tables as tables  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_zoo_runs import STORE, _read, cached, resolve_task, run_nobudget  # noqa: E402
from dev.autopilot_zoo_runs import variant_key  # noqa: E402
from dev.record import markdown_table, print_table, store_args  # noqa: E402

from lrkit import zoo  # noqa: E402
from lrkit.finder import valley_geometry  # noqa: E402
from lrkit.torch import AutopilotPolicy, autopilot_peak  # noqa: E402

#: The default of sessions 12-13 (plain SGD's reading x 1), against which the factors were chosen.
DEFAULT = "plain SGD's reading x 1 (the default of sessions 12-13)"
#: The factors on plain SGD's reading tried (1: the default).
FACTORS = (1.5, 2.0, 3.0)
KINDS = ("plain", "momentum", "adaptive")
SIX = (0, 1, 2, 3, 4, 5)
#: A run is read low (high) when its peak is more than this many decades below (above) the best given peak.
MISS = 0.25
GIVEN = "ap:given="


def label(f: float) -> str:
    return f"plain SGD's reading x {f:g}" + (" (the default since)" if f == 2.0 else "")


CANDIDATES = {DEFAULT: shape.S13_RUNS[shape.S13],
              **{label(f): {**shape.S13_RUNS[shape.S13], "plain_factor": f} for f in FACTORS}}


def given_grids() -> dict[str, dict[int, dict[float, float]]]:
    """``workload -> seed -> given peak -> gap regret`` of the Autopilot with its peak given (wsd)."""
    out: dict[str, dict[int, dict[float, float]]] = {}
    for key, rec in _read(STORE).items():
        method, name, seed, _ = key.split("|")
        if method.startswith(GIVEN) and method.endswith("schedule=wsd"):
            lr = float(method[len(GIVEN):].split(",")[0])
            grid = out.setdefault(name, {}).setdefault(int(seed), {})
            grid[lr] = truth.regret(name, rec["metric"], unit="gap")
    return out


def at(grid: dict[float, float], lr: float) -> float:
    """``grid``'s regret at ``lr``, interpolated in log-rate (the edge value outside it)."""
    xs = sorted(grid)
    return float(np.interp(math.log10(lr), np.log10(xs), [grid[x] for x in xs]))


def ramps() -> list[dict[str, Any]]:
    """The default's zoo runs at seeds 0-2 with their ramp's landmarks and that seed's given-peak grid."""
    grids, policy = given_grids(), AutopilotPolicy()
    out = []
    for n in sorted(zoo.names()):
        for seed, rec in enumerate(shape.runs(n, DEFAULT, False, CANDIDATES)):
            lrs, losses = np.array(rec["probe_lrs"]), np.array(rec["probe_losses"])
            v = valley_geometry(lrs, losses, policy=policy.finder)
            out.append({"name": n, "family": truth.family_of(n), "kind": shape._kind(n), "seed": seed,
                        "rec": rec, "regret": truth.regret(n, rec["metric"], shape.SEEDS, "gap"),
                        "grid": grids.get(n, {}).get(seed, {}),
                        "edge": None if isinstance(v, str) else v.x_edge,
                        "blow": math.log10(rec["diverged_at"] or lrs[-1])})
    return out


def where(found: list[dict[str, Any]]) -> tuple[list[list[Any]], list[str]]:
    """Part one: the best given peak against the ramp's reading, edge and blow-up, by kind (decades)."""
    rows = []
    for kind in (*KINDS, "every kind"):
        rs = [r for r in found if len(r["grid"]) >= 4 and kind in (r["kind"], "every kind")]
        best = {id(r): math.log10(min(r["grid"], key=r["grid"].get)) for r in rs}
        for mark, of in (("the peak read", lambda r: math.log10(r["rec"]["peak"])),
                         ("the valley's rising edge", lambda r: r["edge"]),
                         ("the blow-up (or the ramp's top)", lambda r: r["blow"])):
            d = np.array([best[id(r)] - of(r) for r in rs if of(r) is not None])
            q1, med, q3 = np.percentile(d, [25, 50, 75])
            rows.append([kind, mark, len(d), med, q1, q3, int((d > MISS).sum()), int((d < -MISS).sum())])
    return rows, ["kind", "best given peak minus", "runs", "median (decades)", "lower quartile",
                  "upper quartile", f"best more than {MISS} decades above", f"best more than {MISS} below"]


def offline(found: list[dict[str, Any]]) -> tuple[list[list[Any]], list[str], str]:
    """Part two: each factor's estimate per family (the default's runs elsewhere), leave-one-family-out."""
    plain = {r["name"] for r in found if r["kind"] == "plain"}
    opt = {n: resolve_task(n).build(0)["optimizer"] for n in plain}
    names = [DEFAULT, *(label(f) for f in FACTORS)]
    est: dict[str, dict[str, dict[str, list[float]]]] = {}
    for r in found:
        for name, f in zip(names, (1.0, *FACTORS)):
            value = r["regret"]
            if r["kind"] == "plain" and len(r["grid"]) >= 4:
                rec = r["rec"]
                peak = autopilot_peak(rec["probe_lrs"], rec["probe_losses"], opt[r["name"]],
                                      AutopilotPolicy(plain_factor=f), rec["diverged_at"])[0]
                value += at(r["grid"], peak) - at(r["grid"], rec["peak"])
            per = est.setdefault(r["family"], {}).setdefault(name, {})
            per.setdefault(r["name"], []).append(value)
    means = {fam: {m: float(np.mean([np.mean(v) for v in ws.values()])) for m, ws in per.items()}
             for fam, per in est.items()}
    held, everything = tables.lofo_choices(means, names)
    fams = sorted(means)
    rows = [[m, float(np.mean([means[f][m] for f in fams])), *[means[f][m] for f in fams]] for m in names]
    rows.append(["chosen by leave-one-family-out (held out)",
                 float(np.mean([means[f][held[f]] for f in held])), *[means[f][held[f]] for f in fams]])
    return rows, ["offline estimate", "mean over families (gap %)", *sorted(means)], tables.lofo_verdict(
        everything, held, names)


def full_runs(among: dict[str, dict], default: str, tried: list[str], run: bool) -> str:
    """Part three's runs of ``among`` on the zoo and the built-in tasks (made when ``run``), and the candidate
    chosen on all twelve families (the default chosen: the best of ``tried`` in sample, for the record)."""
    if run:
        shape.collect(sorted(zoo.names()), True, among)
        shape.collect(list(truth.BUILTIN), True, among)
    _, means = tables.family_table(shape.collect(sorted(zoo.names()), False, among), [*among, *shape.PEERS],
                                   shape.SEEDS)
    _, everything = shape.lofo(means, among)
    if everything != default:
        return everything
    return min(tried, key=lambda c: np.mean([means[f][c] for f in means]))


def six_seeds(chosen: str, run: bool, default: str = DEFAULT, among: dict[str, dict] = CANDIDATES) -> str:
    """Part four: the chosen candidate against the default and the peers at seeds 0-5 (paired; both names in
    ``among``, fields on top of ``autopilot_shape.DEFAULT``)."""
    names = sorted(zoo.names())
    two = {default: among[default], chosen: among[chosen]}
    methods = [default, chosen, *resolution.PEERS]
    results = {n: {m: shape.runs(n, m, run and m == chosen, two, SIX) for m in methods} for n in names}
    _, means = tables.family_table(results, methods, shape.SEEDS)
    held, everything = shape.lofo(means, two)
    srows, sh = shape.held_out_rows(means, held, two, "seeds 0-5", resolution.PEERS)
    vs, counts = resolution.family_rows(names, False, SIX, chosen, two, (default, *resolution.PEERS))
    rh = ["against", "family", "units", "mean difference (gap %)", "standard error", "p", "units ahead",
          "call"]
    crows = [[p, f"{c['ahead by mean']}/12", c["ahead"], c["behind"], c["can't tell"]]
             for p, c in counts.items()]
    ch = ["the candidate against", "families ahead by mean", "ahead (p < 0.05)", "behind (p < 0.05)",
          "can't tell"]
    for rows, headers in ((srows, sh), (crows, ch), (vs, rh)):
        print_table(rows, headers, floatfmt=".3g")
    return "\n\n".join([f"Part four: {chosen} at seeds 0-5.", markdown_table(srows, sh, floatfmt=".3g"),
                        tables.lofo_verdict(everything, held, list(two)),
                        "The paired test at seeds 0-5 (units workload x seed; the candidate's difference):",
                        markdown_table(crows, ch, floatfmt=".3g"), markdown_table(vs, rh, floatfmt=".3g")])


#: The Autopilot without a budget as the library runs it (on ``dev.autopilot_zoo_runs.NOBUDGET_LEGACY``).
NO_BUDGET = {"react_to": "fired", "too_low_factor": 1.0, "unknown_budget_probe": "ramp"}


def no_budget(chosen: str, run: bool) -> str:
    """Part five: the chosen factor without a budget, per family (plain SGD's runs; the others stored)."""
    factor = CANDIDATES[chosen]["plain_factor"]
    variants = {"the default": NO_BUDGET, chosen: {**NO_BUDGET, "plain_factor": factor}}
    per: dict[str, dict[str, dict[str, float]]] = {}
    for n in sorted(zoo.names()) + list(truth.BUILTIN):
        budget, got = truth.budget_of(n), {}
        for m, v in variants.items():
            v = v if shape._kind(n) == "plain" else NO_BUDGET

            def go(n: str = n, v: dict = v, seed: int = 0, budget: int = budget) -> dict[str, Any]:
                if not run:
                    raise truth.Missing(n)
                return run_nobudget(n, seed, budget, v)

            try:
                recs = [cached("nobudget:" + variant_key(v), n, s, budget, lambda s=s, go=go: go(seed=s))
                        for s in shape.SEEDS]
            except truth.Missing:
                break
            got[m] = float(np.mean([truth.regret(n, r["metric"], shape.SEEDS, "gap") for r in recs]))
        if len(got) == len(variants):  # a workload only where both are stored
            for m, regret in got.items():
                per.setdefault(truth.family_of(n), {}).setdefault(m, {})[n] = regret
    means = {f: {m: float(np.mean(list(ws.values()))) for m, ws in d.items()} for f, d in per.items()}
    zoo_means = {f: d for f, d in means.items() if f != "built-in"}
    held, everything = tables.lofo_choices(zoo_means, list(variants))
    rows = [[f, means[f]["the default"], means[f][chosen], held.get(f, "")] for f in sorted(means)]
    rows.append(["mean over the zoo's families", *[float(np.mean([zoo_means[f][m] for f in zoo_means]))
                                                   for m in variants],
                 float(np.mean([zoo_means[f][held[f]] for f in held]))])
    h = ["family (without a budget)", "the default (gap %)", chosen,
         "chosen on the other 11 (last row: held out)"]
    print_table(rows, h, floatfmt=".3g")
    return "\n\n".join([f"Part five: {chosen} without a budget (seeds 0-2; built-in tasks held out):",
                         markdown_table(rows, h, floatfmt=".3g"), tables.lofo_verdict(everything, held,
                                                                                    list(variants))])


def main() -> None:
    args = store_args(__doc__)
    start = time.process_time()
    found = ramps()
    wrows, wh = where(found)
    orows, oh, overdict = offline(found)
    for rows, headers in ((wrows, wh), (orows, oh)):
        print_table(rows, headers, floatfmt=".3g")
    print(overdict)
    # plain SGD's runs only: the other kinds' are the default's, stored
    chosen = full_runs(CANDIDATES, DEFAULT, [label(f) for f in FACTORS], not args.cached_only)
    six = six_seeds(chosen, not args.cached_only)
    nob = no_budget(chosen, not args.cached_only)
    preface = "\n\n".join([
        "Part one: where the best given peak lies (seeds 0-2, zoo runs with a given-peak grid):",
        markdown_table(wrows, wh, floatfmt=".3g"),
        "Part two, offline (each factor's peak valued on the given-peak grid of its seed):",
        markdown_table(orows, oh, floatfmt=".3g"), overdict, six, nob,
        f"CPU seconds of parts one, two, four and five (cached runs cost nothing): "
        f"{time.process_time() - start:.0f}. Part three, seeds 0-2 with the built-in tasks (held out):"])
    candidates.report(CANDIDATES, cached_only=True, no_record=args.no_record,
                      section="autopilot_plain_peak",
                      title="Plain SGD's peak on the Autopilot's ramp, chosen by leave-one-family-out",
                      doc=__doc__, script="benchmarks/autopilot_plain_peak.py", preface=preface)


if __name__ == "__main__":
    main()
