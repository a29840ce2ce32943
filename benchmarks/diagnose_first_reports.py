"""What do a Watchdog's first live reports say, on the zoo's runs, and does any point the wrong way?

A ``Watchdog(every=50)`` (the default) reports ``diagnose`` of the history so far at updates 49, 99,
149, ...: the first reports read 50, 100 and 150 losses of a run whose end nobody has seen. Each zoo
corpus run (``dev.diagnose_corpus``: constant-rate grids over five decades and more, 3 seeds, and cosine
runs at 1x and 3x the grid-best rate) is read at those prefixes with its rates, and each reading's
advice (``Diagnosis.direction``) is counted against where the run's rate sits: below the grid-best rate
(a rate to raise), at it (within a sixth of a decade), or above it; a run whose loss went NaN has no
metric to place it by and is none of these. "raise" on a run at or above the best rate, and "lower" on
one at or below it, is advice that points the wrong way (issue 14: "advice never points the wrong
way"); "raise" on a run below it is the reading a too-low rate should get.

Side by side in one run, on the same prefixes: the Watchdog's policy (``LIVE_POLICY``:
``diagnose``'s default with ``blowup_descending_z = 2``, chosen by ``diagnose_live_policy.py``),
``diagnose``'s default, and that with ``slow_min_updates = 0`` (the too-slow test read on histories of
any length, as before the optimizer's transient was counted;
docs/evidence.md#diagnose-too-slow-and-the-optimizers-transient), and with
``starved_giveback = 100`` (ground lost on the way down and recovered does not forbid "raise", as before;
docs/evidence.md#diagnose-ground-lost-on-the-way-down), and with ``blowup_recovered_z = 1e9`` (an early
blow-up the run recovered from commits to ``too_high_diverging``, as before;
docs/evidence.md#diagnose-a-blow-up-the-run-recovered-from), and the policy shipped before it (that and
the confidence map fitted then, whose ``too_high_diverging`` steps decide which readings the confidence
floor holds as contested), and the opt-in ``blowup_descending_z`` at 8, 5 and 3 (an early blow-up followed
by a descent still under way is uncertain; docs/evidence.md#diagnose-a-blow-up-with-its-descent-under-way):
both sides, "lower" at or below the best rate and "lower" on runs labelled too high. The last column
asks whether the drift test needs a longer history live: its "lower" on runs at or below the best rate
against its "lower" on runs labelled too high.

Run::

    nice -n 10 .venv/bin/python benchmarks/diagnose_first_reports.py [--no-record]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import diagnose_corpus as dc  # noqa: E402
from dev.diagnose_lofo import AT_BEST, TOO_HIGH, where  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit.diagnostics import LIVE_POLICY, DiagnosePolicy, decide, measure  # noqa: E402

#: The first reports of ``Watchdog(every=50)``: the losses of updates 0..49, 0..99, 0..149.
PREFIXES = (50, 100, 150)
POLICIES = {"LIVE_POLICY (the Watchdog's)": LIVE_POLICY, "diagnose's default": DiagnosePolicy(),
            "slow_min_updates = 0": DiagnosePolicy(slow_min_updates=0),
            "starved_giveback = 100 (off)": DiagnosePolicy(starved_giveback=100.0),
            "blowup_recovered_z = 1e9 (off)": DiagnosePolicy(blowup_recovered_z=1e9),
            "before (1e9, its calibration)": DiagnosePolicy(blowup_recovered_z=1e9, calibration=tuple(
                (v, ((0.5231, 0.0), (1.0, 0.339)) if v == "too_high_diverging" else steps)
                for v, steps in DiagnosePolicy().calibration)),
            "blowup_descending_z = 8 (opt-in)": DiagnosePolicy(blowup_descending_z=8.0),
            "blowup_descending_z = 5 (opt-in)": DiagnosePolicy(blowup_descending_z=5.0),
            "blowup_descending_z = 3 (opt-in)": DiagnosePolicy(blowup_descending_z=3.0)}
#: The drift test's deciding statistic (``too_high_oscillating`` on a stalled run back above its best).
DRIFT = ("too_high_oscillating", "rise")


def readings(entries: list[dc.Entry]) -> tuple[Counter, Counter, Counter]:
    """``(policy, prefix, where, direction) -> runs`` over every run with a finite prefix,
    ``(policy, prefix, direction) -> runs`` over those the outcome labels call too high (the issue's
    "zero raise on too-high runs", read live), and ``(policy, prefix, where or "too high") -> runs`` told
    to lower the rate by the drift test (does it need a longer history live?)."""
    out: Counter = Counter()
    high: Counter = Counter()
    drift: Counter = Counter()
    for e in entries:
        pos = where((e.record["facts"] or {}).get("decades_from_best"))
        too_high = e.record.get("label") in TOO_HIGH
        for n in PREFIXES:
            y, lr = e.loss[:n], e.lr[:n]
            if y.size < n or not np.all(np.isfinite(y)):
                continue
            m = measure(y, lr)
            for name, p in POLICIES.items():
                d = decide(m, policy=p)
                out[(name, n, pos, d.direction)] += 1
                if too_high:
                    high[(name, n, d.direction)] += 1
                if (d.verdict, d.evidence[0].statistic if d.evidence else None) == DRIFT:
                    drift[(name, n, pos)] += 1
                    drift[(name, n, "too high")] += too_high
    return out, high, drift


def rows(c: Counter, high: Counter, drift: Counter) -> tuple[list[list], list[str]]:
    """Per policy and prefix: raise at or above the best rate (wrong way), raise on runs labelled too
    high, raise below the best rate, lower on runs below the best, lower at or below the best (wrong
    way) and, of the drift test alone, lower at or below the best against lower on runs labelled too high.
    Runs with no position (their loss went NaN: no metric places them) are neither at nor below it."""
    out = []
    for name in POLICIES:
        for n in PREFIXES:
            def count(pos: tuple[str, ...], d: str) -> int:
                return sum(v for (p, k, w, di), v in c.items()
                           if p == name and k == n and w in pos and di == d)

            below = sum(v for (p, k, w, _), v in c.items() if p == name and k == n and w == "below")
            at = sum(v for (p, k, w, _), v in c.items() if p == name and k == n and w == "best")
            high_n = at + sum(v for (p, k, w, _), v in c.items() if p == name and k == n and w == "above")
            labelled = sum(v for (p, k, _), v in high.items() if p == name and k == n)
            out.append([name, n, f"{count(('best', 'above'), 'raise')}/{high_n}",
                        f"{count(('best',), 'raise')}", f"{high[(name, n, 'raise')]}/{labelled}",
                        f"{count(('below',), 'raise')}/{below}", f"{high[(name, n, 'lower')]}/{labelled}",
                        f"{count(('below',), 'lower')}/{below}",
                        f"{count(('below', 'best'), 'lower')}/{below + at}",
                        f"{drift[(name, n, 'below')] + drift[(name, n, 'best')]} / "
                        f"{drift[(name, n, 'too high')]}"])
    return out, ["policy", "losses read", "raise at or above the best rate", "of which at the best",
                 "raise on runs labelled too high", "raise below the best rate",
                 "lower on runs labelled too high", "lower below the best rate",
                 "lower at or below the best rate", "drift test: lower at or below the best / on too high"]


def main() -> None:
    ap = arguments(__doc__)
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
        f"{AT_BEST:.2g} decades of the grid-best rate counts as at the best; a run whose loss went NaN "
        "has no position (neither at nor below the best). Prefixes with a non-finite loss are left out "
        "(their reading is `nan`, lower).",
        markdown_table(table, headers),
        f"CPU time {time.process_time() - cpu:.0f} s (measured as CPU, the machine being shared)."])
    record("diagnose_first_reports", "A Watchdog's first reports on the zoo: advice the wrong way", body,
           command="nice -n 10 .venv/bin/python benchmarks/diagnose_first_reports.py")


if __name__ == "__main__":
    main()
