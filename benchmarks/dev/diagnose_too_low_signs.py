"""Signs of a rate too low among the runs ``diagnose`` reads ``healthy``: do any tell them apart held out?

The built-in corpus reads many of its runs at 1/300 of the good rate ``healthy``; the zoo reads 98 of its
620 too-low runs so (every signal, in sample). This script measures, on the zoo's runs read ``healthy``
(labelled healthy against labelled too low), each sign with a physical reason to separate them:

* ``val_late``: the validation loss's drop from the evaluation at 80% of the run to the last, in units
  of its whole drop (a rate too low is still improving it);
* ``pace_end``: the training loss's pace over the last fifth against its mean pace (1 on a straight
  line; a good rate has slowed down);
* ``grad_change``: the gradient norm's last tenth against its first twentieth, in decades (a rate too
  low barely moves the weights, so the gradient barely changes);
* skew that appears late, on the runs whose noise skew holds the slow test back;
* noiseless runs (no zoo run labelled too low has step noise under 0.01 of its spread).

For each: the AUC between the groups (overall and per family), and what turning the runs above each
threshold ``too_low_slow`` would take and give, in sample. For ``val_late`` and ``pace_end`` together,
an emulated leave-one-family-out: each family gets the pair (or neither) chosen on the other eleven
(no more too-high runs read as keep, decay or raise, then balanced accuracy), applied to the shipped
verdicts (the guard is not re-run, so the gain is an upper bound). Last, who hears the words of
``lrkit.diagnostics.not_levelled`` on both corpora. Printed only (docs/evidence.md, "Diagnose: too low
on the built-in tasks, what the zoo cannot decide").

Run::

    nice -n 10 .venv/bin/python benchmarks/dev/diagnose_too_low_signs.py
"""

from __future__ import annotations

import itertools
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev import diagnose_corpus as dc  # noqa: E402
from dev.diagnose_builtin import ALL_NEW, V8_TASKS, load, setting_label  # noqa: E402
from dev.diagnose_lofo import TOO_HIGH, WRONG_FOR_TOO_HIGH  # noqa: E402

from lrkit.diagnostics import diagnose, not_levelled, running_median  # noqa: E402

VAL_LATE = (0.01, 0.02, 0.03, 0.05, 0.08)
PACE_END = (0.2, 0.3, 0.4, 0.5, 0.7)


def _level(a: np.ndarray, lo: float, hi: float) -> float:
    n = a.size
    return float(np.nanmedian(a[int(lo * n):max(int(hi * n), int(lo * n) + 1)]))


def _skew(r: np.ndarray) -> float:
    v = float(np.mean(r**2))
    return float(np.mean(r**3) / v**1.5) if v > 0 else 0.0


