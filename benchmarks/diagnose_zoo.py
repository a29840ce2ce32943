"""Does ``diagnose`` name what would have helped, on workload families it was never tuned on?

The corpus (``dev.diagnose_corpus``, frozen before any detector change) is every ground-truth run of
the zoo (``dev.zoo_grid``: constant-rate grids of 3 rates per decade over at least 5 decades, 3 seeds,
plus cosine runs at 1x and 3x the grid-best rate), each labelled by its **outcome**, i.e. where its rate
sits relative to the grid-best rate and how far its final validation metric is behind the best,
together with what its training loss did (``dev.diagnose_labels`` states the rules). Runs whose outcome
does not decide a label (borderline regrets, a training loss that does not show what the metric
shows) are unlabelled: they are left out of the accuracy figures and kept in the safety counts.

**Held out by family.** The detector's policy (``lrkit.diagnostics.DiagnosePolicy``) is chosen among
:data:`CANDIDATES` by leave-one-family-out: for each of the zoo's families, the candidate with the best
balanced accuracy (mean over labels) on the *other* families, with no "raise the rate" advice on their
too-high runs, is scored on that family; the confidence calibration is fitted the same way. Every
figure printed is the held-out one. The built-in tasks are not in the zoo (``diagnose_accuracy.py``
is their regression check).

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

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import diagnose_corpus as dc  # noqa: E402
from dev.diagnose_labels import LABELS  # noqa: E402
from dev.record import markdown_table, print_table, record  # noqa: E402

from lrkit.diagnostics import diagnose  # noqa: E402

MODES = ("loss+lr", "all")
#: Verdicts that tell a too-high run the wrong thing (keep, decay, or raise).
WRONG_FOR_TOO_HIGH = {"healthy", "plateau", "too_low_slow"}


def run_detector(e: dc.Entry, mode: str):
    """``diagnose`` on one corpus run with the signals of ``mode``."""
    if mode == "loss+lr":
        return diagnose(e.loss, e.lr)
    gn = e.grad_norm
    if gn.size < e.loss.size:  # a diverged run: the last, non-finite loss had no update
        gn = np.concatenate([gn, np.full(e.loss.size - gn.size, np.nan)])
    return diagnose(e.loss, e.lr, grad_norms=gn)


def summarise(entries: list[dc.Entry], verdicts: list[str]) -> dict[str, object]:
    """Accuracy overall, balanced, per family and per label, and the safety counts."""
    lab = [(e, v) for e, v in zip(entries, verdicts) if e.record["label"] is not None]
    right = [v == e.record["label"] for e, v in lab]
    per_label = {k: float(np.mean([r for (e, _), r in zip(lab, right) if e.record["label"] == k]))
                 for k in LABELS if any(e.record["label"] == k for e, _ in lab)}
    per_family = {f: float(np.mean([r for (e, _), r in zip(lab, right) if e.record["family"] == f]))
                  for f in sorted({e.record["family"] for e, _ in lab})}
    high = [v for e, v in lab if e.record["label"] in ("too_high_diverging", "too_high_oscillating")]
    blown = [v for e, v in lab if e.record["label"] in ("nan", "too_high_diverging")]
    return {"n": len(lab), "right": float(np.mean(right)), "balanced": float(np.mean(list(per_label.values()))),
            "per_label": per_label, "per_family": per_family,
            "too_high_as_wrong": float(np.mean([v in WRONG_FOR_TOO_HIGH for v in high])) if high else 0.0,
            "healthy_on_blown": sum(v == "healthy" for v in blown)}


def confusion(entries: list[dc.Entry], verdicts: list[str]) -> tuple[list[list[object]], list[str]]:
    """Rows per label: count, right, and the verdicts given."""
    by = defaultdict(Counter)
    for e, v in zip(entries, verdicts):
        by[e.record["label"] or f"({e.record['reason']})"][v] += 1
    cols = sorted({v for c in by.values() for v in c})
    rows = [[k, sum(c.values()), c.get(k, 0), *[c.get(v, 0) for v in cols]] for k, c in sorted(by.items())]
    return rows, ["label", "runs", "right", *cols]


def family_table(entries: list[dc.Entry], verdicts: list[str]) -> tuple[list[list[object]], list[str]]:
    """Held-out right / labelled per family x label."""
    fams = sorted({e.record["family"] for e in entries})
    rows = []
    for f in fams + ["all"]:
        row: list[object] = [f]
        tot = good = 0
        for k in LABELS:
            sel = [v == k for e, v in zip(entries, verdicts) if e.record["label"] == k and f in ("all", e.record["family"])]
            row.append(f"{sum(sel)}/{len(sel)}" if sel else "")
            tot, good = tot + len(sel), good + sum(sel)
        row.append(f"{100 * good / max(tot, 1):.1f}%")
        rows.append(row)
    return rows, ["family", *LABELS, "right"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", action="store_true", help="label every zoo run and freeze the corpus")
    ap.add_argument("--counts", action="store_true", help="print the corpus per family x label and stop")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args()
    if args.build:
        dc.build(workers=args.workers)
    records = [e for e in __import__("json").loads(dc.CORPUS.read_text())["records"]]
    rows, headers = dc.counts(records)
    print_table(rows, headers)
    print("unlabelled:", dict(Counter(r["reason"] for r in records if r["label"] is None)))
    if args.counts or args.build:
        return
    entries = dc.load()
    body = []
    for mode in MODES:
        verdicts = [run_detector(e, mode).verdict for e in entries]
        s = summarise(entries, verdicts)
        print(f"\n== {mode}: {s['right']:.1%} right, balanced {s['balanced']:.1%}, too-high as wrong "
              f"{s['too_high_as_wrong']:.1%}, healthy on blown {s['healthy_on_blown']}")
        rows, headers = family_table(entries, verdicts)
        print_table(rows, headers)
        rows2, headers2 = confusion(entries, verdicts)
        print_table(rows2, headers2)
        body += [f"### {mode}", markdown_table(rows, headers), "", markdown_table(rows2, headers2), ""]
    if not args.no_record:
        record("diagnose_zoo", "Diagnosis on the zoo, held out by family", "\n".join(body),
               command="nice -n 10 .venv/bin/python benchmarks/diagnose_zoo.py")


if __name__ == "__main__":
    main()
