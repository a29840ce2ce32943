"""``Monitor``: the online form of :func:`~lrkit.diagnostics.diagnose`, with bounded memory.

It keeps a strided history: every point up to ``capacity``, then pairs are
averaged and the stride doubles, so a run of any length is held in at most
``capacity`` points spaced evenly over the whole run (the decade-ratio test
needs the beginning as much as the end). Averaging ``k`` raw losses lowers
the noise by ``sqrt(k)`` but leaves the trend, so the statistics keep their
meaning; a spike shrinks by ``k`` relative to the trend, which is why the
watchdog reports spikes early, while the stride is still small.

A non-finite loss is never averaged away: it is stored as it is and makes
the diagnosis ``nan`` at once. Gradient and weight norms, when given, are averaged into the
same buckets as the losses, over the steps that gave one; a point with none is NaN, and a merged
point holds the mean of the readings its halves hold, so a series read now and then (the
Watchdog's weight norm, every ``every`` steps) keeps its readings however long the run.
Validation losses keep their own steps (at most ``capacity`` of them, every other one dropped
when full).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lrkit.diagnostics._diagnose import MIN_POINTS, diagnose
from lrkit.diagnostics._policy import DiagnosePolicy
from lrkit.diagnostics._record import Diagnosis
from lrkit.errors import LRKitError, check_instance, check_int, check_range, shown

__all__ = ["Monitor"]


def _plain(values: list[float]) -> list[float | str | None]:
    """``values`` as strict JSON that reads back as itself: a NaN (no rate given, a step without a gradient
    norm, a NaN loss) as ``None``, as in every lrkit record; an infinity as ``"inf"`` / ``"-inf"``, not
    ``None``, since an infinite loss or gradient norm (an overflow) is not a missing one and a resumed run
    must go on bit for bit.

    Example:
        >>> _plain([1.5, float("nan"), float("inf"), -float("inf")])
        [1.5, None, 'inf', '-inf']
    """
    return [None if math.isnan(v) else v if math.isfinite(v) else "inf" if v > 0 else "-inf"
            for v in values]


def _number(value: Any) -> float:
    """One stored number back: ``None`` is NaN; a number, ``"inf"``/``"-inf"``, or the bare NaN and infinity
    of states saved before they were strict JSON, as itself.

    Example:
        >>> _number(None), _number("-inf"), _number(float("inf")), _number(2)
        (nan, -inf, inf, 2.0)
    """
    return math.nan if value is None else float(value)


#: The optional per-step series, ``(diagnose's keyword and history key, state key)``: averaged into the same
#: buckets as the losses, NaN at a point none was given for. Each was added after the state format, so an
#: older state restores without it; a new one goes at the end (the open bucket's sums follow this order).
_SERIES = (("grad_norms", "grads"), ("weight_norms", "weights"))
#: The open bucket: loss sum, rate sum and count, then each series' sum and count (an older state holds
#: fewer: the series it had).
_BASE = 3
_ACC = _BASE + 2 * len(_SERIES)
#: The keys every saved state has (later additions are optional: older states restore without them).
_STATE_KEYS = frozenset(("every", "capacity", "steps", "losses", "lrs", "stride", "acc", "acc_step", "seen",
                         "last_step", "diagnosis"))


def _one_rate(lr: Any, owner: str) -> float:
    """``lr`` as a float (NaN for ``None``): a number, or one value in a list or array (torch's
    ``get_last_lr()`` of one param group); several values or a word are one ``LRKitError``.

    Example:
        >>> _one_rate([0.1], "Monitor"), _one_rate(None, "Monitor")
        (0.1, nan)
    """
    if lr is None:
        return math.nan
    values = None
    if not isinstance(lr, (str, bytes)):
        try:
            values = np.asarray(lr, dtype=float)
        except (TypeError, ValueError, RuntimeError):  # RuntimeError: a tensor that requires grad
            values = None
    if values is None or values.size != 1:
        raise LRKitError(f"`lr` of {owner}.observe must be one learning rate (a number; with several param "
                         f"groups, one group's, e.g. scheduler.get_last_lr()[0]); got {shown(lr)}.")
    return float(values.reshape(()))


class Monitor:
    """Diagnose a run while it trains: feed ``observe`` each step, read ``diagnosis``.

    Args:
        every: run the diagnosis every this many observations (default 50); each
            run costs ``O(capacity)``, so the per-step cost is ``O(capacity / every)``.
        capacity: most points kept (default 2048, an even number >= 2 * 10).
        policy: the tuned numbers of the diagnosis (:class:`~lrkit.diagnostics.DiagnosePolicy`;
            ``LIVE_POLICY`` is the Watchdog's: an early blow-up still descending is ``uncertain``).
        momentum: the optimizer's momentum (Adam's ``beta1``), when known: ``diagnose``'s ``momentum``
            (how long a history its pace needs). An attribute: a wrapper that meets the optimizer later
            sets it then.
        owner: the name the errors give for a bad argument: a wrapper's own (``Watchdog``), so the
            message names what the user called.

    Raises:
        LRKitError: for a bad ``every``, ``capacity`` or ``momentum``.

    Example:
        >>> m = Monitor(every=10)
        >>> for t in range(100):
        ...     stop = m.observe(t, 1.0 / (1 + t / 10))
        >>> m.diagnosis.verdict, m.observe(100, float("nan")), m.diagnosis.verdict
        ('healthy', True, 'nan')
    """

    def __init__(self, *, every: int = 50, capacity: int = 2048,
                 policy: DiagnosePolicy = DiagnosePolicy(), momentum: float | None = None,
                 owner: str = "Monitor") -> None:
        self._owner = owner
        self.policy = check_instance("policy", policy, owner, DiagnosePolicy)
        self.momentum = None if momentum is None else check_range("momentum", momentum, owner, 0, 1,
                                                                  high_open=True)
        self.every = check_int("every", every, owner)
        self.capacity = check_int("capacity", capacity, owner, low=2 * MIN_POINTS)
        if self.capacity % 2:
            raise LRKitError(
                f"`capacity` of {owner} must be an even integer >= {2 * MIN_POINTS}; got {capacity}."
            )
        self._steps: list[int] = []
        self._losses: list[float] = []
        self._lrs: list[float] = []
        self._series: dict[str, list[float]] = {name: [] for name, _ in _SERIES}
        self._val_steps: list[int] = []
        self._val_losses: list[float] = []
        self._stride = 1
        self._acc: list[float] = [0.0] * _ACC
        self._acc_step = 0
        self._seen = 0
        self._last_step: int | None = None
        self._diagnosis: Diagnosis | None = None
        self._stale = False  # observed since the last diagnosis

    # -- feeding ------------------------------------------------------------------------------
    def observe(self, step: int, loss: float, lr: float | None = None,
                grad_norm: float | None = None, weight_norm: float | None = None) -> bool:
        """Record one step; return ``True`` when the loss is NaN/inf (training should stop).

        Args:
            step: the step number (strictly increasing).
            loss: the training loss of the step.
            lr: the rate the step used (optional).
            grad_norm: the gradient norm of the step (optional).
            weight_norm: the norm of the trained weights at the step (optional; ``diagnose``'s
                ``weight_norms``: every few steps is enough, as the first and the last are read).

        Raises:
            LRKitError: when ``step`` is not an integer >= 0 larger than the previous step, or ``lr``
                is negative or infinite.
        """
        step = check_int("step", step, f"{self._owner}.observe", low=0)
        if self._last_step is not None and step <= self._last_step:
            raise LRKitError(f"`step` of {self._owner}.observe must increase; got {step} after "
                             f"{self._last_step}.")
        rate = _one_rate(lr, self._owner)
        if rate < 0 or math.isinf(rate):
            raise LRKitError(f"`lr` of {self._owner}.observe must be a non-negative, finite learning rate; "
                             f"got {lr!r}.")
        self._last_step = step
        loss = float(loss)
        refresh = self.refreshes_next(loss)
        given = {"grad_norms": grad_norm, "weight_norms": weight_norm}
        extra = [math.nan if given[name] is None else float(given[name]) for name, _ in _SERIES]
        self._seen += 1
        self._stale = True
        if not math.isfinite(loss):
            self._flush()
            self._push(step, loss, rate, extra)
            self.update()
            return True
        if self._acc[2] == 0:
            self._acc_step = step
        self._acc[0] += loss
        self._acc[1] += rate
        self._acc[2] += 1
        for i, value in enumerate(extra):
            if math.isfinite(value):
                self._acc[_BASE + 2 * i] += value
                self._acc[_BASE + 2 * i + 1] += 1
        if self._acc[2] >= self._stride:
            self._flush()
        if refresh:
            self.update()
        return False

    def refreshes_next(self, loss: float = 0.0) -> bool:
        """Whether observing ``loss`` next refreshes the diagnosis: a non-finite loss at once; a finite
        one at every ``every``-th observation, once the history holds 10 points (the one this
        observation may close included). A wrapper that measures something only for the refreshes
        (the Watchdog's weight norm) asks this before it observes.

        Example:
            >>> m = Monitor(every=5)
            >>> [t for t in range(20) if (m.refreshes_next(1.0), m.observe(t, 1.0))[0]]
            [9, 14, 19]
            >>> m.refreshes_next(float("nan"))
            True
        """
        if not math.isfinite(loss):
            return True
        points = len(self._losses) + (self._acc[2] + 1 >= self._stride)
        return (self._seen + 1) % self.every == 0 and points >= MIN_POINTS

    def observe_val(self, step: int, val_loss: float) -> None:
        """Record a validation loss measured after ``step`` (kept at its own step).

        Raises:
            LRKitError: when ``step`` is not an integer >= 0 larger than the previous validation step.
        """
        step = check_int("step", step, f"{self._owner}.observe_val", low=0)
        if self._val_steps and step <= self._val_steps[-1]:
            raise LRKitError(f"`step` of {self._owner}.observe_val must increase; got {step} after "
                             f"{self._val_steps[-1]}.")
        self._val_steps.append(step)
        self._val_losses.append(float(val_loss))
        self._stale = True
        if len(self._val_steps) > self.capacity:  # keep the first, drop every other one after it
            self._val_steps, self._val_losses = self._val_steps[::2], self._val_losses[::2]

    def _open_point(self) -> tuple[float, float, list[float]] | None:
        """The open bucket's mean loss, rate and series (NaN for a series given at none of its steps);
        ``None`` when it is empty."""
        total, rate_sum, count = self._acc[:_BASE]
        if not count:
            return None
        sums, counts = self._acc[_BASE::2], self._acc[_BASE + 1::2]
        return total / count, rate_sum / count, [s / n if n else math.nan for s, n in zip(sums, counts)]

    def _flush(self) -> None:
        point = self._open_point()
        if point is not None:
            self._push(self._acc_step, *point)
        self._acc = [0.0] * _ACC

    def _push(self, step: int, loss: float, rate: float, extra: list[float]) -> None:
        self._steps.append(step)
        self._losses.append(loss)
        self._lrs.append(rate)
        for column, value in zip(self._series.values(), extra):
            column.append(value)
        if len(self._losses) >= self.capacity:
            # Merge neighbours: the buffer halves and every later bucket averages twice as many steps.
            def pairs(v: list[float]) -> list[float]:
                return [(a + b) / 2 for a, b in zip(v[0::2], v[1::2])]

            def readings(v: list[float]) -> list[float]:
                # A series measured now and then: a merged point holds the mean of the readings it has (NaN
                # is "none here"), or a reading taken every 50 steps would vanish beside its neighbour.
                return [b if math.isnan(a) else a if math.isnan(b) else (a + b) / 2
                        for a, b in zip(v[0::2], v[1::2])]

            self._steps = self._steps[0::2]
            self._losses, self._lrs = pairs(self._losses), pairs(self._lrs)
            self._series = {name: readings(column) for name, column in self._series.items()}
            self._stride *= 2

    # -- reading ------------------------------------------------------------------------------
    def update(self) -> Diagnosis | None:
        """Diagnose everything observed so far (``None`` with fewer than 10 points and no NaN).

        The open bucket (steps not yet averaged into a point) counts too, so the diagnosis read at
        the end of a run covers its last steps.
        """
        steps, losses, lrs, series = self._steps, self._losses, self._lrs, self._series
        point = self._open_point()
        if point is not None:  # the open bucket, without closing it
            loss, rate, extra = point
            steps, losses, lrs = steps + [self._acc_step], losses + [loss], lrs + [rate]
            series = {name: column + [value] for (name, column), value in zip(series.items(), extra)}
        if not losses or (len(losses) < MIN_POINTS and all(map(math.isfinite, losses))):
            return self._diagnosis
        rates, arrays = np.array(lrs), {name: np.array(column) for name, column in series.items()}
        self._diagnosis = diagnose(losses, None if np.isnan(rates).any() else rates,
                                   **{name: None if np.isnan(a).all() else a for name, a in arrays.items()},
                                   steps=steps,
                                   val_losses=self._val_losses or None, val_steps=self._val_steps or None,
                                   momentum=self.momentum, policy=self.policy)
        self._stale = False
        return self._diagnosis

    @property
    def last_step(self) -> int:
        """The last observed step (``-1`` before the first)."""
        return -1 if self._last_step is None else self._last_step

    @property
    def diagnosis(self) -> Diagnosis | None:
        """The diagnosis of everything observed so far.

        Refreshed every ``every`` steps and at once on NaN/inf; reading it after more steps were
        observed refreshes it first, so the diagnosis read at the end of a run covers the whole run.
        """
        if self._stale:
            self.update()
        return self._diagnosis

    @property
    def last_diagnosis(self) -> Diagnosis | None:
        """The diagnosis as of the last refresh (every ``every`` observations, at once on NaN/inf), without
        diagnosing what was observed since: a wrapper that reports a verdict when it is made (the
        Watchdog's ``report``) reads this, as it costs nothing. ``None`` before the first refresh.

        Example:
            >>> m = Monitor(every=10)
            >>> for t in range(10):
            ...     stop = m.observe(t, 1.0 / (1 + t))
            >>> d = m.last_diagnosis
            >>> stop = m.observe(10, 0.05)
            >>> m.last_diagnosis is d, m.diagnosis is d
            (True, False)
        """
        return self._diagnosis

    def history(self) -> dict[str, np.ndarray]:
        """The held (strided) history: ``steps``, ``losses``, ``lrs``, ``grad_norms`` and ``weight_norms``
        (NaN where not given), and the validation losses ``val_steps``, ``val_losses``."""
        return {"steps": np.array(self._steps, dtype=np.int64), "losses": np.array(self._losses),
                "lrs": np.array(self._lrs),
                **{name: np.array(column) for name, column in self._series.items()},
                "val_steps": np.array(self._val_steps, dtype=np.int64),
                "val_losses": np.array(self._val_losses)}

    # -- state --------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Plain data (lists, numbers): everything needed to continue bit-identically, as strict JSON (a
        NaN is ``None``, an infinity ``"inf"`` or ``"-inf"``)."""
        return {"every": self.every, "capacity": self.capacity, "steps": list(self._steps),
                "losses": _plain(self._losses), "lrs": _plain(self._lrs),
                **{key: _plain(self._series[name]) for name, key in _SERIES},
                "val_steps": list(self._val_steps), "val_losses": _plain(self._val_losses),
                "stride": self._stride,
                "acc": _plain(self._acc), "acc_step": self._acc_step, "seen": self._seen,
                "last_step": self._last_step, "stale": self._stale,
                "diagnosis": None if self._diagnosis is None else self._diagnosis.to_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from :meth:`state_dict` output (a state saved before gradient or weight norms and
        validation losses were kept restores with none; one saved with bare NaN and infinity, before the
        state was strict JSON, as it was)."""
        missing = sorted(_STATE_KEYS - set(state)) if isinstance(state, dict) else ["all"]
        if missing:
            raise LRKitError(f"`state_dict` of {self._owner} must be a {self._owner}.state_dict() output; "
                             f"got {state!r:.80} (missing: {', '.join(missing)}).")
        self.every, self.capacity = int(state["every"]), int(state["capacity"])
        self._steps = [int(s) for s in state["steps"]]
        self._losses = [_number(v) for v in state["losses"]]
        self._lrs = [_number(v) for v in state["lrs"]]
        self._series = {name: [_number(v) for v in state.get(key, [None] * len(self._losses))]
                        for name, key in _SERIES}
        self._val_steps = [int(s) for s in state.get("val_steps", [])]
        self._val_losses = [_number(v) for v in state.get("val_losses", [])]
        self._stale = bool(state.get("stale", False))
        acc = [_number(v) for v in state["acc"]]
        self._stride, self._acc = int(state["stride"]), acc + [0.0] * (_ACC - len(acc))
        self._acc_step, self._seen = int(state["acc_step"]), int(state["seen"])
        self._last_step = None if state["last_step"] is None else int(state["last_step"])
        self._diagnosis = None if state["diagnosis"] is None else Diagnosis.from_dict(state["diagnosis"])
