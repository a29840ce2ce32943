"""Per-parameter adaptive rates: AdaGrad, RMSProp, Adadelta (torch.optim conventions).

Each kernel records ``state["scale"]``: the per-coordinate factor that
multiplied the gradient in the last update (the *effective* per-parameter rate),
which is what the ``adaptive_per_parameter`` demo plots.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from lrkit.errors import check_positive
from lrkit.lab._optim_base import Optimizer, check_unit, check_weight_decay, l2_gradient
from lrkit.schedules import Schedule

__all__ = ["AdaGrad", "RMSProp", "Adadelta"]


@dataclasses.dataclass(frozen=True)
class AdaGrad(Optimizer):
    """AdaGrad (Duchi et al., 2011): divide by the root of the summed squared gradients.

    .. code-block:: text

        input: eta(t), lr_decay d, eps, weight decay lambda, initial accumulator s_0
        for t = 0, 1, 2, ...
            g_t     = grad f(w_t) + lambda * w_t
            c_t     = eta(t) / (1 + t * d)
            s_{t+1} = s_t + g_t^2
            w_{t+1} = w_t - c_t * g_t / (sqrt(s_{t+1}) + eps)

    Matches ``torch.optim.Adagrad`` (eps outside the root, default 1e-10). The
    effective rate ``c_t / sqrt(s)`` only shrinks: a coordinate with small
    gradients keeps a large rate.

    Args:
        lr: the rate, a schedule or a float (>= 0).
        lr_decay: d (>= 0).
        eps: added to the denominator (> 0).
        weight_decay: L2 coefficient (>= 0).
        initial_accumulator_value: s_0 (>= 0).

    Example:
        >>> import numpy as np
        >>> opt = AdaGrad(lr=0.5)
        >>> w = np.array([1.0, 1.0]); state = opt.init(w)
        >>> opt.step(w, np.array([4.0, 0.01]), state).round(6)  # both move by ~lr
        array([0.5, 0.5])
    """

    name = "adagrad"
    lr: Schedule | float = 0.01
    lr_decay: float = 0.0
    eps: float = 1e-10
    weight_decay: float = 0.0
    initial_accumulator_value: float = 0.0

    def __post_init__(self) -> None:
        self._post_init_lr()
        object.__setattr__(
            self, "lr_decay", check_positive("lr_decay", self.lr_decay, self.name, allow_zero=True)
        )
        object.__setattr__(self, "eps", check_positive("eps", self.eps, self.name))
        object.__setattr__(
            self,
            "initial_accumulator_value",
            check_positive(
                "initial_accumulator_value", self.initial_accumulator_value, self.name, allow_zero=True
            ),
        )
        check_weight_decay(self)

    def _init_state(self, p: np.ndarray) -> dict[str, Any]:
        return {"sum": np.full_like(p, self.initial_accumulator_value)}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float) -> np.ndarray:
        g = l2_gradient(p, g, self.weight_decay)
        clr = lr / (1.0 + state["t"] * self.lr_decay)
        state["sum"] = state["sum"] + g * g
        state["scale"] = clr / (np.sqrt(state["sum"]) + self.eps)
        return p - state["scale"] * g


@dataclasses.dataclass(frozen=True)
class RMSProp(Optimizer):
    """RMSProp (Hinton, 2012): divide by a running root-mean-square of the gradient.

    .. code-block:: text

        input: eta(t), alpha, eps, momentum mu, centered, weight decay lambda
        for t = 0, 1, 2, ...
            g_t     = grad f(w_t) + lambda * w_t
            v_{t+1} = alpha * v_t + (1 - alpha) * g_t^2
            if centered:  a_{t+1} = alpha * a_t + (1 - alpha) * g_t ;  d = sqrt(v_{t+1} - a_{t+1}^2) + eps
            else:         d = sqrt(v_{t+1}) + eps
            if mu > 0:    b_{t+1} = mu * b_t + g_t / d ;  w_{t+1} = w_t - eta(t) * b_{t+1}
            else:         w_{t+1} = w_t - eta(t) * g_t / d

    Matches ``torch.optim.RMSprop`` (no bias correction; eps outside the root).

    Args:
        lr: the rate, a schedule or a float (>= 0).
        alpha: smoothing constant in [0, 1).
        eps: added to the denominator (> 0).
        weight_decay: L2 coefficient (>= 0).
        momentum: mu in [0, 1).
        centered: subtract the squared running mean of the gradient.

    Example:
        >>> import numpy as np
        >>> opt = RMSProp(lr=0.01, alpha=0.99)
        >>> w = np.array([0.0]); state = opt.init(w)
        >>> opt.step(w, np.array([3.0]), state).round(6)  # first step: lr / sqrt(1 - alpha)
        array([-0.1])
    """

    name = "rmsprop"
    lr: Schedule | float = 0.01
    alpha: float = 0.99
    eps: float = 1e-8
    weight_decay: float = 0.0
    momentum: float = 0.0
    centered: bool = False

    def __post_init__(self) -> None:
        self._post_init_lr()
        object.__setattr__(self, "alpha", check_unit("alpha", self.alpha, self.name))
        object.__setattr__(self, "eps", check_positive("eps", self.eps, self.name))
        object.__setattr__(self, "momentum", check_unit("momentum", self.momentum, self.name))
        object.__setattr__(self, "centered", bool(self.centered))
        check_weight_decay(self)

    def _init_state(self, p: np.ndarray) -> dict[str, Any]:
        return {"square_avg": np.zeros_like(p), "grad_avg": np.zeros_like(p), "buf": np.zeros_like(p)}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float) -> np.ndarray:
        g = l2_gradient(p, g, self.weight_decay)
        a = self.alpha
        state["square_avg"] = a * state["square_avg"] + (1.0 - a) * g * g
        if self.centered:
            state["grad_avg"] = a * state["grad_avg"] + (1.0 - a) * g
            denom = np.sqrt(state["square_avg"] - state["grad_avg"] ** 2) + self.eps
        else:
            denom = np.sqrt(state["square_avg"]) + self.eps
        state["scale"] = lr / denom
        if self.momentum > 0:
            state["buf"] = self.momentum * state["buf"] + g / denom
            return p - lr * state["buf"]
        return p - lr * g / denom


@dataclasses.dataclass(frozen=True)
class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): a unit-correct ratio of running RMS values, times ``lr``.

    .. code-block:: text

        input: eta(t) (default 1.0), rho, eps, weight decay lambda
        for t = 0, 1, 2, ...
            g_t       = grad f(w_t) + lambda * w_t
            v_{t+1}   = rho * v_t + (1 - rho) * g_t^2
            dx_t      = sqrt(u_t + eps) / sqrt(v_{t+1} + eps) * g_t
            u_{t+1}   = rho * u_t + (1 - rho) * dx_t^2
            w_{t+1}   = w_t - eta(t) * dx_t

    Matches ``torch.optim.Adadelta``: eps inside both roots, and ``lr`` multiplies
    the Adadelta step (Zeiler's paper has no rate; torch's default 1.0 recovers it).

    Args:
        lr: the rate, a schedule or a float (>= 0).
        rho: decay of both running averages, in [0, 1).
        eps: inside the roots (> 0).
        weight_decay: L2 coefficient (>= 0).

    Example:
        >>> import numpy as np
        >>> opt = Adadelta()
        >>> w = np.array([0.0]); state = opt.init(w)
        >>> round(float(opt.step(w, np.array([1.0]), state)[0]), 5)  # ~ -sqrt(eps / (1 - rho))
        -0.00316
    """

    name = "adadelta"
    lr: Schedule | float = 1.0
    rho: float = 0.9
    eps: float = 1e-6
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        self._post_init_lr()
        object.__setattr__(self, "rho", check_unit("rho", self.rho, self.name))
        object.__setattr__(self, "eps", check_positive("eps", self.eps, self.name))
        check_weight_decay(self)

    def _init_state(self, p: np.ndarray) -> dict[str, Any]:
        return {"square_avg": np.zeros_like(p), "acc_delta": np.zeros_like(p)}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float) -> np.ndarray:
        g = l2_gradient(p, g, self.weight_decay)
        rho = self.rho
        state["square_avg"] = rho * state["square_avg"] + (1.0 - rho) * g * g
        ratio = np.sqrt(state["acc_delta"] + self.eps) / np.sqrt(state["square_avg"] + self.eps)
        delta = ratio * g
        state["acc_delta"] = rho * state["acc_delta"] + (1.0 - rho) * delta * delta
        state["scale"] = lr * ratio
        return p - lr * delta
