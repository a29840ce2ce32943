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
score on a set of families is the mean of their family means; :func:`select` applies the
one-standard-error rule towards the reference policy.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

from dev import finder_zoo_data as data
from dev import zoo_grid
from lrkit.finder import VALLEY_RULES, FinderPolicy, Sweep, suggest, valley_geometry

__all__ = ["Candidate", "CANDIDATES", "REFERENCE", "cells", "changes", "check_offline", "family_means",
           "floor_candidates", "in_sample", "lofo", "proxy", "read", "regret_table", "rule_rows",
           "second_pass_candidates", "select"]


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A sweep length and a policy: what ``find_lr(sweep=Sweep(num_steps=...), policy=...)`` would run."""

    label: str
    num_steps: int
    policy: FinderPolicy
    #: ``find_lr``'s revision (``dev.finder_zoo_data.MECHANICS``); an earlier one is read from the cache.
    mechanics: int = data.MECHANICS


#: The policy the selection starts from: the rule shipped before the blow-up anchor (every field spelled
#: out, so the candidates and their cached answers keep their meaning when the shipped defaults change).
REFERENCE = FinderPolicy(adaptive_rule="falling", sgd_rule="default", edge_weight=1 / 3,
                         weak_rule="minimum/10", weak_rule_sigmas=8.0, rebound_depth=0.5, retry_sigmas=4.0,
                         fallback_divisor=3.0,
                         seed_spread=0.0, anchor_weight=0.0, anchor_decades=2.25, memoryless_decades=2.25,
                         descent_floor=0.0, descent_floor_reading="descent", retry_descent_floor=0.0)
#: The reference's sweep length (``Sweep().num_steps``).
REFERENCE_STEPS = 100
#: The fields the candidates vary.
FIELDS = ("adaptive_rule", "sgd_rule", "edge_weight", "weak_rule", "weak_rule_sigmas", "rebound_depth",
          "retry_sigmas", "fallback_divisor", "anchor_weight", "anchor_decades", "memoryless_decades",
          "descent_floor", "descent_floor_reading", "retry_descent_floor")
#: The anchor's decades below the blow-up the selection may pick (quarter decades from 1.5 to 3: the
#: zoo's best rates sit 1.85 +- 0.93 decades below a sweep's blow-up).
ANCHOR_DECADES = (1.5, 1.75, 2.0, 2.25, 2.5, 2.75, 3.0)
#: The anchor's decades for a step without momentum, when they may differ (the zoo: plain SGD, Adagrad and
#: RMSprop's best rates sit 1.0 decade under a sweep's blow-up on average, the rest 2.2).
MEMORYLESS_DECADES = (0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
#: The valley widths, in smoothing windows, at and above which a reading below the descent is raised
#: (``FinderPolicy.descent_floor``): 1, the kernel's half-width (a smoothed single dip is about that wide at
#: half depth), and 2, its full width; on the shipped anchor (2.25 / 1.5 decades) (:func:`floor_candidates`).
DESCENT_FLOORS = (1.0, 2.0)
#: What the floor raises a plateau reading to (``FinderPolicy.descent_floor_reading``): the descent
#: :math:`x_{fast}`, or the valley's own reading (the rule's crossings without the fixed offsets).
FLOOR_READINGS = ("descent", "valley")
#: The second pass's descent floor (``FinderPolicy.retry_descent_floor``), in smoothing windows, on the
#: shipped first pass (:func:`second_pass_candidates`): the first pass's two widths.
SECOND_PASS_FLOORS = (1.0, 2.0)


def _candidates() -> list[Candidate]:
    """The candidate set, a handful of rules each with its reason (``benchmarks/finder_zoo.py`` lists them).

    * the reference: the valley reading per optimizer kind (``falling`` for adaptive, ``default``
      w = 1/3 for SGD), a weak signal handed to ``minimum/10`` below 8 noise SDs;
    * **anchored** (a = 1/2): the reference's reading moved half way in log-rate to ``c`` decades
      below the rate where the stop rule ended the sweep: the crossings and the blow-up err in partly
      independent ways (error correlation 0.49 on the zoo), so their log-mean spreads less than
      either, and with a cliff above the best rate (divergence) a smaller spread is what lowers regret;
    * **blow-up only** (a = 1): ``c`` decades below the blow-up, nothing from the valley (the
      folklore "a tenth to a hundredth of the rate that blows up");
    * **anchored, no weak rule**: does the anchor make the weak signal's ``minimum/10`` unnecessary?
    * **anchored, c apart without momentum** (a = 1/2): ``c`` for a step with momentum, ``c'`` in
      :data:`MEMORYLESS_DECADES` for one without (plain SGD, Adagrad, RMSprop): a step that averages
      past gradients answers the onset of instability about ``1/(1 - beta)`` updates late while the
      sweep's rate keeps rising, so its sweep blows up further above a full run's best rate.
    ``c`` in :data:`ANCHOR_DECADES` for each, chosen with the rule by the same leave-one-family-out
    selection. The reference comes first.
    """
    out = [Candidate("reference: valley per kind; weak: minimum/10 below 8 SDs", REFERENCE_STEPS, REFERENCE)]
    for label, fields in (("anchored a=1/2", dict(anchor_weight=0.5)),
                          ("blow-up only a=1", dict(anchor_weight=1.0)),
                          ("anchored a=1/2, no weak rule", dict(anchor_weight=0.5, weak_rule="none"))):
        for c in ANCHOR_DECADES:
            out.append(Candidate(f"{label}, c={c:g}", REFERENCE_STEPS,
                                 REFERENCE.replace(anchor_decades=c, memoryless_decades=c, **fields)))
    for c in ANCHOR_DECADES:
        for m in MEMORYLESS_DECADES:
            policy = REFERENCE.replace(anchor_weight=0.5, anchor_decades=c, memoryless_decades=m)
            out.append(Candidate(f"anchored a=1/2, c apart without momentum, c={c:g}/{m:g}", REFERENCE_STEPS,
                                 policy))
    return out


def floor_candidates() -> list[Candidate]:
    """The shipped anchor (2.25 / 1.5 decades) with a floor at a wide descent: ``descent_floor`` in
    :data:`DESCENT_FLOORS`, ``descent_floor_reading`` in :data:`FLOOR_READINGS`. A reading below the valley's
    falling crossing is raised (to it, or to the valley's own reading) when the valley is a descent the
    smoother resolves, since the weak rule's and the anchor's fixed offsets can land on the plateau before
    it, where the sweep measured no progress (a tanh/Huber MLP outside the zoo lands 1.2-1.8 decades low
    so). Part of :data:`CANDIDATES`."""
    return [Candidate(f"anchored, c apart, floored at a wide descent (k={k:g} windows, to the {r}), "
                      "c=2.25/1.5", REFERENCE_STEPS,
                      REFERENCE.replace(anchor_weight=0.5, anchor_decades=2.25, memoryless_decades=1.5,
                                        descent_floor=k, descent_floor_reading=r))
            for r in FLOOR_READINGS for k in DESCENT_FLOORS]


def second_pass_candidates() -> list[Candidate]:
    """The shipped policy (anchored, c apart, floored at a wide descent k = 2 to the valley) with its second
    pass floored too, ``retry_descent_floor`` in :data:`SECOND_PASS_FLOORS`: a weak second pass is read by
    ``minimum/10``, a decade under its minimum, so below the one decade it swept (``retry_decades``), on
    rates where it measured no descent; the same floor raises such a reading to the valley's own reading
    when the valley is a descent the smoother resolves. Not part of :data:`CANDIDATES`
    (``benchmarks/finder_second_pass.py`` measures them)."""
    shipped = next(c for c in floor_candidates() if c.policy.descent_floor == 2.0
                   and c.policy.descent_floor_reading == "valley")
    return [Candidate(f"anchored, c apart, floored at a wide descent (k=2 windows, to the valley), second "
                      f"pass floored (k={k:g}), c=2.25/1.5", REFERENCE_STEPS,
                      shipped.policy.replace(retry_descent_floor=k))
            for k in SECOND_PASS_FLOORS]


def changes(cand: Candidate) -> int:
    """How many of the varied settings ``cand`` changes from the reference (the sweep length included)."""
    p = cand.policy
    moved = [f for f in FIELDS if getattr(p, f) != getattr(REFERENCE, f)]
    if p.weak_rule == "none":  # the line is not read without a weak rule
        moved = [f for f in moved if f != "weak_rule_sigmas"]
    if p.descent_floor == 0:  # nor what the floor raises a reading to without the floor
        moved = [f for f in moved if f != "descent_floor_reading"]
    if p.anchor_weight == 0:  # nor the anchor's decades without the anchor
        moved = [f for f in moved if f not in ("anchor_decades", "memoryless_decades")]
    elif p.memoryless_decades == p.anchor_decades:  # one distance for every step: one setting
        moved = [f for f in moved if f != "memoryless_decades"]
    return len(moved) + int(cand.num_steps != REFERENCE_STEPS)


CANDIDATES: list[Candidate] = _candidates() + floor_candidates()
_REPLAYED: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
_FIRST: dict[tuple, tuple[float | None, float]] = {}


def cells(names: Sequence[str]) -> list[tuple[str, int]]:
    """Every ``(workload, seed)`` of ``names``."""
    return [(n, s) for n in names for s in data.SEEDS]


def read(name: str, seed: int, cand: Candidate) -> tuple[float | None, int, str | None]:
    """``(suggestion, updates, source)`` of ``cand`` on ``name`` built with ``seed``."""
    c = cand.policy.memoryless_decades if data.memoryless(name) else cand.policy.anchor_decades
    p = cand.policy.replace(anchor_decades=c, memoryless_decades=c)  # the distance find_lr uses here
    key = (name, seed, cand.num_steps, p.diverge_threshold, p.stop_warmup, p.noise_sigmas, p.level_floor)
    if key not in _REPLAYED:  # the stop rule is the same for every candidate: replay each sweep once
        _REPLAYED[key] = data.replay(*data.sweep(name, seed, cand.num_steps), p)
    lrs, losses = _REPLAYED[key]
    rule = p.adaptive_rule if data.adaptive(name) else p.sgd_rule
    # The first pass's reading depends on these fields only: candidates that differ elsewhere share it.
    w = p.edge_weight if rule == "default" else None
    first = (key, rule, w, p.weak_rule, p.weak_rule_sigmas, p.rebound_depth, p.anchor_weight,
             p.anchor_decades, p.descent_floor, p.descent_floor_reading)
    if first not in _FIRST:
        v = valley_geometry(lrs, losses, policy=p)
        _FIRST[first] = (suggest(lrs, losses, rule, policy=p).lr, 0.0 if isinstance(v, str) else v.signal)
    lr, signal = _FIRST[first]
    if lr is None or signal < p.retry_sigmas:  # find_lr's second pass decides: run it
        a = data.answer(name, seed, _canonical(p, rule), cand.num_steps, mechanics=cand.mechanics)
        return a["lr"], a["updates"], a["source"]
    if signal >= p.weak_rule_sigmas and rule in VALLEY_RULES:  # settle's move to the calibrated density
        ratio = (cand.num_steps - 1) / (Sweep().num_steps - 1)  # the default range: rates per decade
        if abs(np.log10(ratio)) >= 1e-9:
            lr *= min(max(ratio, 1 / p.progress_max_ratio), p.progress_max_ratio) ** p.progress_exponent
    return lr, int(lrs.size), "sweep"


def _canonical(policy: FinderPolicy, rule: str) -> FinderPolicy:
    """The same answer's policy with the fields this workload cannot see set to one value (fewer real runs).

    Only the rule of the workload's optimizer kind is read, and ``edge_weight`` only by ``default``.
    """
    w = policy.edge_weight if rule == "default" else REFERENCE.edge_weight
    return policy.replace(adaptive_rule=rule, sgd_rule=rule, edge_weight=w)


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


def family_means(table: np.ndarray, names: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """``(candidates, families)`` means of each family's cells, and the families (sorted)."""
    fams = np.array([data.family(n) for n, _ in cells(names)])
    every = sorted(set(fams.tolist()))
    return np.stack([table[:, fams == f].mean(axis=1) for f in every], axis=1), every


def select(means: np.ndarray, keep: Sequence[int], cands: Sequence[Candidate] | None = None) -> int:
    """The one-standard-error rule on the families ``keep`` (column indices of ``means``).

    Score: the mean of the family means (every family weighs the same). Among the candidates whose
    score is within one standard error of the best's (the SE of their paired family differences),
    the one with the fewest :func:`changes` from the reference, then the lowest score: a setting
    moves only where the zoo shows more than its noise (Breiman et al.'s rule for CV selection).
    """
    m = means[:, list(keep)]
    score = m.mean(axis=1)
    best = int(np.argmin(score))
    se = (m - m[best]).std(axis=1, ddof=1) / np.sqrt(m.shape[1])
    near = np.flatnonzero(score <= score[best] + se)
    pool = CANDIDATES if cands is None else cands
    return int(min(near, key=lambda i: (changes(pool[i]), score[i])))


def lofo(table: np.ndarray, names: Sequence[str], cands: Sequence[Candidate] | None = None) -> dict[str, int]:
    """For each family, the candidate (row index of ``cands``, default :data:`CANDIDATES`) :func:`select`
    picks on the other families."""
    means, every = family_means(table, names)
    return {held: select(means, [j for j, f in enumerate(every) if f != held], cands) for held in every}


def in_sample(table: np.ndarray, names: Sequence[str], cands: Sequence[Candidate] | None = None) -> int:
    """The candidate :func:`select` picks on every family (what ships)."""
    means, every = family_means(table, names)
    return select(means, range(len(every)), cands)


def check_offline(names: Sequence[str], cand: Candidate) -> int:
    """How many cells where the offline reading answers (no second pass) differ from a real ``find_lr``."""
    bad = 0
    for n, s in cells(names):
        lr, _, source = read(n, s, cand)
        if source == "sweep":
            real = data.answer(n, s, cand.policy, cand.num_steps)["lr"]
            bad += int(real is None or abs(np.log10(real / lr)) > 1e-9)
    return bad


def rule_rows(table: np.ndarray, names: Sequence[str]) -> list[list[object]]:
    """Per candidate rule (the labels before ``, c=``): its leave-one-family-out proxy regret per family and
    the mean, ``c`` chosen on the other families within the rule; and each rule's in-sample best."""
    means, every = family_means(table, names)
    groups: dict[str, list[int]] = {}
    for i, c in enumerate(CANDIDATES):
        groups.setdefault(c.label.split(", c=")[0], []).append(i)
    rows: list[list[object]] = []
    for label, idx in groups.items():
        held = []
        for j, f in enumerate(every):
            keep = [k for k in range(len(every)) if k != j]
            held.append(means[min(idx, key=lambda i: means[i, keep].mean()), j])
        best = min(idx, key=lambda i: means[i].mean())
        c_all = CANDIDATES[best].label.split(", c=")[-1] if len(idx) > 1 else "-"
        rows.append([label, *[f"{v:.1f}" for v in held], f"{np.mean(held):.1f}", c_all,
                     f"{means[best].mean():.1f}"])
    return rows
