"""The runs behind ``benchmarks/autopilot_average.py``: the Autopilot's iterates averaged over tails.

One run of the library's Autopilot per workload, seed and trajectory (:data:`TRAJECTORIES`; the
protocol of ``dev.autopilot_zoo_runs.run_autopilot``), watched by one ``lrkit.torch.TailAverage``
per tail fraction of :data:`TAILS` and one exponential moving average per horizon of :data:`EMAS`
(the iterates of main-phase updates whose loss the guard let through, added just before their
update, as the library adds them). Averaging does not change the trajectory, so one run scores
every average: at the end the live model is evaluated, then each tail's
average written into it and evaluated, in up to three ways for a model with BatchNorm:

* ``avg:TAIL``: parameters and floating-point buffers averaged (what the library writes);
* ``avg-live-buffers:TAIL``: parameters averaged, the running statistics the live model's;
* ``recal:TAIL``: parameters averaged, then the running statistics recomputed over
  :data:`RECAL_BATCHES` training batches (``torch.optim.swa_utils.update_bn``'s rule; the forward
  passes Schedule-Free's README prescribes for BatchNorm, beyond the budget).

Each record (scored as the zoo scores a run) is cached in :data:`STORE` under ``"name|seed|budget"``.
``python benchmarks/dev/autopilot_average.py [--builtin]`` fills the cache (zoo workloads, or the
held-out built-in tasks, which are only checked, never chosen on); ``benchmarks/autopilot_zoo.py``
reads the choices from it.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev.autopilot_zoo_runs import cached, make_autopilot, resolve_task, scored, training_losses  # noqa: E402
from dev.autopilot_zoo_runs import variant_key  # noqa: E402
from dev.peers_common import has_batchnorm, one_thread  # noqa: E402

from lrkit.torch import TailAverage  # noqa: E402

__all__ = ["RECAL_BATCHES", "STORE", "TAILS", "run_averages", "records"]

STORE = Path(__file__).resolve().parents[1] / "results" / "autopilot_average.json"
#: The tail fractions of the main phase compared (0.2 is the default cool-down's length).
TAILS = (0.1, 0.2, 0.35, 0.5, 0.75, 1.0)
#: The horizons of the exponential moving averages compared, as fractions of the main phase.
EMAS = (0.03, 0.1, 0.2)
#: The trajectories watched: the default Autopilot, and the same with (next to) no cool-down, whose
#: average is the classical constant-rate SWA (``cooldown`` as small as the policy allows: 1 update).
#: (``anchor_kinds`` named: a variant without it runs the store's legacy Autopilot without the anchor.)
TRAJECTORIES = {"": {"anchor_kinds": ["momentum"]},
                "no cool-down": {"anchor_kinds": ["momentum"], "cooldown": 0.001}}
#: Training batches of the BatchNorm recomputation (Schedule-Free's README: ``islice(train_loader, 50)``).
RECAL_BATCHES = 50
SEEDS = (0, 1, 2)


def _recalibrate(model: torch.nn.Module, loader: Any) -> None:
    """``torch.optim.swa_utils.update_bn`` on the first :data:`RECAL_BATCHES` batches (inputs only)."""
    torch.optim.swa_utils.update_bn(((x, y) for x, y in itertools.islice(loader, RECAL_BATCHES)), model)


class _Ema:
    """An exponential moving average of the iterates, horizon ``h`` of the main phase's updates."""

    def __init__(self, h: float, main_steps: int) -> None:
        self.decay, self.start, self.count, self.mean = 1.0 - 1.0 / max(1.0, h * main_steps), 0, 0, None

    def observe(self, tensors: list[torch.Tensor], t: int) -> None:
        self.count += 1
        if self.mean is None:
            self.mean = [x.clone() if x.is_floating_point() else None for x in tensors]
            return
        for m, x in zip(self.mean, tensors):
            if m is not None:
                m.lerp_(x, 1.0 - self.decay)

    def write(self, tensors: list[torch.Tensor]) -> None:
        for m, x in zip(self.mean, tensors):
            if m is not None:
                x.data.copy_(m)


