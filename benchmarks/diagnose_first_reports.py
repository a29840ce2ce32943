"""What do a Watchdog's first live reports say, on the zoo's runs, and does any point the wrong way?

A ``Watchdog(every=50)`` (the default) reports ``diagnose`` of the history so far at updates 49, 99,
149, ...: the first reports read 50, 100 and 150 losses of a run whose end nobody has seen. Each zoo
corpus run (``dev.diagnose_corpus``: constant-rate grids over five decades and more, 3 seeds, and cosine
runs at 1x and 3x the grid-best rate) is read at those prefixes with its rates, and each reading's
advice (``Diagnosis.direction``) is counted against where the run's rate sits: below the grid-best rate
(a rate to raise), at it (within a third of a decade), or above it. "raise" on a run at or above the
best rate is advice that points the wrong way (issue 14: "advice never points the wrong way"); "raise"
on a run below it is the reading a too-low rate should get.

Side by side in one run, on the same prefixes: the shipped policy, the same policy with
``slow_min_updates = 0`` (the too-slow test read on histories of any length, as before the optimizer's
transient was counted; docs/evidence.md#diagnose-too-slow-and-the-optimizers-transient), and with
``starved_giveback = 100`` (ground lost on the way down and recovered does not forbid "raise", as before;
docs/evidence.md#diagnose-ground-lost-on-the-way-down).

Run::

    nice -n 10 .venv/bin/python benchmarks/diagnose_first_reports.py [--no-record]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import diagnose_corpus as dc  # noqa: E402
from dev.diagnose_lofo import AT_BEST, TOO_HIGH, where  # noqa: E402
from dev.record import markdown_table, print_table, record  # noqa: E402

from lrkit.diagnostics import DiagnosePolicy, decide, measure  # noqa: E402

#: The first reports of ``Watchdog(every=50)``: the losses of updates 0..49, 0..99, 0..149.
PREFIXES = (50, 100, 150)
POLICIES = {"shipped": DiagnosePolicy(), "slow_min_updates = 0": DiagnosePolicy(slow_min_updates=0),
            "starved_giveback = 100 (off)": DiagnosePolicy(starved_giveback=100.0)}


def readings(entries: list[dc.Entry]) -> tuple[Counter, Counter]:
    """``(policy, prefix, where, direction) -> runs`` over every run with a finite prefix, and
    ``(policy, prefix, direction) -> runs`` over those the outcome labels call too high (the issue's
    "zero raise on too-high runs", read live)."""
    out: Counter = Counter()
    high: Counter = Counter()
    for e in entries:
        pos = where((e.record["facts"] or {}).get("decades_from_best") or 0.0)
        too_high = e.record.get("label") in TOO_HIGH
        for n in PREFIXES:
            y, lr = e.loss[:n], e.lr[:n]
            if y.size < n or not np.all(np.isfinite(y)):
                continue
            m = measure(y, lr)
            for name, p in POLICIES.items():
                direction = decide(m, policy=p).direction
                out[(name, n, pos, direction)] += 1
                if too_high:
                    high[(name, n, direction)] += 1
    return out, high


def rows(c: Counter, high: Counter) -> tuple[list[list], list[str]]:
    """Per policy and prefix: raise at or above the best rate (wrong way), raise on runs labelled too
    high, raise below the best rate, and lower on runs below the best."""
    out = []
    for name in POLICIES:
        for n in PREFIXES:
            def count(pos: tuple[str, ...], d: str) -> int:
                return sum(v for (p, k, w, di), v in c.items()
                           if p == name and k == n and w in pos and di == d)

            below = sum(v for (p, k, w, _), v in c.items() if p == name and k == n and w == "below")
            high_n = sum(v for (p, k, w, _), v in c.items() if p == name and k == n and w != "below")
            labelled = sum(v for (p, k, _), v in high.items() if p == name and k == n)
            out.append([name, n, f"{count(('best', 'above'), 'raise')}/{high_n}",
                        f"{count(('best',), 'raise')}", f"{high[(name, n, 'raise')]}/{labelled}",
                        f"{count(('below',), 'raise')}/{below}", f"{count(('below',), 'lower')}/{below}"])
    return out, ["policy", "losses read", "raise at or above the best rate", "of which at the best",
                 "raise on runs labelled too high", "raise below the best rate", "lower below the best rate"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-record", action="store_true")
    args = ap.parse_args()
    cpu = time.process_time()
    entries = dc.load()
    table, headers = rows(*readings(entries))
    print_table(table, headers)
    if args.no_record:
        return
    body = "\n\n".join([
        f"The zoo corpus ({len(entries)} runs), each read at its first {', '.join(map(str, PREFIXES))} "
        "losses with its rates, as `Watchdog(every=50)` reports at updates 49, 99 and 149; a rate within "
        f"{AT_BEST:.2g} decades of the grid-best rate counts as at the best. Prefixes with a non-finite "
        "loss are left out (their reading is `nan`, lower).",
        markdown_table(table, headers),
        f"CPU time {time.process_time() - cpu:.0f} s (measured as CPU, the machine being shared)."])
    record("diagnose_first_reports", "A Watchdog's first reports on the zoo: advice the wrong way", body,
           command="nice -n 10 .venv/bin/python benchmarks/diagnose_first_reports.py")


if __name__ == "__main__":
    main()
