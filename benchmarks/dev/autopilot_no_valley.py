"""Ramps with no valley in the Autopilot's stored runs, and what each reading of them would score
(for ``benchmarks/autopilot_no_valley.py``).

* :func:`no_valley_runs`: the (workload, seed) pairs whose default run read its peak off a ramp with no
  valley (the account ends "this peak is a guess"; re-read from the stored ramp with
  ``lrkit.torch.autopilot_peak``, so runs stored before the account said so are found too), with the
  blow-up ``r`` (the ramp's top where it never blew up) and the stored peak;
* :func:`given_regret`: the regret (gap %) of the Autopilot with its peak given at ``r / k`` (its own
  ramp, rewind and schedule; only the choice replaced), cached in the runs' store;
* :func:`race_traces`: from the default's state after its ramp (rewound, fresh statistics, as a race
  would start), :data:`SEGMENT` updates at each ``r / k`` of :data:`RACE_K`, the model and optimizer
  loaded back (their state_dicts) before each and fed the loop's next batches (as
  ``lrkit.torch._autopilot_race`` gets them): each update's loss, cached in :data:`TRACES`;
* :func:`race_pick`: which ``k`` a race of some candidates would pick from those traces, by the lowest
  mean of the last half of an ``m``-update segment, or preferring the higher rate unless a lower one
  is lower by ``z`` standard errors.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dev import autopilot_truth as truth
from dev.autopilot_zoo_runs import AP, cached, make_autopilot, resolve_task, run_autopilot, training_losses
from dev.peers_common import one_thread

__all__ = ["RACE_K", "SEGMENT", "TRACES", "given_regret", "no_valley_runs", "race_pick", "race_traces"]

#: The race's candidates, divisors of the blow-up rate (r/3 .. r/300: the band the guess is clipped in
#: and a decade below it, where the transformers' tuned peaks lie).
RACE_K = (3, 10, 30, 100, 300)
#: Updates recorded per candidate (12% of the shortest no-valley budget, 400: every race scored here is
#: a prefix).
SEGMENT = 48
TRACES = Path(__file__).resolve().parents[1] / "results" / "autopilot_no_valley.json"


@functools.cache
def _optimizer(name: str) -> Any:
    return resolve_task(name).build(0)["optimizer"]


def no_valley_runs(records: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per (workload, seed) of ``records`` (name -> per-seed default records) whose ramp has no valley:
    name, seed, ``r`` (blow-up, or the ramp's top), whether it blew up, the stored peak and its account."""
    from lrkit.torch import AutopilotPolicy, autopilot_peak

    out = []
    for n, recs in sorted(records.items()):
        for s, rec in enumerate(recs):
            lrs = rec["probe_lrs"]
            peak, how = autopilot_peak(lrs, rec["probe_losses"], _optimizer(n), AutopilotPolicy(),
                                       rec["diverged_at"], lrs[0] if lrs else None)
            if "no valley on the ramp" not in how:
                continue
            blew = rec["diverged_at"] is not None
            reason = how.split("no valley on the ramp (", 1)[1].split(")", 1)[0]
            out.append({"name": n, "seed": s, "r": rec["diverged_at"] if blew else max(lrs), "blew": blew,
                        "peak": rec["peak"], "again": peak, "reason": reason, "record": rec})
    return out


def given_rate(r: float, k: float) -> float:
    """``r / k`` to four significant digits (the stored key's rate)."""
    return float(f"{r / k:.4g}")


def given_regret(name: str, seed: int, rate: float, run: bool) -> float:
    """Regret (gap %) of the Autopilot with its peak given at ``rate`` (made when missing if ``run``)."""
    budget = truth.budget_of(name)

    def fresh() -> dict[str, Any]:
        if not run:
            raise LookupError(f"given={rate} on {name} seed {seed}")
        return run_autopilot(resolve_task(name), seed, budget, {"given": rate})

    rec = cached(f"{AP}given={rate}", name, seed, budget, fresh)
    return truth.regret(name, rec["metric"], (0, 1, 2), "gap")


