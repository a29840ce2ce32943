"""Would a distance-based estimate read during the ramp (after DoG / Prodigy) place the peak better?

DoG (Ivgi et al. 2023) sets the rate to :math:`\\eta_t = \\bar r_t / \\sqrt{\\sum_{i \\le t} \\|g_i\\|^2}`,
:math:`\\bar r_t = \\max_{i \\le t} \\|x_i - x_0\\|`: the distance travelled over the root of the summed
squared gradients, in the gradient's units (SGD). An adaptive update moves each coordinate by about
the rate, so its analogue is the per-coordinate (RMS) distance travelled, :math:`\\bar r_t/\\sqrt{n}`
(the scale Prodigy's :math:`d` estimates for Adam). This script records both along the default
Autopilot's ramp on every zoo workload (the run stops when the probe ends: nothing else changes
the ramp) and reads them where the ramp's kept part ends (the last update at a rate <= the peak the
Autopilot chose). Each estimate is scored like ``dev.autopilot_miss``: its miss
:math:`\\log_{10}(\\text{estimate}/\\text{best})` against the best peak of the tuned wsd schedule,
beside the ramp's own reading's; a reading whose misses have a smaller spread (SD in decades) is
what the peak rule could use. Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python
benchmarks/dev/autopilot_distance.py`` (prints a table; not recorded: the evidence page quotes it).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev import autopilot_truth as truth  # noqa: E402
from dev.peers_common import endless, one_thread  # noqa: E402

SEEDS = (0, 1, 2)


def ramp_record(name: str, seed: int) -> dict[str, Any]:
    """The default Autopilot's ramp on ``name``: per applied update the rate, the distance from the
    start (L2) and the squared gradient norm; the peak it chose; the parameter count."""
    from lrkit.torch import Autopilot, optimizer_kind

    task = truth.resolve_task(name)
    with one_thread():
        parts = task.build(seed)
        model, opt, loss_fn = parts["model"], parts["optimizer"], parts["loss_fn"]
        params = [p for g in opt.param_groups for p in g["params"] if p.requires_grad]
        x0 = [p.detach().clone() for p in params]
        ap = Autopilot(opt, budget=truth.budget_of(name), model=model)
        dist, g2 = [], []
        batches = endless(parts["train_loader"])
        model.train()
        while ap.phase == "probe":
            x, y = next(batches)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            grad = sum(float((p.grad.detach() ** 2).sum()) for p in params if p.grad is not None)
            if ap.step(loss):
                g2.append(grad)
                dist.append(math.sqrt(sum(float(((p.detach() - a) ** 2).sum()) for p, a in zip(params, x0))))
    n = sum(p.numel() for p in params)
    lrs = list(ap.probe_lrs)
    return {"lrs": lrs, "dist": dist[:len(lrs)], "g2": g2[:len(lrs)], "peak": float(ap.peak), "n": n,
            "kind": optimizer_kind(opt)}


def estimates(rec: dict[str, Any]) -> dict[str, float]:
    """The DoG estimate (SGD kinds) or its per-coordinate analogue (adaptive), read at the kept ramp's end."""
    lrs = np.array(rec["lrs"])
    k = int(np.flatnonzero(lrs <= rec["peak"] * (1 + 1e-9))[-1]) if np.any(lrs <= rec["peak"]) else 0
    r = max(rec["dist"][:k + 1])
    dog = r / math.sqrt(sum(rec["g2"][:k + 1]))
    return {"ramp": rec["peak"], "distance": r / math.sqrt(rec["n"]) if rec["kind"] == "adaptive" else dog}


def main() -> None:
    from lrkit import zoo

    rows = []
    for name in sorted(zoo.names()):
        try:
            best = truth.tuned_schedule(name, "wsd", SEEDS, run=False)[0]
        except truth.Missing:
            continue
        recs = [ramp_record(name, s) for s in SEEDS]
        est = {m: float(np.exp(np.mean([np.log(estimates(r)[m]) for r in recs])))
               for m in ("ramp", "distance")}
        rows.append([name, recs[0]["kind"], best, est["ramp"], math.log10(est["ramp"] / best),
                     est["distance"], math.log10(est["distance"] / best)])
        print(*[f"{v:.3g}" if isinstance(v, float) else v for v in rows[-1]], flush=True)
    kinds = [r[1] for r in rows]
    for col, label in ((4, "ramp reading"), (6, "distance estimate")):
        miss = np.array([r[col] for r in rows])
        centred = miss.copy()
        for kind in sorted(set(kinds)):
            mine = np.array([k == kind for k in kinds])
            centred[mine] -= np.median(miss[mine])
            print(f"{label:18s} {kind:9s} n={mine.sum():2d} median miss {np.median(miss[mine]):+.2f}, "
                  f"SD {np.std(miss[mine], ddof=1):.2f} decades")
        print(f"{label:18s} all       n={len(miss):2d} median miss {np.median(miss):+.2f}, "
              f"SD {np.std(miss, ddof=1):.2f} decades; "
              f"SD around each kind's median {np.std(centred, ddof=1):.2f}")

if __name__ == "__main__":
    main()
