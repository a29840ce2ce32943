"""What :func:`~lrkit.diagnostics.diagnose`, ``measure`` and ``decide`` are given, checked and converted
before any test reads it: one array per column, of the losses' length, with one
:class:`~lrkit.LRKitError` naming the parameter, the function the user called, the value and what is
allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lrkit._values import plain_values
from lrkit.errors import LRKitError, check_range

__all__ = ["as_array", "as_rates", "as_grad_norms", "as_weight_norms", "as_steps", "as_momentum"]


def as_rates(lrs: Sequence[float] | np.ndarray, n: int, owner: str = "diagnose") -> np.ndarray:
    """The learning rates, one per loss, none negative or infinite (a NaN rate is an unknown one, as
    Monitor logs it); errors name ``owner``, the function the user called."""
    arr = _non_negative("lrs", lrs, n, owner, "learning rates")
    bad = np.flatnonzero(np.isinf(arr))
    if bad.size:
        raise LRKitError(f"`lrs` of {owner} must be finite learning rates (NaN for an unknown one); got "
                         f"{float(arr[bad[0]])!r} at index {int(bad[0])}.")
    return arr


def as_grad_norms(grad_norms: Sequence[float] | np.ndarray, n: int, owner: str = "diagnose") -> np.ndarray:
    """The gradient norms, one per loss, none negative (NaN or inf: not logged there, or an overflow)."""
    return _non_negative("grad_norms", grad_norms, n, owner, "norms")


def as_weight_norms(weight_norms: Sequence[float] | np.ndarray, n: int,
                    owner: str = "diagnose") -> np.ndarray:
    """The weight norms, one per loss, none negative (NaN: not measured there)."""
    return _non_negative("weight_norms", weight_norms, n, owner, "norms")


def _non_negative(name: str, values: Sequence[float] | np.ndarray, n: int, owner: str,
                  what: str) -> np.ndarray:
    """``values`` as one number per loss, none negative (NaN allowed)."""
    arr = as_array(name, values, n, owner)
    bad = np.flatnonzero(arr < 0)
    if bad.size:
        raise LRKitError(f"`{name}` of {owner} must be non-negative {what}; got {float(arr[bad[0]])!r} "
                         f"at index {int(bad[0])}.")
    return arr


def as_steps(name: str, values: Sequence[int] | np.ndarray, n: int | None,
              owner: str = "diagnose") -> np.ndarray:
    """Steps (of the losses, or of the validation losses), strictly increasing and finite: the rules
    read every history, the guard's validation rise included, in time order."""
    arr = as_array(name, values, n, owner)
    if np.any(np.diff(arr) <= 0) or not np.all(np.isfinite(arr)):
        raise LRKitError(f"`{name}` of {owner} must be strictly increasing finite numbers; got "
                         f"{arr.tolist()!r:.80}.")
    return arr


def as_momentum(momentum: float | None, owner: str) -> float | None:
    """The optimizer's momentum (``beta1``), in [0, 1), or ``None`` (not known)."""
    return None if momentum is None else check_range("momentum", momentum, owner, 0, 1, high_open=True)


def as_array(name: str, values: Sequence[float] | np.ndarray, n: int | None,
             owner: str = "diagnose") -> np.ndarray:
    """``values`` as a 1-D float array of ``n`` values (any length when ``n`` is ``None``); tensors, with
    or without their graph, give their values."""
    try:
        arr = np.asarray(plain_values(values), dtype=np.float64)
    except (TypeError, ValueError):
        raise LRKitError(f"`{name}` of {owner} must be a sequence of numbers; got {values!r}.") from None
    if arr.ndim != 1:
        raise LRKitError(f"`{name}` of {owner} must be one-dimensional; got shape {arr.shape}.")
    if n is not None and arr.size != n:
        raise LRKitError(f"`{name}` of {owner} must have one value per loss ({n}); got {arr.size}.")
    return arr
