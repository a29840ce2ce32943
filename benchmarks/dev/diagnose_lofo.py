"""Leave-one-family-out machinery of ``benchmarks/diagnose_zoo.py``: candidate policies, the held-out
choice of one, the held-out calibration of its confidences, and the tables.

Every run is measured once (``lrkit.diagnostics.measure``) and decided under each candidate policy
(``lrkit.diagnostics.decide``, which reads only the thresholds). For each family, the candidate chosen
on the other families (:func:`choose`: safety first, the fewest "raise the rate" verdicts on too-high
runs with or without the validation losses, the fewest ``healthy`` on diverged or NaN runs, too-high
runs read as healthy, plateau or too_low_slow within :data:`SLIP_SHARE`, the fewest "lower the rate"
on runs at or below the grid-best rate, then the best balanced accuracy) is scored on it; the
confidence map (``dev.diagnose_calibration``: isotonic per verdict, lowered to a bound for a new family
whose level is chosen by leave-one-family-out within the other families) is fitted on the other
families' runs under that candidate and applied to the held-out family's.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dev.diagnose_calibration import FLOORS, choose_level, fit_calibration

from lrkit.diagnostics import VERDICTS, DiagnosePolicy, Measurements, decide, diagnose, measure

__all__ = ["GRID", "AT_BEST", "where", "Measured", "Scored", "candidates", "measure_all", "verdicts",
           "choose", "lofo", "balanced", "WRONG_FOR_TOO_HIGH", "TOO_HIGH"]

#: The decision thresholds searched, each around the value its reason gives (DiagnosePolicy); 320
#: candidates, about 0.4 s of CPU each on the whole corpus (decided with and without the validation
#: losses). The fields with one value are fixed at the value every fold (or at least 11 of 12) chose in
#: the earlier, wider searches (docs/evidence.md#diagnose-held-out-by-family-on-the-zoo; ``limit_peak``
#: among 0.15/0.2/0.3, ``drift_z`` among 2/2.5, ``drift_skew`` among 0.8/1/100 and ``drift_hint_z``
#: among 2/100 were chosen in 12 of 12 folds on 2026-12-06); 100 switches a test off. The drift fields:
#: the margin beyond chance alone (``drift_z``), the skew that backs a smaller margin (``drift_skew``,
#: ``drift_skew_z``) and the guard's hint of a drift within chance (``drift_hint_z``). ``still_z`` is
#: fixed at the two-sided margin its reason gives, not at the 3 that 10 of 12 folds chose
#: (docs/evidence.md#diagnose-nothing-moved says why). ``swing_commit``: how far past their threshold
#: swings alone commit to too_high_oscillating (1: always; 100: never; between, uncertain).
#: ``blowup_recovered_z``: how far below its first loss a run must end for an early blow-up it recovered
#: from to read as uncertain rather than too_high_diverging (1e9: always commit; 30: the peak test's
#: ``recovered_z``; 20, 10 and 0, searched too, cut "lower" at or below the best rate 15 -> 11 of 1,194
#: but lift too_high_diverging's calibrated confidence on the embbag fold to 0.83, right on 6 of 15: the
#: verdicts at 0.8 or more go from 52 of 52 right to 58 of 67, held out;
#: docs/evidence.md#diagnose-a-blow-up-the-run-recovered-from). ``blowup_descending_z``: an early blow-up
#: followed by a descent still under way reads as uncertain (1e9: off, the default); searched among
#: 1e9/8/5/3 (5 in 11 of 12 folds), each of 12, 8 and 5 fixed lifts too_high_diverging's calibrated
#: confidence past 0.8 on the finetune fold (76 of 88-93 right at 0.8 or more, held out), so it is an
#: opt-in (docs/evidence.md#diagnose-a-blow-up-with-its-descent-under-way). ``plateau_drop``: a stall
#: reads ``plateau`` (decay) only after a fall of more than this many times the noise of one loss (0:
#: always); ``plateau_skew``: ... and only with noise right-skewed beyond this (-1e9: off)
#: (docs/evidence.md#diagnose-a-plateau-at-a-rate-too-low).
GRID: dict[str, tuple[float, ...]] = {
    "above_start_z": (2.0,),
    "blowup_peak_z": (1.0,),
    "stall_share": (0.05,),
    "slow_share": (0.15,),
    "slow_skew": (0.5,),
    "starved_swing": (1.0,),
    "starved_swing_val": (1.05,),
    "starved_rise": (0.3,),
    "limit_peak": (0.2,),
    "limit_val_rise": (0.3,),
    "limit_peak_val": (0.03,),
    "overfit_val_rise": (0.05,),
    "drift_z": (2.0,),
    "drift_skew": (0.8,),
    "drift_skew_z": (0.25, 0.5),
    "drift_hint_z": (2.0,),
    "still_z": (2.0,),
    "swing_commit": (1.0, 2.0, 4.0, 100.0),
    "blowup_recovered_z": (1e9, 30.0),
    "blowup_descending_z": (1e9,),
    "plateau_skew": (-1e9, 0.0, 0.5, 0.8),
    "plateau_drop": (0.0, 10.0, 20.0, 30.0, 40.0),
}
TOO_HIGH = ("too_high_diverging", "too_high_oscillating")
#: Verdicts that tell a too-high run the wrong thing (keep, decay, or raise).
WRONG_FOR_TOO_HIGH = {"healthy", "plateau", "too_low_slow"}
#: The share of too-high runs a candidate may read as healthy, plateau or too_low_slow on the families it
#: is chosen on, before accuracy counts: two points under issue 14's 5% target, so that the share on the
#: held-out family, which the choice never saw, has room to come out higher and still meet it (at 0.04
#: it came out at 5.6% held out; docs/evidence.md#diagnose-held-out-by-family-on-the-zoo).
SLIP_SHARE = 0.03
#: A run whose rate is within this many decades of the grid-best rate, or below it, is not one to lower
#: (the grid has 3 rates per decade: half a step; ``diagnose_first_reports.py``'s "at the best").
AT_BEST = 1 / 6


def where(decades: float | None) -> str:
    """A run's rate against the grid-best rate: ``below``, ``best`` (within :data:`AT_BEST`) or ``above``;
    ``unknown`` for a run with no position (``None`` or NaN: a run whose loss went NaN has no metric to
    place it by, and is neither at nor below the best)."""
    if decades is None or not math.isfinite(decades):
        return "unknown"
    return "best" if abs(decades) <= AT_BEST else ("below" if decades < 0 else "above")


def candidates(grid: dict[str, tuple[float, ...]] = GRID) -> list[DiagnosePolicy]:
    """Every combination of the grid's values, as policies (with no calibration: confidence = raw score)."""
    base = DiagnosePolicy(calibration=())
    return [base.replace(**dict(zip(grid, vals))) for vals in itertools.product(*grid.values())]


