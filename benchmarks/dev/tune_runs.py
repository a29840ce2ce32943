"""Search traces for the tuning benchmarks: naive TPE, and how fast a trace reaches the grid's best.

``naive_tpe`` is Optuna's TPE as a user would run it (5.x defaults, rate in 1e-5..1, constant
schedule, no pruning); ``trace_stats`` reads a search's ``(steps, metric)`` trace against the grid's
best (within 1%). Used by ``tune_efficiency.py`` and ``tune_dev.py``.
"""

from __future__ import annotations

import math
from typing import Any


def near(value: float, best: float, higher: bool) -> bool:
    if not math.isfinite(value):
        return False
    return value >= 0.99 * best if higher else value <= 1.01 * best


def better(a: float, b: float, higher: bool) -> float:
    if not math.isfinite(a):
        return b
    if not math.isfinite(b):
        return a
    return max(a, b) if higher else min(a, b)


def trace_stats(trace: list[tuple[int, float]], offset: int, best: float, higher: bool,
                 cap: int) -> tuple[float, float]:
    """(steps until first near-best completed trial, best metric within ``cap`` steps)."""
    used, reach, best_at = offset, math.inf, math.nan
    for steps, value in trace:
        used += steps
        if used <= cap:
            best_at = better(value, best_at, higher)
        if math.isinf(reach) and near(value, best, higher):
            reach = used
    return reach, best_at


def naive_tpe(task: Any, seed: int, n_trials: int, budget: int, optimizer: str,
              sampler_seed: int | None = None) -> list[tuple[int, float]]:
    """Optuna TPE (5.x defaults), rate in 1e-5..1, constant schedule, no pruning.

    Trains with ``seed``; the sampler is seeded with ``sampler_seed`` (default: ``seed``).
    """
    import optuna

    from lrkit.tasks import train

    trace: list[tuple[int, float]] = []

    def objective(trial: optuna.Trial) -> float:
        r = train(task, lr=trial.suggest_float("lr", 1e-5, 1.0, log=True), optimizer=optimizer,
                  budget=budget, seed=seed)
        # a diverged run has an infinite loss: give TPE a finite worst value instead
        value = r.metric if math.isfinite(r.metric) else (0.0 if r.higher_is_better else 1e12)
        trace.append((r.steps, r.metric))
        return value

    from lrkit.tasks import get_task

    info = (get_task(task) if isinstance(task, str) else task).info
    direction = "maximize" if info.higher_is_better else "minimize"
    sampler = optuna.samplers.TPESampler(seed=seed if sampler_seed is None else sampler_seed)
    study = optuna.create_study(direction=direction, sampler=sampler)
    study.optimize(objective, n_trials=n_trials)
    return trace
