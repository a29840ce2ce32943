"""The finder's candidate policies and their leave-one-family-out cross-validation on the zoo.

A candidate is a sweep length and a :class:`~lrkit.finder.FinderPolicy`. Its suggestion on a
workload and seed is read offline from the cached full sweep (:mod:`dev.finder_zoo_data`): the
candidate's stop rule replayed, then ``rule="auto"``'s rule for the optimizer's kind; where that
first pass carries no signal, the second pass and the fallback depend on what the first found, so
the answer is a real ``find_lr`` call (cached). The offline reading is ``find_lr``'s own, step for
step (``check_offline`` compares them).

**Proxy** (selection only): the grid's mean metric interpolated linearly in log-rate at the
suggestion (clamped to the grid), as regret in the zoo's ``"gap"`` unit: percent of the grid-best
rate's improvement over the untrained model that is lost (0 at the grid best, 100 for no better
than not training; a missing suggestion scores 100). Every family weighs the same: a policy's
score on a set of families is the mean of their family means.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence

import numpy as np

from dev import finder_zoo_data as data
from dev import zoo_grid
from lrkit.finder import FinderPolicy, suggest, valley_geometry

__all__ = ["Candidate", "CANDIDATES", "cells", "read", "proxy", "regret_table", "lofo", "check_offline"]


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A sweep length and a policy: what ``find_lr(sweep=Sweep(num_steps=...), policy=...)`` would run."""

    label: str
    num_steps: int
    policy: FinderPolicy


def _candidates() -> list[Candidate]:
    """The candidate set, each factor with its reason (``benchmarks/finder_zoo.py`` lists them).

    * the rule per optimizer kind: ``falling`` (w = 0) or ``default`` (w across the half-depth valley,
      1/3 or 1/2) for each kind: the split the rules' principle makes (an adaptive optimizer's best
      rate sits far below the blow-up, SGD's nearer it);
    * a weak signal's reading: the half-depth crossing as it is, or handed to fastai's ``valley`` or
      ``minimum/10`` (a heavily smoothed curve's longest descent or minimum) below 4 noise SDs (the
      weak-signal line) or 8 (twice it);
    * ``rebound_depth`` 0.5 (the valley's own half depth) or 0.25 (a quarter of the progress lost);
    * the second pass on weak signals too (``retry_sigmas`` 4) or only without an answer (0);
    * the fallback's margin below the blow-up: 1/3 or 1/10 (fastai's minimum/10 margin);
    * the first sweep: 100 updates (12 per decade) or 150 (18 per decade), within the 150 allowed.
    The shipped defaults come first, so ties keep them.
    """
    rules = [("falling", "default", 1 / 3), ("falling", "default", 1 / 2), ("falling", "falling", 1 / 3),
             ("default", "default", 1 / 3), ("default", "default", 1 / 2)]
    weak = [("none", 4.0), ("minimum/10", 4.0), ("minimum/10", 8.0), ("valley", 4.0), ("valley", 8.0)]
    out = []
    for (a, s, w), (wr, ws), rebound, retry, divisor, steps in itertools.product(
            rules, weak, (0.5, 0.25), (4.0, 0.0), (3.0, 10.0), (100, 150)):
        policy = FinderPolicy(adaptive_rule=a, sgd_rule=s, edge_weight=w, weak_rule=wr, weak_rule_sigmas=ws,
                              rebound_depth=rebound, retry_sigmas=retry, fallback_divisor=divisor)
        wtext = "" if a == s == "falling" else f" w={w:.2g}"
        weak_text = "crossing" if wr == "none" else f"{wr} below {ws:g} SDs"
        label = (f"adaptive {a}, sgd {s}{wtext}; weak: {weak_text}; rebound {rebound:g}; retry "
                 f"{'weak' if retry else 'none'}; fallback 1/{divisor:g}; {steps} steps")
        out.append(Candidate(label, steps, policy))
    return out


CANDIDATES: list[Candidate] = _candidates()
_REPLAYED: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def cells(names: Sequence[str]) -> list[tuple[str, int]]:
    """Every ``(workload, seed)`` of ``names``."""
    return [(n, s) for n in names for s in data.SEEDS]


