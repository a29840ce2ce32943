"""Does a rise that rests on the first loss alone tell a flat run at a rate too low to lower the rate?

ux16 D4: a 1-D CNN (SGD momentum) far below its best rate learns nothing, its loss flat at ln 3 from the
second loss on; seed 0's first batch reads 1.036 against the 1.10 of every later one, so the peak and
above tests (measured from the first loss) read too_high_diverging, "divide the rate". A blow-up on the
first update that stays at its new level reads the same from the second loss on: nothing moved.
``DiagnosePolicy(first_rise_hold=True)`` (opt-in) holds such a reading as ``uncertain``, naming it
(``lrkit.diagnostics._decide.first_loss_alone``). Each zoo corpus run (``dev.diagnose_corpus``) is
measured once and decided with the shipped policy, the hold off and on; the switch is chosen by
leave-one-family-out with ``dev.diagnose_lofo.choose`` (safety first: raises on too-high runs, healthy on
blown runs, slips, lowers at or below the grid-best rate; then balanced accuracy), over the zoo's 12
families, and over them plus the probe's histories as a 13th family (unlabelled: counted in the safety
terms only, ``tests/diagnostics/data/ux16_cnn1d_sgd_momentum.csv``, grid-best 0.316). The built-in tasks
(``diagnose_accuracy.py``'s corpus) are held out of every choice and reported.

Run::

    nice -n 10 .venv/bin/python benchmarks/diagnose_first_loss.py [--no-record]
"""

from __future__ import annotations

import csv
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import diagnose_corpus as dc  # noqa: E402
from dev.diagnose_builtin import ACCEPT, setting_label  # noqa: E402
from dev.diagnose_builtin import load as load_builtin  # noqa: E402
from dev.diagnose_labels import HEALTHY_GAP  # noqa: E402
from dev.diagnose_lofo import AT_BEST, Measured, balanced, choose, verdicts  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit import diagnose  # noqa: E402
from lrkit.diagnostics import DiagnosePolicy, measure  # noqa: E402

PROBE = Path(__file__).resolve().parents[1] / "tests" / "diagnostics" / "data" / "ux16_cnn1d_sgd_momentum.csv"
PROBE_BEST = 0.316  # the probe's grid-best constant rate (ux16 REPORT, D4)
HOLDS = (False, True)
#: Measured with the hold on (the history after the first loss is measured too); decided both ways.
HOLD = DiagnosePolicy(first_rise_hold=True)


def probe() -> tuple[list[Measured], np.ndarray]:
    """The probe's histories measured, and each one's rate in decades from the grid-best."""
    runs: dict[tuple[int, float], list[tuple[int, float]]] = {}
    for r in csv.DictReader(PROBE.open()):
        runs.setdefault((int(r["seed"]), float(r["lr"])), []).append((int(r["step"]), float(r["loss"])))
    ms, decades = [], []
    for (_, lr), rows in sorted(runs.items()):
        y = np.array([v for _, v in sorted(rows)])
        ms.append(Measured(measure(y, np.full(y.size, lr), policy=HOLD), np.zeros(0, np.int64), np.zeros(0)))
        decades.append(math.log10(lr / PROBE_BEST))
    return ms, np.array(decades)


def fold_choice(scored, labels, families, low, crawl) -> tuple[np.ndarray, list[bool]]:
    """Held-out directions and verdicts under the hold chosen on the other families, per family."""
    verdict = np.empty(len(labels), dtype=object)
    direction = np.empty(len(labels), dtype=object)
    chosen = []
    for fam in sorted(set(families)):
        # the zoo's labelled runs, as diagnose_zoo's choice reads them, and the probe's (unlabelled: its
        # runs count in the safety terms only)
        train = ((labels != "") | (families == "ux16-cnn1d")) & (families != fam)
        test = families == fam
        i = choose(scored, labels, train, low, crawl)
        chosen.append(HOLDS[i])
        verdict[test], direction[test] = scored[i].verdict[test], scored[i].direction[test]
    return np.stack([verdict, direction]), chosen


