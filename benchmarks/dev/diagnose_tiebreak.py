"""A learned tie-break on the runs ``diagnose``'s rules call ``uncertain``, chosen and scored held out by
family (``benchmarks/diagnose_tiebreak.py``).

**The model** is ``dev.diagnose_tiebreak_model.TieBreak`` (its docstring: the inputs, the softmax, the hard
vetoes above it and when it commits); this module fits its weights (scikit-learn's multinomial
``LogisticRegression`` on the runs the rules leave ``uncertain``, each read with and without the
validation losses) and chooses its settings (:data:`GRID`).

**Held out twice.** For each zoo family ``F`` (the outer fold), the rules are those chosen without ``F``
(``dev.diagnose_lofo.lofo``); the tie-break's settings (:data:`GRID`: regularisation, feature set,
validation features, ``commit``, ``veto_high``, ``raise``, ``high_needs_above``) are chosen by
leave-one-family-out among the other families (the inner folds), safety first (:func:`key`: no
"raise" on a too-high run with or without the validation losses, then no keep/decay/raise on one,
no ``healthy`` on a diverged one, no "lower" on a too-low one, then the most right less wrong); the
model is fitted on all the other families' uncertain runs with those settings and read on ``F``'s.
Every figure the script prints is from the outer folds. The inner folds read the rules of the outer
fold (chosen on all eleven families), a small leak into which runs are ``uncertain`` there, none
into ``F``.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from dev.diagnose_calibration import fit_calibration
from dev.diagnose_lofo import TOO_HIGH, WRONG_FOR_TOO_HIGH, Measured, lofo, measure_all

from dev.diagnose_tiebreak_model import TieBreak, choose, inputs, probabilities

from lrkit.diagnostics import decide, diagnose

__all__ = ["FEATURES", "GRID", "MOVED_ONLY", "Fold", "fold_reads", "fit", "rule", "pick", "key", "train_set",
           "choose_settings", "nested"]

#: The measurements the model may read (all of ``Diagnosis.statistics`` that are invariant to
#: ``loss -> a loss + b``, a > 0), as two sets: every one, and a small set of one per kind of sign
#: (level, rise, swings, pace, jump, skew).
FEATURES: dict[str, tuple[str, ...]] = {
    "all": ("rise", "rise_z", "oscillation_q", "zigzag_ratio", "spike_count", "max_spike_z",
            "max_spike_height", "decade_ratio", "last_decade_z", "last_half_z", "total_progress_z",
            "early_drop_fraction", "noise_to_spread", "end_noise_to_spread", "peak_excess", "peak_z",
            "jump_excess", "end_vs_first_z", "end_vs_y0_z", "late_share", "noise_skew",
            "ended_above_start", "spiked_over_descent"),
    "small": ("rise", "rise_z", "oscillation_q", "zigzag_ratio", "decade_ratio", "total_progress_z",
              "late_share", "noise_skew", "peak_excess", "jump_excess", "end_vs_first_z"),
}
#: The settings searched by the inner folds.
GRID: dict[str, tuple] = {
    "C": (0.03, 0.1, 0.3),
    "features": ("small", "all"),
    "val": (False, True),
    "commit": (0.6, 0.7, 0.8),
    "veto_high": (0.02, 0.05, 0.1),
    "raise": (False, True),
    "high_needs_above": (False, True),
}


@dataclass(frozen=True)
class Fold:
    """One outer fold's reads of every run under the rules chosen without its family: ``(verdict,
    confidence, runner_up, fired, statistics)`` with every signal (``all``) and from the loss and rate
    alone (``plain``)."""

    all: list
    plain: list


def fold_reads(entries: Sequence, labels: np.ndarray, families: np.ndarray, cands: Sequence,
               ) -> tuple[dict[str, Fold], np.ndarray]:
    """Per family, every run read under the policy (and calibration) chosen without it; and the
    rules' held-out verdicts (``dev.diagnose_lofo.lofo``)."""
    ms = measure_all(entries)
    verdict, _, _, chosen, scored, levels, _ = lofo(ms, labels, families, cands)
    lab = labels != ""
    nan = diagnose([math.nan] * 10)
    out = {}
    for fam in sorted(set(families)):
        s = scored[cands.index(chosen[fam])]
        train = lab & (families != fam)
        table = fit_calibration(s.raw[train], s.verdict[train] == labels[train], s.verdict[train],
                                families[train], z=levels[fam])
        pol = chosen[fam].replace(calibration=table)
        out[fam] = Fold(*[[_row(nan if r.m is None else decide(r.m, policy=pol, **_val(r, val))) for r in ms]
                          for val in (True, False)])
    return out, verdict


