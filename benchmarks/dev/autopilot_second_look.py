"""Can the main phase tell that the ramp's peak is a decade off? Two signals, measured against the tuned peak.

The ramp reads the peak off an untrained model over a few dozen updates; where it misses by about
a decade (``dev.autopilot_miss``), a signal read later in the run could correct it. Two are
measured here on the default Autopilot's runs (seed 0), each against the best peak of the tuned
wsd schedule (``dev.autopilot_truth.tuned_schedule``):

* **straightness** (DoG's and Prodigy's reason: the rate is too small while the weights travel
  further than the steps' random walk): over windows of a tenth of the main phase,
  :math:`\\rho = \\|x_{end} - x_{start}\\| / \\sqrt{\\sum \\|\\Delta x_i\\|^2}`, about 1 for a random
  walk and up to :math:`\\sqrt{W}` for a straight path; run with the peak the Autopilot chose, the
  tuned peak, a tenth of it and three times it (:func:`straightness`). A usable signal separates
  the chosen peak's :math:`\\rho` from the tuned peak's, in the same direction on every workload.
* **a second ramp** (the trained model's blow-up): at a fifth of the main phase, a ramp from the
  peak to 1000 times it over 30 updates, stopped by the finder's divergence test, then rolled back
  bit for bit (:func:`second_ramp`); the rate :math:`r_2` it stopped at, against the tuned peak.
  A usable signal has :math:`r_2 / \\text{best}` about constant across workloads.
* **the diagnosis** (``lrkit.diagnostics.Monitor`` on the main phase's losses and rates, as the
  Autopilot without a budget reads it): its verdict and fired tests at 40% and 60% of the main
  phase (:func:`verdicts`). A usable signal says ``too_low_slow`` where the peak is too low, and
  not where it is right.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/dev/autopilot_second_look.py
[workload ...]`` (prints both tables; not recorded: ``docs/evidence.md#autopilot-the-zoo-and-the-peers``
quotes them).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev import autopilot_truth as truth  # noqa: E402
from dev.peers_common import endless, one_thread  # noqa: E402

#: The default workloads: the ramp's worst misses (too low and too high) and some it reads right.
WORKLOADS = ("norm-bn-sgd512", "embbag-keyword-sgd", "norm-ln-adamw", "deep-wide-sgd",
             "rnn-adding-lstm-nadam", "transformer-module-adam", "charlm-gru-adam", "finetune-cnn-adam",
             "resnet-digits-momentum", "deep-relu8-sgd", "regression-friedman2-nadam",
             "autoencoder-digits-adam", "charlm-transformer-adamw", "tabular-cancer-momentum",
             "linear-regression-sgd", "embbag-module-adam", "norm-bn-nesterov", "regression-huber-adam",
             "tabular-wine-adam")
#: Windows per main phase for the straightness; the second ramp's start (fraction of the main
#: phase), length (updates) and span (its top over the peak).
WINDOWS, SECOND_AT, SECOND_STEPS, SECOND_SPAN = 10, 0.2, 30, 1000.0
#: Where in the main phase the diagnosis is read, and how often the monitor diagnoses.
VERDICT_AT, VERDICT_EVERY = (0.4, 0.6), 10


def _flat(params: list[Any]) -> Any:
    import torch

    return torch.cat([p.detach().reshape(-1) for p in params])


def _train(name: str, seed: int, peak: float | None, hook: Any) -> Any:
    """The default Autopilot on ``name`` (its peak given when ``peak``), ``hook(ap, parts, batches,
    before, params, loss)`` called after every main-phase update with the parameters before it."""
    from lrkit.torch import Autopilot

    task = truth.resolve_task(name)
    with one_thread():
        parts = task.build(seed)
        model, opt, loss_fn = parts["model"], parts["optimizer"], parts["loss_fn"]
        params = [p for g in opt.param_groups for p in g["params"] if p.requires_grad]
        ap = Autopilot(opt, budget=truth.budget_of(name), model=model, peak=peak)
        batches = endless(parts["train_loader"])
        model.train()
        while not ap.done:
            x, y = next(batches)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            before = _flat(params) if ap.phase == "main" else None
            ap.step(loss)
            if before is not None:
                hook(ap, parts, batches, before, params, float(loss.detach()))
        metric = task.evaluate(model, parts["val_loader"])[task.info.metric]
    return ap, truth.regret(name, metric, (0, 1, 2), "gap")


def straightness(name: str, seed: int = 0, peak: float | None = None) -> tuple[float, float, list[float]]:
    """``(peak, regret, rho per window)`` of one run (see the module docstring)."""
    acc: dict[str, Any] = {"start": None, "sq": 0.0, "n": 0, "rho": []}

    def hook(ap: Any, parts: Any, batches: Any, before: Any, params: list[Any], loss: float) -> None:
        after = _flat(params)
        acc["start"] = before if acc["start"] is None else acc["start"]
        acc["sq"] += float(((after - before) ** 2).sum())
        acc["n"] += 1
        if acc["n"] % max(1, ap.main_steps // WINDOWS) == 0:
            rho = float((after - acc["start"]).norm()) / math.sqrt(acc["sq"]) if acc["sq"] else math.nan
            acc["rho"].append(rho)
            acc["start"], acc["sq"] = after, 0.0

    ap, reg = _train(name, seed, peak, hook)
    return float(ap.peak), reg, acc["rho"]


def second_ramp(name: str, seed: int = 0) -> tuple[float, float | None]:
    """``(peak, r2)``: the default's peak and the rate its second ramp stopped at (``None``: never)."""
    import copy

    import torch

    from lrkit.finder import DivergenceMonitor

    found: dict[str, Any] = {}

    def hook(ap: Any, parts: Any, batches: Any, before: Any, params: list[Any], loss: float) -> None:
        if found or ap.phase != "main" or ap.t != round(SECOND_AT * ap.main_steps):
            return
        opt, model, loss_fn = parts["optimizer"], parts["model"], parts["loss_fn"]
        snap = copy.deepcopy((model.state_dict(), opt.state_dict()))  # rolled back bit for bit below
        peak, ratios = ap.lr, [g["lr"] / ap.lr for g in opt.param_groups]
        monitor, found["r2"] = DivergenceMonitor(policy=ap.policy.finder), None
        for i in range(SECOND_STEPS):
            rate = peak * SECOND_SPAN ** (i / (SECOND_STEPS - 1))
            for g, r in zip(opt.param_groups, ratios):
                g["lr"] = rate * r
            x, y = next(batches)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            value = float(loss.detach())
            grads = [p.grad for p in params if p.grad is not None]
            if not (math.isfinite(value) and all(bool(torch.isfinite(g).all()) for g in grads)):
                found["r2"] = rate
                break
            opt.step()
            if monitor.update(value):
                found["r2"] = rate
                break
        model.load_state_dict(snap[0])
        opt.load_state_dict(snap[1])
        for g, r in zip(opt.param_groups, ratios):
            g["lr"] = peak * r

    ap, _ = _train(name, seed, None, hook)
    return float(ap.peak), found.get("r2")