def _trace(name: str, seed: int, peak: float, variant: dict[str, Any]) -> dict[str, list[float]]:
    """The candidates' losses from the post-ramp state of the Autopilot under ``variant`` (a
    ``dev.autopilot_zoo_runs.make_autopilot`` variant; see the module docstring)."""
    task, budget = resolve_task(name), truth.budget_of(name)
    with one_thread():
        parts = task.build(seed)
        model, opt = parts["model"], parts["optimizer"]
        ap = make_autopilot(opt, budget, model, variant)
        losses = training_losses(ap, parts)
        for loss in losses:
            ap.step(loss)
            if ap.phase != "probe":
                break
        if ap.peak != peak:
            raise RuntimeError(f"{name} seed {seed}: the ramp read {ap.peak}, the store {peak}")
        first = ap.events[0]
        r = first["diverged_at"] if first["diverged_at"] is not None else max(ap.probe_lrs)
        start = copy.deepcopy((model.state_dict(), opt.state_dict()))
        group_lrs = [g["lr"] for g in opt.param_groups]  # the peak in each group's units
        out = {}
        for k in RACE_K:
            model.load_state_dict(start[0])
            opt.load_state_dict(start[1])
            for g, lr in zip(opt.param_groups, group_lrs):  # the harness drives the rate from here on
                g["lr"] = lr * (r / k) / ap.peak
            seen = []
            for _ in range(SEGMENT):
                value = float(next(losses).detach())
                ok = math.isfinite(value) and all(p.grad is None or bool(torch.isfinite(p.grad).all())
                                                  for g in opt.param_groups for p in g["params"])
                if ok:
                    opt.step()
                seen.append(value if ok else math.inf)
            out[str(k)] = seen
    return out


def race_traces(runs: list[dict[str, Any]], run: bool, variant: Callable[[str], dict[str, Any]]
                ) -> dict[tuple[str, int], dict[str, list[float]]]:
    """``(name, seed) -> k -> losses`` for every run of :func:`no_valley_runs` (made when missing if
    ``run``), the Autopilot that made those runs being ``variant(name)``."""
    have = json.loads(TRACES.read_text()) if TRACES.exists() else {}
    out = {}
    for v in runs:
        key = f"{v['name']}|{v['seed']}"
        if key not in have:
            if not run:
                continue
            have[key] = _trace(v["name"], v["seed"], v["peak"], variant(v["name"]))
            TRACES.write_text(json.dumps(have, indent=0, sort_keys=True) + "\n")
        out[(v["name"], v["seed"])] = have[key]
    return out


def race_pick(trace: dict[str, list[float]], ks: tuple[int, ...], m: int, z: float | None = None) -> int:
    """The ``k`` a race of ``r / k`` for ``k`` in ``ks`` picks after ``m`` updates each: the lowest mean of
    the last half of its losses (``z=None``: ``lrkit.torch._autopilot_race``'s rule); or, from the highest
    rate down, a lower rate only where its mean is below the one kept by ``z`` standard errors.

    Example:
        >>> t = {"3": [2.1] * 8, "30": [2.0, 2.2] * 4, "300": [2.09, 2.0, 2.2, 1.9] * 2}
        >>> race_pick(t, (3, 30, 300), 8), race_pick(t, (3, 30, 300), 8, z=2.0)
        (300, 3)
    """
    def stats(k: int) -> tuple[float, float]:
        tail = np.asarray(trace[str(k)][:m])[-max(2, math.ceil(m / 2)):]
        if not np.isfinite(tail).all():
            return math.inf, 0.0
        return float(tail.mean()), float(tail.std(ddof=1) / math.sqrt(tail.size))

    scored = {k: stats(k) for k in sorted(ks)}  # highest rate first
    if z is None:
        return min(scored, key=lambda k: scored[k][0])
    kept = None
    for k, (mu, se) in scored.items():
        if math.isfinite(mu) and (kept is None or mu < scored[kept][0] - z * math.hypot(se, scored[kept][1])):
            kept = k
    return kept if kept is not None else max(ks)
