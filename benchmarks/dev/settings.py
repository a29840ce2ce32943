"""The labelled settings of ``diagnose_accuracy.py``'s corpus, one definition for every source.

A setting fixes the run before any detector sees it (the label comes from it): relative to the
workload's good rate ``d`` and budget ``B``,

* ``good``: ``d`` constant; ``good+schedule``: cosine from ``d`` to 0 over ``B``;
* ``too_high``: ``30 d`` (``seed % 4 < 2``) or ``100 d``; ``too_low``: ``d / 300``;
* ``plateau``: ``3 d`` for ``3 B`` updates (far past convergence);
* ``spikes``: ``d`` with three corrupted batches at updates drawn in ``[0.2 B, 0.9 B)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SETTINGS", "setting_plan"]

SETTINGS = ("good", "good+schedule", "too_high", "too_low", "plateau", "spikes")


def setting_plan(setting: str, rate: float, budget: int,
                 seed: int) -> tuple[float, str | None, int, set[int]]:
    """``(lr, schedule spec or None, budget, corrupted update indices)`` of a labelled setting.

    Example:
        >>> setting_plan("too_low", 0.3, 100, 0), setting_plan("plateau", 0.1, 100, 0)[::2]
        ((0.001, None, 100, set()), (0.30000000000000004, 300))
    """
    if setting == "good":
        return rate, None, budget, set()
    if setting == "good+schedule":
        return rate, f"cosine(lr={rate}, steps={budget})", budget, set()
    if setting == "too_high":
        return rate * (30.0 if seed % 4 < 2 else 100.0), None, budget, set()
    if setting == "too_low":
        return rate / 300.0, None, budget, set()
    if setting == "plateau":
        return rate * 3.0, None, budget * 3, set()
    if setting == "spikes":
        rng = np.random.default_rng(1000 + seed)
        span = np.arange(int(0.2 * budget), int(0.9 * budget))
        return rate, None, budget, set(rng.choice(span, size=3, replace=False).tolist())
    raise ValueError(f"`setting` must be one of {', '.join(SETTINGS)}; got {setting!r}.")
