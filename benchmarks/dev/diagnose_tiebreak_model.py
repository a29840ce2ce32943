"""The tie-break measured by ``benchmarks/diagnose_tiebreak.py``: on a history ``diagnose``'s rules call
``uncertain``, a small softmax model over the run's named measurements chooses a verdict, or leaves it
``uncertain``. Measured, not shipped (docs/evidence.md#diagnose-a-learned-tie-break-on-the-uncertain-runs).

**Why it was tried.** The rules commit only on a test that fires and a guard that allows it. Many
``uncertain`` histories might still say which way the rate is wrong through several measurements at
once; a multinomial logistic model reads them together:

    z_j = sign(s_j) log(1 + |s_j|),    p = softmax(W (z - mu) / sigma + b)

over the statistics ``s`` of :attr:`TieBreak.features` (``Diagnosis.statistics``, each measured in
robust units of the loss, so ``a * loss + b`` reads as ``loss``), one row of ``W`` per outcome label.

**Vetoes above it** (:func:`allowed`, :func:`choose`): a run whose loss ended at or above its first
value, or rose above it by more than its whole descent, gets a too-high verdict or stays
``uncertain``; a run whose too-high test fired is never told to raise the rate; with ``moved_only`` a
run where nothing measurable moved (``end_vs_first_z >= 0``, the rules' ``still``) stays
``uncertain``. It commits when the verdict's probability reaches ``commit`` (a too-high verdict: the
two too-high labels together; with ``high_needs_above`` only on a run whose loss ended at or above its
start), and a verdict that keeps, decays or raises the rate also needs the too-high probability below
``veto_high``; ``allow_raise`` off: never ``too_low_slow``. These are the hard facts of the guard
(``Shape.ended_above_start``, ``spiked_over_descent``); its softer vetoes (a sign of a rate at its
limit forbids "raise", a jump above the start forbids "keep") are not read here, and the model
overrides them: that is where its gain on the zoo came from, and what the unit tests of those
vetoes catch.

Example:
    >>> r = TieBreak(features=("rise",), val=False, classes=("healthy", "too_high_diverging"),
    ...              mean=(0.0,), scale=(1.0,), weights=((0.0,), (0.0,)), intercepts=(4.0, 0.0))
    >>> tie_break({"rise": 0.1, "end_vs_first_z": -3.0}, (), r)[0]
    'healthy'
    >>> tie_break({"rise": 0.1, "end_vs_first_z": -3.0, "ended_above_start": 1.0}, (), r) is None
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["TieBreak", "TOO_HIGH", "KEEPS", "VAL_FEATURES", "inputs", "allowed", "probabilities", "choose",
           "tie_break"]

TOO_HIGH = ("too_high_diverging", "too_high_oscillating")
KEEPS = ("healthy", "plateau", "too_low_slow")
#: What a history with a validation column adds to the inputs when :attr:`TieBreak.val` is on.
VAL_FEATURES = ("val_rise", "val_improving")


@dataclass(frozen=True)
class TieBreak:
    """A fitted tie-break and when it may commit (module docstring)."""

    features: tuple[str, ...]
    val: bool
    classes: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[tuple[float, ...], ...]
    intercepts: tuple[float, ...]
    commit: float = 0.6
    veto_high: float = 0.05
    allow_raise: bool = True
    high_needs_above: bool = False
    moved_only: bool = True


def inputs(stats: dict[str, float], features: Sequence[str], val: bool) -> np.ndarray:
    """``sign(s) log(1 + |s|)`` of each named statistic (0 when absent or not finite), with the
    validation statistics and an indicator of them when ``val``."""
    x = [stats.get(k, 0.0) for k in features]
    if val:
        x += [stats.get(k, 0.0) for k in VAL_FEATURES] + [float("val_points" in stats)]
    a = np.array(x, dtype=np.float64)
    a[~np.isfinite(a)] = 0.0
    return np.sign(a) * np.log1p(np.abs(a))


def allowed(stats: dict[str, float], fired: Sequence[str]) -> set[str]:
    """The verdicts the guard's hard facts leave a run (module docstring)."""
    out = {*TOO_HIGH, *KEEPS}
    if stats.get("ended_above_start", 0.0) or stats.get("spiked_over_descent", 0.0):
        out -= set(KEEPS)
    if any(v in TOO_HIGH for v in fired):
        out.discard("too_low_slow")
    return out


def probabilities(stats: dict[str, float], rule: TieBreak) -> dict[str, float]:
    """The model's probability of each of ``rule.classes`` for a run with these statistics."""
    z = (inputs(stats, rule.features, rule.val) - np.asarray(rule.mean)) / np.asarray(rule.scale)
    logits = np.asarray(rule.weights) @ z + np.asarray(rule.intercepts)
    e = np.exp(logits - logits.max())
    return dict(zip(rule.classes, (e / e.sum()).tolist()))


def choose(p: dict[str, float], stats: dict[str, float], fired: Sequence[str], rule: TieBreak,
           ) -> tuple[str, float] | None:
    """``(verdict, probability)`` from the model's probabilities ``p``, or ``None`` (it abstains)."""
    if rule.moved_only and stats.get("end_vs_first_z", -np.inf) >= 0.0:
        return None
    high = sum(p.get(k, 0.0) for k in TOO_HIGH)
    ok = allowed(stats, fired)
    if high >= rule.commit:
        name = max((k for k in TOO_HIGH if k in p), key=p.__getitem__)
        above = bool(stats.get("ended_above_start", 0.0))
        return (name, float(high)) if name in ok and (above or not rule.high_needs_above) else None
    if high >= rule.veto_high:
        return None
    name = max((k for k in KEEPS if k in p), key=p.__getitem__)
    if p[name] >= rule.commit and name in ok and (rule.allow_raise or name != "too_low_slow"):
        return name, float(p[name])
    return None


def tie_break(stats: dict[str, float], fired: Sequence[str], rule: TieBreak) -> tuple[str, float] | None:
    """:func:`choose` over :func:`probabilities`."""
    return choose(probabilities(stats, rule), stats, fired, rule)
