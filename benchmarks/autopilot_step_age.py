"""Does correcting the Autopilot's rate for the optimizer's step age hold out?

``AutopilotPolicy(age_correction=True)`` (``lrkit.torch._autopilot_age``) divides every update's rate by
:math:`a_k = u_k / u_H`, the optimizer's update per unit rate at state age :math:`k` over its settled one,
measured on a copy under a constant gradient, for an adaptive optimizer whose step settles and departs
from its settled size by more than 10%: torch's RMSprop (no bias correction: 10x at its first update,
1.6x at its 50th) and NAdam (its momentum warm-up: 0.73x at its fifth). Every other optimizer the zoo and
the built-in tasks use (SGD, Adam, AdamW, Adamax, Adagrad, RAdam) gets no correction: its runs are the
default's bit for bit. ux16 D5: under RMSprop the Autopilot read 0.6-1.5 decades below the grid's best
and ended behind RMSprop's own default rate on 6 of 6 runs. Four parts:

1. **The cause** (``dev.step_age_heldout``'s RMSprop workloads, seeds 0-2): the default's peak, the
   corrected one, and the peak of the same workload on ``Adam(betas=(0, 0.99))``, RMSprop with bias
   correction (the twin): does the correction read what the twin reads?
2. **The zoo** (its only workloads the correction reaches: two RMSprop, two NAdam), seeds 0-5, the
   default's stored runs (``autopilot_family_resolution.py``'s) against the corrected runs; regret in the
   zoo's gap unit against the ground truth's grid.
3. **New families** outside the zoo (``dev.step_age_heldout``: five RMSprop workloads, two NAdam), seeds
   0-5, regret against their own constant-rate grid (seeds 0-2).
4. **Leave-one-family-out** over the zoo's twelve families and the new ones between the default and the
   correction (a family the correction does not reach scores the same under both), at seeds 0-2 and 0-5;
   the choice made on the zoo alone, scored on the new families; and per family the paired test of the
   correction against the default (units workload x seed, two-sided t, p < 0.05).

The built-in tasks are held out and unchanged: none of their optimizers (SGD, Adam, AdamW) has a step age.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_step_age.py``
(runs cached in ``results/autopilot_step_age.json`` and, for the zoo, ``results/autopilot_runs.json``;
``--only zoo`` / ``--only new`` / ``--only cause``: that part's runs alone, printed, nothing recorded;
``--cached-only``: the tables from the stores).
"""

from __future__ import annotations

import functools
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
import autopilot_family_resolution as fr  # noqa: E402
from dev import step_age_heldout as sa  # noqa: E402
from dev import zoo_rates as zr  # noqa: E402
from dev.autopilot_tables import lofo_choices  # noqa: E402
from dev.autopilot_zoo_runs import resolve_task  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit import zoo  # noqa: E402
from lrkit.torch import age_factors, optimizer_kind  # noqa: E402

AGE = "step age"
DEFAULT = "default"
CANDS = (DEFAULT, AGE)
FIELDS = {DEFAULT: {}, AGE: {"age_correction": True}}
#: The correction as ``autopilot_family_resolution`` names a candidate (fields on top of the default),
#: its zoo runs stored under this machine's tag.
ZOO_CANDIDATES = {**fr.CANDIDATES, AGE: {"age_correction": True, "rerun": ("xeon", ("adaptive",))}}
PAIRED_ALPHA = 0.05


@functools.cache
def reached(name: str) -> bool:
    """Whether the correction changes ``name``'s runs: an adaptive optimizer with a step age."""
    opt = resolve_task(name).build(0)["optimizer"]
    return optimizer_kind(opt) == "adaptive" and age_factors(opt) is not None


def zoo_units(name: str, method: str, run: bool, seeds: tuple[int, ...]) -> dict[int, float]:
    """seed -> regret (gap %) on a zoo workload; the correction's are the default's where it does not
    reach."""
    use = DEFAULT if method == AGE and not reached(name) else method
    return fr.units(name, fr.DEFAULT if use == DEFAULT else AGE, run, seeds, ZOO_CANDIDATES)


def new_units(name: str, method: str, run: bool, seeds: tuple[int, ...]) -> dict[int, float]:
    """seed -> regret (gap %) on a new workload (its grid must be stored, or ``run``)."""
    g = sa.grid(name, run)
    if g is None:
        return {}
    out = {}
    for s in seeds:
        rec = sa.autopilot(name, s, FIELDS[method], run)
        if rec is not None:
            out[s] = sa.regret(name, rec["metric"], g)
    return out


