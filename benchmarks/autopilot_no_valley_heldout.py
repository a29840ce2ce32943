"""A ramp with no valley read by its noise, judged on new families outside the zoo.

``AutopilotPolicy(no_valley_peak="noise")`` reads a probe ramp whose loss never fell and that blew up
at ``r`` at ``r/10`` when the ramp is quiet (batch noise under 3% of its loss) and ``r/100`` when it is
noisy; ``"floor"`` reads every such ramp at ``r/30`` (``benchmarks/autopilot_no_valley_noise.py``). In
the zoo only the recall RNNs have quiet no-valley ramps and only the transformers gain from the noisy
half, so leave-one-family-out among the floor and each half alone could judge neither half. Here both
are judged on workloads in families the zoo does not have (``dev.no_valley_heldout``; none registered
in the zoo): quiet plateaus that are not RNNs (deep linear networks and CNNs at a small
initialisation, a deep sigmoid MLP, sparse parity) and noisy ramps that are not transformers
(regressions on heavy-tailed targets at small batches, a matrix factorisation). Five parts:

1. **The probes** (cheap): every candidate's Autopilot probe at seeds 0-5 under the floor (alone, or the
   start of the floor's full run); a candidate enters when at least one of its six ramps had no valley and
   blew up (the only ramps the rule reads).
2. **The ground truth**: each entered workload's grid of constant rates (three per decade, seeds 0-2,
   widened until the best is interior, ``dev.zoo_rates``, as the zoo's ``dev.zoo_grid``), scored like
   the zoo (a run never worse than the untrained model); regret in the zoo's gap unit (percent of the
   grid-best rate's gain over the untrained model). A workload whose grid-best rate does not beat the
   untrained model by the grid's ``CLEARLY_WORSE`` margin (2 points, 2% of the loss) has no gain to
   measure a gap in, and is left out of parts three to five.
3. **Each ramp at the floor, the peak given at r/k** (``no_valley_below=(k, k)``: the same code path,
   ``k`` for both kinds of ramp; ``k=30`` is the floor, checked bit for bit), ``k`` in 3, 10, 30, 100,
   300, and the rule as it ships (``no_valley_below=(10, 100)``), checked against its ``k``; the
   workloads added in session 17 (``LEAN``) are given r/10 and r/100 alone ("-" elsewhere).
4. **Per family** at seeds 0-5 (every other unit is the floor's run, the same code path), the zoo's twelve
   (``autopilot_no_valley_noise.py``'s stored full runs) and the new ones: the floor, the rule, each half
   alone (the quiet half ``(10, 30)``, the noisy half ``(30, 100)``); the rule and each half against the
   floor paired unit by unit (workload x seed), a two-sided t test, ahead / behind at p < 0.05
   (``benchmarks/autopilot_family_resolution.py``'s test).
5. **Leave-one-family-out over the zoo's twelve families and these**, among the floor and each half
   alone and the rule (the zoo's figures: ``autopilot_no_valley_noise.py``'s stored full runs), at seeds
   0-2 and 0-5; each candidate against the floor alone, with the family it gains most on and its mean
   gain over the others (is a gain one family's?); and the choice made on the zoo alone, scored on the
   new families (held out of it all).
6. (``--zoo-check``) **The quiet half's zoo runs made again**: its stored runs on the zoo units whose ramp
   was quiet at the floor, made again with the library as it is now and compared field by field.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_no_valley_heldout.py``
(runs cached in ``results/autopilot_no_valley_heldout.json`` by ``dev.no_valley_heldout_runs``;
``--only NAME,...``: run only those workloads' runs and print, record nothing; ``--probes``: part one's
probes alone, record nothing; ``--cached-only``: the tables from the store).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import autopilot_no_valley_noise as nvn  # noqa: E402
from dev import no_valley_heldout as held  # noqa: E402
from dev import no_valley_heldout_tables as nvtab  # noqa: E402
from dev.no_valley_heldout_runs import (  # noqa: E402
    FLOOR, GIVEN_K, LEAN, NOISY_K, QUIET_K, RULE, SEEDS, at_floor, autopilot, best_of, complete, given,
    given_ks, grid, noise, probe, ramp, regret, trains)
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

#: The four candidates of parts four and five, as ``autopilot_no_valley_noise`` labels them (the zoo's).
CANDS = (nvn.FLOOR, nvn.label((30, NOISY_K)), nvn.label((QUIET_K, 30)), nvn.label((QUIET_K, NOISY_K)))
SHORT = {CANDS[0]: "floor r/30", CANDS[1]: "noisy half alone (30, 100)",
         CANDS[2]: "quiet half alone (10, 30)", CANDS[3]: "the rule (10, 100)"}


def part_one(run: bool) -> tuple[list[list[Any]], list[str], list[str]]:
    """The probes (the floor's, alone or as the start of its full run) at seeds 0-5: rows, header, entered."""
    rows, entered = [], []
    for name, (built, w) in held.CANDIDATES.items():
        recs = [probe(name, s, run) for s in SEEDS]
        cells = ["-" if r is None else f"{ramp(r)} {100 * noise(r):.1f}%" if at_floor(r)
                 else "valley" if r["diverged_at"] is not None else "no blow-up" for r in recs]
        n_floor = sum(r is not None and at_floor(r) for r in recs)
        if n_floor:
            entered.append(name)
        rows.append([name, w.info.family, built, *cells, f"{n_floor}/6"])
    return rows, ["candidate", "family", "built for", *[f"seed {s}" for s in SEEDS], "no valley"], entered


def ground_truth(entered: list[str], run: bool) -> tuple[list[list[Any]], list[str], list[dict[str, Any]]]:
    """Part two's rows and every unit (workload x seed) of a workload that trains: its floor's regret and,
    at the floor, its noise and the regret of each given r/k and of the rule."""
    grows, units = [], []
    for n in entered:
        w = held.candidate(n)
        info, g = w.info, grid(n, run) if complete(n, run) else None
        if g is None:
            grows.append([n, info.family, info.default_optimizer, info.batch_size, info.budget, info.metric,
                          float(w.worst()[info.metric]), *["-"] * 4, "not run in full"])
            continue
        lr, b = best_of(g, info.higher_is_better)
        lrs = sorted(g)
        grows.append([n, info.family, info.default_optimizer, info.batch_size, info.budget, info.metric,
                      float(w.worst()[info.metric]), lr, b, f"{lrs[0]:.3g}-{lrs[-1]:.3g}",
                      "yes" if lrs[0] < lr < lrs[-1] else "EDGE", "yes" if trains(n, g) else "no: left out"])
        if not trains(n, g):
            continue
        for s in SEEDS:
            f = autopilot(n, s, FLOOR, run)
            u = {"name": n, "family": info.family, "seed": s, "floor": regret(n, f["metric"], g),
                 "at": at_floor(f)}
            u["rule"] = u["floor"]
            if u["at"]:
                u["noise"], u["quiet"] = noise(f), ramp(f) == "quiet"
                u["given"] = {k: regret(n, autopilot(n, s, given(k), run)["metric"], g) for k in given_ks(n)}
                own_k = QUIET_K if u["quiet"] else NOISY_K
                if n in LEAN:  # r/30 is the floor's run, the rule's its k's (checked on the others)
                    u["given"][30], u["rule"] = u["floor"], u["given"][own_k]
                else:
                    u["rule"] = regret(n, autopilot(n, s, RULE, run)["metric"], g)
                    assert u["given"][30] == u["floor"], (n, s, "r/30 given is not the floor's run")
                    assert u["rule"] == u["given"][own_k], (n, s, "the rule's run")
            units.append(u)
    gh = ["workload", "family", "optimizer", "batch", "budget", "metric", "untrained", "grid-best rate",
          "grid-best mean", "grid", "best interior", "trains (by 2 points / 2%)"]
    return grows, gh, units


def given_rows(units: list[dict[str, Any]]) -> tuple[list[list[Any]], list[str], list[list[Any]], list[str]]:
    """Part three: every ramp at the floor given r/k, and the means by kind of ramp."""
    urows = [[u["name"], u["seed"], f"{100 * u['noise']:.1f}%", "quiet" if u["quiet"] else "noisy",
              *[u["given"].get(k, "-") for k in GIVEN_K], u["rule"], min(u["given"], key=u["given"].get)]
             for u in units if u["at"]]
    uh = ["workload", "seed", "batch noise / median loss", "ramp",
          *[f"r/{k}" + (" (floor)" if k == 30 else "") for k in GIVEN_K], "the rule", "best r/k"]
    krows = []
    for quiet in (True, False):
        sel = [u for u in units if u["at"] and u["quiet"] == quiet]
        if sel:
            krows.append(["quiet" if quiet else "noisy", len(sel), len({u["family"] for u in sel}),
                          *[float(np.mean([u["given"][k] for u in sel if k in u["given"]]))
                            for k in GIVEN_K]])
    kh = ["ramp", "units", "families", *[f"mean at r/{k}" for k in GIVEN_K]]
    return urows, uh, krows, kh


def value(u: dict[str, Any], cand: str) -> float:
    """A unit's regret under one of :data:`CANDS` (its floor's run where its ramp was not at the floor; a
    zoo unit's from its stored full runs)."""
    if "zoo" in u:
        return u["zoo"][cand]
    if not u["at"]:
        return u["floor"]
    quiet_k = QUIET_K if cand in (CANDS[2], CANDS[3]) else 30
    noisy_k = NOISY_K if cand in (CANDS[1], CANDS[3]) else 30
    return u["given"][quiet_k if u["quiet"] else noisy_k]


def zoo_units() -> list[dict[str, Any]]:
    """Every zoo workload x seed 0-5 with its regret under each of :data:`CANDS` (the stored full runs of
    ``autopilot_no_valley_noise.py``: a candidate's run where the floor's ramp was at the floor, the
    floor's elsewhere), whether the floor's ramp was at the floor and, if so, quiet."""
    _, _, results = nvn.full_results(False)
    out = []
    for n, res in results.items():
        for i, s in enumerate(SEEDS):
            f = res[CANDS[0]][i]
            at = nvn.floor_runs.at_floor(f)
            out.append({"name": n, "family": nvn.truth.family_of(n), "seed": s, "at": at,
                        "quiet": at and ramp(f) == "quiet",
                        "zoo": {c: nvn.truth.regret(n, res[c][i]["metric"], nvn.shape.SEEDS, "gap")
                                for c in CANDS}})
    return out


def per_family(units: list[dict[str, Any]], zoo: list[dict[str, Any]] = ()
               ) -> tuple[list[list[Any]], list[str], dict[int, dict]]:
    """Part four: per family (the zoo's, then the new ones) the candidates' means (seeds 0-5) and each
    minus the floor, paired unit by unit; and the new families' means at seeds 0-2 and 0-5
    (``{3: {family: {candidate: mean}}, 6: ...}``)."""
    frows, means = [], {3: {}, 6: {}}
    new = sorted({u["family"] for u in units})
    for where, pool, fams in (("zoo", zoo, sorted({u["family"] for u in zoo})), ("new", units, new)):
        for f in fams:
            sel = [u for u in pool if u["family"] == f]
            fm = {k: {c: float(np.mean([np.mean([value(u, c) for u in sel if u["seed"] == s])
                                        for s in SEEDS[:k]])) for c in CANDS} for k in (3, 6)}
            if where == "new":
                means[3][f], means[6][f] = fm[3], fm[6]
            frows.append([f, where, len({u["name"] for u in sel}), sum(u["at"] for u in sel),
                          sum(u["at"] and u["quiet"] for u in sel), *[fm[6][c] for c in CANDS],
                          *[nvtab.paired(np.array([value(u, c) - value(u, CANDS[0]) for u in sel]))
                            for c in CANDS[1:]]])
    fh = ["family", "zoo or new", "workloads", "units at the floor", "quiet",
          *[f"{SHORT[c]} (gap %)" for c in CANDS], *[f"{SHORT[c]} - floor, paired" for c in CANDS[1:]]]
    return frows, fh, means


def zoo_check(zoo: list[dict[str, Any]]) -> tuple[list[list[Any]], list[str], str]:
    """Part six (``--zoo-check``): the quiet half's stored zoo runs on the units whose ramp was quiet at
    the floor made again with the library as it is now (the stored ones predate ``ramp_ceiling``)."""
    from autopilot_no_valley_noise import policy_fields

    _, _, results = nvn.full_results(False)
    return nvtab.remade([u for u in zoo if u["quiet"]],
                        lambda u: results[u["name"]][CANDS[2]][SEEDS.index(u["seed"])],
                        {**nvn.shape.BEFORE_15, **policy_fields((QUIET_K, 30))}, nvn.shape._kind,
                        nvn.truth.budget_of)


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--cached-only", action="store_true", help="run nothing; tables from the store")
    ap.add_argument("--only", default="", help="comma-separated workloads: run only theirs, record nothing")
    ap.add_argument("--probes", action="store_true", help="run part one's probes alone, record nothing")
    ap.add_argument("--zoo-check", action="store_true",
                    help="part six: the quiet half's zoo runs at the floor made again, against the store")
    args = ap.parse_args()
    if args.probes:  # cheap: every candidate's probe (its full floor run where that is stored)
        print_table(*part_one(True)[:2])
        return
    start = time.process_time()
    only = [n for n in args.only.split(",") if n]
    if only:  # one lock's share of the runs: the probes, the grid and the floor's ramps' runs
        for name in only:
            floor = [autopilot(name, s, FLOOR, True) for s in SEEDS]
            if not any(at_floor(r) for r in floor):
                print(name, "no ramp at the floor")
                continue
            g = grid(name, True)
            for s, r in zip(SEEDS, floor):
                if at_floor(r):
                    for k in given_ks(name):
                        autopilot(name, s, given(k), True)
                    if name not in LEAN:
                        autopilot(name, s, RULE, True)
            print(name, "best", best_of(g, held.candidate(name).info.higher_is_better), "grid", sorted(g),
                  f"cpu {time.process_time() - start:.0f}", flush=True)
        return
    run = not args.cached_only
    prow, ph, entered = part_one(run)
    grows, gh, units = ground_truth(entered, run)
    urows, uh, krows, kh = given_rows(units)
    zoo = zoo_units()
    frows, fh, new_means = per_family(units, zoo)
    check = zoo_check(zoo) if args.zoo_check else None
    lrows, lh, prows, pwh, verdicts = nvtab.lofo_rows(nvn.full_results(False)[2], new_means, CANDS, SHORT,
                                                        nvn.shape.SEEDS)
    tables_out = ((prow, ph), (grows, gh), (urows, uh), (krows, kh), (frows, fh), (lrows, lh), (prows, pwh))
    for rows, h in tables_out:
        print_table(rows, h, floatfmt=".3g")
    print("\n".join(verdicts))
    if check is not None:
        print_table(check[0], check[1], floatfmt=".4g")
        print(check[2])
    cpu = f"CPU seconds of this process (cached runs cost nothing): {time.process_time() - start:.0f}."
    print(cpu)
    if not args.no_record:
        body = "\n\n".join([
            "**Part one, the probes** (the floor's at seeds 0-5; a ramp at the floor: quiet or noisy and "
            "its batch noise over its median loss; 'valley': read by a valley rule; 'no blow-up': the ramp "
            "never blew up). A candidate enters when one of its six ramps is at the floor:",
            markdown_table(prow, ph),
            "**Part two, the ground truth** of the entered workloads (constant rates, seeds 0-2; 'not run "
            "in full': entered, not run):",
            markdown_table(grows, gh, floatfmt=".4g"),
            "**Part three, every ramp at the floor** with its peak given at r/k (regret, gap %; the rule's "
            "run equals its k's, checked):", markdown_table(urows, uh, floatfmt=".3g"),
            "Mean over those ramps by kind:", markdown_table(krows, kh, floatfmt=".3g"),
            "**Part four, per new family** (seeds 0-5, family means of workload x seed units, gap %; each "
            "candidate minus the floor paired unit by unit, mean +- SE, two-sided t test at p < 0.05):",
            markdown_table(frows, fh, floatfmt=".3g"),
            "**Part five, leave-one-family-out** among the floor, each half alone and the rule (ties go to "
            "the floor), over the zoo's twelve families (`autopilot_no_valley_noise.py`'s full runs) and the "
            "new ones; in-sample means and the held-out mean (gap %, family means):",
            markdown_table(lrows, lh, floatfmt=".3g"),
            "Each candidate against the floor alone, over the zoo and the new families:",
            markdown_table(prows, pwh, floatfmt=".3g"), "\n\n".join(verdicts),
            *([] if check is None else [
                "**Part six, the quiet half's zoo runs made again** with the library as it is now (they "
                "were stored before `ramp_ceiling`):", markdown_table(check[0], check[1], floatfmt=".4g"),
                check[2]]), cpu])
        record("autopilot_no_valley_heldout", "A ramp with no valley read by its noise, on new families",
               __doc__.split("\n\n", 1)[1] + "\n\n" + body,
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
               "benchmarks/autopilot_no_valley_heldout.py" + (" --cached-only" if args.cached_only else "")
               + (" --zoo-check" if args.zoo_check else ""))


if __name__ == "__main__":
    main()
