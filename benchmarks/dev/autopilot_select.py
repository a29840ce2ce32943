"""Choosing the Autopilot's peak rule and schedule shape by leave-one-family-out, offline.

A ramp's curve (the rate and loss of each of its updates) depends on the ramp alone, not on the
rule that reads it, so one set of Autopilot runs gives every rule's choice for free (:func:`peak_of`,
which calls the library's ``lrkit.torch.autopilot_peak``). What a choice is worth is read off the workload's
**response**: the Autopilot run with that peak *given* (``dev.autopilot_grid.autopilot_grid``: its
ramp, rewind and main phase as usual; these runs were made while a ramp's undone updates were
still refunded, up to 10% of the budget), three seeds per rate a third of a decade apart; a
peak between grid rates is interpolated in log-rate (:func:`dev.autopilot_grid.at`). Regret is
against the constant grid-best rate (``dev.zoo_grid.regret``), so shapes compare on one scale.

A **rule** is per optimizer kind (adaptive, momentum, plain SGD: ``lrkit.torch.optimizer_kind``):
a suggestion rule and a factor, plus one response lag :math:`\\lambda` shared by the kinds (the
loss read :math:`\\lambda/(1-\\beta)` updates after its rate). A **space** is the set of rules a
selection may choose from (:data:`SPACES`: from "the library's rules, factor 1" to "any rule, any
factor, any lag"). :func:`lofo` chooses, for each family, the rule with the lowest mean of
family-mean regrets on the *other* families, and scores it on the held-out one; the mean over held-out
families is the cross-validated figure. Kinds are disjoint sets of workloads, so for a fixed lag the
best rule of each kind is chosen separately (the objective is a sum over workloads).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from dev import autopilot_grid as ag
from dev import zoo_grid as zg

__all__ = ["KINDS", "SPACES", "Space", "Workload", "evaluate", "load", "lofo", "peak_of", "policy_fields"]

KINDS = ("adaptive", "momentum", "plain")
#: The library's rule per kind before this selection (``find_lr``'s ``rule="auto"``).
CURRENT = {"adaptive": "falling", "momentum": "default", "plain": "default"}
RULES = ("default", "falling", "valley", "steepest", "minimum/10")
FACTORS = (0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0, 1.4, 2.0, 3.0, 5.0, 7.0, 10.0)
LAGS = (0.0, 0.5, 1.0)


@dataclasses.dataclass(frozen=True)
class Space:
    """Which rules a selection may choose: per kind a rule from ``rules`` (``None``: the current
    one) and a factor from ``factors``; one lag from ``lags``."""

    name: str
    rules: tuple[str, ...] | None
    factors: tuple[float, ...]
    lags: tuple[float, ...]

    def per_kind(self, kind: str) -> list[tuple[str, float]]:
        rules = self.rules if self.rules is not None else (CURRENT[kind],)
        return list(itertools.product(rules, self.factors))


SPACES = (
    Space("current rules, factor 1", None, (1.0,), (0.0,)),
    Space("current rules, a factor per kind", None, FACTORS, (0.0,)),
    Space("current rules, a factor per kind, a lag", None, FACTORS, LAGS),
    Space("a rule and factor per kind, a lag", RULES, FACTORS, LAGS),
)


@dataclasses.dataclass
class Workload:
    """One workload's response (log10 rate, mean regret) and its recorded ramps (one per seed)."""

    name: str
    family: str
    kind: str
    optimizer: Any
    curve: tuple[np.ndarray, np.ndarray]
    ramps: list[Mapping[str, Any]]


def policy_fields(chosen: Mapping[str, tuple[str, float]], lag: float) -> dict[str, Any]:
    """``AutopilotPolicy`` keyword arguments of a choice: per kind a rule and factor, and the lag."""
    out: dict[str, Any] = {"response_lag": lag}
    for kind, (rule, factor) in chosen.items():
        out[f"{kind}_peak"], out[f"{kind}_factor"] = rule, factor
    return out


def peak_of(rec: Mapping[str, Any], optimizer: Any, rule: str, factor: float, lag: float = 0.0) -> float:
    """The peak ``rule`` times ``factor`` (the losses read ``lag / (1 - momentum)`` updates after their
    rates) gives on a recorded ramp of ``optimizer``: ``lrkit.torch.autopilot_peak`` on its record."""
    from lrkit.torch import AutopilotPolicy, autopilot_peak, optimizer_kind

    policy = AutopilotPolicy(**policy_fields({optimizer_kind(optimizer): (rule, factor)}, lag))
    return autopilot_peak(rec["probe_lrs"], rec["probe_losses"], optimizer, policy, rec["diverged_at"])[0]


