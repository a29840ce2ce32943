"""A schedule's values in aligned blocks of steps: what the adapter's hot path reads.

``LRScheduler.step()`` must cost a list lookup and a dict write per group, not a schedule
evaluation. The schedule is evaluated :data:`BLOCK` steps at a time (one vectorized call) and
the adapter keeps the block. Blocks are aligned to multiples of :data:`BLOCK`, so the value used
at step ``t`` never depends on where a run (or a resume) began.
"""

from __future__ import annotations

import numpy as np

from lrkit.errors import MAX_INT
from lrkit.schedules import Schedule

__all__ = ["BLOCK", "aligned_block"]

#: Steps evaluated per vectorized call (a 1024-float list: 8 KiB per scheduler).
BLOCK = 1024


def aligned_block(schedule: Schedule, t: int) -> tuple[int, list[float]]:
    """``(start, values)``: the block of :data:`BLOCK` steps that holds ``t``, from ``start``.

    ``values[t - start] == schedule(t)``, and ``start`` is a multiple of :data:`BLOCK`; the
    block that holds the last int64 step (:data:`~lrkit.errors.MAX_INT`) ends there.

    Example:
        >>> from lrkit.schedules import cosine
        >>> s = cosine(lr=0.1, steps=3000)
        >>> start, values = aligned_block(s, 1500)
        >>> start, len(values), values[1500 - start] == float(s(1500))
        (1024, 1024, True)
    """
    start = (t // BLOCK) * BLOCK
    end = min(start + BLOCK, MAX_INT + 1)
    return start, schedule(np.arange(start, end, dtype=np.int64)).tolist()
