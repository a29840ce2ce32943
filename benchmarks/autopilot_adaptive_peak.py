"""Should an adaptive optimizer's peak move for its ramp's density? Chosen by leave-one-family-out on the zoo.

The Autopilot reads an adaptive optimizer's peak where its ramp's smoothed loss first falls through half
depth (``falling``); on the zoo's given-peak grid that reading is low in the median by about a third of a
decade (``benchmarks/autopilot_plain_peak.py``, part one). The finder found why a range test's reading
moves with its sweep (``docs/evidence.md#finder-the-sweeps-density``): one update per rate, so a sweep of
``k`` rates per decade has moved the model by about ``eta k / ln 10`` by the rate ``eta``, and a denser
sweep's loss falls at a lower rate (about ``1/k``; the finder's clear readings are moved by
``clip(k / k0, 1/m, m) ** beta`` to the density ``k0`` = 12.4 its rules were calibrated at, ``beta`` =
1, ``m`` = 2.05). The Autopilot's adaptive ramp takes a quarter of the budget, at most 100 updates, over
four decades: 24.75 rates per decade from a budget of 400 up, 12.25 at 200 (the finder's own density),
6 at the built-in charlm's 100. ``AutopilotPolicy.adaptive_progress_exponent`` applies the finder's law
to an adaptive optimizer's clear reading (its own valley rule on a drop of at least 8 noise SDs). Four
parts:

1. **The miss by the ramp's density** (nothing run): the default's adaptive zoo runs at seeds 0-2 with a
   given-peak grid (``ap:given=X,schedule=wsd``, a third of a decade apart: a guide to where the best
   peak lies), the best given peak of each seed minus the peak read, in decades, by the ramp's rates
   per decade and by whether the reading is clear (the law's domain).
2. **Offline** (nothing run): the default's ramps re-read (``lrkit.torch.autopilot_peak``) with the
   exponents :data:`EXPONENTS` and, for comparison, a flat ``adaptive_factor`` (:data:`FLAT`, every
   adaptive reading times a constant, the divergence cap ``r / clip_above`` kept); each new peak's
   regret interpolated in log-rate on its seed's given-peak grid and the difference added to the run's
   measured regret (an estimate; runs without a grid keep theirs); leave-one-family-out, each candidate
   against the default alone.
3. **Full runs** of the exponents that hold out offline (``AutopilotPolicy.adaptive_progress_exponent``):
   every zoo workload and built-in task, seeds 0-2; only adaptive optimizers' runs differ (the field is
   read by their peak alone, so the other kinds' runs are the default's:
   ``dev.autopilot_zoo_runs.reads_as``), made on this machine. The family table, leave-one-family-out
   among all and each against the default alone, the built-in tasks held out
   (``dev.autopilot_candidates.report``).
4. **Six seeds**: the exponent chosen in part three (else the best in sample, for the record), paired
   with the default and with Prodigy and Schedule-Free at seeds 0-5
   (``benchmarks/autopilot_family_resolution.py``'s test), and leave-one-family-out between it and the
   default on family means at seeds 0-5.

Regret in the zoo's gap unit against the grid-best constant rate of seeds 0-2.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_adaptive_peak.py``
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
import autopilot_plain_peak as plain  # noqa: E402
import autopilot_shape as shape  # noqa: E402
from dev import autopilot_candidates as candidates  # noqa: E402
from dev import autopilot_tables as tables  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_zoo_runs import resolve_task  # noqa: E402
from dev.record import markdown_table, print_table, store_args  # noqa: E402

from lrkit import zoo  # noqa: E402
from lrkit.finder import CALIBRATED_DENSITY, valley_geometry  # noqa: E402
from lrkit.torch import AutopilotPolicy, autopilot_peak, ramp_density  # noqa: E402

DEFAULT = next(iter(shape.SHAPES))
#: The exponents of the finder's progress law tried (1: the finder's own; 0: the default, off).
EXPONENTS = (0.5, 1.0)
#: Flat factors on every adaptive reading, priced offline for comparison (``adaptive_factor``).
FLAT = (1.5, 2.0, 3.0)


def label(beta: float) -> str:
    return f"density law, exponent {beta:g}" + (" (the finder's)" if beta == 1.0 else "")


CANDIDATES = {DEFAULT: shape.SHAPES[DEFAULT],
              **{label(b): {**shape.SHAPES[DEFAULT], "adaptive_progress_exponent": b} for b in EXPONENTS}}


def ramps() -> list[dict[str, Any]]:
    """The default's adaptive zoo runs at seeds 0-2, each with its seed's given-peak grid, its ramp's
    density and whether its reading is clear (the valley rule's own, a drop of >= weak_rule_sigmas)."""
    grids, policy = plain.given_grids(), AutopilotPolicy()
    out = []
    for n in sorted(zoo.names()):
        if shape._kind(n) != "adaptive":
            continue
        opt = resolve_task(n).build(0)["optimizer"]
        for seed, rec in enumerate(shape.runs(n, DEFAULT, False, CANDIDATES)):
            lrs, losses = np.array(rec["probe_lrs"]), np.array(rec["probe_losses"])
            v = valley_geometry(lrs, losses, policy=policy.finder)
            clear = (rec["how"].startswith(policy.adaptive_peak) and not isinstance(v, str)
                     and v.signal >= policy.finder.weak_rule_sigmas)
            out.append({"name": n, "family": truth.family_of(n), "seed": seed, "rec": rec, "opt": opt,
                        "regret": truth.regret(n, rec["metric"], shape.SEEDS, "gap"),
                        "grid": grids.get(n, {}).get(seed, {}), "density": ramp_density(lrs), "clear": clear})
    return out


def by_density(found: list[dict[str, Any]]) -> tuple[list[list[Any]], list[str]]:
    """Part one: the best given peak minus the peak read (decades), by the ramp's density and clarity."""
    rows, m = [], AutopilotPolicy().finder.progress_max_ratio
    graded = [r for r in found if len(r["grid"]) >= 4]
    for k in sorted({round(r["density"], 1) for r in graded}):
        for clear in (True, False):
            rs = [r for r in graded if round(r["density"], 1) == k and r["clear"] == clear]
            if not rs:
                continue
            d = np.array([math.log10(min(r["grid"], key=r["grid"].get) / r["rec"]["peak"]) for r in rs])
            q1, med, q3 = np.percentile(d, [25, 50, 75])
            rows.append([k, "clear" if clear else "weak, fallback or no valley", len(d),
                         len({r["name"] for r in rs}), med, q1, q3,
                         math.log10(max(1 / m, min(m, k / CALIBRATED_DENSITY)))])
    return rows, ["ramp's rates per decade", "reading", "runs", "workloads", "median miss (decades)",
                  "lower quartile", "upper quartile", "the law's move (decades)"]


def offline(found: list[dict[str, Any]]) -> tuple[list[list[Any]], list[str], str, list[list[Any]]]:
    """Part two: each candidate's estimate per family (every other run as measured), leave-one-family-out."""
    policies = {DEFAULT: AutopilotPolicy(), **{label(b): AutopilotPolicy(adaptive_progress_exponent=b)
                                               for b in EXPONENTS},
                **{f"every adaptive reading x {f:g}": AutopilotPolicy(adaptive_factor=f) for f in FLAT}}
    est: dict[str, dict[str, dict[str, list[float]]]] = {}
    rest = [n for n in sorted(zoo.names()) if shape._kind(n) != "adaptive"]
    for n in rest:  # the other kinds' runs: the default's, as measured
        value = [truth.regret(n, r["metric"], shape.SEEDS, "gap") for r in shape.runs(n, DEFAULT, False)]
        for name in policies:
            est.setdefault(truth.family_of(n), {}).setdefault(name, {})[n] = value
    for r in found:
        rec = r["rec"]
        for name, policy in policies.items():
            value = r["regret"]
            if len(r["grid"]) >= 4:
                peak = autopilot_peak(rec["probe_lrs"], rec["probe_losses"], r["opt"], policy,
                                      rec["diverged_at"])[0]
                value += plain.at(r["grid"], peak) - plain.at(r["grid"], rec["peak"])
            est.setdefault(r["family"], {}).setdefault(name, {}).setdefault(r["name"], []).append(value)
    means = {fam: {m: float(np.mean([np.mean(v) for v in ws.values()])) for m, ws in per.items()}
             for fam, per in est.items()}
    names, fams = list(policies), sorted(means)
    held, everything = tables.lofo_choices(means, names, keep=DEFAULT)
    rows = [[m, float(np.mean([means[f][m] for f in fams])), *[means[f][m] for f in fams]] for m in names]
    rows.append(["chosen by leave-one-family-out (held out)",
                 float(np.mean([means[f][held[f]] for f in fams])), *[means[f][held[f]] for f in fams]])
    pairs = []
    for m in names[1:]:
        h, _ = tables.lofo_choices(means, [DEFAULT, m], keep=DEFAULT)
        pairs.append([m, float(np.mean([means[f][h[f]] for f in fams])),
                      f"{sum(v == m for v in h.values())}/{len(fams)}"])
    return (rows, ["offline estimate", "mean over families (gap %)", *fams],
            tables.lofo_verdict(everything, held, names), pairs)


def main() -> None:
    args = store_args(__doc__)
    start = time.process_time()
    found = ramps()
    drows, dh = by_density(found)
    orows, oh, overdict, pairs = offline(found)
    ph = ["offline, against the default alone", "held-out mean (gap %)", "folds choosing it"]
    for rows, headers in ((drows, dh), (orows, oh), (pairs, ph)):
        print_table(rows, headers, floatfmt=".3g")
    print(overdict)
    # adaptive optimizers' runs only: the other kinds' are the default's, stored
    chosen = plain.full_runs(CANDIDATES, DEFAULT, [label(b) for b in EXPONENTS], not args.cached_only)
    six = plain.six_seeds(chosen, not args.cached_only, DEFAULT, CANDIDATES)
    preface = "\n\n".join([
        "Part one: the best given peak minus the adaptive reading, by the ramp's density (seeds 0-2):",
        markdown_table(drows, dh, floatfmt=".3g"),
        "Part two, offline (each candidate's peak valued on the given-peak grid of its seed):",
        markdown_table(orows, oh, floatfmt=".3g"), overdict, markdown_table(pairs, ph, floatfmt=".3g"),
        six,
        f"CPU seconds of parts one, two and four (cached runs cost nothing): "
        f"{time.process_time() - start:.0f}. Part three, seeds 0-2 with the built-in tasks (held out):"])
    candidates.report(CANDIDATES, cached_only=True, no_record=args.no_record,
                      section="autopilot_adaptive_peak",
                      title="An adaptive optimizer's peak and its ramp's density, by leave-one-family-out",
                      doc=__doc__, script="benchmarks/autopilot_adaptive_peak.py", preface=preface)


if __name__ == "__main__":
    main()
