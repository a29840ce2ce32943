"""Per-update norms beyond the loss for the first updates of a zoo corpus run: what a live reader could
record besides the loss and the gradient norm.

:func:`record` re-runs a corpus run (``dev.diagnose_corpus``: a workload, rate, seed and schedule) through
the same loop as its stored run (``dev.zoo_runs.run_one``: ``lrkit.tasks.train``, one thread, the same
evaluations) for its first :data:`UPDATES` updates, with a global optimizer step pre- and post-hook that
read, per update: the weight norm ``|w|`` and the gradient norm ``|g|`` before the step, the update
``dw = w_after - w_before`` as ``|dw|``, and the first-order change ``g . dw`` (the loss change a linear
model of the loss predicts for the update; negative when it predicts a decrease). The hooks only read.
The re-run's losses are stored too (``loss``): on this machine a re-run matches the stored history to
float32 rounding on its first updates, then drifts by last-bit differences (with or without the hooks),
which a catapult amplifies (deep-wide-sgd at 0.215, seed 0: 57% apart by update 150). So an analysis
reads the re-run's own losses with its own norms, and takes from the corpus only the run's label and its
rate's place against the grid-best rate.

Stored per workload in :data:`STORE` (``NAME.npz``: ``KEY/weight_norm``, ``KEY/update_norm``,
``KEY/g_dot_update``, ``KEY/grad_norm``, ``KEY/loss``, float64, ``KEY`` the run's
``dev.zoo_runs.run_key``), byte-reproducible; :func:`builtin_weight_norms` makes the built-in sources'
histories again with their weight norms (``builtin.npz``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from dev.zoo_runs import EVAL_POINTS, read_npz, run_key, write_npz

__all__ = ["UPDATES", "STORE", "COLUMNS", "record", "load", "store", "builtin_weight_norms", "builtin_store",
           "builtin_load", "builtin_histories"]

#: The updates recorded: the three first reports of ``Watchdog(every=50)`` read at most 150 losses.
UPDATES = 150
STORE = Path(__file__).resolve().parents[1] / "results" / "diagnose_step_norms"
COLUMNS = ("weight_norm", "grad_norm", "update_norm", "g_dot_update", "loss")


def _key(lr: float, seed: int, schedule: str | None) -> str:
    return run_key(lr, seed, schedule)


def record(name: str, lr: float, seed: int, schedule: str | None, n: int = UPDATES) -> dict[str, np.ndarray]:
    """The columns of :data:`COLUMNS` for the first ``n`` updates of one run (fewer if it diverges)."""
    import warnings

    import torch
    from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

    from lrkit import RateConflictWarning, zoo
    from lrkit.tasks import resolve_schedule, train

    torch.set_num_threads(1)
    w = zoo.get(name)
    info = w.info
    cols: dict[str, list[float]] = {k: [] for k in COLUMNS}
    before: list[torch.Tensor] = []

    def params(opt: Any) -> list[torch.Tensor]:
        return [p for g in opt.param_groups for p in g["params"]]

    def pre(opt: Any, *_: Any) -> None:
        ps = params(opt)
        before[:] = [p.detach().clone() for p in ps]
        cols["weight_norm"].append(math.sqrt(sum(float(p.detach().double().pow(2).sum()) for p in ps)))
        cols["grad_norm"].append(math.sqrt(sum(float(p.grad.double().pow(2).sum()) for p in ps
                                               if p.grad is not None)))

    def post(opt: Any, *_: Any) -> None:
        ps = params(opt)
        du = [p.detach().double() - b.double() for p, b in zip(ps, before)]
        cols["update_norm"].append(math.sqrt(sum(float(d.pow(2).sum()) for d in du)))
        cols["g_dot_update"].append(sum(float((p.grad.double() * d).sum()) for p, d in zip(ps, du)
                                        if p.grad is not None))

    losses: list[float] = []

    def stop(step: dict[str, Any]) -> bool:
        losses.append(float(step["loss"]))
        return len(losses) >= n

    shaped = None
    if schedule is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RateConflictWarning)
            shaped = resolve_schedule(lr, schedule, info.budget)
    h_pre, h_post = register_optimizer_step_pre_hook(pre), register_optimizer_step_post_hook(post)
    try:
        r = train(w, lr=lr if schedule is None else None, seed=seed, schedule=shaped,
                  eval_every=max(1, info.budget // EVAL_POINTS), callbacks=[stop])
    finally:
        h_pre.remove()
        h_post.remove()
    cols["loss"] = [h["train_loss"] for h in r.history][:n]
    m = min(len(v) for v in cols.values())
    return {k: np.array(v[:m], dtype=np.float64) for k, v in cols.items()}


def load(name: str) -> dict[str, dict[str, np.ndarray]]:
    """``{run key: {column: values}}`` of one workload's stored records."""
    a = read_npz(STORE / f"{name}.npz")
    out: dict[str, dict[str, np.ndarray]] = {}
    for k, v in a.items():
        key, col = k.rsplit("/", 1)
        out.setdefault(key, {})[col] = v
    return out


