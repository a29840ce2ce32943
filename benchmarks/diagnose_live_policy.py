"""Should a live reader (``Monitor``, the ``Watchdog``) hold an early blow-up whose descent is still under
way as ``uncertain``? Chosen by leave-one-family-out over the zoo's live readings, built-in tasks held out.

``DiagnosePolicy.blowup_descending_z`` (docs/evidence.md#diagnose-a-blow-up-with-its-descent-under-way)
holds as ``uncertain``, naming ``too_high_diverging``, an early blow-up followed by a descent still under
way (the loss fell by more than ``blowup_descending_z`` standard errors over the last half of the time,
below its first loss): the level the descent settles at, which tells a catapult at the best rate from a
rate too high, is not reached yet. As ``diagnose``'s default it is blocked by the confidence map, which is
fitted on whole runs and jumps on the fine-tuning fold (``diagnose_calibration_jump.py``). A live reader
knows the run goes on, and its readings are not what the map is fitted on: the question here is the
rule as the live reader's default only.

Each zoo corpus run (``dev.diagnose_corpus``) is read at its first 50, 100 and 150 losses with its rates
(the first reports of ``Watchdog(every=50)``), under each candidate value with the shipped map; prefixes
with a non-finite loss are left out. For each family, the value chosen on the other families' readings
by ``dev.diagnose_lofo.choose`` (safety first: no "raise" on too-high runs, no ``healthy`` on diverged
ones, too-high runs read keep / decay / raise within ``SLIP_SHARE``; then the fewest "lower" at or below
the grid-best rate; then balanced accuracy) is scored on that family's readings. Reported per prefix,
held out: "lower" at or below the best rate (advice the wrong way), "lower" on runs labelled too high
(the advice they need), the safety counts, the verdicts given 0.8 or more and how often right, and the
share right. The built-in sources of ``diagnose_accuracy.py``'s corpus (``lrkit.tasks`` and the noisy
quadratic; never used to choose) are read at the same prefixes under each value: accepted verdicts as
there.

Run::

    nice -n 10 .venv/bin/python benchmarks/diagnose_live_policy.py [--no-record]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import diagnose_corpus as dc  # noqa: E402
from dev.diagnose_builtin import ACCEPT, ALL_NEW, V8_TASKS, load as load_builtin, setting_label  # noqa: E402
from dev.diagnose_lofo import AT_BEST, TOO_HIGH, WRONG_FOR_TOO_HIGH, Scored, choose, where  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit.diagnostics import LIVE_POLICY, DiagnosePolicy, decide, measure  # noqa: E402

#: The first reports of ``Watchdog(every=50)``: the losses of updates 0..49, 0..99, 0..149.
PREFIXES = (50, 100, 150)
#: The values searched (1e9: off, ``diagnose``'s default); 8, 5 and 3 as in the whole-run search.
CANDIDATES = (1e9, 8.0, 5.0, 3.0, 2.0, 1.0)
SURE = 0.8


def _readings(series: list[tuple[np.ndarray, np.ndarray]]) -> tuple[list, np.ndarray, np.ndarray]:
    """Each finite prefix measured once: (measurements, which series, which prefix)."""
    ms, idx, pre = [], [], []
    for i, (y, lr) in enumerate(series):
        for n in PREFIXES:
            if y.size >= n and np.all(np.isfinite(y[:n])):
                ms.append(measure(y[:n], lr[:n]))
                idx.append(i)
                pre.append(n)
    return ms, np.array(idx), np.array(pre)


def _scored(ms: list, value: float) -> Scored:
    p = DiagnosePolicy(blowup_descending_z=value)
    ds = [decide(m, policy=p) for m in ms]
    return Scored(np.array([d.verdict for d in ds], dtype=object), np.array([d.confidence for d in ds]),
                  np.array([d.direction for d in ds], dtype=object))


def left_rows(entries: list[dc.Entry], ms: list, idx: np.ndarray, pre: np.ndarray) -> tuple[list, list]:
    """What still says "lower" at or below the best under ``LIVE_POLICY``: per deciding test and
    workload, the readings at each prefix."""
    c: Counter = Counter()
    for m, i, n in zip(ms, idx, pre):
        if where((entries[i].record["facts"] or {}).get("decades_from_best")) not in ("below", "best"):
            continue
        d = decide(m, policy=LIVE_POLICY)
        if d.direction == "lower":
            c[(d.verdict, d.evidence[0].statistic, entries[i].record["workload"], n)] += 1
    keys = sorted({k[:3] for k in c})
    return ([[*k, *(c[(*k, n)] for n in PREFIXES)] for k in keys],
            ["verdict", "deciding statistic", "workload", *(f"{n} losses" for n in PREFIXES)])


def zoo_rows(entries: list[dc.Entry]) -> tuple[list[list], list[str], Counter, int, tuple]:
    """Held-out and fixed-value figures on the zoo's live readings (and :func:`left_rows`)."""
    ms, idx, pre = _readings([(e.loss, e.lr) for e in entries])
    labels = np.array([entries[i].record["label"] or "" for i in idx], dtype=object)
    families = np.array([entries[i].record["family"] for i in idx], dtype=object)
    pos = np.array([where((entries[i].record["facts"] or {}).get("decades_from_best")) for i in idx])
    low = np.isin(pos, ("below", "best"))
    lab = labels != ""
    scored = [_scored(ms, v) for v in CANDIDATES]
    held = Scored(np.empty(len(ms), dtype=object), np.zeros(len(ms)), np.empty(len(ms), dtype=object))
    chosen: Counter = Counter()
    for fam in sorted(set(families)):
        i = choose(scored, labels, lab & (families != fam), low)
        chosen[CANDIDATES[i]] += 1
        out = families == fam
        held.verdict[out], held.raw[out], held.direction[out] = (scored[i].verdict[out], scored[i].raw[out],
                                                                  scored[i].direction[out])
    high = np.isin(labels, TOO_HIGH)
    blown = np.isin(labels, ("nan", "too_high_diverging"))
    rows = []
    for name, s in [("chosen per fold (held out)", held)] + [(f"{v:g}" + (" (off: diagnose's default)"
                                                                          if v == 1e9 else ""), sc)
                                                           for v, sc in zip(CANDIDATES, scored)]:
        for n in PREFIXES:
            at = pre == n
            sure = at & lab & (s.raw >= SURE) & (s.verdict != "uncertain")
            right = s.verdict == labels
            rows.append([name, n, f"{int((s.direction[at & low] == 'lower').sum())}/{int((at & low).sum())}",
                         f"{int((s.direction[at & high] == 'lower').sum())}/{int((at & high).sum())}",
                         f"{int((s.direction[at & high] == 'raise').sum())}",
                         f"{int((s.verdict[at & blown] == 'healthy').sum())}",
                         f"{int(np.isin(s.verdict[at & high], list(WRONG_FOR_TOO_HIGH)).sum())}",
                         f"{int(right[sure].sum())}/{int(sure.sum())}",
                         f"{100 * right[at & lab].mean():.1f}%",
                         int((s.verdict[at & lab] == "uncertain").sum())])
    return rows, ["blowup_descending_z", "losses read", f"lower at or below the best (within {AT_BEST:.2g} "
                  "decades)", "lower on runs labelled too high", "raise on too high",
                  "healthy on diverged or NaN", "too high read keep / decay / raise",
                  f"verdicts at {SURE} or more: right", "right (labelled)",
                  "uncertain (labelled)"], chosen, len(ms), left_rows(entries, ms, idx, pre)


