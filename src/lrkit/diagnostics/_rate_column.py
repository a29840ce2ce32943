"""A rate column that is 0 at every step: no rate that trained reads this way.

A loss that moves while the logged rate is 0 throughout was moved by another param group: the common
cause is a fine-tune whose first group is a frozen backbone (``lr=0``), logged as
``optimizer.param_groups[0]["lr"]`` (the Watchdog loop of ``docs/watch.md``, the Hugging Face Trainer's
``learning_rate``). Read as the rate, it would be quoted as the rate to multiply ("current rate 0"), so
``diagnose`` reads such a history as one without rates and says why. A column that is 0 only in part (a
warmup from 0, a decay to 0) is a rate like any other. Of a file's per-group rate columns, the CSV and the
TensorBoard reader both take the first that is not 0 throughout (:func:`first_moving`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lrkit.diagnostics._record import Diagnosis

__all__ = ["first_moving", "never_positive", "said_zero_rates"]


def never_positive(lrs: np.ndarray | None) -> bool:
    """Whether a rate column is known (some value not NaN) and 0 wherever it is known.

    Example:
        >>> never_positive(np.zeros(5)), never_positive(np.array([0.0, 1e-4])), never_positive(None)
        (True, False, False)
        >>> never_positive(np.array([np.nan, 0.0])), never_positive(np.full(3, np.nan))
        (True, False)
    """
    return lrs is not None and bool(np.any(np.isfinite(lrs))) and not bool(np.any(lrs > 0))


def first_moving(rates: list[np.ndarray | None]) -> np.ndarray | None:
    """The first rate column with a known value that ``diagnose`` would not set aside as 0 at every step
    (:func:`never_positive`: a frozen group logs zeros), else the first: the rate a history file's
    per-group columns or tags (Lightning's ``lr-AdamW/pg1``, ``/pg2``) are read by, in the CSV and the
    TensorBoard reader alike.

    The rate of a run with several param groups is read from the first group's column above 0: a history
    file does not say how many parameters each group holds (``find_lr`` and the Autopilot report the
    group above 0 holding the most), and ``diagnose``'s advice is a factor that moves every group alike.
    A column of zeros is left for ``diagnose`` to set aside when every group is frozen.

    Example:
        >>> first_moving([np.zeros(3), np.full(3, 1e-3)]).tolist()
        [0.001, 0.001, 0.001]
    """
    moving = (r for r in rates if r is not None and np.isfinite(r).any() and not never_positive(r))
    return next(moving, rates[0])


def said_zero_rates(d: Diagnosis) -> Diagnosis:
    """``d`` (the diagnosis read without rates) with the reason its rate column was set aside said in its
    recommendation and ``statistics["zero_lrs"] = 1``."""
    note = (" (The rate column `lrs` is 0 at every step, so it is not the rate that trained: read without "
            "it. The common cause is a frozen param group logged, e.g. `optimizer.param_groups[0]['lr']` "
            "whose group 0 is a frozen backbone at lr=0; log the rate of a group that trains.)")
    return replace(d, recommendation=d.recommendation + note, statistics={**d.statistics, "zero_lrs": 1.0})
