"""Does ``tune``'s rate range around the finder's suggestion hold the zoo's near-best rates, held out?

``tune`` draws a trial's peak rate log-uniformly from ``[s / 10^b, s * 10^a]`` around the range test's
suggestion ``s`` (``TunePolicy.lr_below`` b = 1.5, ``lr_above`` a = 1, chosen on 8 sklearn MLP workloads:
``tune_dev.py``), and from ``TunePolicy.wide_lr_range`` when the finder has no answer or only its blow-up
guess (1e-5 .. 1 before this benchmark, 1e-5 .. 10 since: the table of the wide range). This benchmark
re-measures both on the zoo (``lrkit.zoo``, 12 families), offline (no
training):

* **s**: the shipped ``find_lr`` (``rule="auto"``, every default) on each workload and seed 0-2, read from
  the finder benchmark's stored sweeps and answers (``dev.finder_zoo_cv.read``; the shipped policy is the
  floored candidate, checked field by field). A blow-up guess (``is_guess``) or no suggestion: the wide range.
* **The near-best band**, per workload, of two ground-truth grids (mean over seeds 0-2, interpolated in
  log-rate, a grid's edge value beyond it): the constant-rate grid (``zoo_ground_truth.py``) and the wsd
  peak grid of "schedule, tuned" (``autopilot_zoo.py``: 5% warmup, 20% 1-sqrt cool-down; ``tune``'s own wsd
  cools down linearly to 1%); a rate is in the band when its regret against that grid's best is within
  the zoo's tolerance (1 accuracy point or 1% of the best loss; also 5% of the gain over not training).
* **Per (workload, seed) and range**: whether the range meets the band ("covers"), the chance ``P`` that
  one log-uniform draw lands in it, and the chance that at least one of TPE's random start-up draws
  does, :math:`1 - (1 - P)^n` with ``n = 5`` (``make_sampler`` at the CLI's 20 trials).
* **Leave one family out**: the range ``(b, a)`` with the highest mean over the other families of the
  share of cases whose band it meets, then of the start-up chance (constant and wsd bands averaged), is
  scored on the held-out family: a band outside the range is out of every trial's reach, while a low
  start-up chance only slows the search down (the start-up chance alone is reported side by side). The
  wide range the same way, every case read as if the finder had no answer, with its lower end free and
  at the shipped 1e-5 (the zoo's small models say nothing of a large pretrained model's fine-tuning
  rates, 1e-5 to 1e-4 in practice). The built-in tasks (held out of every choice): the finder's stored
  suggestions (``finder_plateau.py``, seeds 0-4) against ``lr_sensitivity.py``'s constant grids.

::

    nice .venv/bin/python benchmarks/tune_zoo.py [--no-record]
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import finder_zoo_data as data  # noqa: E402
from dev import zoo_grid as zg  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402
from dev.tune_zoo_data import (  # noqa: E402
    SHAPES,
    STARTUP,
    TOLERANCES,
    builtin_cases,
    family_means,
    lofo,
    mean2,
    rng_label,
    score,
    startup,
    zoo_cases,
)
from lrkit.tuning import TunePolicy  # noqa: E402

#: Candidate ranges: decades below and above s. The first pair is the shipped one.
BELOW = (1.5, 0.5, 1.0, 2.0, 2.5, 3.0)
ABOVE = (1.0, 0.5, 1.5, 2.0)
#: Candidate wide ranges (no suggestion): their lower and upper ends.
WIDE_LOW = (1e-5, 1e-6, 1e-4, 1e-3)
WIDE_HIGH = (1.0, 0.1, 10.0, 100.0)
#: The wide range before this benchmark (``wide_lr_range``), compared with the shipped one.
WIDE_BEFORE = ("wide", 1e-5, 1.0)


def lofo_rows(cases: list[dict[str, Any]], cands: list[Any], shipped: Any) -> list[list[Any]]:
    """Per tolerance and criterion: the in-sample pick, the folds' picks, held-out coverage and start-up
    chance (means of families) against the shipped range's, and the families each side wins."""
    rows = []
    for label, unit, tol in TOLERANCES:
        ship = family_means(cases, shipped, unit, tol)
        for kind in ("coverage", "start-up"):
            ins, picks, held = lofo(cases, cands, unit, tol, kind)
            counts = defaultdict(int)
            for p in picks.values():
                counts[rng_label(p)] += 1
            (hc, hs), (sc, ss) = mean2(held), mean2(ship)
            better = sum(held[f] > ship[f] for f in held)
            worse = sum(held[f] < ship[f] for f in held)
            rows.append([label, "coverage, then start-up" if kind == "coverage" else "start-up chance alone",
                         rng_label(ins),
                         ", ".join(f"{k} ({v})" for k, v in sorted(counts.items(), key=lambda x: -x[1])),
                         f"{hc:.3f} / {hs:.3f}", f"{sc:.3f} / {ss:.3f}", f"{better} / {worse}"])
    return rows