def _val(r: Measured, val: bool) -> dict:
    return {"val_losses": r.val_loss, "val_steps": r.val_step} if val else {}


def _row(d) -> tuple:
    return d.verdict, d.confidence, d.runner_up, d.fired, dict(d.statistics)


def fit(X: np.ndarray, y: np.ndarray, C: float) -> dict:
    """Multinomial logistic regression (L2, ``C``) on standardised inputs: the fields of a
    ``TieBreak`` it fills (classes, mean, scale, weights, intercepts)."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = LogisticRegression(C=C, max_iter=5000).fit((X - mean) / scale, y)
    return {"classes": tuple(str(k) for k in m.classes_), "mean": tuple(mean.tolist()),
            "scale": tuple(scale.tolist()), "weights": tuple(tuple(r) for r in m.coef_.tolist()),
            "intercepts": tuple(m.intercept_.tolist())}


#: Whether a run where nothing measurable moved stays ``uncertain`` (``TieBreak.moved_only``): a design
#: switch of the script (``--open`` turns it off), not searched by the folds.
MOVED_ONLY = {"on": True}


def rule(fitted: dict, s: dict) -> TieBreak:
    """The tie-break record of a fitted model under settings ``s`` (a :data:`GRID` point)."""
    return TieBreak(features=FEATURES[s["features"]], val=s["val"], commit=s["commit"],
                    veto_high=s["veto_high"], allow_raise=s["raise"], high_needs_above=s["high_needs_above"],
                    moved_only=MOVED_ONLY["on"], **fitted)


def pick(rows: Sequence[tuple], r: TieBreak, probs: Sequence[dict] | None = None,
         ) -> tuple[np.ndarray, np.ndarray]:
    """The tie-break's verdict per run (``uncertain`` where it abstains) and its probability; ``probs``:
    the model's probabilities per run when already computed (they depend on the model, not the
    settings)."""
    out = np.full(len(rows), "uncertain", dtype=object)
    prob = np.zeros(len(rows))
    for i, row in enumerate(rows):
        got = choose(probabilities(row[4], r) if probs is None else probs[i], row[4], row[3], r)
        if got is not None:
            out[i], prob[i] = got[0], got[1]
    return out, prob


def key(pick_all: np.ndarray, pick_plain: np.ndarray, labels: np.ndarray) -> tuple:
    """Safety first: "raise" on a too-high run (with and without validation losses), keep/decay/raise on
    one, ``healthy`` on a diverged one, "lower" on a too-low one (advice the other wrong way), then the
    most right less wrong of the runs resolved."""
    high = np.isin(labels, TOO_HIGH)
    raises = int((high & (pick_all == "too_low_slow")).sum() + (high & (pick_plain == "too_low_slow")).sum())
    slips = int((high & np.isin(pick_all, list(WRONG_FOR_TOO_HIGH))).sum()
                + (high & np.isin(pick_plain, list(WRONG_FOR_TOO_HIGH))).sum())
    blown = int(((labels == "too_high_diverging") & (pick_all == "healthy")).sum())
    low = labels == "too_low_slow"
    lower = int((low & np.isin(pick_all, TOO_HIGH)).sum() + (low & np.isin(pick_plain, TOO_HIGH)).sum())
    right = int((pick_all == labels).sum())
    wrong = int(((pick_all != "uncertain") & (pick_all != labels)).sum())
    return raises, slips, blown, lower, -(right - wrong)


def _design(rows: Sequence[tuple], feats: str, val: bool) -> np.ndarray:
    return np.array([inputs(r[4], FEATURES[feats], val) for r in rows])


def _settings() -> list[dict]:
    return [dict(zip(GRID, v)) for v in itertools.product(*GRID.values())]


def _train_rows(fold: Fold, sel: np.ndarray, labels: np.ndarray) -> tuple[list, np.ndarray]:
    """The uncertain labelled runs of ``sel``, read with and without validation losses (both are
    histories a user may hold)."""
    rows, ys = [], []
    for reads in (fold.all, fold.plain):
        for i in np.flatnonzero(sel):
            if reads[i][0] == "uncertain" and labels[i] not in ("", "nan"):
                rows.append(reads[i])
                ys.append(labels[i])
    return rows, np.array(ys, dtype=object)


def _read(fold: Fold, test: np.ndarray, models: dict, s: dict, cache: dict | None = None,
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Tie-break verdicts and probabilities of ``test``'s uncertain runs (other runs: ``uncertain``),
    with every signal and from the loss and rate alone; ``cache`` keeps each model's probabilities
    across the settings that share it."""
    cache = {} if cache is None else cache
    m = (s["C"], s["features"], s["val"])
    r = rule(models[m], s)
    outs = []
    for which, reads in (("all", fold.all), ("plain", fold.plain)):
        if (m, which) not in cache:
            idx = [i for i in np.flatnonzero(test) if reads[i][0] == "uncertain"]
            rows = [reads[i] for i in idx]
            cache[(m, which)] = idx, rows, [probabilities(row[4], r) for row in rows]
        idx, rows, probs = cache[(m, which)]
        v = np.full(len(reads), "uncertain", dtype=object)
        p = np.zeros(len(reads))
        if idx:
            v[idx], p[idx] = pick(rows, r, probs)
        outs += [v, p]
    return outs[0], outs[1], outs[2], outs[3]