def read(name: str, seed: int, cand: Candidate) -> tuple[float | None, int, str | None]:
    """``(suggestion, updates, source)`` of ``cand`` on ``name`` built with ``seed``."""
    p = cand.policy
    key = (name, seed, cand.num_steps, p.diverge_threshold, p.stop_warmup, p.noise_sigmas, p.level_floor)
    if key not in _REPLAYED:  # the stop rule is the same for every candidate: replay each sweep once
        _REPLAYED[key] = data.replay(*data.sweep(name, seed, cand.num_steps), p)
    lrs, losses = _REPLAYED[key]
    rule = p.adaptive_rule if data.adaptive(name) else p.sgd_rule
    s = suggest(lrs, losses, rule, policy=p)
    v = valley_geometry(lrs, losses, policy=p)
    signal = 0.0 if isinstance(v, str) else v.signal
    if s.lr is None or signal < p.retry_sigmas:  # find_lr's second pass decides: run it
        a = data.answer(name, seed, _canonical(p, rule), cand.num_steps)
        lr = a["lr"]
        if a["source"] == "blow-up fallback":  # the guess is the blow-up rate over the divisor
            lr *= FinderPolicy().fallback_divisor / p.fallback_divisor
        return lr, a["updates"], a["source"]
    return s.lr, int(lrs.size), "sweep"


def _canonical(policy: FinderPolicy, rule: str) -> FinderPolicy:
    """The same answer's policy with the fields this workload cannot see set to one value (fewer real runs).

    Only the rule of the workload's optimizer kind is read, ``edge_weight`` only by ``default``, and
    ``fallback_divisor`` only scales a fallback's rate (:func:`read` rescales it).
    """
    default = FinderPolicy()
    w = policy.edge_weight if rule == "default" else default.edge_weight
    return policy.replace(adaptive_rule=rule, sgd_rule=rule, edge_weight=w,
                          fallback_divisor=default.fallback_divisor)


def proxy(name: str, lr: float | None) -> float:
    """Regret (``"gap"`` unit) of the grid's mean metric interpolated in log-rate at ``lr``."""
    g = zoo_grid.load(name)
    if lr is None:
        return 100.0
    metric = float(np.interp(np.log10(lr), np.log10(g.lrs), g.mean))
    return float(zoo_grid.regret(name, metric, unit="gap"))


def regret_table(cands: Sequence[Candidate], names: Sequence[str],
                 score: Callable[[str, float | None], float] = proxy) -> np.ndarray:
    """``(candidates, cells)`` regrets of each candidate's suggestion."""
    return np.array([[score(n, read(n, s, c)[0]) for n, s in cells(names)] for c in cands])


def _family_means(row: np.ndarray, fams: np.ndarray, keep: Sequence[str]) -> float:
    return float(np.mean([row[fams == f].mean() for f in keep]))


def lofo(table: np.ndarray, names: Sequence[str]) -> dict[str, int]:
    """For each family, the candidate (row index) with the lowest mean of family means on the others."""
    fams = np.array([data.family(n) for n, _ in cells(names)])
    every = sorted(set(fams.tolist()))
    chosen = {}
    for held in every:
        rest = [f for f in every if f != held]
        scores = [_family_means(row, fams, rest) for row in table]
        chosen[held] = int(np.argmin(scores))
    return chosen


def in_sample(table: np.ndarray, names: Sequence[str]) -> int:
    """The candidate chosen on every family (what ships)."""
    fams = np.array([data.family(n) for n, _ in cells(names)])
    every = sorted(set(fams.tolist()))
    return int(np.argmin([_family_means(row, fams, every) for row in table]))


def check_offline(names: Sequence[str], cand: Candidate) -> int:
    """How many cells where the offline reading answers (no second pass) differ from a real ``find_lr``."""
    bad = 0
    for n, s in cells(names):
        lr, _, source = read(n, s, cand)
        if source == "sweep":
            real = data.answer(n, s, cand.policy, cand.num_steps)["lr"]
            bad += int(real is None or abs(np.log10(real / lr)) > 1e-9)
    return bad