def builtin_rows(builtin: list[dict[str, Any]], cands: list[Any]) -> list[list[Any]]:
    label, unit, tol = TOLERANCES[0]
    rows = []
    for name in dict.fromkeys(c["name"] for c in builtin):
        bc = [c for c in builtin if c["name"] == name and (c["s"] is not None)]
        row = [name]
        for r in cands:
            cs = bc if r[0] != "wide" else [c for c in builtin if c["name"] == name][:1]
            got = [score(c, r, "constant", unit, tol) for c in cs]
            row.append(f"{sum(g[0] for g in got)}/{len(got)}, {np.mean([startup(g[1]) for g in got]):.2f}"
                       if got else "-")
        rows.append(row)
    return rows


def main() -> None:
    ap = arguments(__doc__)
    args = ap.parse_args()
    policy = TunePolicy()
    shipped = (policy.lr_below, policy.lr_above)
    ranges = [(b, a) for b in BELOW for a in ABOVE]
    assert ranges[0] == shipped, "the first candidate is the shipped range"
    wides = [("wide", lo, hi) for lo in WIDE_LOW for hi in WIDE_HIGH]
    wide_shipped = ("wide", *policy.wide_lr_range)
    cases, builtin = zoo_cases(), builtin_cases()
    families = sorted({c["family"] for c in cases})
    n_guess = sum(c["s"] is None for c in cases)
    sections = []

    # 1. where the best rates sit around s
    rows = []
    for f in families:
        fc = [c for c in cases if c["family"] == f and c["s"] is not None]
        d = {sh: [c["curves"][(sh, "best")][0][np.argmin(c["curves"][(sh, "best")][1])] - math.log10(c["s"])
                  for c in fc] for sh in SHAPES}
        rows.append([f, len(fc), sum(c["family"] == f and c["s"] is None for c in cases),
                     *(f"{np.median(d[sh]):+.2f} ({min(d[sh]):+.2f} .. {max(d[sh]):+.2f})" for sh in SHAPES)])
    headers = ["family", "cases with s", "guess / none (wide range)",
               "constant best: log10(best / s), median "
               "(min .. max)", "wsd best peak: log10(best / s)"]
    print_table(rows, headers)
    sections.append(f"{len(cases)} cases (37 workloads x seeds 0-2); {n_guess} are the finder's blow-up "
                    "guess (tune searches the wide range there). **Where the grid-best rate sits around the "
                    "finder's "
                    "suggestion s** (decades; the grids' best by the mean over seeds):\n\n"
                    + markdown_table(rows, headers))

    # 2. the range around s: every candidate in sample, then leave one family out
    label, unit, tol = TOLERANCES[0]
    rows = []
    for r in ranges:
        fm = family_means(cases, r, unit, tol)
        cov = {sh: sum(score(c, r, sh, unit, tol)[0] for c in cases) for sh in SHAPES}
        rows.append([rng_label(r), f"{cov['constant']}/{len(cases)}", f"{cov['wsd']}/{len(cases)}",
                     f"{mean2(fm)[0]:.3f}", f"{mean2(fm)[1]:.3f}"])
    rows.sort(key=lambda r: (-float(r[3]), -float(r[4])))
    headers = ["range around s", "meets the constant band", "meets the wsd band",
               "coverage, mean of families",
               f"start-up chance ({STARTUP} draws), mean of families"]
    print(f"\n== the range around s, in sample ({label}) ==")
    print_table(rows, headers)
    sections.append(f"**The range around s, every candidate in sample** (tolerance {label}; coverage and "
                    "start-up chance average the constant and wsd bands; sorted by coverage, then start-up "
                    "chance):\n\n" + markdown_table(rows, headers))
    rows = lofo_rows(cases, ranges, shipped)
    headers = ["tolerance", "criterion", "chosen on all families", "chosen without each family (folds)",
               "held out: coverage / start-up", f"shipped {rng_label(shipped)}: coverage / start-up",
               "families better / worse than shipped"]
    print("\n== the range around s, leave one family out ==")
    print_table(rows, headers)
    sections.append("**The range around s, leave one family out** (means of families; each family scored "
                    "with the range chosen on the other 11):\n\n" + markdown_table(rows, headers))
    _, picks, held = lofo(cases, ranges, unit, tol, "coverage")
    ship = family_means(cases, shipped, unit, tol)
    rows = [[f, rng_label(picks[f]), f"{held[f][0]:.2f}", f"{held[f][1]:.2f}", f"{ship[f][0]:.2f}",
             f"{ship[f][1]:.2f}"] for f in families]
    headers = ["held-out family", "chosen on the others", "coverage", "start-up chance",
               "shipped: coverage", "shipped: start-up chance"]
    print_table(rows, headers)
    sections.append(f"Per family (tolerance {label}, coverage then start-up chance):\n\n"
                    + markdown_table(rows, headers))

    # 3. the wide range (no suggestion, or the blow-up guess): every case as if the finder had no answer
    nos = [dict(c, s=None) for c in cases]
    rows = []
    for r in wides:
        row = [rng_label(r)]
        for label_t, unit_t, tol_t in TOLERANCES:
            row += [f"{x:.3f}" for x in mean2(family_means(nos, r, unit_t, tol_t))]
        rows.append(row)
    headers = ["wide range", "coverage (1 pt / 1%)", "start-up", "coverage (5% of gain)", "start-up"]
    print("\n== the wide range, in sample ==")
    print_table(rows, headers)
    outside = [f"{n} (best {zg.best(n)[0]:g}, band {zg.band(n)[0]:g} .. {zg.band(n)[1]:g})"
               for n in data.workloads() if not WIDE_BEFORE[1] <= zg.best(n)[0] <= WIDE_BEFORE[2]]
    sections.append(f"**Without a suggestion: the wide range** ({n_guess} zoo cases search it; here every "
                    f"case as if the finder had no answer; the range before, {rng_label(WIDE_BEFORE)}, "
                    "leaves out the best "
                    f"constant rate of {'; '.join(outside)}):\n\n" + markdown_table(rows, headers))
    fixed_low = [r for r in wides if r[1] == wide_shipped[1]]
    rows = lofo_rows(nos, wides, WIDE_BEFORE)[::2] + lofo_rows(nos, fixed_low, WIDE_BEFORE)[::2]
    for r in rows[:2]:
        r[1] += " (lower end free)"
    for r in rows[2:]:
        r[1] += f" (lower end at {wide_shipped[1]:g})"
    headers[:] = ["tolerance", "criterion", "chosen on all families", "chosen without each family (folds)",
                  "held out: coverage / start-up", f"before, {rng_label(WIDE_BEFORE)}: coverage / start-up",
                  "families better / worse than before"]
    print_table(rows, headers)
    sections.append("**The wide range, leave one family out** (coverage, then start-up chance):\n\n"
                    + markdown_table(rows, headers))

    guesses = [c for c in cases if c["s"] is None]
    at_guess = [dict(c, s=c["guess"]) for c in guesses if c["guess"] is not None]
    rows = []
    for what, cs, r in ((f"the wide range {rng_label(WIDE_BEFORE)} (before)", guesses, WIDE_BEFORE),
                        (f"the wide range {rng_label(wide_shipped)} (shipped)", guesses, wide_shipped),
                        (f"{rng_label(shipped)} centred on the guess", at_guess, shipped)):
        row = [what]
        for label_t, unit_t, tol_t in TOLERANCES:
            got = [[score(c, r, sh, unit_t, tol_t) for sh in SHAPES] for c in cs]
            row += [f"{sum(all(g[0] for g in x) for x in got)}/{len(got)}",
                    f"{np.mean([np.mean([startup(g[1]) for g in x]) for x in got]):.2f}"]
        rows.append(row)
    headers = ["the guess cases searched over", "meets both bands (1 pt / 1%)", "start-up",
               "meets both bands (5% of gain)", "start-up"]
    print_table(rows, headers)
    names = sorted({c["name"] for c in guesses})
    sections.append(f"**The {len(guesses)} blow-up guesses** ({', '.join(names)}): the wide range, or the "
                    "range centred on the guess (which `tune` does not do: the guess says where training "
                    "fails):\n\n" + markdown_table(rows, headers))

    # 4. the built-in tasks, held out of every choice
    cands = [shipped, *{p: None for p in (lofo(cases, ranges, unit, tol, "coverage")[0],
                                          lofo(cases, ranges, *TOLERANCES[1][1:], "coverage")[0])
                        if p != shipped}, WIDE_BEFORE, wide_shipped]
    rows = builtin_rows(builtin, cands)
    headers = ["built-in task", *(rng_label(r) for r in cands)]
    print("\n== built-in tasks (held out): meets the band n/N, start-up chance ==")
    print_table(rows, headers)
    sections.append(f"**The built-in tasks, held out** (constant grids of `lr_sensitivity.py`, seeds 0-2; "
                    f"suggestions of `finder_plateau.py`, seeds 0-4; tolerance {TOLERANCES[0][0]}; "
                    "meets the band n/N, start-up chance; a wide range is one case per task):\n\n"
                    + markdown_table(rows, headers))
    if not args.no_record:
        record("tune_zoo", "Tune's rate range on the zoo, held out by family", "\n\n".join(sections),
               command="nice .venv/bin/python benchmarks/tune_zoo.py")


if __name__ == "__main__":
    main()
