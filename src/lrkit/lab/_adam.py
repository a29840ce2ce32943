"""Adam and AdamW (torch.optim conventions: bias correction, eps outside the root, decoupled decay)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from lrkit.errors import LRKitError, check_positive
from lrkit.lab._optim_base import Optimizer, check_unit, check_weight_decay, l2_gradient
from lrkit.schedules import Schedule

__all__ = ["Adam", "AdamW"]


def _check_betas(opt: Any) -> None:
    betas = opt.betas
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise LRKitError(f"`betas` of {opt.name} must be a pair (beta1, beta2) in [0, 1); got {betas!r}.")
    object.__setattr__(
        opt, "betas", (check_unit("betas[0]", betas[0], opt.name), check_unit("betas[1]", betas[1], opt.name))
    )
    object.__setattr__(opt, "eps", check_positive("eps", opt.eps, opt.name))
    check_weight_decay(opt)
    object.__setattr__(opt, "amsgrad", bool(opt.amsgrad))


def _adam_direction(opt: Any, g: np.ndarray, state: dict[str, Any], lr: float) -> np.ndarray:
    """The shared Adam kernel: update moments, return the step ``lr * m_hat / (sqrt(v_hat) + eps)``."""
    b1, b2 = opt.betas
    k = state["t"] + 1  # torch's step count, 1 on the first update
    state["m"] = b1 * state["m"] + (1.0 - b1) * g
    state["v"] = b2 * state["v"] + (1.0 - b2) * g * g
    v = state["v"]
    if opt.amsgrad:
        state["v_max"] = np.maximum(state["v_max"], state["v"])
        v = state["v_max"]
    bc1 = 1.0 - b1**k
    bc2_sqrt = np.sqrt(1.0 - b2**k)
    # torch: denom = sqrt(v) / sqrt(bc2) + eps, step = (lr / bc1) * m / denom (eps is NOT bias-corrected)
    denom = np.sqrt(v) / bc2_sqrt + opt.eps
    state["scale"] = (lr / bc1) / denom
    return state["scale"] * state["m"]


class _AdamFamily(Optimizer):
    """What Adam and AdamW share: the betas/eps/decay validation and the moment state.

    Not a dataclass itself (the subclasses declare their fields, since their
    ``weight_decay`` defaults differ); the subclasses differ only in ``_update``.
    """

    def __post_init__(self) -> None:
        self._post_init_lr()
        _check_betas(self)

    def _init_state(self, p: np.ndarray) -> dict[str, Any]:
        return {"m": np.zeros_like(p), "v": np.zeros_like(p), "v_max": np.zeros_like(p)}


@dataclasses.dataclass(frozen=True)
class Adam(_AdamFamily):
    """Adam (Kingma & Ba, 2015): bias-corrected first and second moment estimates.

    .. code-block:: text

        input: eta(t), betas (b1, b2), eps, weight decay lambda (L2), amsgrad
        for t = 0, 1, 2, ...   (k = t + 1)
            g_t     = grad f(w_t) + lambda * w_t
            m_{t+1} = b1 * m_t + (1 - b1) * g_t
            v_{t+1} = b2 * v_t + (1 - b2) * g_t^2
            vhat    = max(vhat, v_{t+1}) if amsgrad else v_{t+1}
            w_{t+1} = w_t - eta(t) / (1 - b1^k) * m_{t+1} / (sqrt(vhat) / sqrt(1 - b2^k) + eps)

    Matches ``torch.optim.Adam``: eps is added after bias-correcting the root, and
    ``weight_decay`` is L2 (added to the gradient, so it is rescaled by the
    adaptive denominator — see :class:`AdamW` for decoupled decay).

    Args:
        lr: the rate, a schedule or a float (>= 0).
        betas: (b1, b2), each in [0, 1).
        eps: added to the denominator (> 0).
        weight_decay: L2 coefficient (>= 0).
        amsgrad: use the running maximum of v.

    Example:
        >>> import numpy as np
        >>> opt = Adam(lr=0.1)
        >>> w = np.array([0.0, 0.0]); state = opt.init(w)
        >>> opt.step(w, np.array([100.0, 0.001]), state).round(4)  # first step ~lr per coordinate
        array([-0.1, -0.1])
    """

    name = "adam"
    lr: Schedule | float = 0.001
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    amsgrad: bool = False

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float) -> np.ndarray:
        g = l2_gradient(p, g, self.weight_decay)
        return p - _adam_direction(self, g, state, lr)


@dataclasses.dataclass(frozen=True)
class AdamW(_AdamFamily):
    """AdamW (Loshchilov & Hutter, 2019): Adam with weight decay decoupled from the gradient.

    .. code-block:: text

        for t = 0, 1, 2, ...
            w'      = w_t * (1 - eta(t) * lambda)          # decay first, scaled by the rate
            w_{t+1} = w' - Adam step of grad f(w_t)       # moments see the raw gradient

    Matches ``torch.optim.AdamW`` (default ``weight_decay=0.01``): the decay is
    multiplied by the scheduled rate ``eta(t)``, so a schedule also anneals the decay.

    Args:
        lr: the rate, a schedule or a float (>= 0).
        betas: (b1, b2), each in [0, 1).
        eps: added to the denominator (> 0).
        weight_decay: decoupled decay coefficient lambda (>= 0).
        amsgrad: use the running maximum of v.

    Example:
        >>> import numpy as np
        >>> opt = AdamW(lr=0.1, weight_decay=0.5)
        >>> w = np.array([2.0]); state = opt.init(w)
        >>> opt.step(w, np.array([0.0]), state)  # zero gradient: only the decay acts
        array([1.9])
    """

    name = "adamw"
    lr: Schedule | float = 0.001
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.01
    amsgrad: bool = False

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any], lr: float) -> np.ndarray:
        decayed = p * (1.0 - lr * self.weight_decay)
        return decayed - _adam_direction(self, g, state, lr)
