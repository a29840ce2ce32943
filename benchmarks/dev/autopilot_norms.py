"""Do the weights behind a normalization layer grow under the Autopilot, so its ramp reads a rate too low?

Behind BatchNorm or LayerNorm the loss does not change when the weights (and bias) of the layer
before it are scaled: :math:`L(c w) = L(w)`. Their gradient is then orthogonal to :math:`w` and scales
as :math:`1/\\|w\\|`, so each step grows the norm (:math:`\\|w'\\|^2 = \\|w\\|^2 + \\eta^2\\|g\\|^2`) and
the step's *angle*, :math:`\\|\\Delta w\\| / \\|w\\|`, is what changes the function: for SGD it is
:math:`\\eta \\|g_1\\| / \\|w\\|^2` (:math:`g_1` the gradient at unit norm), the **effective rate**
:math:`\\eta / \\|w\\|^2`. The hypothesis (``docs/evidence.md#autopilot-the-zoo-and-the-peers``): the ramp
reads the rate while the weights are small; they grow, the effective rate falls, and the best peak of
the whole run sits above where the ramp's loss rose.

Per update of the default Autopilot and of the Autopilot given the tuned wsd peak
(``dev.autopilot_truth.tuned_schedule``; its ramp is the same, only the peak differs), this records
the norm of every *scale-invariant unit* (a ``Linear``/``Conv`` layer's weight and bias whose next
module is a ``BatchNorm``/``LayerNorm``), the total parameter norm, and the angle of each update on
those units. :func:`summary` reads them where it matters: at the ramp's start, its blow-up, the end
of its kept part, a tenth, half and the end of the main phase; the angle at the blow-up against the
angle the tuned peak makes in the main phase. Workloads without such a unit (:data:`PLAIN`) are the
control: their angle is read on every ``Linear`` layer. CPU seconds are printed per run.

Used by ``benchmarks/autopilot_effective_rate.py`` (traces cached in ``results/autopilot_norms.json``).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_zoo_runs import cached, make_autopilot, training_losses  # noqa: E402
from dev.peers_common import one_thread  # noqa: E402

#: The normalized MLPs (every workload of the norm-mlp family), a BatchNorm ResNet, and the controls
#: without normalization (one read 45x too low, one read right). The transformers are left out: their
#: LayerNorms follow a residual sum, so no layer before them is scale-invariant.
NORMALIZED = ("norm-bn-sgd512", "norm-bn-nesterov", "norm-ln-adamw", "resnet-shapes-nesterov")
PLAIN = ("deep-wide-sgd", "tabular-cancer-momentum")
SEEDS = (0, 1, 2)
STORE = Path(__file__).resolve().parents[1] / "results" / "autopilot_norms.json"
#: Where the main phase is read (fractions of it).
MAIN_AT = (0.1, 0.5, 1.0)


def invariant_units(model: Any) -> list[list[Any]]:
    """The scale-invariant units of ``model``: each ``Linear``/``Conv`` (weight and bias) directly
    followed, in module registration order, by a BatchNorm or LayerNorm; ``[]`` when it has none."""
    import torch.nn as nn

    norms = (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm)
    mods = [m for m in model.modules() if not list(m.children())]
    units = []
    for a, b in zip(mods, mods[1:]):
        if isinstance(a, (nn.Linear, nn.Conv1d, nn.Conv2d)) and isinstance(b, norms):
            units.append([p for p in a.parameters()])
    return units


def linear_units(model: Any) -> list[list[Any]]:
    """Every ``Linear``/``Conv`` layer's weight and bias (the control's units)."""
    import torch.nn as nn

    return [list(m.parameters()) for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d))]


def _flat(unit: list[Any]) -> Any:
    import torch

    return torch.cat([p.detach().reshape(-1) for p in unit]).clone()


def trace(name: str, seed: int, peak: float | None) -> dict[str, Any]:
    """Per update: phase, rate, each unit's norm and the update's angle on it, the total norm."""
    task = truth.resolve_task(name)
    start = time.process_time()
    with one_thread():
        parts = task.build(seed)
        model, opt = parts["model"], parts["optimizer"]
        units = invariant_units(model)
        kind = "invariant" if units else "linear"
        units = units or linear_units(model)
        params = [p for g in opt.param_groups for p in g["params"]]
        ap = make_autopilot(opt, truth.budget_of(name), model, {} if peak is None else {"given": peak})
        rec: dict[str, list] = {"phase": [], "lr": [], "norm": [], "angle": [], "total": []}
        for loss in training_losses(ap, parts):
            before, phase, lr = [_flat(u) for u in units], ap.phase, ap.lr
            ap.step(loss)
            after = [_flat(u) for u in units]
            rec["phase"].append(phase)
            rec["lr"].append(lr)
            rec["norm"].append([float(a.norm()) for a in after])
            rec["angle"].append([float((a - b).norm() / b.norm()) for a, b in zip(after, before)])
            rec["total"].append(math.sqrt(sum(float(p.detach().pow(2).sum()) for p in params)))
        metric = task.evaluate(model, parts["val_loader"])[task.info.metric]
    first = ap.events[0]
    return {**rec, "kind": kind, "peak": float(ap.peak), "diverged_at": first["diverged_at"],
            "probe_steps": ap.probe_steps, "regret": truth.regret(name, metric, SEEDS, "gap"),
            "cpu_s": round(time.process_time() - start, 2)}


def run(name: str, seed: int, label: str) -> dict[str, Any]:
    """The cached trace of the ``label`` run (``"chosen"``: the default; ``"tuned"``: the tuned peak)."""
    peak = None if label == "chosen" else truth.tuned_schedule(name, "wsd", SEEDS, run=False)[0]
    return cached(f"norms:{label}", name, seed, truth.budget_of(name), lambda: trace(name, seed, peak), STORE)


def rms_norm(rec: dict[str, Any], i: int) -> float:
    """The root-mean-square norm of the units after update ``i``."""
    return float(np.sqrt(np.mean(np.square(rec["norm"][i]))))


def summary(name: str, seed: int) -> list[Any]:
    """One table row: the units' RMS norm along the ramp and the runs; the angle at the ramp's top
    rates against the tuned run's in its main phase."""
    chosen, tuned = run(name, seed, "chosen"), run(name, seed, "tuned")
    probe = [i for i, p in enumerate(chosen["phase"]) if p == "probe"]
    main_c = [i for i, p in enumerate(chosen["phase"]) if p == "main"]
    main_t = [i for i, p in enumerate(tuned["phase"]) if p == "main"]
    top = probe[-2]  # the ramp's last update (the last probe update rewinds to its kept part)
    at = [main_t[min(len(main_t) - 1, int(f * len(main_t)))] for f in MAIN_AT]
    hold = main_t[: int(0.8 * len(main_t))]  # the tuned run's peak held (wsd: the last 20% cool down)
    angle_t = float(np.median([np.mean(tuned["angle"][i]) for i in hold]))
    angle_top = float(np.mean(chosen["angle"][top]))
    near = [i for i in probe if chosen["lr"][i] <= chosen["peak"]]
    angle_read = float(np.mean(chosen["angle"][near[-1]])) if near else math.nan
    grow_c = rms_norm(chosen, main_c[-1]) / rms_norm(chosen, probe[0])
    return [name, seed, chosen["kind"], chosen["peak"], tuned["peak"], chosen["diverged_at"],
            rms_norm(chosen, probe[0]), rms_norm(chosen, top), rms_norm(chosen, probe[-1]),
            *[rms_norm(tuned, i) for i in at], grow_c, angle_read, angle_top, angle_t,
            chosen["regret"], tuned["regret"], chosen["cpu_s"] + tuned["cpu_s"]]


HEADERS = ["workload", "seed", "units", "chosen peak", "tuned peak", "ramp blew up at", "|w| start",
           "|w| ramp top", "|w| ramp kept", *[f"|w| tuned {f:.0%}" for f in MAIN_AT], "growth chosen",
           "angle at reading", "angle at ramp top", "angle tuned (hold)", "regret chosen", "regret tuned",
           "CPU s"]
