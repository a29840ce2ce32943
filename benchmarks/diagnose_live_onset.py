"""Does the live reading say "raise" on a rate too high because of how its loss started (a wait before the
descent, or a fall in the first updates), and what does reading the start cost?

Two live misreadings of a loss's start, both "raise the rate" on a run above its best rate:

* ux16 D7: a small ViT (AdamW) at 10x its best rate sat near its first loss for ~30 updates, then fell;
  read at 100 losses, the pace test (the share of the drop made in the second half, the decade ratio, read
  from the first update) saw the whole descent late: "multiply the rate by about 10". A rate too low crawls
  from its first update (a linear crawl makes its first tenth of its drop in the first tenth of its time, a
  bending one sooner). ``DiagnosePolicy.onset_wait``: a history whose smoothed loss took at least that
  share of it to make its first ``onset_drop`` (a tenth) of its drop is an onset, not a pace.
* ux17 D3: a Poisson regression (Adam) at 30x its best rate fell from 1.54 to about 0.2 in two updates,
  then sat in batch noise; at 50 losses the start level (the median of the first losses) held the fall, and
  "no measurable progress" said "multiply by 10". ``DiagnosePolicy.first_fall_z``: an end level that many
  standard errors below the first loss ``y_0`` is progress.

Each zoo corpus run (``dev.diagnose_corpus``) is read as ``Watchdog(every=50)``'s first reports read it
(its first 50, 100, 150 losses, with its rates, under ``LIVE_POLICY``), under each candidate value of one
field (the other at its shipped value), counting "raise" on runs more than ``AT_BEST`` decades above the
grid-best rate (the wrong way), at it (within ``AT_BEST``: the wrong way too) and below it (the reading a
rate too low should get), per family. Each family's value is chosen on the other families (the fewest
raises at or above the best rate, then the most below; a tie keeps the first candidate, off) and its
counts summed held out. Never chosen on: the built-in sources of ``diagnose_accuracy.py``'s corpus
(``lrkit.tasks`` and the noisy quadratic: too high = above, good = at the best, too low = below) and the
twelfth new-user probe's six workloads (``dev.ux16_probe``, the ViT among them), read with both rules off
(the live policy before them) and on (``LIVE_POLICY``). Last, in sample: ``onset_drop`` at a twentieth and
a fifth (``onset_wait`` at twice it, a linear crawl's time doubled) and the later reports (200-300 losses).

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
from dev import ux16_probe  # noqa: E402
from dev.diagnose_builtin import ALL_NEW, V8_TASKS, load as load_builtin  # noqa: E402
from dev.diagnose_lofo import AT_BEST, where  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit.diagnostics import LIVE_POLICY, DiagnosePolicy, decide, measure  # noqa: E402

PREFIXES = (50, 100, 150)  # Watchdog(every=50)'s first reports
LATER = (200, 250, 300)  # its later reports (in sample only)
POSITIONS = ("above", "best", "below")
BUILTIN_POSITION = {"too_high": "above", "good": "best", "good+schedule": "best", "too_low": "below"}
#: The candidates of each field, the first one off; the other field at its shipped value.
FIELDS = {"onset_wait": (0.0, 0.15, 0.2, 0.25, 0.3, 0.4), "first_fall_z": (1e9, 4.0, 3.0, 2.0)}
#: Both rules off: the live policy as it was before them.
BEFORE = replace(LIVE_POLICY, onset_wait=0.0, first_fall_z=1e9)
#: ``onset_drop`` read in sample besides the shipped one, each with ``onset_wait`` at twice it.
DROPS = (0.05, 0.2)


def candidates() -> dict[str, DiagnosePolicy]:
    """Every policy read: each field's values, both rules off, the shipped one, the other onset drops."""
    out = {f"{k}={v:g}": replace(LIVE_POLICY, **{k: v}) for k, vs in FIELDS.items() for v in vs}
    out |= {"before": BEFORE, "shipped": LIVE_POLICY}
    return out | {f"onset_drop={d:g}": replace(LIVE_POLICY, onset_drop=d, onset_wait=2 * d) for d in DROPS}


