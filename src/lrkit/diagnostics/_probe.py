"""A rate range test at the head of a history: the rows ``diagnose`` leaves out.

A range test (``lrkit.find_lr``; the Autopilot's probe, which its history keeps) raises the rate by a
constant factor every step, ``lr_{t+1} = g lr_t``, over several decades until the loss blows up, then
training goes on at a rate well below where the test stopped. Its losses are the search, not training
at a rate: read as training, the blow-up at its end is a loss spike (or a run that diverged), and the
rows after it a run that started from there. :func:`probe_rows` finds such a head in the rate column
alone:

* the rate rises geometrically from the first row: every step's log-ratio ``log(lr_{t+1} / lr_t)`` is
  positive and within ``probe_tolerance`` of the ramp's median log-ratio (rates logged to four
  significant digits keep it within 0.1%);
* over at least ``probe_decades`` decades (a warmup rises linearly from near zero, so its ratio falls
  step after step; an exponential warmup ends at its peak and goes on from there);
* and the next row's rate is below the ramp's last by at least a factor ``probe_drop``: the run went
  on well below where the test stopped;
* with at least ``MIN_POINTS`` rows left after it to read.

Every number is a field of :class:`~lrkit.diagnostics.DiagnosePolicy`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from lrkit.diagnostics._policy import DiagnosePolicy
from lrkit.diagnostics._record import Diagnosis

__all__ = ["probe_rows", "said_probe"]


def probe_rows(lrs: np.ndarray, min_left: int, policy: DiagnosePolicy = DiagnosePolicy()) -> int:
    """How many leading rows of a history are a rate range test (0 when its head is none).

    Args:
        lrs: the rate of each row (non-negative; NaN: not logged).
        min_left: the fewest rows that must remain after the test for it to be left out.
        policy: ``probe_tolerance``, ``probe_decades`` and ``probe_drop`` (see the module docstring).

    Example:
        >>> ramp = 1e-5 * 1.15 ** np.arange(89)          # 1e-5 to 2.2, then training at 0.12
        >>> probe_rows(np.concatenate([ramp, np.full(300, 0.12)]), 10)
        89
        >>> warmup = np.linspace(0.001, 0.1, 89)          # a linear warmup is no range test
        >>> probe_rows(np.concatenate([warmup, np.full(300, 0.05)]), 10)
        0
    """
    p = policy
    lr = np.asarray(lrs, dtype=np.float64)
    if lr.size < 3 or not np.all(np.isfinite(lr[:2])) or lr[0] <= 0:
        return 0
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.log(lr[1:] / lr[:-1])
    g = step[0]
    if not g > 0:
        return 0
    # The ramp: the longest head of steps within probe_tolerance of the first one's log-ratio, then
    # re-checked against its own median (a first step off by rounding must not end it early).
    off = ~(np.abs(step - g) <= p.probe_tolerance * g)
    end = int(np.argmax(off)) if off.any() else step.size  # steps 0 .. end-1 rise: rows 0 .. end
    g = float(np.median(step[:end]))
    if not np.all(np.abs(step[:end] - g) <= p.probe_tolerance * g):
        return 0
    last = end  # the ramp's last row
    if last + 1 >= lr.size or lr.size - (last + 1) < min_left:
        return 0
    rises = np.log10(lr[last] / lr[0]) >= p.probe_decades
    dropped = np.isfinite(lr[last + 1]) and lr[last + 1] * p.probe_drop <= lr[last]
    return last + 1 if rises and dropped else 0


def said_probe(d: Diagnosis, k: int, steps: np.ndarray,
               lrs: Sequence[float] | np.ndarray | None) -> Diagnosis:
    """``d`` (the diagnosis of the rows from ``steps[0]`` on) with the ``k`` rows of range test it left out
    said in its recommendation and counted in its statistics (``probe_rows``), and ``n_steps`` the whole
    history's length again (a plot or report draws the losses given); ``d`` itself when ``k`` is 0.
    ``lrs``: the whole history's rates."""
    if not k:
        return d
    lr = np.asarray(lrs, dtype=np.float64)
    note = (f" (The first {k} rows, the rate rising geometrically from {lr[0]:.3g} to {lr[k - 1]:.3g}, are a "
            f"rate range test, not training at a rate: read from step {int(steps[0])} on.)")
    return replace(d, recommendation=d.recommendation + note, n_steps=d.n_steps + k,
                   statistics={**d.statistics, "probe_rows": float(k)})