def main() -> None:
    args = arguments(__doc__).parse_args()
    cpu = time.process_time()
    entries = dc.load()
    labels, families = dc.labels_and_families(entries)
    decades = np.array([np.nan if (d := (e.record["facts"] or {}).get("decades_from_best")) is None else d
                        for e in entries], float)
    regret = np.array([(e.record["facts"] or {}).get("regret", np.nan) for e in entries], float)
    pm, pdec = probe()
    ms = [Measured(measure(e.loss, e.lr, policy=HOLD) if np.all(np.isfinite(e.loss)) else None, e.val_step,
                   e.val_loss) for e in entries] + pm
    labels = np.concatenate([labels, np.array([""] * len(pm), dtype=object)])
    families = np.concatenate([families, np.array(["ux16-cnn1d"] * len(pm), dtype=object)])
    decades = np.concatenate([decades, pdec])
    regret = np.concatenate([regret, np.full(len(pm), np.nan)])
    low = decades <= AT_BEST
    crawl = (decades < -AT_BEST) & (regret > HEALTHY_GAP)
    shipped = DiagnosePolicy(calibration=())
    scored = [verdicts(ms, shipped.replace(first_rise_hold=h)) for h in HOLDS]
    zoo = families != "ux16-cnn1d"
    lab = labels != ""
    rows = []
    for h, s in zip(HOLDS, scored):
        rows.append([f"hold {'on' if h else 'off (default)'}",
                     f"{np.mean(s.verdict[lab] == labels[lab]):.2%}",
                     f"{int(((s.verdict == 'too_high_diverging') & (labels == 'too_high_diverging')).sum())}"
                     f"/{int((labels == 'too_high_diverging').sum())}",
                     f"{int((s.direction[zoo & low] == 'lower').sum())}/{int((zoo & low).sum())}",
                     f"{int((s.direction[~zoo & low] == 'lower').sum())}/{int((~zoo & low).sum())}",
                     int((s.verdict[zoo] != scored[0].verdict[zoo]).sum())])
    pools = (("LOFO over the zoo", zoo), ("LOFO over the zoo + the probe", np.ones(len(labels), bool)))
    for name, pool in pools:
        (verdict, direction), chosen = fold_choice([type(s)(s.verdict[pool], s.raw[pool], s.direction[pool],
                                                             s.plain_direction[pool]) for s in scored],
                                                   labels[pool], families[pool], low[pool], crawl[pool])
        z, lb, lw = zoo[pool], lab[pool], low[pool]
        rows.append([f"{name} (on in {sum(chosen)}/{len(chosen)} folds)",
                     f"{np.mean(verdict[lb] == labels[pool][lb]):.2%}",
                     f"{int(((verdict == 'too_high_diverging') & (labels[pool] == verdict)).sum())}",
                     f"{int((direction[z & lw] == 'lower').sum())}",
                     f"{int((direction[~z & lw] == 'lower').sum())}" if (~z).any() else "-", "held out"])
    headers = ["policy", "zoo right (labelled)", "too_high_diverging read so",
               "zoo: lower at or below the best",
               "probe: lower at or below the best", "zoo verdicts changed"]
    print_table(rows, headers)
    corpus = load_builtin()
    built = []
    for h in HOLDS:
        p = DiagnosePolicy(first_rise_hold=h)
        ds = [diagnose(c["losses"], c["lrs"], policy=p) for c in corpus]
        labs = [setting_label(c["setting"], c["losses"]) for c in corpus]
        right = [d.verdict in ACCEPT[k] for d, k in zip(ds, labs)]
        low_lower = sum(d.direction == "lower" for d, c in zip(ds, corpus) if c["setting"] == "too_low")
        built.append([f"hold {'on' if h else 'off (default)'}",
                      f"{np.mean(right):.2%} ({sum(right)}/{len(right)})",
                      f"{low_lower}/{sum(c['setting'] == 'too_low' for c in corpus)}",
                      sum(d.verdict == "uncertain" for d in ds)])
    bh = ["built-in tasks (held out)", "right", "lower on a too_low setting", "uncertain"]
    print_table(built, bh)
    print(f"balanced accuracy (zoo, in sample): off {balanced(scored[0].verdict, labels, lab):.4f}, "
          f"on {balanced(scored[1].verdict, labels, lab):.4f}")
    if args.no_record:
        return
    body = "\n\n".join([
        f"The zoo corpus ({int(zoo.sum())} runs, 12 families; {int(lab.sum())} labelled) and the ux16 probe "
        f"({len(pm)} histories: seeds 0-2 at 1e-4 .. 0.316), each measured once and decided with the shipped "
        "policy, the hold (`first_rise_hold`) off and on; \"at or below the best\" is within 0.17 decades of "
        "the grid-best rate or below it.",
        markdown_table(rows, headers), markdown_table(built, bh),
        f"CPU time {time.process_time() - cpu:.0f} s (measured as CPU, the machine being shared)."])
    record("diagnose_first_loss", "Diagnosis: a rise that rests on the first loss alone", body,
           command="nice -n 10 .venv/bin/python benchmarks/diagnose_first_loss.py")


if __name__ == "__main__":
    main()