def readings(series: list[tuple[str, str, np.ndarray, np.ndarray]], prefixes: tuple[int, ...]) -> Counter:
    """``(group, n, candidate, position) -> runs told "raise"`` and ``(group, n, "n", position) -> runs``,
    each series ``(group, position, losses, rates)`` read at each finite prefix (measured again under a
    candidate whose ``onset_drop``, a measuring field, differs)."""
    c: Counter = Counter()
    cands = candidates()
    for group, pos, y, lr in series:
        for n in prefixes:
            if y.size < n or not np.all(np.isfinite(y[:n])):
                continue
            m = measure(y[:n], lr[:n], policy=LIVE_POLICY)
            c[(group, n, "n", pos)] += 1
            for name, p in cands.items():
                mp = m if p.onset_drop == LIVE_POLICY.onset_drop else measure(y[:n], lr[:n], policy=p)
                c[(group, n, name, pos)] += decide(mp, policy=p).direction == "raise"
    return c


def raises(c: Counter, groups: list[str], prefixes: tuple[int, ...], name: str, pos: str) -> int:
    return sum(c[(g, n, name, pos)] for g in groups for n in prefixes)


def share(c: Counter, groups: list[str], prefixes: tuple[int, ...], name: str, pos: str) -> str:
    """``raises/runs`` at ``pos`` over the groups and prefixes."""
    runs = sum(c[(g, n, "n", pos)] for g in groups for n in prefixes)
    return f"{raises(c, groups, prefixes, name, pos)}/{runs}"


def lofo(c: Counter, families: list[str], prefixes: tuple[int, ...], field: str) -> list[list]:
    """Per family: the value chosen on the others and its raises above / at / below the best (off -> chosen),
    then the sums held out."""
    names = [f"{field}={v:g}" for v in FIELDS[field]]
    rows, chosen, total = [], Counter(), Counter()
    for held in families:
        rest = [f for f in families if f != held]

        def score(name, rest=rest):
            return (-sum(raises(c, rest, prefixes, name, pos) for pos in ("above", "best")),
                    raises(c, rest, prefixes, name, "below"))
        pick = max(names, key=score)  # max keeps the first of equals: off
        chosen[pick.split("=")[1]] += 1
        cells = []
        for pos in POSITIONS:
            a, b = (raises(c, [held], prefixes, v, pos) for v in (names[0], pick))
            total[(pos, 0)] += a
            total[(pos, 1)] += b
            cells.append(f"{a} -> {b}")
        rows.append([held, pick.split("=")[1], *cells])
    rows.append(["all (held out)", ", ".join(f"{v}: {k}" for v, k in sorted(chosen.items())),
                 *[f"{total[(pos, 0)]} -> {total[(pos, 1)]}" for pos in POSITIONS]])
    return rows