@dataclass(frozen=True)
class Measured:
    """One run measured once: its measurements (``None`` for a non-finite loss: ``nan`` under every
    policy) and its validation losses (read by the guard when the signals include them)."""

    m: Measurements | None
    val_step: np.ndarray
    val_loss: np.ndarray


def measure_all(entries: Sequence) -> list[Measured]:
    """Each run's measurements."""
    return [Measured(measure(e.loss, e.lr) if np.all(np.isfinite(e.loss)) else None, e.val_step, e.val_loss)
            for e in entries]


@dataclass(frozen=True)
class Scored:
    """Per run: verdict, raw score (the uncalibrated confidence), direction, and the direction from the
    loss and rate columns alone (``None`` when the verdicts were decided from those alone)."""

    verdict: np.ndarray
    raw: np.ndarray
    direction: np.ndarray
    plain_direction: np.ndarray | None = None


def verdicts(ms: Sequence[Measured], policy: DiagnosePolicy, val: bool = True) -> Scored:
    """Decide every measured run under ``policy``: with its validation losses when ``val`` (and then
    from the loss and rate alone too, for the directions), else from the loss and rate alone."""
    nan = diagnose([math.nan] * 10)
    plain = [nan if r.m is None else decide(r.m, policy=policy) for r in ms]
    out = [nan if r.m is None else decide(r.m, val_losses=r.val_loss, val_steps=r.val_step, policy=policy)
           for r in ms] if val else plain
    return Scored(np.array([d.verdict for d in out]), np.array([d.confidence for d in out]),
                  np.array([d.direction for d in out]),
                  np.array([d.direction for d in plain]) if val else None)


def balanced(verdict: np.ndarray, labels: np.ndarray, mask: np.ndarray) -> float:
    """Mean over the labels present of the share of their runs given that verdict."""
    return float(np.mean([np.mean(verdict[mask & (labels == k)] == k) for k in set(labels[mask])]))


def choose(scored: Sequence[Scored], labels: np.ndarray, mask: np.ndarray,
           low: np.ndarray | None = None, crawl: np.ndarray | None = None) -> int:
    """The candidate chosen on the runs of ``mask``, safety before accuracy: the fewest "raise the rate"
    verdicts on too-high runs (with every signal and from the loss and rate alone), then the fewest
    ``healthy`` on diverged or NaN runs, then the least excess over :data:`SLIP_SHARE` of too-high
    runs read as healthy, plateau or too_low_slow, then the fewest "lower the rate" on runs whose rate is
    at or below the grid-best rate (``low``: within :data:`AT_BEST` decades of it or below; both ways
    again; a plateau's decay counts as lowering on the runs of ``crawl``: below the grid-best rate and
    ending clearly behind it, where a higher rate was the cure), and among those the best balanced
    accuracy. Advice in the wrong direction is the worse error."""
    high = mask & np.isin(labels, TOO_HIGH)
    blown = mask & np.isin(labels, ("nan", "too_high_diverging"))
    low = mask & (np.zeros(len(labels), bool) if low is None else low)
    crawl = mask & (np.zeros(len(labels), bool) if crawl is None else crawl)

    def wrong(d: np.ndarray | None, sel: np.ndarray, way: str) -> int:
        return 0 if d is None else int((d[sel] == way).sum())

    def key(i: int) -> tuple[int, int, float, int, float]:
        s = scored[i]
        slips = float(np.isin(s.verdict[high], list(WRONG_FOR_TOO_HIGH)).mean()) if high.any() else 0.0
        # a user may have no validation column: neither way may point the wrong way
        raises = wrong(s.direction, high, "raise") + wrong(s.plain_direction, high, "raise")
        lowers = (wrong(s.direction, low, "lower") + wrong(s.plain_direction, low, "lower")
                  + wrong(s.direction, crawl, "decay") + wrong(s.plain_direction, crawl, "decay"))
        return (raises, int((s.verdict[blown] == "healthy").sum()),
                round(max(0.0, slips - SLIP_SHARE), 6), lowers, -balanced(s.verdict, labels, mask))

    return min(range(len(scored)), key=key)


