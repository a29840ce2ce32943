"""Runs for ``benchmarks/autopilot_trial_raise.py``: the default Autopilot, and the same with a raised rate.

The ramp reads the rate on the untrained model; the rate a model tolerates often rises as it trains
(the weights behind a normalization layer grow, the curvature falls after the first updates:
``docs/evidence.md#autopilot-weight-norms-behind-a-normalization-layer``), which Prodigy's growing ``d``
follows and a ramp cannot see. A raise tried during the main phase, kept only if the loss says it
helped, would follow it too, with the guard's rollback as the net. Whether the loss can say so is
measured on pairs of runs on the same batches: :func:`held_run` multiplies the default's main-phase rate
by ``factor`` from the third segment on (a segment is :data:`SEGMENT` of the main phase, at least
:data:`MIN_SEGMENT` updates; held to the end, the cool-down cooling from it; never above a third of the
highest rate the ramp survived, ``max(probe_lrs) / clip_above``, the bound the no-budget Autopilot's
too-low reaction uses) and records every main-phase loss; :func:`cooled_run` is the same run with a side
cool-down (rolled back bit for bit) after :data:`COOLED_CHECKS` segments of the raise, whose loss says
what the raise has won once its rate's noise floor is cooled away. ``factor=1`` is the library's default
run bit for bit. Subclasses of the Autopilot (no library field); runs in
``results/autopilot_trial_raise.json``.
"""

from __future__ import annotations

import copy
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_zoo_runs import cached, scored, training_losses  # noqa: E402
from dev.peers_common import cpu_clock, one_thread  # noqa: E402

STORE = Path(__file__).resolve().parents[1] / "results" / "autopilot_trial_raise.json"
#: A segment is this fraction of the main phase (at least :data:`MIN_SEGMENT` updates).
SEGMENT = 0.05
MIN_SEGMENT = 8
#: After how many segments of the raise a side cool-down reads the loss.
COOLED_CHECKS = (1, 2, 4)


def _raised(factor: float) -> type:
    """The Autopilot whose main-phase rate is multiplied by ``factor`` from its third segment on (1 where
    ``factor`` is above ``max(probe_lrs) / clip_above``), recording every main-phase loss (NaN: skipped)."""
    from lrkit.torch import Autopilot

    class Raised(Autopilot):
        mult, start, m, trace = 1.0, None, None, None

        def _set_rate(self, rate: float) -> None:
            if self.phase == "main" and self.start is not None and self.t >= self.start:
                rate *= self.mult
            super()._set_rate(rate)

        def step(self, loss: Any) -> bool:
            before = self.phase
            if before == "main" and self.start is None:
                ceiling = max(self.probe_lrs, default=self.peak) / self.policy.clip_above / self.peak
                self.mult = factor if factor <= ceiling else 1.0
                self.m = max(MIN_SEGMENT, round(SEGMENT * self.main_steps))
                self.start, self.trace = 2 * self.m, []
            applied = super().step(loss)
            if before == "main":
                self.trace.append(float(loss.detach()) if applied else math.nan)
            return applied

    return Raised


def _run(name: str, seed: int, factor: float, after: Any = None) -> tuple[Any, float, float]:
    """One run of :func:`_raised` on the workload's own loop (``after(ap, parts)`` after each step); the
    Autopilot, the scored metric and the CPU seconds."""
    from lrkit.torch import AutopilotPolicy

    task = truth.resolve_task(name)
    with one_thread():
        parts = task.build(seed)
        if after is not None:
            after = after(parts)
        with cpu_clock() as clock:
            ap = _raised(factor)(parts["optimizer"], budget=truth.budget_of(name), model=parts["model"],
                                 policy=AutopilotPolicy())
            for loss in training_losses(ap, parts):
                ap.step(loss)
                if after is not None:
                    after(ap)
            metrics = task.evaluate(parts["model"], parts["val_loader"])
    raw = float(metrics.get(task.info.metric, math.nan))
    return ap, scored(task, raw, not math.isfinite(raw)), clock.seconds


