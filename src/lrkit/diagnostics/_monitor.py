"""``Monitor``: the online form of :func:`~lrkit.diagnostics.diagnose`, with bounded memory.

It keeps a strided history: every point up to ``capacity``, then pairs are
averaged and the stride doubles, so a run of any length is held in at most
``capacity`` points spaced evenly over the whole run (the decade-ratio test
needs the beginning as much as the end). Averaging ``k`` raw losses lowers
the noise by ``sqrt(k)`` but leaves the trend, so the statistics keep their
meaning; a spike shrinks by ``k`` relative to the trend, which is why the
watchdog reports spikes early, while the stride is still small.

A non-finite loss is never averaged away: it is stored as it is and makes
the diagnosis ``nan`` at once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lrkit.diagnostics._diagnose import MIN_POINTS, diagnose
from lrkit.diagnostics._policy import DiagnosePolicy
from lrkit.diagnostics._record import Diagnosis
from lrkit.errors import LRKitError, check_instance, check_int

__all__ = ["Monitor"]


class Monitor:
    """Diagnose a run while it trains: feed ``observe`` each step, read ``diagnosis``.

    Args:
        every: run the diagnosis every this many observations (default 50); each
            run costs ``O(capacity)``, so the per-step cost is ``O(capacity / every)``.
        capacity: most points kept (default 2048, an even number >= 2 * 10).
        policy: the tuned numbers of the diagnosis (:class:`~lrkit.diagnostics.DiagnosePolicy`).

    Raises:
        LRKitError: for a bad ``every`` or ``capacity``.

    Example:
        >>> m = Monitor(every=10)
        >>> for t in range(100):
        ...     stop = m.observe(t, 1.0 / (1 + t))
        >>> m.diagnosis.verdict, m.observe(100, float("nan")), m.diagnosis.verdict
        ('healthy', True, 'nan')
    """

    def __init__(self, *, every: int = 50, capacity: int = 2048,
                 policy: DiagnosePolicy = DiagnosePolicy()) -> None:
        self.policy = check_instance("policy", policy, "Monitor", DiagnosePolicy)
        self.every = check_int("every", every, "Monitor")
        self.capacity = check_int("capacity", capacity, "Monitor", low=2 * MIN_POINTS)
        if self.capacity % 2:
            raise LRKitError(
                f"`capacity` of Monitor must be an even integer >= {2 * MIN_POINTS}; got {capacity}."
            )
        self._steps: list[int] = []
        self._losses: list[float] = []
        self._lrs: list[float] = []
        self._stride = 1
        self._acc: list[float] = [0.0, 0.0, 0.0]  # loss sum, lr sum, count of the open bucket
        self._acc_step = 0
        self._seen = 0
        self._last_step: int | None = None
        self._diagnosis: Diagnosis | None = None

    # -- feeding ------------------------------------------------------------------------------
    def observe(self, step: int, loss: float, lr: float | None = None) -> bool:
        """Record one step; return ``True`` when the loss is NaN/inf (training should stop).

        Raises:
            LRKitError: when ``step`` is not larger than the previous step.
        """
        step = int(step)
        if self._last_step is not None and step <= self._last_step:
            raise LRKitError(f"`step` of Monitor.observe must increase; got {step} after {self._last_step}.")
        self._last_step = step
        loss = float(loss)
        rate = math.nan if lr is None else float(lr)
        self._seen += 1
        if not math.isfinite(loss):
            self._flush()
            self._push(step, loss, rate)
            self._diagnosis = diagnose(self._losses, steps=self._steps, policy=self.policy)
            return True
        if self._acc[2] == 0:
            self._acc_step = step
        self._acc[0] += loss
        self._acc[1] += rate
        self._acc[2] += 1
        if self._acc[2] >= self._stride:
            self._flush()
        if self._seen % self.every == 0 and len(self._losses) >= MIN_POINTS:
            self.update()
        return False

    def _flush(self) -> None:
        total, rate_sum, count = self._acc
        if count:
            self._push(self._acc_step, total / count, rate_sum / count)
        self._acc = [0.0, 0.0, 0.0]

    def _push(self, step: int, loss: float, rate: float) -> None:
        self._steps.append(step)
        self._losses.append(loss)
        self._lrs.append(rate)
        if len(self._losses) >= self.capacity:
            # Merge neighbours: the buffer halves and every later bucket averages twice as many steps.
            self._steps = self._steps[0::2]
            self._losses = [(a + b) / 2 for a, b in zip(self._losses[0::2], self._losses[1::2])]
            self._lrs = [(a + b) / 2 for a, b in zip(self._lrs[0::2], self._lrs[1::2])]
            self._stride *= 2

    # -- reading ------------------------------------------------------------------------------
    def update(self) -> Diagnosis | None:
        """Diagnose the history held now (``None`` with fewer than 10 points and no NaN)."""
        if not self._losses or (len(self._losses) < MIN_POINTS and all(map(math.isfinite, self._losses))):
            return self._diagnosis
        lrs = np.array(self._lrs)
        self._diagnosis = diagnose(self._losses, None if np.isnan(lrs).any() else lrs, steps=self._steps,
                                   policy=self.policy)
        return self._diagnosis

    @property
    def last_step(self) -> int:
        """The last observed step (``-1`` before the first)."""
        return -1 if self._last_step is None else self._last_step

    @property
    def diagnosis(self) -> Diagnosis | None:
        """The latest diagnosis (refreshed every ``every`` steps and at once on NaN/inf)."""
        return self._diagnosis

    def history(self) -> dict[str, np.ndarray]:
        """The held (strided) history: ``steps``, ``losses``, ``lrs`` (NaN where not given)."""
        return {"steps": np.array(self._steps, dtype=np.int64), "losses": np.array(self._losses),
                "lrs": np.array(self._lrs)}

    # -- state --------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Plain data (lists, numbers): everything needed to continue bit-identically."""
        return {"every": self.every, "capacity": self.capacity, "steps": list(self._steps),
                "losses": list(self._losses), "lrs": list(self._lrs), "stride": self._stride,
                "acc": list(self._acc), "acc_step": self._acc_step, "seen": self._seen,
                "last_step": self._last_step,
                "diagnosis": None if self._diagnosis is None else self._diagnosis.to_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from :meth:`state_dict` output."""
        self.every, self.capacity = int(state["every"]), int(state["capacity"])
        self._steps = [int(s) for s in state["steps"]]
        self._losses = [float(v) for v in state["losses"]]
        self._lrs = [float(v) for v in state["lrs"]]
        self._stride, self._acc = int(state["stride"]), [float(v) for v in state["acc"]]
        self._acc_step, self._seen = int(state["acc_step"]), int(state["seen"])
        self._last_step = None if state["last_step"] is None else int(state["last_step"])
        self._diagnosis = None if state["diagnosis"] is None else Diagnosis.from_dict(state["diagnosis"])
