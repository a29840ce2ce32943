"""Integer powers of a constant over an array of steps, fast: the decay families' ``gamma ** k``."""

from __future__ import annotations

import numpy as np

__all__ = ["int_power", "POWER_TABLE"]

#: Largest power :func:`int_power` reads from a table of ``base ** j``: the cap on what a table may
#: cost (at this size 512 KiB and ~4 ms of CPU); a larger power falls back to numpy's ``**``.
POWER_TABLE = 65_536


def int_power(base: float, k: np.ndarray) -> np.ndarray:
    """``base ** k`` for an array of whole numbers ``k >= 0``, fast.

    numpy's array ``**`` costs ~100 ns per element; schedules raise a constant to
    few distinct integer powers (cycle or milestone counts), so look them up in
    a table of ``base ** j`` when the largest power is small, else fall back.

    Example:
        >>> int_power(0.5, np.array([0, 1, 3, 1])).tolist()
        [1.0, 0.5, 0.125, 0.5]
    """
    kmax = float(k.max()) if k.size else 0.0
    if kmax <= POWER_TABLE:
        table = base ** np.arange(int(kmax) + 1, dtype=np.float64)
        return table[k.astype(np.intp)]
    return base**k