def held_run(name: str, seed: int, factor: float) -> dict[str, Any]:
    """The default's run with its main-phase rate multiplied by ``factor`` from the third segment on (held
    to the end, the cool-down included; 1 where ``factor`` is above the ceiling), and every main-phase loss
    (NaN for a skipped update): both traces of a pair see the same batches, so their losses compare
    update by update, which no test inside one run can do (an upper bound on any such test)."""
    ap, metric, cpu = _run(name, seed, factor)
    return {"metric": metric, "peak": ap.peak, "cpu_s": round(cpu, 3), "mult": ap.mult, "start": ap.start,
            "losses": [round(v, 6) for v in ap.trace]}


def _held_key(factor: float) -> str:
    return f"held:x{factor:g}"


def is_stored(name: str, seed: int, factor: float, side: bool = False) -> bool:
    """Whether :func:`held_record` (``side``: :func:`cooled_record`) has the run (``--cached-only`` tables
    leave the others out)."""
    key = (_cooled_key if side else _held_key)(factor)
    return STORE.exists() and f"{key}|{name}|{seed}|{truth.budget_of(name)}" in json.loads(STORE.read_text())


def _cooled_key(factor: float) -> str:
    return f"cooled:x{factor:g}"


def held_record(name: str, seed: int, factor: float) -> dict[str, Any]:
    """The stored :func:`held_run` (run when missing)."""
    return cached(_held_key(factor), name, seed, truth.budget_of(name),
                  lambda: held_run(name, seed, factor), path=STORE)


def _cooled_loss(ap: Any, parts: dict[str, Any], batches: list[Any], c: int) -> float:
    """The mean training loss over the last half of a ``c``-update 1-sqrt cool-down from the current rate, on
    ``batches`` (a fixed list, the same for both runs of a pair); model, optimizer, rates and RNG put back."""
    import torch

    model, opt, loss_fn = parts["model"], parts["optimizer"], parts["loss_fn"]
    saved = copy.deepcopy(model.state_dict()), copy.deepcopy(opt.state_dict())
    rates = [g["lr"] for g in opt.param_groups]
    rng = torch.get_rng_state()
    losses = []
    for k in range(c):
        for g, r in zip(opt.param_groups, rates):
            g["lr"] = r * (1.0 - math.sqrt((k + 1) / (c + 1)))
        x, y = batches[k % len(batches)]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    model.load_state_dict(saved[0])
    opt.load_state_dict(saved[1])
    for g, r in zip(opt.param_groups, rates):
        g["lr"] = r
    torch.set_rng_state(rng)
    opt.zero_grad(set_to_none=True)
    return float(np.mean(losses[c // 2:]))


def cooled_run(name: str, seed: int, factor: float,
               checks: tuple[int, ...] = COOLED_CHECKS) -> dict[str, Any]:
    """:func:`held_run` with a side cool-down (:func:`_cooled_loss`, one segment long, on the first batches
    of a copy of the train loader, at most 64, cycled) after each of ``checks`` segments of the raise: what
    the raise has won once its rate's noise floor is cooled away (the run goes on as :func:`held_run`'s)."""
    cooled: dict[int, float] = {}

    def side(parts: dict[str, Any]) -> Any:
        spare = copy.deepcopy(parts["train_loader"])  # the run's own loader is left as it was
        batches, it = [], iter(spare)
        while len(batches) < 64:
            try:
                batches.append(next(it))
            except StopIteration:
                it = iter(spare)

        def after(ap: Any) -> None:
            if ap.phase == "main" and ap.start is not None:
                for h in checks:
                    if ap.t == ap.start + h * ap.m and h not in cooled:
                        cooled[h] = _cooled_loss(ap, parts, batches[:ap.m], ap.m)

        return after

    ap, metric, _ = _run(name, seed, factor, side)
    return {"metric": metric, "mult": ap.mult, "cooled": {str(h): v for h, v in cooled.items()}}


def cooled_record(name: str, seed: int, factor: float) -> dict[str, Any]:
    """The stored :func:`cooled_run` (run when missing)."""
    return cached(_cooled_key(factor), name, seed, truth.budget_of(name),
                  lambda: cooled_run(name, seed, factor), path=STORE)
