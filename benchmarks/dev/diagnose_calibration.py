"""The confidence map of ``benchmarks/diagnose_zoo.py``: fitted on some families, read on a family it
never saw.

A verdict's raw score (the margin of its deciding test) is mapped, per verdict, through steps
``(upper edge of the raw score, confidence)`` (``DiagnosePolicy.calibration``). :func:`fit_calibration`
fits them: isotonic regression of "right" on the raw score, each step then lowered to a one-sided
lower bound of the share right **on a new family** (:func:`family_low`): runs of one family share
their errors, and the question a confidence answers is how often a verdict is right on a workload the
fit never saw. The bound's level (``z``, a normal quantile) is itself chosen by leave-one-family-out
inside the families the map is fitted on (:func:`choose_level`): the lowest level at which verdicts
given 0.8 or more are right at least :data:`TARGET` of the time on the family left out.
:func:`reliability_rows` is the reliability table: bands of confidence against the share right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from lrkit.diagnostics import DiagnosePolicy, calibrated

__all__ = ["UNCALIBRATED", "LEVELS", "TARGET", "SURE", "family_low", "fit_calibration", "apply",
           "choose_level", "reliability_rows", "FLOORS", "floor_rows"]

#: Verdicts no corpus run is labelled with: no steps are fitted for them (a calibration would map them
#: to 0, "never right", which says nothing about them); ``DiagnosePolicy.unmeasured_max`` caps them.
UNCALIBRATED = ("uncertain", "loss_spikes")
#: The bound levels searched: one-sided 90%, 95% and 99% normal quantiles.
LEVELS: tuple[float, ...] = (1.2816, 1.6449, 2.3263)
#: Issue 14's claim: verdicts given a confidence of at least ``SURE`` are right at least ``TARGET`` of
#: the time on held-out families.
SURE, TARGET = 0.8, 0.95


def family_low(right: np.ndarray, groups: np.ndarray, z: float) -> float:
    """Lower prediction bound of the share right on a *new* family: the runs' share ``p`` less ``z``
    times the spread a new family's share has around it, ``sqrt(v_between + v_mean)``, with
    ``v_between = G / (G - 1) sum_g n_g (p_g - p)^2 / n`` the run-weighted variance of the families'
    shares and ``v_mean = G / (G - 1) sum_g n_g^2 (p_g - p)^2 / n^2`` the cluster-robust variance of
    ``p`` itself. ``v_mean`` alone bounds the mean over the families seen; a new family's share
    strays from it by ``v_between`` too. Fewer than two families: 0 (nothing says how they spread)."""
    names, idx = np.unique(groups, return_inverse=True)
    if names.size < 2:
        return 0.0
    n_g = np.bincount(idx).astype(float)
    p_g = np.bincount(idx, weights=right) / n_g
    p, n = float(right.mean()), float(right.size)
    spread = names.size / (names.size - 1) * n_g * (p_g - p) ** 2
    return p - z * math.sqrt(float(np.sum(spread)) / n + float(np.sum(n_g * spread)) / n**2)


def _wilson_low(p: float, n: int, z: float) -> float:
    return (p + z * z / (2 * n) - z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)


def fit_calibration(raw: np.ndarray, right: np.ndarray, verdict: np.ndarray,
                    groups: np.ndarray | None = None, z: float = LEVELS[0]) -> tuple:
    """Per verdict, steps ``(edge, confidence)``: isotonic in the raw score, each step at the Wilson
    bound of its runs and, with ``groups`` (each run's family), at the lower of that and
    :func:`family_low`; then made non-decreasing by lowering a step to the lowest bound at or above
    it, never by raising one (a step may claim no more than a larger margin earned)."""
    from sklearn.isotonic import IsotonicRegression

    table = []
    for v in sorted(set(verdict) - set(UNCALIBRATED)):
        sel = verdict == v
        x, y = raw[sel], right[sel].astype(float)
        fit = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip").fit(x, y)
        level = fit.predict(x)
        steps = []
        for q in sorted(set(np.round(level, 12))):
            block = np.isclose(level, q)
            low = _wilson_low(float(y[block].mean()), int(block.sum()), z)
            if groups is not None:
                low = min(low, family_low(y[block], groups[sel][block], z))
            steps.append((float(x[block].max()), max(0.0, low)))
        floor = np.minimum.accumulate([q for _, q in steps][::-1])[::-1]
        merged: list[tuple[float, float]] = []
        for (edge, _), q in zip(steps, floor):  # one step per distinct confidence
            q = round(float(q), 3)
            if merged and merged[-1][1] == q:
                merged[-1] = (edge, q)
            else:
                merged.append((edge, q))
        merged[-1] = (1.0, merged[-1][1])
        table.append((str(v), tuple(merged)))
    return tuple(table)


def apply(table: tuple, verdict: np.ndarray, raw: np.ndarray) -> np.ndarray:
    """The confidences ``table`` gives each run's verdict and raw score, as ``lrkit.diagnose`` would."""
    policy = DiagnosePolicy(calibration=table)
    return np.array([calibrated(str(v), float(r), policy) for v, r in zip(verdict, raw)])


def _sure_share(conf: np.ndarray, right: np.ndarray, claim: np.ndarray) -> float:
    sure = claim & (conf >= SURE)
    return float(right[sure].mean()) if sure.any() else 1.0


def choose_level(raw: np.ndarray, right: np.ndarray, verdict: np.ndarray, groups: np.ndarray,
                 levels: Sequence[float] = LEVELS) -> float:
    """The bound level, chosen by leave-one-family-out within ``groups``: for each level, each family's
    confidences from a map fitted on the others; the lowest level whose verdicts given :data:`SURE`
    or more are right :data:`TARGET` of the time on the families left out (the highest if none is).
    ``uncertain`` claims nothing and is not counted."""
    claim = verdict != "uncertain"
    for z in levels:
        conf = np.zeros(raw.size)
        for g in np.unique(groups):
            out = groups == g
            table = fit_calibration(raw[~out], right[~out], verdict[~out], groups[~out], z)
            conf[out] = apply(table, verdict[out], raw[out])
        if _sure_share(conf, right, claim) >= TARGET:
            return float(z)
    return float(levels[-1])


def reliability_rows(confidence: np.ndarray, right: np.ndarray) -> tuple[list, list]:
    """The reliability table: per band of confidence, the runs, their mean confidence and the share
    right (a band whose share right is below its confidence claims more than it covers), and the runs
    at :data:`SURE` or more."""
    bands = [(0.0, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 0.95), (0.95, 1.01)]
    rows = []
    for lo, hi in bands + [(SURE, 1.01)]:
        sel = (confidence >= lo) & (confidence < hi)
        name = (f"{lo:.2f}-{min(hi, 1.0):.2f}" if (lo, hi) != (SURE, 1.01)
                else f">= {SURE:.2f} (target: >= {TARGET:.0%} right)")
        rows.append([name, int(sel.sum()), f"{confidence[sel].mean():.3f}" if sel.any() else "",
                     f"{100 * right[sel].mean():.1f}%" if sel.any() else ""])
    return rows, ["confidence", "runs", "mean confidence", "right"]


#: The confidence floors compared by :func:`floor_rows` (0: no floor).
FLOORS: tuple[float, ...] = (0.0, 0.05, 0.1, 0.3, 0.5)


def floor_rows(labels: np.ndarray, by_floor: dict[float, np.ndarray], mask: np.ndarray,
               directions: dict[str, str]) -> tuple[list, list]:
    """What a floor on the calibrated confidence does, held out (``by_floor``: the verdicts under each
    floor of :data:`FLOORS`). Per floor: the share right, the runs said ``uncertain``, the advice
    pointing against the run's need (lower on a run too low, raise on a run too high or NaN), any
    directional advice other than the label's, and the share of the directional advice (lower, raise,
    decay, keep) that is the label's. Keeping the verdict and hedging its words (the other option)
    leaves every count as at floor 0."""
    need = np.array([directions.get(k, "") for k in labels], dtype=object)
    rows = []
    for f, v in sorted(by_floor.items()):
        d = np.array([directions[x] for x in v], dtype=object)
        m = mask & (d != "none") & (d != "clip")
        against = mask & (((d == "lower") & (need == "raise")) | ((d == "raise") & (need == "lower")))
        rows.append([f"{f:g}" if f else "none", f"{100 * (v == labels)[mask].mean():.1f}%",
                     int((v[mask] == "uncertain").sum()), int(against.sum()), int((m & (d != need)).sum()),
                     f"{100 * (d == need)[m].mean():.1f}%"])
    return rows, ["floor", "right", "uncertain", "against the need", "other than the label's",
                  "directional advice right"]