def run_averages(task: Any, seed: int, budget: int, variant: dict[str, Any] | None = None) -> dict[str, Any]:
    """One Autopilot run on ``task`` (the default, or a ``dev.autopilot_zoo_runs.make_autopilot``
    ``variant``); the scored metric of the live model and of each average."""
    task = resolve_task(task)
    info = task.info
    with one_thread():
        parts = task.build(seed)
        model, opt = parts["model"], parts["optimizer"]
        ap = make_autopilot(opt, budget, model, variant or {})
        # what the library averages: the parameters the optimizer steps, then the model's buffers
        tensors = [p for g in opt.param_groups for p in g["params"]] + list(model.buffers())
        avgs: dict[Any, Any] | None = None
        for loss in training_losses(ap, parts):
            t, main = ap.t, ap.phase == "main"
            if main and avgs is None:
                avgs = {**{tail: TailAverage.for_tail(ap.main_steps, tail) for tail in TAILS},
                        **{f"ema{h}": _Ema(h, ap.main_steps) for h in EMAS}}
            watch = main and t >= min(a.start for a in avgs.values())
            pre = [x.detach().clone() for x in tensors] if watch else None
            if ap.step(loss) and pre is not None:
                for a in avgs.values():
                    a.observe(pre, t)

        def score() -> float:
            raw = float(task.evaluate(model, parts["val_loader"]).get(info.metric, math.nan))
            model.train()
            return scored(task, raw, not math.isfinite(raw))

        live = [x.detach().clone() for x in tensors]
        n_params = sum(1 for g in opt.param_groups for _ in g["params"])
        out: dict[str, Any] = {"live": score(), "batchnorm": has_batchnorm(model), "peak": ap.peak,
                               "main_steps": ap.main_steps}
        for tail, a in (avgs or {}).items():
            a.write(tensors)
            out[f"avg:{tail}" if isinstance(tail, float) else tail] = score()
            if out["batchnorm"] and isinstance(tail, float):
                for x, v in zip(tensors[n_params:], live[n_params:]):
                    x.data.copy_(v)
                out[f"avg-live-buffers:{tail}"] = score()
                _recalibrate(model, parts["train_loader"])
                out[f"recal:{tail}"] = score()
            for x, v in zip(tensors, live):
                x.data.copy_(v)
    return out


def records(names: list[str], trajectory: str = "", run: bool = True) -> dict[str, list[dict[str, Any]]]:
    """``name -> per-seed records`` of a :data:`TRAJECTORIES` entry (cached in :data:`STORE`; run when
    missing unless ``run`` is False)."""
    from dev import autopilot_truth as truth

    variant = TRAJECTORIES[trajectory]
    key = "avg" + (":" + variant_key(variant) if variant else "")
    out = {}
    for n in names:
        b = truth.budget_of(n)
        try:
            out[n] = [cached(key, n, s, b, (lambda s=s: run_averages(n, s, b, variant)) if run else _missing,
                             path=STORE) for s in SEEDS]
        except LookupError:
            continue
    return out


def _missing() -> dict[str, Any]:
    raise LookupError("not run")


def main() -> None:
    from lrkit import zoo
    from dev import autopilot_truth as truth

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--builtin", action="store_true", help="the held-out built-in tasks (a check only)")
    ap.add_argument("--part", type=int, nargs=2, default=(0, 1), help="this worker's index and the count")
    ap.add_argument("--trajectory", default="", choices=list(TRAJECTORIES))
    args = ap.parse_args()
    names = list(truth.BUILTIN) if args.builtin else sorted(zoo.names())
    i, k = args.part
    for n in names[i::k]:
        recs = records([n], args.trajectory)[n]
        print(n, [round(r["live"], 4) for r in recs], [round(r.get("avg:0.2", math.nan), 4) for r in recs],
              flush=True)


if __name__ == "__main__":
    main()