def train_set(fold: Fold, sel: np.ndarray, labels: np.ndarray, s: dict) -> tuple[np.ndarray, np.ndarray]:
    """The model's inputs and labels under settings ``s``: the uncertain labelled runs of ``sel``."""
    rows, y = _train_rows(fold, sel, labels)
    return _design(rows, s["features"], s["val"]), y


def _models(fold: Fold, sel: np.ndarray, labels: np.ndarray) -> dict:
    rows, y = _train_rows(fold, sel, labels)
    return {(C, f, v): fit(_design(rows, f, v), y, C)
            for C in GRID["C"] for f in GRID["features"] for v in GRID["val"]}


def choose_settings(fold: Fold, labels: np.ndarray, families: np.ndarray, train: np.ndarray) -> dict:
    """The settings chosen by leave-one-family-out among the families of ``train`` (see :func:`key`)."""
    settings = _settings()
    n = labels.size
    got = {i: [np.full(n, "uncertain", dtype=object), np.full(n, "uncertain", dtype=object)]
           for i in range(len(settings))}
    for fam in sorted(set(families[train])):
        models = _models(fold, train & (families != fam), labels)
        test = train & (families == fam)
        cache: dict = {}
        for i, s in enumerate(settings):
            va, _, vp, _ = _read(fold, test, models, s, cache)
            got[i][0][test], got[i][1][test] = va[test], vp[test]
    lab = train & (labels != "")
    return settings[min(got, key=lambda i: key(got[i][0][lab], got[i][1][lab], labels[lab]))]


def nested(folds: dict[str, Fold], labels: np.ndarray, families: np.ndarray,
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, dict]]:
    """Held-out tie-break verdicts and probabilities with every signal and from the loss and rate alone
    (``uncertain`` where the rules committed or the tie-break abstained), and the settings per fold."""
    n = labels.size
    va, vp = np.full(n, "uncertain", dtype=object), np.full(n, "uncertain", dtype=object)
    pa, pp = np.zeros(n), np.zeros(n)
    chosen = {}
    for fam in sorted(folds):
        fold, train, test = folds[fam], families != fam, families == fam
        s = chosen[fam] = choose_settings(fold, labels, families, train)
        a, ap, b, bp = _read(fold, test, _models(fold, train, labels), s)
        va[test], pa[test], vp[test], pp[test] = a[test], ap[test], b[test], bp[test]
    return va, pa, vp, pp, chosen
