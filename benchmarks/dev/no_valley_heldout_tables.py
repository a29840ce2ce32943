"""Tables of ``benchmarks/autopilot_no_valley_heldout.py`` that need no workload of their own: the paired
test's words (:func:`paired`), leave-one-family-out among the candidates (:func:`lofo_rows`, part five) and
stored runs made again with the library as it is now (:func:`remade`, part six).

The candidates are passed in (``cands``, the floor first; ``short`` their table names), so the script owns
what is compared and this module only how.
"""

from __future__ import annotations

import math
import sys
from typing import Any, Callable, Mapping, Sequence

import numpy as np
from scipy import stats

from dev import autopilot_tables as tables
from dev.autopilot_zoo_runs import reads_as, run_autopilot

__all__ = ["CHECKED", "PAIRED_ALPHA", "lofo_rows", "paired", "remade"]

#: The two-sided paired t test's level for "ahead" / "behind" (else "can't tell"): the zoo's convention.
PAIRED_ALPHA = 0.05
#: What a stored run records that a later change of the library (its ramp_ceiling) could move.
CHECKED = ("metric", "raw_metric", "peak", "faults")


def paired(d: np.ndarray) -> str:
    """A candidate minus the floor over units: mean +- SE and the two-sided t test's word."""
    if np.all(d == 0):
        return "same"
    p = float(stats.ttest_1samp(d, 0.0).pvalue) if np.std(d) > 0 else 0.0
    word = ("ahead" if d.mean() < 0 else "behind") if p < PAIRED_ALPHA else "can't tell"
    return f"{d.mean():+.2f} +- {d.std(ddof=1) / math.sqrt(len(d)):.2f} ({word}, p={p:.2g})"


def lofo_rows(results: Mapping[str, Mapping[str, list]], new_means: dict[int, dict], cands: Sequence[str],
              short: Mapping[str, str], zoo_seeds: Sequence[int]
              ) -> tuple[list[list[Any]], list[str], list[list[Any]], list[str], list[str]]:
    """Part five: leave-one-family-out among ``cands`` over the zoo (``results``: workload -> candidate ->
    stored full runs by seed) and the new families (``new_means``: ``{3: {family: {candidate: mean}}, 6:
    ...}``), and each alone; each candidate against the floor (``cands[0]``) alone; and the zoo's choice
    scored on the new families."""
    cands, floor = list(cands), cands[0]
    lrows, prows, verdicts = [], [], []
    for k in (3, 6):
        sub = {n: {m: recs[:k] for m, recs in res.items()} for n, res in results.items()}
        _, zoo_means = tables.family_table(sub, cands, zoo_seeds)
        both = {**{f: {c: zoo_means[f][c] for c in cands} for f in zoo_means}, **new_means[k]}
        zoo_only, new = {f: both[f] for f in zoo_means}, new_means[k]
        pools = (("zoo and new families", both), ("zoo alone", zoo_only), ("new families alone", new))
        for label, pool in pools:
            choice, everything = tables.lofo_choices(pool, cands, keep=floor)
            counts = ", ".join(f"{short[c]} {sum(v == c for v in choice.values())}" for c in cands)
            lrows.append([f"seeds 0-{k - 1}", label, len(pool),
                          *[float(np.mean([pool[f][c] for f in pool])) for c in cands],
                          float(np.mean([pool[f][choice[f]] for f in pool])), short[everything], counts])
        for c in cands[1:]:
            choice, _ = tables.lofo_choices(both, [floor, c], keep=floor)
            gain = {f: both[f][floor] - both[f][c] for f in both}
            top = max(gain, key=gain.get)
            rest = [f for f in both if f != top]
            prows.append([f"seeds 0-{k - 1}", short[c], float(np.mean([both[f][c] for f in both])),
                          float(np.mean([both[f][choice[f]] for f in both])),
                          f"{sum(v == c for v in choice.values())}/{len(both)}",
                          float(np.mean([both[f][floor] for f in both])),
                          f"{top} ({gain[top]:+.3g})", float(np.mean([gain[f] for f in rest])),
                          sum(gain[f] > 0 for f in both), sum(gain[f] < 0 for f in both),
                          f"{min(gain.values()):+.3g}"])
        _, on_zoo = tables.lofo_choices(zoo_only, cands, keep=floor)
        verdicts.append(f"Seeds 0-{k - 1}: chosen on the zoo's twelve families alone: **{short[on_zoo]}**; "
                        f"on the {len(new)} new families (held out of that choice) it scores "
                        f"{np.mean([new[f][on_zoo] for f in new]):.3g} against the floor's "
                        f"{np.mean([new[f][floor] for f in new]):.3g} (gap %, family means).")
    lh = ["seeds", "families", "n", *[f"{short[c]} in sample" for c in cands], "chosen by LOFO (held out)",
          "chosen on all", "folds choosing each"]
    ph = ["seeds", "against the floor alone, zoo and new families", "in sample", "held out",
          "folds choosing it", "floor", "family it gains most on (floor - it)",
          "mean gain over the other families", "families it gains on", "families it loses on", "worst loss"]
    return lrows, lh, prows, ph, verdicts


def remade(units: Sequence[dict[str, Any]], stored: Callable[[dict[str, Any]], dict[str, Any]],
           fields: Mapping[str, Any], kind_of: Callable[[str], str], budget_of: Callable[[str], int]
           ) -> tuple[list[list[Any]], list[str], str]:
    """Part six: each unit's stored run (``stored(unit)``) made again under policy ``fields`` with the
    library as it is now, compared field by field (:data:`CHECKED`)."""
    rows, same = [], 0
    for u in units:
        n, s = u["name"], u["seed"]
        old = stored(u)
        new = run_autopilot(n, s, budget_of(n), reads_as(fields, kind_of(n)))
        diff = [f for f in CHECKED if old.get(f) != new[f]]
        same += not diff
        rows.append([n, s, old["metric"], new["metric"], old["peak"], new["peak"], ", ".join(diff) or "none"])
        print(rows[-1], file=sys.stderr, flush=True)
    head = ["zoo workload (quiet at the floor)", "seed", "stored metric", "made again", "stored peak",
            "peak made again", "fields that differ"]
    verdict = f"**{same} of {len(rows)}** of the quiet half's zoo runs at the floor made again bit for bit."
    return rows, head, verdict
