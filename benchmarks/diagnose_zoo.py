"""Does ``diagnose`` name what would have helped, on workload families it was never tuned on?

The corpus (``dev.diagnose_corpus``, frozen before any detector change) is every ground-truth run of
the zoo (``dev.zoo_grid``: constant-rate grids of 3 rates per decade over at least 5 decades, 3 seeds,
plus cosine runs at 1x and 3x the grid-best rate), each labelled by its **outcome**, i.e. where its rate
sits relative to the grid-best rate and how far its final validation metric is behind the best,
together with what its training loss did (``dev.diagnose_labels`` states the rules). Runs whose outcome
does not decide a label (borderline regrets, a training loss that does not show what the metric
shows) are unlabelled: they are left out of the accuracy figures and kept in the safety counts.

**Held out by family.** The detector's policy (``lrkit.diagnostics.DiagnosePolicy``) is chosen among
the candidates of ``dev.diagnose_lofo.GRID`` by leave-one-family-out: for each of the zoo's families,
the candidate chosen on the *other* families, safety first (``dev.diagnose_lofo.choose``: no "raise
the rate" on their too-high runs, no ``healthy`` on their diverged runs, few too-high runs read as
keep, decay or raise; few "lower the rate" on runs at or below the grid-best rate; then the best
balanced accuracy), is scored on that family; the confidence
calibration is fitted the same way. Every figure printed is the held-out one. The built-in tasks are
not in the zoo (``diagnose_accuracy.py`` is their regression check); ``diagnose_ceiling.py`` asks how
far any reader of these histories could get.

**Signals.** Each run is diagnosed twice: as a plain ``step,loss,lr`` CSV gives it (``loss+lr``), and
with every column the zoo records (``all``: the gradient norm per update and the validation loss at 16
points and the end), as a Lightning ``metrics.csv`` or a Hugging Face ``trainer_state.json`` gives it.

Targets (issue 14): >= 90% right overall and >= 80% on every family; too-high runs read as
``healthy``, ``plateau`` or ``too_low_slow`` at most 5%; no ``healthy`` on a diverged or NaN run; no
"raise the rate" on a too-high run; verdicts given with confidence >= 0.8 right >= 95% of the time.

Run::

    nice -n 10 .venv/bin/python benchmarks/diagnose_zoo.py --build     # once: label and freeze
    nice -n 10 .venv/bin/python benchmarks/diagnose_zoo.py --counts    # the corpus per family x label
    nice -n 10 .venv/bin/python benchmarks/diagnose_zoo.py [--no-record]
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import diagnose_corpus as dc  # noqa: E402
from dev.diagnose_labels import HEALTHY_GAP, LABELS  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from dev.diagnose_calibration import (  # noqa: E402
    SURE, choose_level, fit_calibration, floor_rows, reliability_rows)
from dev.diagnose_lofo import (  # noqa: E402
    AT_BEST, GRID, TOO_HIGH, WRONG_FOR_TOO_HIGH, balanced, candidates, choose, confusion_rows, family_rows,
    lofo, measure_all, per_label_stability)

from lrkit.diagnostics import DIRECTIONS, DiagnosePolicy  # noqa: E402

RESULT = Path(__file__).resolve().parent / "results" / "diagnose_zoo.json"
CEILING = Path(__file__).resolve().parent / "results" / "diagnose_ceiling.json"


def ceiling_line(right: float) -> str:
    """diagnose's held-out figure beside the empirical ceiling of ``diagnose_ceiling.py`` (its last run)."""
    if not CEILING.exists():
        return f"held out: diagnose {right:.1%}; ceiling not measured (run benchmarks/diagnose_ceiling.py)"
    c = json.loads(CEILING.read_text())
    sets = ", ".join(f"{c[k]['right']:.1%} on {k}" for k in ("measurements", "curves", "everything")
                     if k in c)
    return (f"held out by family, the same splits: diagnose's rules {right:.1%}; a gradient-boosting "
            f"classifier (benchmarks/diagnose_ceiling.py, its last run) {sets}")