def lofo(ms: Sequence[Measured], labels: np.ndarray, families: np.ndarray, cands: Sequence[DiagnosePolicy],
         low: np.ndarray | None = None, crawl: np.ndarray | None = None,
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, DiagnosePolicy], list[Scored],
                    dict[str, float], dict[float, np.ndarray]]:
    """Held-out verdicts with every signal, their calibrated confidences, the held-out verdicts from
    the loss and rate alone, the policy chosen for each family, every candidate's scores, the
    calibration bound's level chosen for each family (unlabelled runs, ``labels == ""``, take no
    part in either choice), and the held-out verdicts under each confidence floor of ``FLOORS``
    (``low``: the runs at or below the grid-best rate; ``crawl``: those below it that ended clearly
    behind it; both for :func:`choose`)."""
    scored = [verdicts(ms, p) for p in cands]
    labelled = labels != ""
    verdict = np.empty(len(labels), dtype=object)
    plain = np.empty(len(labels), dtype=object)
    confidence = np.zeros(len(labels))
    chosen, levels = {}, {}
    by_floor: dict[float, np.ndarray] = {}
    for fam in sorted(set(families)):
        train, test = labelled & (families != fam), families == fam
        i = choose(scored, labels, train, low, crawl)
        chosen[fam] = cands[i]
        s = scored[i]
        fit_args = (s.raw[train], s.verdict[train] == labels[train], s.verdict[train], families[train])
        levels[fam] = choose_level(*fit_args)
        table = fit_calibration(*fit_args, z=levels[fam])
        held_ms = [m for m, t in zip(ms, test) if t]
        held = verdicts(held_ms, cands[i].replace(calibration=table))
        verdict[test], confidence[test] = held.verdict, held.raw  # the same verdicts, calibrated
        plain[test] = verdicts(held_ms, cands[i].replace(calibration=table), val=False).verdict
        for f in FLOORS:  # the verdicts under each confidence floor, for the floor table
            under = verdicts(held_ms, cands[i].replace(calibration=table, advice_floor=f))
            by_floor.setdefault(f, np.empty(len(labels), dtype=object))[test] = under.verdict
    return verdict, confidence, plain, chosen, scored, levels, by_floor


def confusion_rows(labels: np.ndarray, verdict: np.ndarray, mask: np.ndarray) -> tuple[list, list]:
    """Rows per label: runs, right, and how many got each verdict."""
    cols = [v for v in VERDICTS if (verdict[mask] == v).any()]
    rows = []
    for k in sorted(set(labels[mask])):
        c = Counter(verdict[mask & (labels == k)])
        rows.append([k, sum(c.values()), c.get(k, 0), *[c.get(v, 0) for v in cols]])
    return rows, ["label", "runs", "right", *cols]


def family_rows(labels: np.ndarray, verdict: np.ndarray, families: np.ndarray,
                order: Sequence[str]) -> tuple[list, list]:
    """Held-out right / labelled per family x label, and each family's share right."""
    rows = []
    for fam in sorted(set(families)) + ["all"]:
        row: list = [fam]
        sel_f = (families == fam) if fam != "all" else np.ones(len(labels), bool)
        good = tot = 0
        for k in order:
            sel = sel_f & (labels == k)
            row.append(f"{int((verdict[sel] == k).sum())}/{int(sel.sum())}" if sel.any() else "")
            good, tot = good + int((verdict[sel] == k).sum()), tot + int(sel.sum())
        row.append(f"{100 * good / max(tot, 1):.1f}%")
        rows.append(row)
    return rows, ["family", *order, "right"]


def per_label_stability(chosen: dict[str, DiagnosePolicy]) -> list[list]:
    """How often each grid value was chosen across the folds."""
    rows = []
    for k in GRID:
        c = defaultdict(int)
        for p in chosen.values():
            c[getattr(p, k)] += 1
        rows.append([k, ", ".join(f"{v:g}: {n}" for v, n in sorted(c.items()))])
    return rows