def store(name: str, runs: list[tuple[float, int, str | None]]) -> int:
    """Record the runs of ``name`` not stored yet (each ``(lr, seed, schedule)``) and write the workload's
    file; the count recorded."""
    have = read_npz(STORE / f"{name}.npz")
    done = 0
    for lr, seed, spec in runs:
        key = _key(lr, seed, spec)
        if f"{key}/{COLUMNS[0]}" in have:
            continue
        for col, v in record(name, lr, seed, spec).items():
            have[f"{key}/{col}"] = v
        done += 1
    if done:
        write_npz(STORE / f"{name}.npz", have)
    return done


def builtin_weight_norms(source: str, setting: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(losses, lrs, weight norms)`` of one history of ``diagnose_accuracy.py``'s built-in corpus
    (``dev.diagnose_builtin``), made again with the weight norm ``|w|`` before each update: a task's
    optimizer read by a global step pre-hook; the noisy quadratic's iterate ``|x|`` (its minimum at 0),
    followed on a copy of the history's random stream."""
    import copy

    import torch
    from torch.optim.optimizer import register_optimizer_step_pre_hook

    from dev import diagnose_builtin as db

    norms: list[float] = []
    if source == "quadratic":
        original = db.sgd_history

        def following(problem: Any, lrs: np.ndarray, rng: np.random.Generator, **kw: Any) -> np.ndarray:
            twin, x = copy.deepcopy(rng), problem.x0.astype(np.float64).copy()
            spikes = set(kw.get("spikes", ()))
            with np.errstate(over="ignore", invalid="ignore"):
                for t, eta in enumerate(np.asarray(lrs, dtype=np.float64)):
                    xi = twin.normal(0.0, problem.s, problem.lam.size) * (30.0 if t in spikes else 1.0)
                    norms.append(float(np.linalg.norm(x)))
                    x = x - eta * problem.lam * (x - xi)
            return original(problem, lrs, rng, **kw)

        db.sgd_history = following
        try:
            losses, lrs = db._quadratic_history(setting, seed)
        finally:
            db.sgd_history = original
        return losses, lrs, np.array(norms[:losses.size])

    def pre(opt: Any, *_: Any) -> None:
        norms.append(math.sqrt(sum(float(p.detach().double().pow(2).sum()) for g in opt.param_groups
                                   for p in g["params"])))

    handle = register_optimizer_step_pre_hook(pre)
    try:
        torch.set_num_threads(1)
        losses, lrs, _ = db._task_history(source, setting, seed)
    finally:
        handle.remove()
    w = np.full(losses.size, np.nan)
    w[:min(len(norms), losses.size)] = norms[:losses.size]
    return losses, lrs, w


BUILTIN = STORE / "builtin.npz"


def builtin_store(histories: list[tuple[str, str, int]]) -> int:
    """Record :func:`builtin_weight_norms` for the ``(source, setting, seed)`` not stored yet, first
    :data:`UPDATES` values of each column (``KEY/loss``, ``KEY/lr``, ``KEY/weight_norm``,
    ``KEY = source/setting/seed``); the count recorded."""
    have = read_npz(BUILTIN)
    done = 0
    for source, setting, seed in histories:
        key = f"{source}/{setting}/{seed}"
        if f"{key}/loss" in have:
            continue
        losses, lrs, w = builtin_weight_norms(source, setting, seed)
        have.update({f"{key}/loss": np.asarray(losses[:UPDATES], dtype=np.float64),
                     f"{key}/lr": np.asarray(lrs[:UPDATES], dtype=np.float64),
                     f"{key}/weight_norm": w[:UPDATES]})
        done += 1
    if done:
        write_npz(BUILTIN, have)
    return done


def builtin_load() -> dict[tuple[str, str, int], dict[str, np.ndarray]]:
    """``{(source, setting, seed): {column: values}}`` of the stored built-in records."""
    out: dict[tuple[str, str, int], dict[str, np.ndarray]] = {}
    for k, v in read_npz(BUILTIN).items():
        source, setting, seed, col = k.split("/")
        out.setdefault((source, setting, int(seed)), {})[col] = v
    return out


def builtin_histories(prefixes: tuple[int, ...]) -> list[tuple[str, str, int]]:
    """The built-in sources' histories (``diagnose_live_policy.py``'s: ``lrkit.tasks`` and the noisy
    quadratic) whose stored history reads "lower" under ``LIVE_POLICY`` at one of ``prefixes`` at least."""
    from dev.diagnose_builtin import ALL_NEW, V8_TASKS, load

    from lrkit.diagnostics import LIVE_POLICY, decide, measure

    out = []
    for c in load():
        if c["source"] in ALL_NEW or c["source"] in V8_TASKS:
            continue
        y = c["losses"]
        if any(decide(measure(y[:n], c["lrs"][:n]), policy=LIVE_POLICY).direction == "lower"
               for n in prefixes if y.size >= n and np.all(np.isfinite(y[:n]))):
            out.append((c["source"], c["setting"], int(c["seed"])))
    return out