def cause_rows(run: bool) -> tuple[list[list[Any]], list[str]]:
    """Part one: per RMSprop workload and seed, the default's, the corrected and the twin's peaks."""
    rows = []
    for name, twin in sa.TWINS.items():
        for s in (0, 1, 2):
            d, a = sa.autopilot(name, s, {}, run), sa.autopilot(name, s, FIELDS[AGE], run)
            t = sa.autopilot(twin.name, s, {}, run)
            if None in (d, a, t):
                continue
            rows.append([name, s, d["peak"], a["peak"], t["peak"], a["peak"] / d["peak"],
                         t["peak"] / d["peak"],
                         d["diverged_at"] or float("nan"), a["diverged_at"] or float("nan"),
                         t["diverged_at"] or float("nan")])
            print(*rows[-1], flush=True)
    headers = ["workload", "seed", "default peak", "corrected peak", "twin's peak", "corrected / default",
               "twin / default", "default blow-up", "corrected blow-up", "twin's blow-up"]
    return rows, headers


def family_means(read: Any, names: list[str], family: Any, seeds: tuple[int, ...], run: bool
                 ) -> dict[str, dict[str, float]]:
    """family -> candidate -> mean regret over its workloads' units (workloads x seeds)."""
    per: dict[str, dict[str, list[float]]] = {}
    for n in names:
        units = {c: read(n, c, run, seeds) for c in CANDS}
        common = sorted(set.intersection(*(set(u) for u in units.values())))  # the same units for both
        for c in CANDS:
            per.setdefault(family(n), {}).setdefault(c, []).extend(units[c][s] for s in common)
    return {f: {c: float(np.mean(v)) for c, v in m.items()} for f, m in per.items()
            if all(m.get(c) for c in CANDS)}


def paired_rows(read: Any, names: list[str], family: Any, seeds: tuple[int, ...], run: bool, where: str
                ) -> list[list[Any]]:
    """Per family the correction's regret minus the default's, unit by unit (workload x seed)."""
    per: dict[str, list[float]] = {}
    for n in names:
        a, d = read(n, AGE, run, seeds), read(n, DEFAULT, run, seeds)
        per.setdefault(family(n), []).extend(a[s] - d[s] for s in sorted(set(a) & set(d)))
    rows = []
    for f, diff in sorted(per.items()):
        x = np.asarray(diff)
        if x.size < 2:
            continue
        p = float(stats.ttest_1samp(x, 0.0).pvalue) if np.any(x != x[0]) else 1.0
        call = ("ahead" if x.mean() < 0 else "behind") if p < PAIRED_ALPHA else "can't tell"
        rows.append([where, f, x.size, float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size)), p, call])
    return rows


def lofo_rows(zoo_means: dict[str, dict[str, float]], new_means: dict[str, dict[str, float]], label: str
              ) -> tuple[list[list[Any]], str]:
    """Leave-one-family-out over zoo + new families; and the zoo-alone choice scored on the new ones."""
    both = {**zoo_means, **{f"new: {f}": m for f, m in new_means.items()}}
    held, chosen = lofo_choices(both, CANDS, keep=DEFAULT)
    cv = float(np.mean([both[f][held[f]] for f in both]))
    on_zoo = lofo_choices(zoo_means, CANDS, keep=DEFAULT)[1]
    new_cv = float(np.mean([m[on_zoo] for m in new_means.values()])) if new_means else float("nan")
    new = [float(np.mean([m[c] for m in new_means.values()])) if new_means else float("nan") for c in CANDS]
    sample = [float(np.mean([m[c] for m in both.values()])) for c in CANDS]
    row = [label, len(zoo_means), len(new_means), *sample, cv, sum(v == AGE for v in held.values()), chosen,
           on_zoo, new_cv, *new]
    folds = "; ".join(f"{f}: {held[f]}" for f in both if both[f][AGE] != both[f][DEFAULT])
    return [row], folds


LOFO_HEADERS = ["seeds", "zoo families", "new families", "default (in-sample)", "step age (in-sample)",
                "held out (chosen per fold)", "folds choosing step age", "chosen on all", "chosen on the zoo",
                "zoo's choice on the new families", "default on the new", "step age on the new"]
