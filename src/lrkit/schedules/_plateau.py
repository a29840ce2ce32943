"""``reduce_on_plateau``: a metric-driven controller with torch ``ReduceLROnPlateau`` semantics.

Unlike every other family it is not a pure function of the step: its rate
depends on the metrics it has observed, so it is a mutable object with
``state_dict()`` / ``load_state_dict()`` of plain data rather than a frozen
value. It cannot be joined with ``>>``; it combines with any schedule through
:meth:`ReduceOnPlateau.apply` (the torch adapter does this with ``plateau=``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lrkit.errors import LRKitError, check_choice, check_int, check_positive, check_range
from lrkit.schedules._base import register, spec_call, steps_array
from lrkit.schedules._checks import check_floor
from lrkit.schedules._plateau_state import check_plateau_state

__all__ = ["ReduceOnPlateau", "reduce_on_plateau"]


@register(
    "reduce_on_plateau",
    "stateful: cut the rate by factor when a metric stops improving (observe(metric))",
    torch="ReduceLROnPlateau",
    example=(
        "reduce_on_plateau(lr=0.1, factor=0.5, patience=3, threshold=0.01, threshold_mode='abs', "
        "cooldown=2, min_lr=0.001, mode='max')"
    ),
    stateful=True,
)
class ReduceOnPlateau:
    """Cut the rate by ``factor`` when a metric has stopped improving (torch ``ReduceLROnPlateau``).

    Each :meth:`observe` is one "epoch" of torch's scheduler. With best value
    :math:`b` and threshold :math:`\\theta`, a metric :math:`m` is an improvement when

    * ``mode="min"``: :math:`m < b(1-\\theta)` (``threshold_mode="rel"``) or
      :math:`m < b - \\theta` (``"abs"``);
    * ``mode="max"``: :math:`m > b(1+\\theta)` (``"rel"``) or :math:`m > b + \\theta` (``"abs"``)

    (NaN is never an improvement). Otherwise the bad-epoch counter grows; during
    ``cooldown`` observations after a cut it is held at 0. When it exceeds
    ``patience`` the rate becomes :math:`\\max(\\eta f, \\eta_{min})` — applied only if
    that lowers it by more than ``eps`` — and the counter and cooldown restart.

    **Combining with a schedule.** :attr:`multiplier` is the product of the
    factors applied so far and :meth:`apply` maps any base rate, e.g. a
    schedule's ``s(t)``, to ``max(base * multiplier, min_lr)`` once a cut has
    happened (and leaves it unchanged before, so an idle controller is a no-op).
    With a constant base equal to ``lr`` this is exactly torch's rate (to
    rounding): :attr:`lr` holds that torch-exact value. ``lrkit.torch.LRScheduler
    (optimizer, schedule, plateau=controller)`` writes ``apply(schedule(t))`` to
    each group and forwards ``scheduler.observe(metric)`` here. Cut decisions
    (the ``eps`` test, the ``min_lr`` floor) are made on :attr:`lr`.

    Args:
        lr: the rate before any cut (>= 0).
        factor: multiply the rate by this on a plateau, in ``(0, 1)``.
        patience: bad observations tolerated before a cut (integer >= 0).
        threshold: the relative or absolute improvement that counts (>= 0).
        threshold_mode: ``"rel"`` or ``"abs"``.
        cooldown: observations to wait after a cut before counting again (integer >= 0).
        min_lr: the floor of reduced rates, in ``[0, lr]``.
        mode: ``"min"`` (e.g. a loss) or ``"max"`` (e.g. an accuracy).
        eps: cuts smaller than this are skipped (>= 0).

    Raises:
        LRKitError: for invalid parameters; :meth:`observe` for a non-numeric metric.

    Example:
        >>> c = reduce_on_plateau(lr=0.1, factor=0.5, patience=1)
        >>> [c.observe(m) for m in [1.0, 0.9, 0.95, 0.95, 0.95]]
        [False, False, False, True, False]
        >>> c.lr, c.multiplier, c.apply(0.02)
        (0.05, 0.5, 0.01)
        >>> c.state_dict()["cuts"]
        1
    """

    name = "reduce_on_plateau"

    def __init__(
        self,
        lr: float,
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float = 0.0,
        mode: str = "min",
        eps: float = 1e-8,
    ) -> None:
        owner = self.name
        self.initial_lr = check_positive("lr", lr, owner, allow_zero=True)
        self.factor = check_range("factor", factor, owner, 0.0, 1.0, low_open=True, high_open=True)
        self.patience = check_int("patience", patience, owner, low=0)
        self.threshold = check_positive("threshold", threshold, owner, allow_zero=True)
        self.threshold_mode = check_choice("threshold_mode", threshold_mode, owner, ("rel", "abs"))
        self.cooldown = check_int("cooldown", cooldown, owner, low=0)
        self.min_lr = check_floor("min_lr", min_lr, self.initial_lr, owner)
        self.mode = check_choice("mode", mode, owner, ("min", "max"))
        self.eps = check_positive("eps", eps, owner, allow_zero=True)
        self._reset()

    @property
    def _worst(self) -> float:
        """The starting "best": anything finite improves on it."""
        return math.inf if self.mode == "min" else -math.inf

    def _reset(self) -> None:
        self._best = self._worst
        self._bad = 0
        self._cooldown_counter = 0
        self._observations = 0
        self._cuts = 0
        self._multiplier = 1.0
        self._lr = self.initial_lr

    # -- the controller ------------------------------------------------------
    def _is_better(self, a: float) -> bool:
        best = self._best
        if self.mode == "min":
            return a < (
                best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold
            )
        return a > (best * (1.0 + self.threshold) if self.threshold_mode == "rel" else best + self.threshold)

    def observe(self, metric: float) -> bool:
        """Record one metric value (one torch ``scheduler.step(metric)``).

        Args:
            metric: the monitored quantity, e.g. a validation loss (anything ``float()`` accepts).

        Returns:
            True when this observation cut the rate.

        Raises:
            LRKitError: if ``metric`` is not a number.
        """
        if isinstance(metric, (str, bytes)):
            raise LRKitError(f"`metric` of reduce_on_plateau must be a number; got {metric!r}.")
        try:
            current = float(metric)
        except OverflowError:  # an integer past a float's range: as large as inf is
            current = math.inf if metric > 0 else -math.inf
        except (TypeError, ValueError):
            raise LRKitError(f"`metric` of reduce_on_plateau must be a number; got {metric!r}.") from None
        self._observations += 1
        if self._is_better(current):
            self._best = current
            self._bad = 0
        else:
            self._bad += 1
        if self._cooldown_counter > 0:
            self._cooldown_counter -= 1
            self._bad = 0  # bad observations during cooldown do not count (torch)
        cut = False
        if self._bad > self.patience:
            old = self._lr
            new = max(old * self.factor, self.min_lr)
            if old - new > self.eps:
                self._lr = new
                self._multiplier *= self.factor
                self._cuts += 1
                cut = True
            # torch restarts cooldown and the counter even when eps skipped the cut.
            self._cooldown_counter = self.cooldown
            self._bad = 0
        return cut

    @property
    def lr(self) -> float:
        """The current rate for a constant base ``lr`` (torch-exact)."""
        return self._lr

    @property
    def multiplier(self) -> float:
        """The product of the factors applied so far (1.0 before any cut)."""
        return self._multiplier

    @property
    def best(self) -> float:
        """The best metric seen (``inf`` / ``-inf`` before the first observation)."""
        return self._best

    @property
    def num_bad_epochs(self) -> int:
        """Observations without improvement since the last improvement, cut or cooldown."""
        return self._bad

    @property
    def in_cooldown(self) -> bool:
        """True while bad observations are being ignored after a cut."""
        return self._cooldown_counter > 0

    def apply(self, base_lr: float | np.ndarray) -> float | np.ndarray:
        """Combine with any base rate: ``max(base_lr * multiplier, min_lr)`` after a cut, else ``base_lr``.

        Args:
            base_lr: a rate, e.g. ``schedule(t)``, or an array of rates.

        Returns:
            The reduced rate(s), a float for a scalar input.
        """
        base = np.asarray(base_lr, dtype=np.float64)
        out = base if self._cuts == 0 else np.maximum(base * self._multiplier, self.min_lr)
        return float(out) if out.ndim == 0 else out

    def __call__(self, t: int | np.ndarray) -> float | np.ndarray:
        """The current rate :attr:`lr` at any step(s): it depends on metrics, not on ``t``."""
        tf = steps_array(t, self.name)
        return self._lr if tf.ndim == 0 else np.full(tf.shape, self._lr)

    @property
    def horizon(self) -> None:
        """Always ``None``: a controller never ends."""
        return None

    # -- state ---------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The mutable state as plain data (``best`` is ``None`` until a metric improved on nothing)."""
        best = None if self._best == self._worst else self._best
        return {
            "best": best,
            "num_bad_epochs": self._bad,
            "cooldown_counter": self._cooldown_counter,
            "observations": self._observations,
            "cuts": self._cuts,
            "multiplier": self._multiplier,
            "lr": self._lr,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned; the parameters stay those of construction.

        Raises:
            LRKitError: for missing or unknown keys or values of the wrong type.
        """
        # Validate everything before assigning anything, so a bad state changes nothing.
        values = check_plateau_state(state, self._worst)
        (
            self._best,
            self._bad,
            self._cooldown_counter,
            self._observations,
            self._cuts,
            self._multiplier,
            self._lr,
        ) = values

    # -- spec ----------------------------------------------------------------
    def params(self) -> dict[str, Any]:
        """The constructor arguments, in signature order."""
        return {
            "lr": self.initial_lr,
            "factor": self.factor,
            "patience": self.patience,
            "threshold": self.threshold,
            "threshold_mode": self.threshold_mode,
            "cooldown": self.cooldown,
            "min_lr": self.min_lr,
            "mode": self.mode,
            "eps": self.eps,
        }

    def to_spec(self) -> str:
        """The spec of the parameters (not the state): ``parse(c.to_spec())`` is a fresh controller."""
        return spec_call(self.name, self.params())

    def to_dict(self) -> dict[str, Any]:
        """``{"name": "reduce_on_plateau", **params}``; ``from_dict`` inverts it (fresh state)."""
        return {"name": self.name, **self.params()}

    def __repr__(self) -> str:
        return self.to_spec()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ReduceOnPlateau):
            return NotImplemented
        return self.params() == other.params() and self.state_dict() == other.state_dict()

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable


reduce_on_plateau = ReduceOnPlateau
