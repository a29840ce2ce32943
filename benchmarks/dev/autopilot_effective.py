"""Would holding the *effective* rate of the scale-invariant weights help the Autopilot? Measured, not built.

Behind a normalization layer the loss is scale-invariant in the weights before it, and the update's
angle on them is :math:`\\eta \\|g_1\\| / \\|w\\|^2` for SGD (:math:`\\eta\\,\\sqrt{n} / \\|w\\|` for an
adaptive optimizer, whose step is about the rate per coordinate): as their norm grows the same rate
changes the function less (``dev.autopilot_norms`` records it). The candidate reads the ramp's peak
as an effective rate and holds it: in the main phase the rate the schedule gives is multiplied by
:math:`(N_t / N_0)^q`, :math:`N` the root-mean-square norm of the scale-invariant units (:math:`N_0`
where the main phase starts), :math:`q = 2` for the SGD kinds and 1 for the adaptive ones. A unit is
a ``Linear``/``Conv`` layer's weight and bias directly followed by a BatchNorm or LayerNorm *and*
whose first gradient is orthogonal to it (:math:`|\\langle g, w\\rangle| < 10^{-3} \\|g\\|\\|w\\|`,
Euler's identity for a scale-invariant loss; a LayerNorm after a residual sum fails it). A model
without one runs the library's Autopilot bit for bit, so its runs are the default's, read from the
store.

Used by ``benchmarks/autopilot_effective_rate.py``, which chooses between the default and the
candidates by leave-one-family-out over the zoo (:data:`CANDIDATES`; runs cached in
``results/autopilot_runs.json`` under ``dev:effective-rate``). The candidate is a prototype: a
subclass of the Autopilot whose rate writer multiplies the main phase's rate (the library has no
such policy field).
"""

from __future__ import annotations

import functools
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_norms import invariant_units  # noqa: E402
from dev.autopilot_zoo_runs import AP, cached, reads_as, scored, training_losses, variant_key  # noqa: E402
from dev.peers_common import cpu_clock, endless, one_thread  # noqa: E402

SEEDS = (0, 1, 2)
KEY = "dev:effective-rate"
#: A unit is scale-invariant when its first gradient's cosine with it is below this (float32 noise).
ORTHOGONAL = 1e-3
#: The library's default, as ``benchmarks/autopilot_zoo.py`` names it (read through ``reads_as``).
DEFAULT = {"finder_weak_rule": "minimum/10", "weak_rule_when": "turned-or-anchored",
           "anchor_kinds": ["momentum"]}


def _norm(units: list[list[Any]]) -> float:
    return math.sqrt(np.mean([sum(float(p.detach().pow(2).sum()) for p in u) for u in units]))


def held_units(model: Any) -> list[list[Any]]:
    """The invariant units whose gradients (already computed) are orthogonal to them."""
    out = []
    for u in invariant_units(model):
        if any(p.grad is None for p in u):
            continue
        dot = sum(float((p.grad * p.detach()).sum()) for p in u)
        gn = math.sqrt(sum(float(p.grad.pow(2).sum()) for p in u))
        wn = math.sqrt(sum(float(p.detach().pow(2).sum()) for p in u))
        if gn > 0 and abs(dot) < ORTHOGONAL * gn * wn:
            out.append(u)
    return out


@functools.cache
def has_units(name: str) -> bool:
    """Whether ``name``'s model has a scale-invariant unit (its first batch's gradients read)."""
    task = truth.resolve_task(name)
    with one_thread():
        parts = task.build(0)
        x, y = next(endless(parts["train_loader"]))
        parts["loss_fn"](parts["model"](x), y).backward()
        return bool(held_units(parts["model"]))


def run(name: str, seed: int) -> dict[str, Any]:
    """One run of the candidate (module docstring), scored like the zoo's."""
    from lrkit.torch import Autopilot, AutopilotPolicy, optimizer_kind

    class Held(Autopilot):
        units: list[list[Any]] = []
        base: float | None = None
        most = 1.0  # the largest multiplier applied

        def _set_rate(self, rate: float) -> None:
            if self.phase == "main" and self.units:
                now = _norm(self.units)
                self.base = self.base or now
                self.most = max(self.most, (now / self.base) ** self.q)
                rate *= (now / self.base) ** self.q
            super()._set_rate(rate)

    task = truth.resolve_task(name)
    with one_thread():
        parts = task.build(seed)
        model, opt = parts["model"], parts["optimizer"]
        policy = AutopilotPolicy()  # the default: its stored runs are read as ``reads_as(DEFAULT, kind)``
        with cpu_clock() as clock:
            ap = Held(opt, budget=truth.budget_of(name), model=model, policy=policy)
            ap.q = 1.0 if optimizer_kind(opt) == "adaptive" else 2.0
            for loss in training_losses(ap, parts):  # the zoo runner's loop: the same batches
                if not ap.units and ap.phase == "probe" and not ap.probe_lrs:
                    ap.units = held_units(model)
                ap.step(loss)
            metrics = task.evaluate(model, parts["val_loader"])
    raw = float(metrics.get(task.info.metric, math.nan))
    return {"metric": scored(task, raw, not math.isfinite(raw)), "raw_metric": raw, "peak": ap.peak,
            "cpu_s": round(clock.seconds, 3), "steps": int(ap.total_steps),
            "most": ap.most, "units": len(ap.units)}


#: The candidates: the library's default, the effective rate held on every optimizer kind, and held
#: on all but SGD with momentum (whose velocity carries gradients taken at a smaller norm into the
#: raised rate: the feedback runs away, measured).
CANDIDATES = ("default", "effective rate held", "effective rate held, not with momentum")


@functools.cache
def kind_of(name: str) -> str:
    """The optimizer kind (``lrkit.torch.optimizer_kind``) of a workload's own optimizer."""
    from lrkit.torch import optimizer_kind

    return optimizer_kind(truth.resolve_task(name).build(0)["optimizer"])


def record_of(name: str, seed: int, candidate: str) -> dict[str, Any]:
    """The stored run of a candidate (the default's where the candidate runs the default bit for bit)."""
    budget = truth.budget_of(name)
    held = candidate != CANDIDATES[0] and has_units(name) and not (
        candidate == CANDIDATES[2] and kind_of(name) == "momentum")
    if held:
        return cached(KEY, name, seed, budget, lambda: run(name, seed))
    return cached(AP + variant_key(reads_as(DEFAULT, kind_of(name))), name, seed, budget,
                  lambda: run_default(name, seed))


def run_default(name: str, seed: int) -> dict[str, Any]:
    """The library's Autopilot on ``name`` (run when the zoo benchmark has not stored it)."""
    from dev.autopilot_zoo_runs import run_autopilot

    return run_autopilot(truth.resolve_task(name), seed, truth.budget_of(name), {})


def regrets(name: str, candidate: str) -> list[float]:
    """Per-seed gap regrets of a candidate."""
    return [truth.regret(name, record_of(name, s, candidate)["metric"], SEEDS, "gap") for s in SEEDS]