def builtin_rows() -> tuple[list[list], list[str]]:
    """The built-in sources read at the same prefixes under each value (held out: never chosen on)."""
    # the built-in sources: neither the sklearn workloads nor the sequence models added to the corpus
    corpus = [c for c in load_builtin() if c["source"] not in ALL_NEW and c["source"] not in V8_TASKS]
    ms, idx, pre = _readings([(c["losses"], c["lrs"]) for c in corpus])
    labels = [setting_label(corpus[i]["setting"], corpus[i]["losses"][:n]) for i, n in zip(idx, pre)]
    rows = []
    base = None
    for v in CANDIDATES:
        s = _scored(ms, v)
        ok = np.array([x in ACCEPT[k] for x, k in zip(s.verdict, labels)])
        base = s.verdict if base is None else base
        for n in PREFIXES:
            at = pre == n
            good = at & np.array([k.startswith("healthy") for k in labels])
            rows.append([f"{v:g}", n, f"{100 * ok[at].mean():.1f}% ({int(ok[at].sum())}/{int(at.sum())})",
                         f"{int((s.direction[good] == 'lower').sum())}/{int(good.sum())}",
                         int((s.verdict[at] != base[at]).sum())])
    return rows, ["blowup_descending_z", "losses read", "right (accepted verdicts)",
                  "lower on a setting labelled healthy", "verdicts changed from 1e9"]


def main() -> None:
    ap = arguments(__doc__)
    args = ap.parse_args()
    cpu = time.process_time()
    entries = dc.load()
    z_rows, z_h, chosen, n_read, (left, left_h) = zoo_rows(entries)
    b_rows, b_h = builtin_rows()
    print_table(z_rows, z_h)
    print("chosen per fold:", dict(chosen))
    print_table(left, left_h)
    print_table(b_rows, b_h)
    print("LIVE_POLICY (the Watchdog's):", LIVE_POLICY.blowup_descending_z)
    if args.no_record:
        return
    body = "\n\n".join([
        f"The zoo corpus ({len(entries)} runs; {n_read} finite prefixes) read at its first "
        f"{', '.join(map(str, PREFIXES))} losses with its rates and the shipped confidence map; a rate "
        f"within {AT_BEST:.2g} decades of the grid-best rate counts as at the best. First rows: each "
        "family's value chosen on the other families' live readings (`dev.diagnose_lofo.choose`), scored "
        "on that family; then each value fixed.", markdown_table(z_rows, z_h),
        "Chosen per fold: " + ", ".join(f"{v:g}: {k}" for v, k in sorted(chosen.items())) + ".",
        "What still says \"lower\" at or below the best rate under `LIVE_POLICY`, by deciding test and "
        "workload (`diagnose_peak_live.py` asks whether the peak test's readings can be told apart):",
        markdown_table(left, left_h),
        "The built-in sources (`lrkit.tasks` and the noisy quadratic of `diagnose_accuracy.py`'s corpus; "
        "held out: never chosen on) read at the same prefixes; accepted verdicts as there:",
        markdown_table(b_rows, b_h),
        f"Shipped: `LIVE_POLICY.blowup_descending_z = {LIVE_POLICY.blowup_descending_z:g}` (the Watchdog's "
        "policy; `diagnose`'s default stays 1e9). CPU time "
        f"{time.process_time() - cpu:.0f} s (measured as CPU, the machine being shared)."])
    record("diagnose_live_policy", "Diagnosis live: an early blow-up with its descent under way", body,
           command="nice -n 10 .venv/bin/python benchmarks/diagnose_live_policy.py")


if __name__ == "__main__":
    main()
