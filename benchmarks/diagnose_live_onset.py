"""Does a late onset make the live pace test say "raise" on a rate too high, and what does reading it cost?

ux16 D7: a small ViT (AdamW) at 10x its best rate sat near its first loss for ~30 updates, then fell;
read at 100 losses, the last decade of time held the whole descent and the decade before no drop beyond
noise (the decade ratio is infinite), and the pace test said "multiply the rate by about 10".
``DiagnosePolicy(slow_onset=True)`` (opt-in) reads such a history as an onset, not a pace: no "raise".
Each zoo corpus run (``dev.diagnose_corpus``) is read as ``Watchdog(every=50)``'s first reports read it
(its first 50, 100, 150 losses, with its rates, under ``LIVE_POLICY``), with the rule off and on,
counting "raise" on runs above the grid-best rate (wrong way) and "raise" on runs below it (the reading
a rate too low should get), per family; then the switch is chosen by leave-one-family-out (fewest
wrong-way raises, then most raises below the best, on the other families) and the held-out family's
counts summed.

Run::

    nice -n 10 .venv/bin/python benchmarks/diagnose_live_onset.py [--no-record]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import diagnose_corpus as dc  # noqa: E402
from dev.diagnose_lofo import where  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit.diagnostics import LIVE_POLICY, DiagnosePolicy, decide, measure  # noqa: E402

PREFIXES = (50, 100, 150)  # Watchdog(every=50)'s first reports
SHARES = (False, True)  # slow_onset off (the default) and on


def policy(share: bool) -> DiagnosePolicy:
    """The live policy, with the late-onset rule off or on."""
    return replace(LIVE_POLICY, slow_onset=share)


def readings(entries: list[dc.Entry]) -> Counter:
    """``(family, prefix, on, where) -> runs told "raise"`` and ``(family, prefix, "n", where) -> runs``."""
    c: Counter = Counter()
    for e in entries:
        pos = where((e.record["facts"] or {}).get("decades_from_best"))
        fam = e.record["family"]
        for n in PREFIXES:
            y, lr = e.loss[:n], e.lr[:n]
            if y.size < n or not np.all(np.isfinite(y)):
                continue
            m = measure(y, lr)
            c[(fam, n, "n", pos)] += 1
            for share in SHARES:
                c[(fam, n, share, pos)] += decide(m, policy=policy(share)).direction == "raise"
    return c


def lofo(c: Counter, families: list[str], n: int) -> tuple[int, int, list[str]]:
    """Held-out wrong-way raises above the best and raises below it, and the share each fold chose."""
    def score(fams, share):
        return (-sum(c[(f, n, share, "above")] for f in fams), sum(c[(f, n, share, "below")] for f in fams))
    wrong = right = 0
    chosen = []
    for held in families:
        rest = [f for f in families if f != held]
        share = max(SHARES, key=lambda s: score(rest, s))
        chosen.append("on" if share else "off")
        wrong += c[(held, n, share, "above")]
        right += c[(held, n, share, "below")]
    return wrong, right, chosen


def main() -> None:
    args = arguments(__doc__).parse_args()
    cpu = time.process_time()
    entries = dc.load()
    c = readings(entries)
    families = sorted({e.record["family"] for e in entries})
    table = []
    for n in PREFIXES:
        tot = {pos: sum(c[(f, n, "n", pos)] for f in families) for pos in ("above", "below")}
        for share in SHARES:
            above = sum(c[(f, n, share, "above")] for f in families)
            below = sum(c[(f, n, share, "below")] for f in families)
            fixed = [f"{f} {c[(f, n, False, 'above')]}->{c[(f, n, share, 'above')]}" for f in families
                     if c[(f, n, share, "above")] != c[(f, n, False, "above")]]
            hit = sum(c[(f, n, share, "below")] < c[(f, n, False, "below")] for f in families)
            table.append([n, "on" if share else "off (default)", f"{above}/{tot['above']}",
                          f"{below}/{tot['below']}", ", ".join(fixed) or "-", hit])
        w, r, chosen = lofo(c, families, n)
        table.append([n, f"LOFO (on in {chosen.count('on')}/{len(families)} folds)", f"{w}/{tot['above']}",
                      f"{r}/{tot['below']}", "held out", "-"])
    headers = ["losses read", "slow_onset", "raise above the best rate (wrong way)",
               "raise below the best rate", "wrong-way raises by family (off->on)",
               "families with fewer raises below"]
    print_table(table, headers)
    if args.no_record:
        return
    body = "\n\n".join([
        f"The zoo corpus ({len(entries)} runs, {len(families)} families), read at its first 50, 100, 150 "
        "losses under `LIVE_POLICY` with its rates, the late-onset rule (`slow_onset`) off and on; "
        "\"above\" is more than 0.17 decades above the grid-best rate, \"below\" as far below it.",
        markdown_table(table, headers),
        f"CPU time {time.process_time() - cpu:.0f} s (measured as CPU, the machine being shared)."])
    record("diagnose_live_onset", "Diagnosis live: a late onset read as a pace too slow", body,
           command="nice -n 10 .venv/bin/python benchmarks/diagnose_live_onset.py")


if __name__ == "__main__":
    main()
