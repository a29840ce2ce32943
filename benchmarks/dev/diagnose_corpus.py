"""The labelled zoo corpus of ``diagnose``: every ground-truth run of the zoo, labelled by outcome.

:func:`build` labels (``dev.diagnose_labels``) every constant-rate grid run of every zoo workload whose
grid is finished (``dev.zoo_grid.status == "ok"``), plus :data:`SCHEDULED` cosine runs per workload and
seed (the rate column's decay must be read, and a decayed run is never a plateau), and writes
:data:`CORPUS`: one record per run with its workload, family, rate, seed, schedule, label (or reason
for none), the quantities the label used, and the SHA-1 of its loss history, so a later change of the
zoo's files cannot silently change the corpus. :func:`load` gives the records with their histories
(read from the zoo's cached runs, checked against the hashes).

The corpus is frozen: it is built once, committed, and every detector revision is scored on the same
file (``benchmarks/diagnose_zoo.py``).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dev import zoo_grid as zg
from dev.diagnose_labels import LABELS, label_run

__all__ = ["CORPUS", "SCHEDULED", "Entry", "build", "load", "counts", "labels_and_families"]

CORPUS = Path(__file__).resolve().parents[1] / "results" / "diagnose_zoo_corpus.json"
#: Cosine runs added per workload and seed, as multiples of the grid-best rate (the peak).
SCHEDULED: tuple[float, ...] = (1.0, 3.0)


def _cosine(lr: float, budget: int) -> str:
    return f"cosine(lr={lr:.6g}, steps={budget})"


def _sha(loss: np.ndarray) -> str:
    return hashlib.sha1(np.asarray(loss, dtype=np.float32).tobytes()).hexdigest()[:16]


def _end(loss: np.ndarray) -> float:
    y = np.asarray(loss, dtype=np.float64)
    return float(np.median(y[-max(3, y.size // 10):]))


def _requests(name: str) -> list[tuple[str, float, int, str | None]]:
    g = zg.load(name)
    rb, _ = zg.best(name)
    budget = json.loads(zg.GRID_FILE.read_text())["workloads"][name]["budget"]
    reqs = [(name, float(lr), s, None) for lr in g.lrs for s in g.seeds]
    reqs += [(name, float(f"{k * rb:.4g}"), s, _cosine(float(f"{k * rb:.4g}"), budget))
             for k in SCHEDULED for s in g.seeds]
    return reqs


def build(workers: int = 1) -> list[dict[str, Any]]:
    """Label every run (running the scheduled ones first, cached by ``zg.run_at``) and write
    :data:`CORPUS`."""
    from lrkit import zoo

    names = [n for n in zg.names() if n in zoo.names() and zg.status(n) == "ok"]
    reqs = [r for n in names for r in _requests(n)]
    runs = zg.run_many(reqs, workers=workers)
    by_name: dict[str, list[Any]] = {}
    for req, run in zip(reqs, runs):
        by_name.setdefault(req[0], []).append((req, run))
    records = []
    for name in names:
        g = zg.load(name)
        rb, mb = zg.best(name)
        gap = abs(mb - g.untrained)
        refs = {s: _end(zg.run_at(name, rb, s).history["loss"]) for s in g.seeds}
        for (_, lr, seed, spec), run in by_name[name]:
            h = run.history
            lab = label_run(loss=h["loss"], lr=h["lr"], eval_step=h["eval_step"],
                            eval_metric=h["eval_metric"],
                            higher_is_better=g.higher_is_better, gap=gap,
                            regret=float(zg.regret(name, run.metric, unit="gap")), rate=lr, best_rate=rb,
                            ref_end=refs[seed])
            records.append({"workload": name, "family": g.family, "lr": lr, "seed": seed, "schedule": spec,
                            "label": lab.label, "reason": lab.reason,
                            "facts": {k: (None if not math.isfinite(v) else round(v, 6))
                                      for k, v in lab.facts.items()},
                            "n": int(len(h["loss"])), "sha1": _sha(h["loss"])})
    CORPUS.write_text(json.dumps({"about": "diagnose's zoo corpus: see benchmarks/dev/diagnose_corpus.py",
                                  "records": records}, indent=0, sort_keys=True) + "\n")
    return records


@dataclass(frozen=True)
class Entry:
    """One corpus run with its history (``val_step``/``val_loss``: the evaluations)."""

    record: dict[str, Any]
    loss: np.ndarray
    lr: np.ndarray
    grad_norm: np.ndarray
    val_step: np.ndarray
    val_loss: np.ndarray


def load(labelled_only: bool = False) -> list[Entry]:
    """The corpus records with their histories, each checked against its stored hash."""
    out = []
    for rec in json.loads(CORPUS.read_text())["records"]:
        if labelled_only and rec["label"] is None:
            continue
        run = zg.run_at(rec["workload"], rec["lr"], rec["seed"], rec["schedule"])
        h = run.history
        if _sha(h["loss"]) != rec["sha1"]:
            raise RuntimeError(f"the history of {rec['workload']} lr={rec['lr']} seed={rec['seed']} changed "
                               "since the corpus was frozen")
        out.append(Entry(rec, h["loss"].astype(np.float64), h["lr"].astype(np.float64),
                         h["grad_norm"].astype(np.float64), h["eval_step"].astype(np.int64),
                         h["eval_val_loss"].astype(np.float64)))
    return out


def labels_and_families(entries: list[Entry]) -> tuple[np.ndarray, np.ndarray]:
    """Each entry's label (``""`` for an unlabelled run) and family, as object arrays aligned with
    ``entries``: the masks every leave-one-family-out split over the corpus is made of."""
    return (np.array([e.record["label"] or "" for e in entries], dtype=object),
            np.array([e.record["family"] for e in entries], dtype=object))


def counts(records: list[dict[str, Any]]) -> tuple[list[list[Any]], list[str]]:
    """Rows ``family, <one column per label>, unlabelled, total`` and their headers."""
    fams = sorted({r["family"] for r in records})
    rows = []
    for fam in fams + ["all"]:
        c = Counter(r["label"] for r in records if fam in ("all", r["family"]))
        rows.append([fam, *[c[lab] for lab in LABELS], c[None], sum(c.values())])
    return rows, ["family", *LABELS, "unlabelled", "total"]
