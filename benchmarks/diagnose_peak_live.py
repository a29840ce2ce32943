"""Live, the peak test tells runs at or below the grid-best rate to lower it: on what shape, and does
any measure of the history tell those readings from the ones it gets right?

The peak test (``too_high_diverging``, evidence ``peak``: the loss rose above its first value by more
than its whole descent, beyond chance, and did not recover) decides 12 / 9 / 9 of the "lower the rate"
readings that a Watchdog's first reports (50, 100, 150 losses; ``diagnose_first_reports.py``) give zoo
runs at or below the grid-best rate. Each zoo corpus run (``dev.diagnose_corpus``) is read at those
prefixes and whole, with its rates, under the shipped policy and map; the readings the peak test decides
with "lower" are split by where the run's rate sits: **at or below** the best (within ``AT_BEST``
decades, or below: advice the wrong way) and **too high** (labelled ``too_high_*``: the advice it needs).

Printed: the wrong-way readings one by one (workload, rate, seed, prefix, shape); the measures of both
groups (10th / 50th / 90th percentiles): the end against the first loss (``Shape.end_z``, ``above_z``),
the descent over the last half of the time (``Pace.z_half``), the peak's height and time, when the
smoothed loss first came back to its first loss, the share of the jump above the first loss undone by
the end, the rise above the best, the ground given back, the late share of the drop; and, for each
candidate rule that would hold the peak test's reading as ``uncertain`` (naming ``too_high_diverging``),
the readings it takes out of each group, live and whole, and a leave-one-family-out choice among them
that counts a wrong-way reading taken out as +1 and a too-high reading taken out as -1 (advice right
either way, "I can't tell" in between).

Run::

    nice -n 10 .venv/bin/python benchmarks/diagnose_peak_live.py [--no-record]
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import diagnose_corpus as dc  # noqa: E402
from dev.diagnose_lofo import TOO_HIGH, where  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit.diagnostics import DiagnosePolicy, decide, measure  # noqa: E402

#: The first reports of ``Watchdog(every=50)``, and the whole run (``None``).
PREFIXES = (50, 100, 150, None)
POLICY = DiagnosePolicy()
#: The measures compared, with how each is printed.
MEASURES = {"end_z": "end vs first loss, s.e. (Shape.end_z)", "above_z": "end vs y_0, s.e. (Shape.above_z)",
            "z_half": "drop over the last half of the time, s.e. (Pace.z_half)",
            "peak_excess": "peak above the first loss / descent", "peak_z": "peak beyond chance, s.e.",
            "t_peak": "update of the peak",
            "back": "first came back to its first loss (share of the history)",
            "undone": "share of the jump above the first loss undone by the end",
            "rise": "end above the best / descent", "giveback": "ground given back / descent",
            "late_share": "share of the drop in the second half"}


def shape_of(m, p: DiagnosePolicy) -> dict[str, float]:
    """The measures of :data:`MEASURES` for one measured history."""
    sh, n = m.shape, m.y.size
    k = p.peak_points  # the peak's window: a centred running median of this many points
    rm = np.median(np.lib.stride_tricks.sliding_window_view(m.spikes.clean, k), axis=1)
    t_peak = int(np.argmax(rm)) + k // 2
    back = np.flatnonzero(rm[t_peak - k // 2:] <= sh.first)
    return {"end_z": sh.end_z, "above_z": sh.above_z, "z_half": m.pace.z_half, "peak_excess": sh.peak_excess,
            "peak_z": sh.peak_z, "t_peak": float(t_peak),
            "back": (t_peak + back[0]) / n if back.size else 1.0,
            "undone": (sh.peak - m.levels.end) / max(sh.peak - sh.first, 1e-300), "rise": sh.rise,
            "giveback": sh.giveback, "late_share": sh.late_share}


def readings(entries: list[dc.Entry]) -> list[dict]:
    """Every reading the peak test decides with "lower", at each prefix, with its run's group."""
    out = []
    for e in entries:
        pos = where((e.record["facts"] or {}).get("decades_from_best"))
        group = ("low" if pos in ("below", "best") else
                 "high" if e.record.get("label") in TOO_HIGH else "other")
        for n in PREFIXES:
            y, lr = (e.loss, e.lr) if n is None else (e.loss[:n], e.lr[:n])
            if y.size < (n or 0) or not np.all(np.isfinite(y)):
                continue
            m = measure(y, lr)
            d = decide(m, policy=POLICY)
            if d.direction != "lower" or not d.evidence or d.evidence[0].statistic != "peak_excess":
                continue
            rec = e.record
            out.append({"workload": rec["workload"], "family": rec["family"], "lr": rec["lr"],
                        "seed": rec["seed"], "schedule": rec.get("schedule"), "n": n, "group": group,
                        "label": rec.get("label"), "decades": (rec["facts"] or {}).get("decades_from_best"),
                        **shape_of(m, POLICY)})
    return out


#: Rules that would hold the peak test's reading as uncertain (name -> test on the measures). The
#: descent rules are ``blowup_descending_z``'s test on the peak test's readings; "back at its start" is
#: the still test's "nothing measurable moved" (``still_z``), and not above it (``above_start_z``).
RULES: dict[str, Callable[[dict], bool]] = {
    "none (shipped)": lambda r: False,
    **{f"below its start, still falling z_half > {k:g}": (lambda r, k=k: r["end_z"] < -POLICY.still_z
                                                          and r["z_half"] > k) for k in (8.0, 5.0, 3.0, 1.0)},
    "below its start (end_z < -still_z)": lambda r: r["end_z"] < -POLICY.still_z,
    "back at its start (|end| within still_z, not above_start_z above)":
        lambda r: r["end_z"] > -POLICY.still_z and r["above_z"] <= POLICY.above_start_z,
    "below or back at its start (not above_start_z above y_0)":
        lambda r: r["above_z"] <= POLICY.above_start_z,
}