PAIRED_HEADERS = ["where", "family", "units", "step age - default (gap %)", "SE", "p", "call"]


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--cached-only", action="store_true", help="run nothing; tables from the stores")
    ap.add_argument("--only", choices=("cause", "zoo", "new"), help="run one part's runs; record nothing")
    args = ap.parse_args()
    run, t0 = not args.cached_only, time.process_time()
    zoo_names = [n for n in zoo.registry if reached(n)]
    print("zoo workloads the correction reaches:", zoo_names, flush=True)
    new_names = list(sa.WORKLOADS)
    if args.only == "cause" or args.only is None:
        cause, ch = cause_rows(run and args.only in ("cause", None))
        print_table(cause, ch, floatfmt=".3g")
    if args.only == "zoo":
        for n in zoo_names:
            print(n, zoo_units(n, AGE, True, fr.SEEDS), flush=True)
        return
    if args.only == "new":
        for n in new_names:
            print(n, {c: new_units(n, c, True, sa.SEEDS) for c in CANDS}, flush=True)
        return
    if args.only == "cause":
        return
    zoo_all = list(zoo.registry)
    fam_zoo, fam_new = (lambda n: zoo.get(n).info.family), (lambda n: sa.WORKLOADS[n].family)
    trained = [n for n in new_names if (g := sa.grid(n, run)) is not None and sa.trains(n, g)]
    grid_rows = []
    for n in new_names:
        g = sa.grid(n, run)
        if g is not None:
            lr, b = sa.best_of(g, sa.WORKLOADS[n].info.higher_is_better)
            grid_rows.append([n, sa.WORKLOADS[n].family, len(g), lr, b, float(sa.WORKLOADS[n].worst()[
                sa.WORKLOADS[n].info.metric]), n in trained])
    gh = ["new workload", "family", "grid rates", "grid-best rate", "its mean metric", "untrained", "trains"]
    print_table(grid_rows, gh, floatfmt=".4g")
    unit_rows = []
    for n in trained:
        for s in sa.SEEDS:
            d, a = sa.autopilot(n, s, {}, run), sa.autopilot(n, s, FIELDS[AGE], run)
            if d is not None and a is not None:
                g = sa.grid(n, run)
                unit_rows.append([n, s, d["peak"], a["peak"], sa.regret(n, d["metric"], g),
                                  sa.regret(n, a["metric"], g)])
    uh = ["new workload", "seed", "default peak", "step-age peak", "default gap %", "step-age gap %"]
    print_table(unit_rows, uh, floatfmt=".3g")
    zoo_rows = []
    for n in zoo_names:
        d, a = zoo_units(n, DEFAULT, run, fr.SEEDS), zoo_units(n, AGE, run, fr.SEEDS)
        both = [s for s in fr.SEEDS if s in d and s in a]
        if both:
            zoo_rows.append([n, *[f"{d[s]:.1f} / {a[s]:.1f}" if s in both else "-" for s in fr.SEEDS],
                             float(np.mean([d[s] for s in both])), float(np.mean([a[s] for s in both]))])
    zh = ["zoo workload", *[f"seed {s}: default / step age" for s in fr.SEEDS], "default mean",
          "step-age mean"]
    print_table(zoo_rows, zh, floatfmt=".2f")
    lofo, paired, folds = [], [], []
    for seeds in ((0, 1, 2), fr.SEEDS):
        zm = family_means(zoo_units, zoo_all, fam_zoo, seeds, run)
        nm = family_means(new_units, trained, fam_new, seeds, run)
        rows, f = lofo_rows(zm, nm, f"{seeds[0]}-{seeds[-1]}")
        lofo += rows
        folds.append(f"seeds {seeds[0]}-{seeds[-1]}: {f}")
    paired += paired_rows(zoo_units, zoo_names, fam_zoo, fr.SEEDS, run, "zoo")
    paired += paired_rows(new_units, trained, fam_new, sa.SEEDS, run, "new")
    print_table(lofo, LOFO_HEADERS, floatfmt=".2f")
    print("\n".join(folds))
    print_table(paired, PAIRED_HEADERS, floatfmt=".3g")
    cpu = time.process_time() - t0
    print(f"CPU {cpu:.0f} s")
    if args.no_record or args.only:
        return
    body = (__doc__.split("\n\n", 1)[1].split("Run:")[0]
            + "\n**1. The cause** (peaks; the twin is RMSprop with bias correction):\n\n"
            + markdown_table(cause, ch, floatfmt=".3g")
            + "\n\n**2. The zoo** (regret, gap %):\n\n" + markdown_table(zoo_rows, zh, floatfmt=".2f")
            + "\n\n**3. New families**: the grids\n\n" + markdown_table(grid_rows, gh, floatfmt=".4g")
            + "\n\nand the runs:\n\n" + markdown_table(unit_rows, uh, floatfmt=".3g")
            + "\n\n**4. Leave-one-family-out** (mean regret over families, gap %):\n\n"
            + markdown_table(lofo, LOFO_HEADERS, floatfmt=".2f")
            + "\n\nFolds where the two differ, and the candidate chosen without them: " + " / ".join(folds)
            + "\n\nPaired, per family:\n\n" + markdown_table(paired, PAIRED_HEADERS, floatfmt=".3g")
            + f"\n\nCPU {cpu:.0f} s (most runs from the stores). Grid rates: "
            f"three per decade from {zr.rate(sa.START[0]):g} to {zr.rate(sa.START[1]):g}, widened as the "
            "zoo's.")
    record("autopilot_step_age", "The Autopilot and the optimizer's step age (RMSprop, NAdam)", body,
           command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_step_age.py")


if __name__ == "__main__":
    main()