def verdicts(name: str, seed: int = 0) -> tuple[float, dict[float, tuple[str, tuple[str, ...]]]]:
    """``(peak, {fraction: (verdict, fired tests)})`` of the default's main phase (module docstring)."""
    from lrkit.diagnostics import Monitor

    monitor, out = Monitor(every=VERDICT_EVERY), {}

    def hook(ap: Any, parts: Any, batches: Any, before: Any, params: list[Any], loss: float) -> None:
        monitor.observe(ap.t - 1, loss, ap.lr)
        for f in VERDICT_AT:
            if ap.t == round(f * ap.main_steps) and monitor.diagnosis is not None:
                out[f] = (monitor.diagnosis.verdict, tuple(monitor.diagnosis.fired))

    ap, _ = _train(name, seed, None, hook)
    return float(ap.peak), out


def main() -> None:
    names = sys.argv[1:] or list(WORKLOADS)
    for n in names:
        best = truth.tuned_schedule(n, "wsd", (0, 1, 2), run=False)[0]
        for label, peak in (("chosen", None), ("tuned", best), ("tuned / 10", best / 10),
                            ("tuned x 3", best * 3)):
            p, reg, rho = straightness(n, 0, peak)
            print(f"{n:28s} {label:10s} peak {p:.3g} regret {reg:6.1f} rho "
                  + " ".join(f"{r:.2f}" for r in rho), flush=True)
    for n in names:
        best = truth.tuned_schedule(n, "wsd", (0, 1, 2), run=False)[0]
        p, r2 = second_ramp(n, 0)
        print(f"{n:28s} tuned {best:.3g} chosen/tuned {p / best:.2f} second ramp stopped at "
              f"{'never' if r2 is None else f'{r2:.3g} = {r2 / best:.3g} x tuned'}", flush=True)
    for n in names:
        best = truth.tuned_schedule(n, "wsd", (0, 1, 2), run=False)[0]
        p, out = verdicts(n, 0)
        print(f"{n:28s} miss {math.log10(p / best):+.2f} decades; " + "; ".join(
            f"at {f:.0%}: {v} ({', '.join(fired) or '-'})" for f, (v, fired) in out.items()), flush=True)


if __name__ == "__main__":
    main()