def _live(r: dict) -> bool:
    return r["n"] is not None


def rule_rows(rs: list[dict]) -> tuple[list[list], list[str]]:
    """Per rule: the wrong-way and too-high readings it holds, at each prefix and whole."""
    rows = []
    for name, test in RULES.items():
        row: list = [name]
        for n in PREFIXES:
            sel = [r for r in rs if r["n"] == n]
            c = Counter(r["group"] for r in sel if not test(r))
            row.append(f"{c['low']} / {c['high']}")
        rows.append(row)
    return rows, ["rule: hold the peak test's reading when", *[
        f"{'whole runs' if n is None else f'{n} losses'}: lower at or below the best / on too high"
        for n in PREFIXES]]


def lofo_rows(rs: list[dict]) -> tuple[list[list], list[str], Counter]:
    """Leave-one-family-out over the live readings: each family's rule chosen on the others by the
    readings it moves the right way (+1 a wrong-way reading held, -1 a too-high reading held; ties to the
    rule listed first), scored on that family."""
    live = [r for r in rs if _live(r)]
    fams = sorted({r["family"] for r in live})

    def gain(test: Callable[[dict], bool], sel: list[dict]) -> int:
        return sum((r["group"] == "low") - (r["group"] == "high") for r in sel if test(r))

    rows, chosen = [], Counter()
    for f in fams:
        train = [r for r in live if r["family"] != f]
        held = [r for r in live if r["family"] == f]
        name = max(RULES, key=lambda k: gain(RULES[k], train))  # first listed wins a tie: "none"
        chosen[name] += 1
        t = RULES[name]
        rows.append([f, name, sum(r["group"] == "low" and t(r) for r in held),
                     sum(r["group"] == "high" and t(r) for r in held), gain(t, held)])
    return rows, ["held-out family", "rule chosen on the others", "wrong-way readings held",
                  "too-high readings held", "net"], chosen


def measure_rows(rs: list[dict]) -> tuple[list[list], list[str]]:
    """10th / 50th / 90th percentiles of each measure, wrong-way against too-high, live and whole."""
    rows = []
    for k, what in MEASURES.items():
        row: list = [what]
        for live in (True, False):
            for g in ("low", "high"):
                v = [r[k] for r in rs if _live(r) == live and r["group"] == g]
                row.append(" / ".join(f"{q:.2g}" for q in np.percentile(v, [10, 50, 90])) if v else "")
        rows.append(row)
    return rows, ["measure", "live: at or below the best", "live: too high", "whole: at or below the best",
                  "whole: too high"]


def main() -> None:
    ap = arguments(__doc__)
    args = ap.parse_args()
    cpu = time.process_time()
    entries = dc.load()
    rs = readings(entries)
    low = sorted((r for r in rs if r["group"] == "low"),
                 key=lambda r: (r["workload"], r["lr"], r["seed"], str(r["schedule"]), r["n"] or 10**9))
    one = [[r["workload"], f"{r['lr']:.3g}", r["seed"], "cosine" if r["schedule"] else "constant",
            r["n"] or "whole", f"{r['decades']:+.2f}", r["label"] or "", f"{r['t_peak']:.0f}",
            f"{r['peak_excess']:.1f}", f"{r['end_z']:.1f}", f"{r['z_half']:.1f}", f"{r['undone']:.2f}"]
           for r in low]
    one_h = ["workload", "rate", "seed", "schedule", "losses read", "decades from the best", "label",
             "peak at update", "peak / descent", "end_z", "z_half", "jump undone"]
    by = Counter((r["family"], r["n"] or "whole") for r in low)
    m_rows, m_h = measure_rows(rs)
    r_rows, r_h = rule_rows(rs)
    l_rows, l_h, chosen = lofo_rows(rs)
    for title, (t, h) in (("wrong-way readings", (one, one_h)), ("measures", (m_rows, m_h)),
                          ("rules", (r_rows, r_h)), ("leave-one-family-out (live)", (l_rows, l_h))):
        print(f"\n{title}")
        print_table(t, h)
    print("by family and prefix:", dict(by))
    if args.no_record:
        return
    counts = Counter((r["group"], r["n"]) for r in rs)
    body = "\n\n".join([
        f"The zoo corpus ({len(entries)} runs) read at its first {', '.join(map(str, PREFIXES[:-1]))} "
        "losses and whole, with its rates, under the shipped policy and confidence map. The peak test "
        "decides \"lower\" on "
        + ", ".join(f"{counts[('low', n)]} / {counts[('high', n)]}" for n in PREFIXES)
        + " readings at or below the best / on runs labelled too high (50, 100, 150 losses, whole).",
        "The wrong-way readings:", markdown_table(one, one_h),
        "Measures of the history, wrong-way readings against too-high ones (10th / 50th / 90th "
        "percentile):", markdown_table(m_rows, m_h),
        "Rules that would hold the peak test's reading as `uncertain`: the \"lower\" readings left, at or "
        "below the best / on runs labelled too high:", markdown_table(r_rows, r_h),
        "Leave-one-family-out over the live readings (each family's rule chosen on the other families by "
        "+1 for a wrong-way reading held, -1 for a too-high one; scored on the family left out): "
        + ", ".join(f"{k}: {v}" for k, v in chosen.items()) + ".",
        markdown_table(l_rows, l_h),
        f"CPU time {time.process_time() - cpu:.0f} s (measured as CPU, the machine being shared)."])
    record("diagnose_peak_live", "Diagnosis: the peak test's live readings the wrong way", body,
           command="nice -n 10 .venv/bin/python benchmarks/diagnose_peak_live.py")


if __name__ == "__main__":
    main()