def _arrays(entries: list[dc.Entry]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Labels ("" when unlabelled), families, each run's rate in decades from the grid-best (NaN when
    the run has none: a non-finite loss), whether its training loss ended at or above its first loss, and
    whether it is a crawl: below the grid-best rate (by more than ``AT_BEST``) and ending more than
    ``HEALTHY_GAP`` points of gap behind the best, where a higher rate was the cure."""
    labels, families = dc.labels_and_families(entries)
    decades = np.array([np.nan if (d := (e.record["facts"] or {}).get("decades_from_best")) is None else d
                        for e in entries], float)  # NaN runs have none: neither above nor below the best
    above = np.array([bool((e.record["facts"] or {}).get("ended_above_start")) for e in entries])
    regret = np.array([(e.record["facts"] or {}).get("regret", np.nan) for e in entries], float)
    return labels, families, decades, above, (decades < -AT_BEST) & (regret > HEALTHY_GAP)


def safety(labels: np.ndarray, verdict: np.ndarray, direction: np.ndarray, decades: np.ndarray,
           above: np.ndarray, crawl: np.ndarray) -> list[list]:
    """The counts that must be zero (or small), over every run, labelled or not. Advice that lowers the
    rate is a cut (``lower``) or a plateau's decay ("cut the rate by 10x now"): both are counted."""
    high = np.isin(labels, TOO_HIGH)
    blown = np.isin(labels, ("nan", "too_high_diverging"))
    low = decades <= AT_BEST
    lowers = np.isin(direction, ("lower", "decay"))
    slow = labels == "too_low_slow"
    return [
        ["too-high runs read as healthy, plateau or too_low_slow (target <= 5%)",
         f"{int(np.isin(verdict[high], list(WRONG_FOR_TOO_HIGH)).sum())}/{int(high.sum())} "
         f"({100 * np.isin(verdict[high], list(WRONG_FOR_TOO_HIGH)).mean():.1f}%)"],
        ["healthy on a diverged or NaN run (target 0)",
         f"{int((verdict[blown] == 'healthy').sum())}/{int(blown.sum())}"],
        ["raise the rate on a too-high run (target 0)",
         f"{int((direction[high] == 'raise').sum())}/{int(high.sum())}"],
        ["raise the rate on any run above the grid-best rate, labelled or not",
         f"{int((direction[decades > 0.01] == 'raise').sum())}/{int((decades > 0.01).sum())}"],
        ["raise the rate on a run whose loss ended at or above its first loss (guard: 0)",
         f"{int((direction[above] == 'raise').sum())}/{int(above.sum())}"],
        [f"lower the rate (a cut, or a plateau's 10x decay) on a run at or below the grid-best rate (within "
         f"{AT_BEST:.2g} decades), labelled or not", f"{int(lowers[low].sum())}/{int(low.sum())}"],
        ["... of which a cut (`lower`)", f"{int((direction[low] == 'lower').sum())}/{int(low.sum())}"],
        ["... of which a decay on a run below the grid-best rate that ended more than 10 points of gap "
         "behind it (a higher rate was the cure)",
         f"{int((direction[crawl] == 'decay').sum())}/{int(crawl.sum())}"],
        ["... of which a decay on a run labelled too_low_slow",
         f"{int((direction[slow] == 'decay').sum())}/{int(slow.sum())}"],
    ]


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--build", action="store_true", help="label every zoo run and freeze the corpus")
    ap.add_argument("--counts", action="store_true", help="print the corpus per family x label and stop")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    if args.build:
        dc.build(workers=args.workers)
    records = json.loads(dc.CORPUS.read_text())["records"]
    rows, headers = dc.counts(records)
    print_table(rows, headers)
    print("unlabelled:", dict(Counter(r["reason"] for r in records if r["label"] is None)))
    if args.counts or args.build:
        return
    cpu = time.process_time()
    entries = dc.load()
    labels, families, decades, above, crawl = _arrays(entries)
    ms = measure_all(entries)
    cands = candidates()
    low = decades <= AT_BEST  # runs not to tell to lower their rate
    verdict, confidence, plain, chosen, scored, levels, by_floor = lofo(ms, labels, families, cands, low,
                                                                         crawl)
    lab = labels != ""
    floor = floor_rows(labels, by_floor, lab, DIRECTIONS)
    right = verdict == labels
    fam_rows, fam_h = family_rows(labels, verdict, families, LABELS)
    conf_rows, conf_h = confusion_rows(labels, verdict, lab)
    claim = lab & (verdict != "uncertain")  # "I can't tell" claims nothing to be right about
    cal_rows, cal_h = reliability_rows(confidence[claim], right[claim])
    sure = claim & (confidence >= SURE)
    sure_by = [[v, int(sure[verdict == v].sum()), f"{100 * right[sure & (verdict == v)].mean():.1f}%"]
               for v in sorted(set(verdict[sure]))]
    direction = np.array([DIRECTIONS[v] for v in verdict])
    high = np.isin(labels, TOO_HIGH)
    safe = safety(labels, verdict, direction, decades, above, crawl)
    plain_safe = safety(labels, plain, np.array([DIRECTIONS[v] for v in plain]), decades, above, crawl)
    safe = [[name, a, b] for (name, a), (_, b) in zip(safe, plain_safe)]
    plain_right = float((plain == labels)[lab].mean())
    # The shipped policy: the candidate chosen on all twelve families, its calibration fitted on all of them.
    i_all = choose(scored, labels, lab, low, crawl)
    final = scored[i_all]
    fit_args = (final.raw[lab], final.verdict[lab] == labels[lab], final.verdict[lab], families[lab])
    level = choose_level(*fit_args)
    table = fit_calibration(*fit_args, z=level)
    shipped = {k: getattr(cands[i_all], k) for k in GRID}
    summary = {"held_out_right": float(right[lab].mean()),
               "held_out_balanced": balanced(verdict, labels, lab),
               "held_out_right_loss_and_rate_only": plain_right,
               "per_family": {f: float(right[lab & (families == f)].mean()) for f in sorted(set(families))},
               "shipped": shipped, "calibration": table, "calibration_level": level,
               "calibration_levels_per_fold": levels,
               "held_out_sure": {"runs": int(sure.sum()),
                                 "right": float(right[sure].mean()) if sure.any() else None},
               "uncertain": int((verdict[lab] == "uncertain").sum()),
               "too_high_slips": int(np.isin(verdict[high], list(WRONG_FOR_TOO_HIGH)).sum()),
               "too_high_raise": int((direction[high] == "raise").sum())}
    RESULT.write_text(json.dumps(summary, indent=1, default=str) + "\n")
    print(f"\nheld out by family: {summary['held_out_right']:.1%} right, "
          f"balanced {summary['held_out_balanced']:.1%}; from the loss and rate alone {plain_right:.1%}")
    print(ceiling_line(summary["held_out_right"]))
    for title, (r, h) in (("per family x label", (fam_rows, fam_h)), ("confusion", (conf_rows, conf_h)),
                          ("reliability (held out)", (cal_rows, cal_h)),
                          (f"confidence >= {SURE} by verdict (held out)",
                           (sure_by, ["verdict", "runs", "right"])),
                          ("safety", (safe, ["count", "every signal", "loss and rate only"])),
                          ("a floor on the calibrated confidence (held out)", floor),
                          ("chosen per fold", (per_label_stability(chosen), ["field", "value: folds"]))):
        print(f"\n{title}")
        print_table(r, h)
    print("\nshipped:", shipped)
    print("calibration bound level per fold:", levels, "shipped:", level)
    print("calibration =", table)
    if not args.no_record:
        body = "\n\n".join([
            f"Held out by family (leave-one-family-out over {len(set(families))} families, {len(cands)} "
            f"candidate policies): **{summary['held_out_right']:.1%}** right of {int(lab.sum())} labelled "
            f"runs, balanced (mean over labels) {summary['held_out_balanced']:.1%}; {summary['uncertain']} "
            "said `uncertain`. "
            f"From the loss and rate columns alone (no validation loss): {plain_right:.1%} right.",
            markdown_table(fam_rows, fam_h), markdown_table(conf_rows, conf_h),
            ceiling_line(summary["held_out_right"]) + ".",
            "Reliability, held out (each family's confidences from a map fitted on the other eleven: "
            "isotonic per verdict, each step lowered to a one-sided bound of the share right on a new "
            "family, the bound's level chosen by leave-one-family-out within the eleven; the verdicts "
            "other than `uncertain`; a band right less often than its mean confidence claims more "
            "than it covers):",
            markdown_table(cal_rows, cal_h),
            f"Verdicts given {SURE} or more, held out:",
            markdown_table(sure_by, ["verdict", "runs", "right"]),
            "Bound level chosen per fold (normal quantile: 1.28, 1.64, 2.33 = one-sided 90, 95, 99%): "
            + ", ".join(f"{f} {z:.2f}" for f, z in levels.items())
            + f"; shipped (chosen on all twelve): {level:.2f}.",
            markdown_table(safe, ["safety count", "every signal", "loss and rate only"]),
            "A floor on the calibrated confidence, held out: each verdict given a confidence below the "
            "floor, while a test that would move the rate the other way is at or past its threshold, said "
            "`uncertain` instead (keeping the verdict and hedging its words leaves every count as with no "
            "floor). 'Against the need': lower on a too-low run, raise on a too-high or NaN one. Shipped: "
            f"`advice_floor = {DiagnosePolicy().advice_floor:g}`; every other figure here is with it.",
            markdown_table(*floor),
            "Chosen per fold:", markdown_table(per_label_stability(chosen), ["field", "value: folds"]),
            f"Shipped (chosen the same way on all families): `{shipped}`; its calibration, fitted on all "
            f"families, is `DiagnosePolicy.calibration`'s default. CPU time "
            f"{time.process_time() - cpu:.0f} s (measured as CPU, the machine being shared)."])
        record("diagnose_zoo", "Diagnosis on the zoo, held out by family", body,
               command="nice -n 10 .venv/bin/python benchmarks/diagnose_zoo.py")


if __name__ == "__main__":
    main()
