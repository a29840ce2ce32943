"""Non-finite losses a run trained past: batches it skipped, read apart from the rate.

A loss computed from non-finite weights is non-finite, so a NaN or infinite loss with finite losses on
both sides left the weights finite: the run did not apply that update (a loop that skips non-finite
losses, the Autopilot's fault guard, a loss scaler) and trained on. Such rows say that some batch turns
the loss NaN (the data, the loss), not that the rate broke training; :func:`lrkit.diagnose` reads the
history without them and says so. A non-finite first loss is :func:`~lrkit.diagnostics` ``nan``'s own
case (computed before any update), and so is a run that stays broken.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from lrkit.diagnostics._record import Diagnosis

__all__ = ["skipped_rows", "said_skipped"]

#: The skipped steps a note lists before it says "and N more".
_LISTED = 8


def skipped_rows(y: np.ndarray) -> np.ndarray | None:
    """The indices of ``y``'s non-finite losses when every one lies between finite losses (and the first
    loss is finite), else ``None``.

    Example:
        >>> skipped_rows(np.array([3.0, np.nan, 2.0, 1.5, np.inf, 1.0])).tolist()
        [1, 4]
        >>> skipped_rows(np.array([3.0, np.nan, np.nan, 1.0])) is None  # two in a row: not read as skipped
        True
    """
    bad = np.flatnonzero(~np.isfinite(y))
    if not bad.size or bad[0] == 0 or bad[-1] == y.size - 1:
        return None
    return bad if np.isfinite(y[bad - 1]).all() and np.isfinite(y[bad + 1]).all() else None


def said_skipped(d: Diagnosis, steps: np.ndarray) -> Diagnosis:
    """``d`` (the diagnosis of the finite rows) with the skipped rows at ``steps`` said in its
    recommendation, counted in ``statistics["skipped_non_finite"]`` and in ``n_steps``."""
    n = int(steps.size)
    listed = ", ".join(str(int(s)) for s in steps[:_LISTED])
    listed += f" and {n - _LISTED} more" if n > _LISTED else ""
    many = n > 1
    note = (f" ({n} loss{'es are' if many else ' is'} NaN or infinite (step{'s' if many else ''} {listed}), "
            "each between finite ones: the weights stayed finite, so the run skipped those batches and "
            "trained on, and no rate broke it. A batch whose loss is NaN points at the data (a NaN or "
            "infinite input, a label outside the classes) or the loss; the history was read without those "
            "rows.)")
    return replace(d, recommendation=d.recommendation + note, n_steps=d.n_steps + n,
                   statistics={**d.statistics, "skipped_non_finite": float(n)})
