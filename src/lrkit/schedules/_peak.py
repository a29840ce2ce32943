"""A schedule's peak rate, and when two rates given for one run disagree (lrkit's rate rule).

Which rate wins, in one line: the run's own rate (``lr=``, ``--lr``) over the schedule's, the
schedule's over the optimizer's ``lr``. Two given rates that differ by more than
:data:`RATE_TOLERANCE` get a :class:`~lrkit.errors.RateConflictWarning` saying which one runs
(``docs/schedule.md``, "Which rate wins").
"""

from __future__ import annotations

import numpy as np

from lrkit.schedules._base import Schedule

__all__ = ["RATE_TOLERANCE", "PEAK_SCAN", "MAX_SCAN", "peak_rate", "rates_disagree"]

#: Relative difference above which two rates disagree. Rates are written by hand to two or three
#: significant digits (3e-4, 0.146); a real disagreement is a factor (3x, 10x), not a percent.
RATE_TOLERANCE = 0.01
#: Steps scanned for the peak of a schedule without a horizon (``constant``, ``cyclic``,
#: ``inverse_sqrt``, ...): their peak comes within the first cycle or warmup, far shorter.
PEAK_SCAN = 10_000
#: At most this many steps are evaluated (8 MB, a few milliseconds): a warmup longer than a
#: million updates is not a schedule anyone runs.
MAX_SCAN = 1_000_000


def peak_rate(schedule: Schedule, steps: int | None = None) -> float:
    """The largest value of ``schedule`` over its first ``steps`` updates (default: its horizon or
    :data:`PEAK_SCAN`; never more than :data:`MAX_SCAN`).

    Example:
        >>> from lrkit.schedules import parse
        >>> peak_rate(parse("warmup(cosine(lr=3e-4, steps=900), steps=100)"))
        0.0003
    """
    n = steps if steps is not None else (schedule.horizon or PEAK_SCAN)
    return float(np.max(schedule(np.arange(min(max(int(n), 1), MAX_SCAN)))))


def rates_disagree(a: float, b: float) -> bool:
    """Whether two positive rates differ by more than :data:`RATE_TOLERANCE` of the larger.

    Example:
        >>> rates_disagree(1e-3, 3e-4), rates_disagree(0.1, 0.1005)
        (True, False)
    """
    return abs(a - b) > RATE_TOLERANCE * max(abs(a), abs(b))
