"""Does a learned tie-break on the runs ``diagnose``'s rules call ``uncertain`` get closer to the ceiling,
held out by family, without giving up any safety figure?

``diagnose_zoo.py`` scores the rules alone on the frozen zoo corpus, held out by family;
``diagnose_ceiling.py`` shows a flexible classifier on the same splits gets further, but reads too-high
runs as keep, decay or raise far more often. This script keeps the rules where they commit and, on the
runs they leave ``uncertain``, lets a tie-break (``dev.diagnose_tiebreak_model.TieBreak``: a softmax over
named, invariant measurements, under the guard's hard facts) choose a verdict or abstain. Its settings
are chosen and its model fitted by **nested** leave-one-family-out (``dev.diagnose_tiebreak``): every
figure printed for the zoo is from families neither the rules nor the tie-break saw. The built-in
corpus (``dev.diagnose_builtin``) is never fitted on: the outside check, read by the shipped rules
alone and then with the tie-break chosen and fitted on all twelve zoo families.

By default a run where nothing measurable moved stays ``uncertain`` (``moved_only``); ``--open`` lets
the model read those too (the first version measured). The tie-break is not part of ``lrkit``: the
evidence page says why (docs/evidence.md#diagnose-a-learned-tie-break-on-the-uncertain-runs).

Run::

    nice -n 10 .venv/bin/python benchmarks/diagnose_tiebreak.py [--open] [--no-record]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from dev import diagnose_corpus as dc  # noqa: E402
from dev.diagnose_builtin import ACCEPT, load as load_builtin, setting_label  # noqa: E402
from dev.diagnose_lofo import TOO_HIGH, WRONG_FOR_TOO_HIGH, balanced, candidates  # noqa: E402
from dev.diagnose_tiebreak import (  # noqa: E402
    MOVED_ONLY, Fold, choose_settings, fit, fold_reads, nested, rule, train_set)
from dev.diagnose_tiebreak_model import TieBreak, tie_break  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit.diagnostics import DIRECTIONS, decide, diagnose, measure  # noqa: E402

RESULT = HERE / "results" / "diagnose_tiebreak.json"
#: Bands of the tie-break's probability for the reliability table.
BANDS = (0.6, 0.7, 0.8, 0.9, 1.01)


def safety_row(name: str, v: np.ndarray, plain: np.ndarray, labels: np.ndarray, above: np.ndarray) -> list:
    """Right, balanced and the safety counts of one set of held-out verdicts."""
    lab, high = labels != "", np.isin(labels, TOO_HIGH)
    low, blown = labels == "too_low_slow", np.isin(labels, ("nan", "too_high_diverging"))
    raise_ = [int((high & (x == "too_low_slow")).sum()) for x in (v, plain)]
    slips = int(np.isin(v[high], list(WRONG_FOR_TOO_HIGH)).sum())
    return [name, f"{(v == labels)[lab].mean():.1%}", f"{(plain == labels)[lab].mean():.1%}",
            f"{balanced(v, labels, lab):.1%}", int((v[lab] == "uncertain").sum()),
            f"{slips}/{int(high.sum())} ({slips / high.sum():.1%})", f"{raise_[0]} / {raise_[1]}",
            f"{int((v[blown] == 'healthy').sum())}/{int(blown.sum())}",
            int((low & np.isin(v, TOO_HIGH)).sum()), int((above & (v == "too_low_slow")).sum())]


REL_HEAD = ["band", "runs", "right"]
FAMILY_HEAD = ["family", "labelled", "rules alone", "rules + tie-break"]
SAFETY_HEAD = ["held out by family", "right (every signal)", "right (loss and rate only)", "balanced",
               "uncertain", "too-high read keep/decay/raise (<= 5%)",
               "raise on too-high (every signal / loss and rate)", "healthy on diverged/NaN",
               "lower on too-low", "raise where the loss ended above start"]


def builtin_rows(r: TieBreak) -> tuple[list[list], dict]:
    """The built-in corpus read by the shipped rules alone and with the tie-break ``r`` on their
    ``uncertain`` reads: right, right or uncertain with the right runner-up, ``healthy`` on a too-low
    run, and advice against the need (lower or decay a rate too low, raise or keep one too high or
    broken)."""
    corpus = load_builtin()
    keys = [setting_label(c["setting"], c["losses"]) for c in corpus]
    rules = [diagnose(c["losses"], c["lrs"]) for c in corpus]
    tied = [tie_break(d.statistics, d.fired, r) if d.verdict == "uncertain" else None for d in rules]
    rows, out = [], {}
    for name, said in (("rules alone", [(d.verdict, d.runner_up) for d in rules]),
                       ("rules + tie-break", [(d.verdict, d.runner_up) if t is None else (t[0], None)
                                              for d, t in zip(rules, tied)])):
        way = [DIRECTIONS[v] for v, _ in said]
        right = sum(v in ACCEPT[k] for (v, _), k in zip(said, keys))
        honest = sum(v == "uncertain" and u in ACCEPT[k] for (v, u), k in zip(said, keys))
        against = sum((k == "too_low" and w in ("lower", "decay")) or (k in ("too_high", "nan") and w in
                      ("raise", "keep")) for w, k in zip(way, keys))
        n = len(said)
        out[name] = {"right": right / n, "right_or_honest": (right + honest) / n, "against": against}
        rows.append([name, f"{right / n:.1%} ({right}/{n})", f"{(right + honest) / n:.1%}",
                     f"{sum(v == 'healthy' and k == 'too_low' for (v, _), k in zip(said, keys))}"
                     f"/{keys.count('too_low')}", against, sum(v == "uncertain" for v, _ in said)])
    return rows, out


def on_all_families(entries: list, labels: np.ndarray, families: np.ndarray) -> tuple[dict, TieBreak]:
    """The settings chosen by leave-one-family-out on all twelve families and the model fitted on all
    their uncertain runs, under the shipped rules (``DiagnosePolicy()``)."""
    def row(d) -> tuple:
        return d.verdict, d.confidence, d.runner_up, d.fired, dict(d.statistics)

    ms = [measure(e.loss, e.lr) if np.all(np.isfinite(e.loss)) else None for e in entries]
    nan = diagnose([float("nan")] * 10)
    fold = Fold(*[[row(nan if m is None else decide(m, **(
        {"val_losses": e.val_loss, "val_steps": e.val_step} if val else {}))) for m, e in zip(ms, entries)]
        for val in (True, False)])
    everyone = np.ones(labels.size, bool)
    s = choose_settings(fold, labels, families, everyone)
    X, y = train_set(fold, everyone, labels, s)
    return s, rule(fit(X, y, s["C"]), s)


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--open", action="store_true", help="let the model read runs where nothing moved")
    args = ap.parse_args()
    MOVED_ONLY["on"] = not args.open
    cpu = time.process_time()
    entries = dc.load()
    labels, families = dc.labels_and_families(entries)
    above = np.array([bool((e.record["facts"] or {}).get("ended_above_start")) for e in entries])
    folds, rules = fold_reads(entries, labels, families, candidates())
    plain = np.array([folds[f].plain[i][0] for i, f in enumerate(families)], dtype=object)
    va, pa, vp, _, chosen = nested(folds, labels, families)
    both = np.where(va != "uncertain", va, rules)
    both_plain = np.where(vp != "uncertain", vp, plain)
    lab = labels != ""
    safe = [safety_row("rules alone", rules, plain, labels, above),
            safety_row("rules + tie-break", both, both_plain, labels, above)]
    fam_rows = [[f, int((lab & (families == f)).sum()),
                 *[f"{(v == labels)[lab & (families == f)].mean():.1%}" for v in (rules, both)]]
                for f in sorted(set(families))]
    got = va != "uncertain"
    kinds = sorted(set(labels[got]))
    said = sorted(set(va[got]))
    res_rows = [[k or "(unlabelled)", *[int((got & (labels == k) & (va == v)).sum()) for v in said]]
                for k in kinds]
    res_head = ["label \\ tie-break verdict", *said]
    rel = []
    for lo, hi in zip(BANDS, BANDS[1:]):
        sel = got & lab & (pa >= lo) & (pa < hi)
        rel.append([f"[{lo:.1f}, {min(hi, 1.0):.1f}{']' if hi > 1 else ')'}", int(sel.sum()),
                    f"{(va[sel] == labels[sel]).mean():.1%}" if sel.any() else "-"])
    settings = [[f, ", ".join(f"{k}={v}" for k, v in s.items())] for f, s in chosen.items()]
    summary = {"held_out_right_rules": float((rules == labels)[lab].mean()),
               "held_out_right_tiebreak": float((both == labels)[lab].mean()),
               "held_out_right_loss_and_rate_rules": float((plain == labels)[lab].mean()),
               "held_out_right_loss_and_rate_tiebreak": float((both_plain == labels)[lab].mean()),
               "resolved_labelled": int((got & lab).sum()),
               "resolved_right": int((va == labels)[got & lab].sum()),
               "settings_per_fold": chosen}
    s_all, r_all = on_all_families(entries, labels, families)
    summary.update(moved_only=MOVED_ONLY["on"], settings_on_all_families=s_all)
    b_rows, b_sum = builtin_rows(r_all)
    summary["builtin"] = b_sum
    RESULT.write_text(json.dumps(summary, indent=1, default=str) + "\n")
    b_head = ["built-in corpus (outside check)", "right", "right or uncertain with the right "
              "runner-up", "healthy on too-low", "advice against the need", "uncertain"]
    for title, (r, h) in (("held out by family", (safe, SAFETY_HEAD)),
                          ("per family", (fam_rows, FAMILY_HEAD)),
                          ("what the tie-break resolved, held out", (res_rows, res_head)),
                          ("its probability against the share right, held out", (rel, REL_HEAD)),
                          ("settings chosen per fold", (settings, ["family", "settings"])),
                          ("built-in tasks", (b_rows, b_head))):
        print(f"\n{title}")
        print_table(r, h)
    took = time.process_time() - cpu
    print(f"CPU {took:.0f} s")
    if not args.no_record:
        body = "\n\n".join([
            "The rules where they commit; on the runs they call `uncertain`, a tie-break (a softmax over "
            "named invariant measurements, under the guard's hard facts"
            + ("; a run where nothing moved stays `uncertain`" if MOVED_ONLY["on"] else "; every uncertain "
               "run open to it") + ") chooses a verdict or abstains. "
            "Nested leave-one-family-out: each family's verdicts come from rules chosen and a tie-break "
            "chosen (settings by leave-one-family-out among the other eleven) and fitted without it. "
            "Held out: "
            f"**{summary['held_out_right_rules']:.1%} -> {summary['held_out_right_tiebreak']:.1%}** right "
            f"with every signal, {summary['held_out_right_loss_and_rate_rules']:.1%} -> "
            f"{summary['held_out_right_loss_and_rate_tiebreak']:.1%} from the loss and rate alone.",
            markdown_table(safe, SAFETY_HEAD), "Per family:",
            markdown_table(fam_rows, FAMILY_HEAD),
            "What the tie-break resolved, held out (label by verdict; unlabelled runs are in the safety "
            "counts only):", markdown_table(res_rows, res_head),
            "Its probability against the share right, held out (labelled runs it resolved):",
            markdown_table(rel, REL_HEAD),
            "Settings chosen per fold:", markdown_table(settings, ["family", "settings"]),
            f"Chosen on all twelve families (the one the built-in corpus reads): `{s_all}`.",
            "The built-in corpus, never fitted on (the outside check), read by the shipped rules alone and "
            "with that tie-break on their `uncertain` reads:", markdown_table(b_rows, b_head),
            "Not shipped: docs/evidence.md#diagnose-a-learned-tie-break-on-the-uncertain-runs says why."]
            + [f"CPU time {took:.0f} s (measured as CPU, the machine being shared)."])
        record("diagnose_tiebreak", "Diagnosis: a learned tie-break on the uncertain runs, held out by "
               "family", body, command="nice -n 10 .venv/bin/python benchmarks/diagnose_tiebreak.py"
               + (" --open" if args.open else ""))


if __name__ == "__main__":
    main()
