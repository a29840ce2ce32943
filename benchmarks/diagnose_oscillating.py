"""Is ``too_high_oscillating`` right on the zoo, read whole and live, and on which runs does it say so?

Each zoo corpus run (``dev.diagnose_corpus``: constant-rate grids over five decades and more, 3 seeds,
and cosine runs at 1x and 3x the grid-best rate, labelled by outcome, ``dev.diagnose_labels``) is read
whole with every column the zoo records (as ``diagnose_zoo.py`` reads it) and at its first 50, 100 and
150 losses with its rates (the first reports of ``Watchdog(every=50)``, as ``diagnose_first_reports.py``
reads them). Every reading that names ``too_high_oscillating``, as its verdict (advice: lower the rate)
or as the runner-up of an ``uncertain`` reading (no advice, a hypothesis to check), is counted by the
run's outcome label and by where the run's rate sits against the grid-best rate (within a sixth of a
decade: at the best). "Lower" on a run at or below the best rate points the wrong way.

Side by side in one run, on the same readings: the policy shipped before ``swing_commit`` (the
oscillation and zig-zag tests commit whenever they fire; ``drift_skew_z = 0.25``; every
``too_high_oscillating`` calibrated to 0.00) and the shipped one; then, for the former, the same counts
per deciding test (oscillation, zig-zag, drift). Every figure is in sample (the labels
choose nothing here; ``diagnose_zoo.py`` chooses ``swing_commit`` by leave-one-family-out).

Run::

    flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/diagnose_oscillating.py [--no-record]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import diagnose_corpus as dc  # noqa: E402
from dev.diagnose_lofo import AT_BEST, where  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit.diagnostics import DiagnosePolicy, decide, measure  # noqa: E402

#: The readings: the whole run (every column), and the first reports of ``Watchdog(every=50)``.
READS = ("whole", 50, 100, 150)
#: The policy shipped before ``swing_commit`` (every swing committed; ``drift_skew_z = 0.25``; a
#: calibration that gave every ``too_high_oscillating`` 0.00), and the shipped one.
BEFORE = DiagnosePolicy(swing_commit=1.0, drift_skew_z=0.25, calibration=tuple(
    (v, ((1.0, 0.0),) if v == "too_high_oscillating" else steps)
    for v, steps in DiagnosePolicy().calibration))
POLICIES = {"before": BEFORE, "shipped": DiagnosePolicy()}
#: The outcome labels, in the table's order ("" : unlabelled).
LABELS = ("too_high_oscillating", "too_high_diverging", "healthy", "plateau", "too_low_slow", "")
#: The deciding evidence's statistic -> the test's name.
TESTS = {"oscillation_q": "oscillation", "zigzag_ratio": "zig-zag", "rise": "drift"}
VERDICT = "too_high_oscillating"


def readings(entries: list[dc.Entry]) -> list[dict]:
    """One row per (run, reading, policy) that names too_high_oscillating as verdict or runner-up."""
    out = []
    for e in entries:
        facts = e.record["facts"] or {}
        base = {"label": e.record["label"] or "", "pos": where(facts.get("decades_from_best")),
                "family": e.record["family"]}
        for n in READS:
            y, lr = (e.loss, e.lr) if n == "whole" else (e.loss[:n], e.lr[:n])
            if (n != "whole" and y.size < n) or not np.all(np.isfinite(y)):
                continue
            m = measure(y, lr)
            val = {"val_losses": e.val_loss, "val_steps": e.val_step} if n == "whole" else {}
            for name, p in POLICIES.items():
                d = decide(m, policy=p, **val)
                named = d.verdict == VERDICT or (d.verdict == "uncertain" and d.runner_up == VERDICT)
                if named and d.fired[:1] == (VERDICT,):
                    out.append({**base, "read": n, "policy": name, "verdict": d.verdict,
                                "direction": d.direction, "test": TESTS.get(d.evidence[0].statistic, "?")})
    return out


def _row(rows: list[dict], head: list) -> list:
    lab = Counter(r["label"] for r in rows)
    pos = Counter(r["pos"] for r in rows)
    lower = [r for r in rows if r["direction"] == "lower"]
    wrong = sum(r["pos"] in ("below", "best") for r in lower)
    right = sum(r["label"] in ("too_high_oscillating", "too_high_diverging") for r in lower)
    return [*head, len(lower), sum(r["verdict"] == "uncertain" for r in rows), *[lab[k] for k in LABELS],
            pos["below"], pos["best"], pos["above"], f"{wrong}/{len(lower)}", f"{right}/{len(lower)}"]


HEADERS = ["too_high_oscillating (lower)", "uncertain naming it", "labelled oscillating", "diverging",
           "healthy", "plateau", "too low", "unlabelled", "rate below the best", "at the best", "above",
           "lower at or below the best", "lower on a too-high label"]


def tables(rows: list[dict]) -> tuple[list[list], list[list]]:
    """Per policy x reading, and per deciding test x reading (the policy before)."""
    by_policy = [_row([r for r in rows if r["policy"] == p and r["read"] == n], [p, n])
                 for p in POLICIES for n in READS]
    first = next(iter(POLICIES))
    by_test = [_row([r for r in rows if r["policy"] == first and r["read"] == n and r["test"] == t], [t, n])
               for t in TESTS.values() for n in READS]
    return by_policy, by_test


def main() -> None:
    ap = arguments(__doc__)
    args = ap.parse_args()
    cpu = time.process_time()
    entries = dc.load()
    rows = readings(entries)
    by_policy, by_test = tables(rows)
    print_table(by_policy, ["policy", "read", *HEADERS])
    print_table(by_test, ["test (before)", "read", *HEADERS])
    fams = Counter(r["family"] for r in rows if r["policy"] == next(iter(POLICIES)) and r["read"] == "whole")
    print("whole-run readings per family (before):", dict(fams))
    if args.no_record:
        return
    body = "\n\n".join([
        f"The zoo corpus ({len(entries)} runs), read whole with every column and at its first 50, 100, 150 "
        "losses with its rates (`Watchdog(every=50)`'s first reports); each reading that names "
        "`too_high_oscillating` (its verdict, advising lower, or the runner-up of an `uncertain` reading, "
        "advising nothing) counted by the run's outcome label and by its rate against the grid-best rate "
        f"(within {AT_BEST:.2g} decades: at the best). In sample: the labels choose nothing here.",
        markdown_table(by_policy, ["policy", "read", *HEADERS]),
        "Per deciding test, before:",
        markdown_table(by_test, ["test", "read", *HEADERS]),
        "Whole-run readings per family, before: "
        + ", ".join(f"{k} {v}" for k, v in sorted(fams.items())) + ".",
        f"CPU time {time.process_time() - cpu:.0f} s (measured as CPU, the machine being shared)."])
    record("diagnose_oscillating", "Diagnosis: too_high_oscillating on the zoo, read whole and live", body,
           command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
                   "benchmarks/diagnose_oscillating.py")


if __name__ == "__main__":
    main()
