"""Plain gradient descent, heavy-ball momentum and Nesterov momentum (torch.optim.SGD conventions)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from lrkit.errors import LRKitError
from lrkit.lab._optim_base import Optimizer, check_unit, check_weight_decay, l2_gradient
from lrkit.schedules import Schedule

__all__ = ["SGD", "Momentum", "Nesterov"]


@dataclasses.dataclass(frozen=True)
class SGD(Optimizer):
    """Gradient descent: the update ``w <- w - lr * grad`` of every primer.

    .. code-block:: text

        input: rate schedule eta(t), weight decay lambda
        for t = 0, 1, 2, ...
            g_t     = grad f(w_t) + lambda * w_t
            w_{t+1} = w_t - eta(t) * g_t

    Identical to ``torch.optim.SGD(momentum=0)`` (weight decay is L2, added to the gradient).

    Args:
        lr: the rate, a schedule or a float (>= 0).
        weight_decay: L2 coefficient lambda (>= 0).

    Example:
        >>> import numpy as np
        >>> opt = SGD(lr=0.1)
        >>> state = opt.init(np.array([1.0]))
        >>> opt.step(np.array([1.0]), np.array([2.0]), state)
        array([0.8])
    """

    name = "sgd"
    lr: Schedule | float = 0.01
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        self._post_init_lr()
        check_weight_decay(self)

    def _init_state(self, p: np.ndarray) -> dict[str, Any]:
        return {}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float) -> np.ndarray:
        g = l2_gradient(p, g, self.weight_decay)
        return p - lr * g


@dataclasses.dataclass(frozen=True)
class Momentum(Optimizer):
    """Heavy-ball momentum in torch's form (the rate multiplies the buffer).

    .. code-block:: text

        input: eta(t), momentum mu, dampening tau, weight decay lambda
        for t = 0, 1, 2, ...
            g_t = grad f(w_t) + lambda * w_t
            b_t = g_0                              if t = 0   (no dampening on the first step)
                  mu * b_{t-1} + (1 - tau) * g_t   otherwise
            w_{t+1} = w_t - eta(t) * b_t

    Matches ``torch.optim.SGD(momentum=mu, dampening=tau, nesterov=False)``. Note the
    effective step on a constant gradient tends to ``eta * g / (1 - mu)`` (for tau = 0):
    momentum multiplies the rate by up to ``1 / (1 - mu)``.

    Args:
        lr: the rate, a schedule or a float (>= 0).
        momentum: mu in [0, 1).
        dampening: tau in [0, 1).
        weight_decay: L2 coefficient (>= 0).

    Example:
        >>> import numpy as np
        >>> opt, w = Momentum(lr=0.1, momentum=0.9), np.array([0.0])
        >>> state = opt.init(w)
        >>> w = opt.step(w, np.array([1.0]), state); w = opt.step(w, np.array([1.0]), state)
        >>> w.round(6)
        array([-0.29])
    """

    name = "momentum"
    lr: Schedule | float = 0.01
    momentum: float = 0.9
    dampening: float = 0.0
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        self._post_init_lr()
        object.__setattr__(self, "momentum", check_unit("momentum", self.momentum, self.name))
        object.__setattr__(self, "dampening", check_unit("dampening", self.dampening, self.name))
        check_weight_decay(self)

    def _init_state(self, p: np.ndarray) -> dict[str, Any]:
        return {"buf": None}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float) -> np.ndarray:
        g = l2_gradient(p, g, self.weight_decay)
        buf = state["buf"]
        # torch starts the buffer at the first gradient itself, undamped.
        buf = g.copy() if buf is None else self.momentum * buf + (1.0 - self.dampening) * g
        state["buf"] = buf
        return p - lr * buf


@dataclasses.dataclass(frozen=True)
class Nesterov(Optimizer):
    """Nesterov momentum in torch's (Sutskever et al.) form: look ahead along the buffer.

    .. code-block:: text

        input: eta(t), momentum mu > 0, weight decay lambda
        for t = 0, 1, 2, ...
            g_t = grad f(w_t) + lambda * w_t
            b_t = g_0 if t = 0 else mu * b_{t-1} + g_t
            w_{t+1} = w_t - eta(t) * (g_t + mu * b_t)

    Matches ``torch.optim.SGD(momentum=mu, nesterov=True)`` (which requires
    dampening 0 and mu > 0).

    Args:
        lr: the rate, a schedule or a float (>= 0).
        momentum: mu in (0, 1).
        weight_decay: L2 coefficient (>= 0).

    Raises:
        LRKitError: for ``momentum`` outside (0, 1).

    Example:
        >>> import numpy as np
        >>> opt, w = Nesterov(lr=0.1, momentum=0.9), np.array([0.0])
        >>> state = opt.init(w)
        >>> opt.step(w, np.array([1.0]), state).round(6)
        array([-0.19])
    """

    name = "nesterov"
    lr: Schedule | float = 0.01
    momentum: float = 0.9
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        self._post_init_lr()
        mu = check_unit("momentum", self.momentum, self.name)
        if mu == 0.0:
            raise LRKitError("`momentum` of nesterov must be a number in (0, 1); got 0.0.")
        object.__setattr__(self, "momentum", mu)
        check_weight_decay(self)

    def _init_state(self, p: np.ndarray) -> dict[str, Any]:
        return {"buf": None}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float) -> np.ndarray:
        g = l2_gradient(p, g, self.weight_decay)
        buf = g.copy() if state["buf"] is None else self.momentum * state["buf"] + g
        state["buf"] = buf
        return p - lr * (g + self.momentum * buf)