def load(store: Mapping[str, Any], shape: str, unit: str = "best", seeds: Sequence[int] = zg.SEEDS,
         min_rates: int = 5) -> dict[str, Workload]:
    """Every zoo workload with a given-peak grid of ``shape`` (at least ``min_rates`` rates on all seeds)."""
    from lrkit import zoo
    from lrkit.torch import optimizer_kind

    grids: dict[str, dict[float, dict[int, Any]]] = {}
    suffix = f"schedule={shape}"
    for key, rec in store.items():
        method, name, seed, _ = key.split("|")
        if method.startswith("ap:given=") and method.endswith(suffix):
            lr = float(method.split(",")[0].split("=")[1])
            grids.setdefault(name, {}).setdefault(lr, {})[int(seed)] = rec
    out = {}
    for name, g in grids.items():
        full = {lr: [v[s]["metric"] for s in seeds] for lr, v in g.items() if all(s in v for s in seeds)}
        if len(full) < min_rates:
            continue
        lrs = sorted(full)
        regret = [float(np.mean(zg.regret(name, np.array(full[lr]), unit=unit))) for lr in lrs]
        w = zoo.get(name)
        opt = w.build(0)["optimizer"]
        out[name] = Workload(name, w.info.family, optimizer_kind(opt), opt,
                             (np.log10(lrs), np.array(regret)), [g[lrs[0]][s] for s in seeds])
    return out


def evaluate(w: Workload, rule: str, factor: float, lam: float) -> float:
    """Mean regret over the workload's ramps of the peak ``rule`` x ``factor`` with lag ``lam``."""
    return float(np.mean([ag.at(w.curve, peak_of(r, w.optimizer, rule, factor, lam)) for r in w.ramps]))


def _table(ws: Mapping[str, Workload], space: Space) -> dict[tuple[float, str, float], dict[str, float]]:
    """``(lag, rule, factor) -> workload -> regret`` for every rule of the space a workload's kind allows."""
    out: dict[tuple[float, str, float], dict[str, float]] = {}
    for lam in space.lags:
        for w in ws.values():
            for rule, factor in space.per_kind(w.kind):
                out.setdefault((lam, rule, factor), {})[w.name] = evaluate(w, rule, factor, lam)
    return out


def _choose(ws: Mapping[str, Workload], table: Mapping, space: Space,
            exclude: str | None) -> tuple[float, dict[str, tuple[str, float]]]:
    """The lag and per-kind (rule, factor) minimizing the mean of family means, ``exclude`` left out."""
    fams = sorted({w.family for w in ws.values() if w.family != exclude})
    size = {f: sum(w.family == f for w in ws.values()) for f in fams}
    best = (math.inf, 0.0, {})
    for lam in space.lags:
        total, chosen = 0.0, {}
        for kind in KINDS:
            names = [n for n, w in ws.items() if w.kind == kind and w.family != exclude]
            if not names:
                continue
            cost = {rf: sum(table[(lam, *rf)][n] / size[ws[n].family] for n in names)
                    for rf in space.per_kind(kind)}
            rf = min(cost, key=cost.get)
            chosen[kind], total = rf, total + cost[rf]
        if total < best[0]:
            best = (total, lam, chosen)
    return best[1], best[2]


def lofo(ws: Mapping[str, Workload], space: Space) -> dict[str, Any]:
    """Leave-one-family-out over ``ws``: per held-out family the choice and its regret, the CV mean,
    and the choice made on every family (what the library would ship)."""
    table = _table(ws, space)
    fams = sorted({w.family for w in ws.values()})
    held = {}
    for f in fams:
        lam, chosen = _choose(ws, table, space, f)
        names = [n for n, w in ws.items() if w.family == f]
        held[f] = (lam, chosen, float(np.mean([table[(lam, *chosen[ws[n].kind])][n] for n in names])))
    lam, chosen = _choose(ws, table, space, None)
    fam_means = {}
    for f in fams:
        names = [n for n, w in ws.items() if w.family == f]
        fam_means[f] = float(np.mean([table[(lam, *chosen[ws[n].kind])][n] for n in names]))
    return {"held_out": held, "cv": float(np.mean([v[2] for v in held.values()])), "lag": lam,
            "chosen": chosen, "in_sample": fam_means}


def oracle(ws: Mapping[str, Workload]) -> dict[str, float]:
    """Family -> mean regret at each workload's best given peak (no rule can beat it)."""
    by: dict[str, list[float]] = {}
    for w in ws.values():
        by.setdefault(w.family, []).append(float(w.curve[1].min()))
    return {f: float(np.mean(v)) for f, v in sorted(by.items())}