def main() -> None:
    args = arguments(__doc__).parse_args()
    cpu = time.process_time()
    entries = dc.load()
    zoo = [(e.record["family"], where((e.record["facts"] or {}).get("decades_from_best")), e.loss, e.lr)
           for e in entries]
    families = sorted({f for f, *_ in zoo})
    c = readings(zoo, PREFIXES + LATER)
    probe = ux16_probe.load()
    pc = readings([(f"ux16 {r['workload']}", where(r["decades_from_best"]), r["loss"], r["lrs"])
                   for r in probe], PREFIXES + LATER)
    workloads = sorted({f"ux16 {r['workload']}" for r in probe})
    builtin = [b for b in load_builtin() if b["source"] not in ALL_NEW and b["source"] not in V8_TASKS
               and b["setting"] in BUILTIN_POSITION]
    bc = readings([(b["source"], BUILTIN_POSITION[b["setting"]], np.asarray(b["losses"], dtype=np.float64),
                    np.asarray(b["lrs"], dtype=np.float64)) for b in builtin], PREFIXES + LATER)
    sources = sorted({b["source"] for b in builtin})

    heads = ["raise above the best rate (wrong way)", "raise at the best rate", "raise below the best rate"]
    tables = []
    for field in FIELDS:
        per_n = [[n, *lofo(c, families, (n,), field)[-1][1:]] for n in PREFIXES]
        tables.append((field, per_n, lofo(c, families, PREFIXES, field)))
    per_h = ["losses read", "chosen (folds)", *[h + ", off -> held out" for h in heads]]
    fam_h = ["family held out", "chosen on the others", *[h + ", off -> chosen" for h in heads]]
    held_rows, moved = [], []
    for name, counter, groups in (("ux16 probe (6 workloads)", pc, workloads),
                                  ("built-in tasks", bc, sources)):
        for pre, label in ((PREFIXES, "50/100/150"), (LATER, "200/250/300")):
            held_rows += [[name, label, policy,
                           *[share(counter, groups, pre, policy, pos) for pos in POSITIONS]]
                          for policy in ("before", "shipped")]
        moved += [[g, n, *[f"{counter[(g, n, 'before', pos)]} -> {counter[(g, n, 'shipped', pos)]}"
                           for pos in POSITIONS]]
                  for g in groups for n in PREFIXES + LATER
                  if any(counter[(g, n, "before", pos)] != counter[(g, n, "shipped", pos)]
                         for pos in POSITIONS)]
    held_h = ["held-out set", "losses read", "policy", *heads]
    moved_h = ["workload", "losses read", *[h + ", before -> shipped" for h in heads]]
    side = [[label, name, *[share(c, families, pre, name, pos) for pos in POSITIONS]]
            for pre, label in ((PREFIXES, "50/100/150"), (LATER, "200/250/300"))
            for name in ("before", *(f"onset_wait={w:g}" for w in FIELDS["onset_wait"][1:]),
                         *(f"onset_drop={d:g}" for d in DROPS), "shipped")]
    side_h = ["losses read", "policy", *heads]
    for field, per_n, fam_rows in tables:
        print(field)
        print_table(per_n, per_h)
        print_table(fam_rows, fam_h)
    print_table(held_rows, held_h)
    print_table(moved, moved_h)
    print_table(side, side_h)
    if args.no_record:
        return
    parts = [f"The zoo corpus ({len(entries)} runs, {len(families)} families), read at its first 50, 100, "
             f"150 losses under `LIVE_POLICY` with its rates; \"above\" is more than {AT_BEST:.2g} decades "
             "above the grid-best rate, \"at\" within it, \"below\" farther below. Each field chosen per "
             "family on the other families' readings (the fewest raises at or above the best rate, then the "
             "most below; a tie keeps off), the other field at its shipped value."]
    for field, per_n, fam_rows in tables:
        parts += [f"`{field}` (candidates {', '.join(f'{v:g}' for v in FIELDS[field])}), held out, each "
                  "prefix on its own:", markdown_table(per_n, per_h),
                  "Held out by family, the three prefixes together:", markdown_table(fam_rows, fam_h)]
    parts += ["Never chosen on: the twelfth new-user probe's six workloads (`dev.ux16_probe`; none in the "
              "zoo) and the built-in sources of `diagnose_accuracy.py`'s corpus, both rules off (`before`) "
              "and as shipped:", markdown_table(held_rows, held_h),
              "Where their readings moved:", markdown_table(moved, moved_h),
              "In sample (the zoo): every `onset_wait`, the other `onset_drop` values with a wait of twice "
              "it, and the later reports:", markdown_table(side, side_h),
              f"Shipped: `LIVE_POLICY.onset_wait = {LIVE_POLICY.onset_wait:g}`, `first_fall_z = "
              f"{LIVE_POLICY.first_fall_z:g}` (`diagnose`'s defaults: off). CPU time "
              f"{time.process_time() - cpu:.0f} s (measured as CPU, the machine being shared)."]
    record("diagnose_live_onset", "Diagnosis live: how the loss started, read as a rate too low",
           "\n\n".join(parts), command="nice -n 10 .venv/bin/python benchmarks/diagnose_live_onset.py")


if __name__ == "__main__":
    main()