def signs(e: dc.Entry) -> dict[str, float]:
    """The run's signs (absent where its columns cannot give one)."""
    y = e.loss
    drop = y[0] - _level(y, 0.9, 1.0)
    out = {"pace_end": (_level(y, 0.7, 0.8) - _level(y, 0.9, 1.0)) / 2 / max(drop, 1e-12) * 10}
    g = e.grad_norm
    if np.isfinite(g).any():
        out["grad_change"] = float(np.log10(_level(g, 0.9, 1.0) / max(_level(g, 0.0, 0.05), 1e-30)))
    v, vs = e.val_loss, e.val_step
    if v.size > 2 and np.all(np.isfinite(v)) and v[0] > v.min():
        i = int(np.argmax(vs >= 0.8 * vs[-1]))
        out["val_late"] = float((v[i] - v[-1]) / (v[0] - v.min()))
    resid = y - running_median(y, 9)  # skewness is scale-free: no robust units needed
    out["skew_late_minus_early"] = _skew(resid[y.size // 2:]) - _skew(resid[: y.size // 2])
    return out


def auc(a: list[float], b: list[float]) -> float:
    """P(a draw from ``a`` exceeds one from ``b``), ties half."""
    x, z = np.asarray(a), np.asarray(b)
    if not (x.size and z.size):
        return np.nan
    return float(np.mean([(v > z).mean() + 0.5 * (v == z).mean() for v in x]))


def _balanced(v: np.ndarray, lab: np.ndarray, m: np.ndarray) -> float:
    return float(np.mean([np.mean(v[m & (lab == k)] == k) for k in set(lab[m])]))


def emulated_lofo(rows: list[dict]) -> None:
    """The pair (val_late, pace_end) chosen per family on the other eleven, applied to the shipped
    verdicts."""
    lab = np.array([r["label"] for r in rows])
    fam = np.array([r["family"] for r in rows])
    base = np.array([r["verdict"] for r in rows], dtype=object)
    vl = np.array([r["s"].get("val_late", -np.inf) for r in rows])
    pe = np.array([r["s"].get("pace_end", -np.inf) for r in rows])
    high = np.isin(lab, TOO_HIGH)

    def apply(pair: tuple[float, float] | None) -> np.ndarray:
        v = base.copy()
        if pair is not None:
            v[(base == "healthy") & (vl > pair[0]) & (pe > pair[1])] = "too_low_slow"
        return v

    grid = [None, *itertools.product(VAL_LATE, PACE_END)]
    held = base.copy()
    for f in sorted(set(fam)):
        tr = fam != f
        slips0 = int(np.isin(base[tr & high], list(WRONG_FOR_TOO_HIGH)).sum())
        def key(g: tuple[float, float] | None, tr: np.ndarray = tr, slips0: int = slips0) -> tuple:
            slips = int(np.isin(apply(g)[tr & high], list(WRONG_FOR_TOO_HIGH)).sum())
            return (-int(slips > slips0), _balanced(apply(g), lab, tr))

        best = max(grid, key=key)
        held[fam == f] = apply(best)[fam == f]
        m = fam == f
        print(f"  {f:12s} chose {best}: right {int((base[m] == lab[m]).sum())} -> "
              f"{int((held[m] == lab[m]).sum())}")
    print(f"  all: {np.mean(base == lab):.2%} -> {np.mean(held == lab):.2%}; too-high read keep/decay/raise "
          f"{int(np.isin(base[high], list(WRONG_FOR_TOO_HIGH)).sum())} -> "
          f"{int(np.isin(held[high], list(WRONG_FOR_TOO_HIGH)).sum())}")


def main() -> None:
    cpu = time.process_time()
    rows = []
    for e in dc.load(labelled_only=True):
        finite = bool(np.all(np.isfinite(e.loss)))
        d = diagnose(e.loss, e.lr, val_losses=e.val_loss, val_steps=e.val_step) if finite else None
        rows.append({"label": e.record["label"], "family": e.record["family"],
                     "verdict": d.verdict if d else "nan", "stats": d.statistics if d else {},
                     "s": signs(e) if finite else {}})
    read = [r for r in rows if r["verdict"] == "healthy"]
    both = [r for r in read if r["label"] in ("healthy", "too_low_slow")]
    print(f"zoo runs read healthy (every signal): {dict(Counter(r['label'] for r in read))}")
    for key, ts in (("val_late", VAL_LATE), ("pace_end", PACE_END), ("grad_change", ())):
        lo = [r["s"][key] for r in both if key in r["s"] and r["label"] == "too_low_slow"]
        hi = [r["s"][key] for r in both if key in r["s"] and r["label"] == "healthy"]
        fams = sorted({r["family"] for r in both})
        per = {f: round(auc([r["s"][key] for r in both if r["family"] == f and key in r["s"]
                             and r["label"] == "too_low_slow"],
                            [r["s"][key] for r in both if r["family"] == f and key in r["s"]
                             and r["label"] == "healthy"]), 2) for f in fams}
        print(f"\n{key}: AUC too low > healthy {auc(lo, hi):.2f} ({len(lo)} / {len(hi)} runs); "
              f"per family {per}")
        for t in ts:
            c = Counter(r["label"] for r in read if r["s"].get(key, -np.inf) > t)
            print(f"  above {t:g}: turned too_low_slow {dict(c)}")
    print("\nboth together, in sample:")
    for tv, tp in itertools.product(VAL_LATE, PACE_END):
        c = Counter(r["label"] for r in read if r["s"].get("val_late", -np.inf) > tv
                    and r["s"]["pace_end"] > tp)
        print(f"  val_late > {tv:g} and pace_end > {tp:g}: {dict(c)}")
    print("\nboth together, emulated leave-one-family-out:")
    emulated_lofo(rows)
    held_back = [r for r in rows
                 if r["stats"].get("late_share", 0) > 0.15 and r["stats"]["noise_skew"] >= 0.5]
    late = {k: round(float(np.median([r["s"]["skew_late_minus_early"] for r in held_back
                                      if r["label"] == k])), 2) for k in ("healthy", "too_low_slow")}
    print(f"\nskew late minus early (median), runs whose skew holds the slow test back: {late} "
          f"({len(held_back)} runs)")
    for thr in (0.01, 0.02):
        print(f"too-low runs with step noise under {thr} of the spread:",
              sum(r["label"] == "too_low_slow" and r["stats"].get("noise_to_spread", 1.0) < thr
                  for r in rows))
    said = Counter(r["label"] for r in read if not_levelled(r["stats"]))
    quiet = Counter(r["label"] for r in read if not not_levelled(r["stats"]))
    print(f"\nnot_levelled on the zoo's healthy reads: said {dict(said)}; not said {dict(quiet)}")
    built = [c for c in load() if c["source"] not in ALL_NEW and c["source"] not in V8_TASKS]
    ds = [(setting_label(c["setting"], c["losses"]), diagnose(c["losses"], c["lrs"])) for c in built]
    healthy = [(k, not_levelled(d.statistics)) for k, d in ds if d.verdict == "healthy"]
    print("not_levelled on the built-in sources' healthy reads: said",
          dict(Counter(k for k, on in healthy if on)), "not said",
          dict(Counter(k for k, on in healthy if not on)))
    print(f"CPU {time.process_time() - cpu:.0f} s")


if __name__ == "__main__":
    main()
