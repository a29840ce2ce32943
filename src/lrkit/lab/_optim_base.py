"""The shell every NumPy reference optimizer shares: rate as a schedule, state, step counter.

An optimizer here is a frozen dataclass of hyperparameters (a value, like a
schedule) plus a *kernel*: a pure update of one parameter array from its
gradient, the current rate and a state dict. :meth:`Optimizer.step` evaluates
the rate at the optimizer's own update counter ``t`` (the first update uses
``lr(0)``, the lrkit step convention) and calls the kernel.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np

from lrkit.errors import LRKitError, check_positive, check_range
from lrkit.schedules import Schedule, constant

__all__ = ["Optimizer", "as_schedule"]


def as_schedule(lr: Any, owner: str) -> Schedule:
    """Accept a :class:`~lrkit.schedules.Schedule` or a plain rate (made ``constant``)."""
    if isinstance(lr, Schedule):
        return lr
    return constant(lr=check_positive("lr", lr, owner, allow_zero=True))


def check_unit(name: str, value: Any, owner: str) -> float:
    """A coefficient in ``[0, 1)`` (momentum, betas, rho, alpha)."""
    return check_range(name, value, owner, 0.0, 1.0, high_open=True)


def check_weight_decay(opt: Any) -> None:
    """Validate (in place, on a frozen dataclass) an optimizer's ``weight_decay >= 0``."""
    object.__setattr__(
        opt, "weight_decay", check_positive("weight_decay", opt.weight_decay, opt.name, allow_zero=True)
    )


def l2_gradient(p: np.ndarray, g: np.ndarray, weight_decay: float) -> np.ndarray:
    """torch's coupled (L2) weight decay: ``g + lambda * p``; ``g`` itself when ``lambda == 0``."""
    return g + weight_decay * p if weight_decay else g


class Optimizer:
    """Base of the reference optimizers.

    Subclasses are frozen dataclasses whose first field is ``lr`` (a schedule or
    a float) and implement :meth:`_init_state` and :meth:`_update`.

    Usage::

        state = opt.init(x)
        for _ in range(n):
            x = opt.step(x, grad(x), state)

    Example:
        >>> import numpy as np
        >>> from lrkit.lab import SGD
        >>> opt = SGD(lr=0.1)
        >>> x = np.array([1.0, 1.0])
        >>> opt.step(x, 2 * x, opt.init(x)).tolist()  # x - lr * grad
        [0.8, 0.8]
    """

    name: ClassVar[str] = "optimizer"
    lr: Schedule

    def _post_init_lr(self) -> None:
        object.__setattr__(self, "lr", as_schedule(self.lr, self.name))

    def init(self, params: np.ndarray) -> dict[str, Any]:
        """Fresh state for a parameter array of this shape: ``{"t": 0, ...buffers}``."""
        p = np.asarray(params, dtype=np.float64)
        return {"t": 0, **self._init_state(p)}

    def step(
        self, params: np.ndarray, grad: np.ndarray, state: dict[str, Any], *, rate: float | None = None
    ) -> np.ndarray:
        """One update; returns the new parameters and advances ``state`` in place.

        Args:
            params: the current parameters.
            grad: the gradient at ``params``.
            state: from :meth:`init`, updated in place.
            rate: ``lr(state["t"])`` if the caller evaluated the whole schedule at
                once (a vectorized call is far cheaper than one per step); ``None``
                evaluates it here.

        Raises:
            LRKitError: if ``grad`` and ``params`` have different shapes.
        """
        p = np.asarray(params, dtype=np.float64)
        g = np.asarray(grad, dtype=np.float64)
        if p.shape != g.shape:
            raise LRKitError(f"`grad` of {self.name} must have the shape of params {p.shape}; got {g.shape}.")
        rate = float(self.lr(state["t"])) if rate is None else rate
        new = self._update(p, g, state, rate)
        state["t"] += 1
        return new

    def rate(self, t: int) -> float:
        """The learning rate this optimizer uses at update ``t``."""
        return float(self.lr(t))

    def _init_state(self, p: np.ndarray) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def _update(
        self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float
    ) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def describe(self) -> str:
        """One line: the name and the hyperparameters."""
        fields = dataclasses.fields(self)  # type: ignore[arg-type]
        parts = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in fields)
        return f"{self.name}({parts})"
