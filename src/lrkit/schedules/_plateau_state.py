"""A saved ``reduce_on_plateau`` state, checked whole before the controller takes any of it.

``ReduceOnPlateau.load_state_dict`` validates every value first and assigns after, so a bad
state (a checkpoint from another version, a hand-edited file) changes nothing.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lrkit.errors import LRKitError, check_int, check_positive, check_range

__all__ = ["STATE_KEYS", "check_plateau_state"]

#: The keys of ``ReduceOnPlateau.state_dict()``, in the order :func:`check_plateau_state` returns them.
STATE_KEYS = ("best", "num_bad_epochs", "cooldown_counter", "observations", "cuts", "multiplier", "lr")
_OWNER = "reduce_on_plateau"


def check_plateau_state(state: Any, worst: float) -> tuple[float, int, int, int, int, float, float]:
    """The values of a saved state in :data:`STATE_KEYS` order; ``best=None`` becomes ``worst``.

    Raises:
        LRKitError: for a state that is not a dict with exactly :data:`STATE_KEYS`, a ``best``
            that is neither a number nor ``None``, negative counts, a multiplier outside
            ``[0, 1]`` or a rate that is not a finite number >= 0.

    Example:
        >>> saved = {"best": 0.9, "num_bad_epochs": 1, "cooldown_counter": 0, "observations": 4,
        ...          "cuts": 1, "multiplier": 0.5, "lr": 0.05}
        >>> check_plateau_state(saved, float("inf"))
        (0.9, 1, 0, 4, 1, 0.5, 0.05)
        >>> check_plateau_state({**saved, "cuts": -1}, float("inf"))
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `cuts` of reduce_on_plateau must be an integer >= 0; got -1.
    """
    if not isinstance(state, dict) or set(state) != set(STATE_KEYS):
        got = sorted(state) if isinstance(state, dict) else state
        keys = ", ".join(STATE_KEYS)
        raise LRKitError(f"`state` of reduce_on_plateau must be a dict with keys {keys}; got {got!r}.")
    best = state["best"]
    if best is not None and (isinstance(best, bool) or not isinstance(best, (int, float, np.floating))):
        raise LRKitError(f"`best` of reduce_on_plateau state must be a number or None; got {best!r}.")
    return (
        worst if best is None else float(best),
        check_int("num_bad_epochs", state["num_bad_epochs"], _OWNER, low=0),
        check_int("cooldown_counter", state["cooldown_counter"], _OWNER, low=0),
        check_int("observations", state["observations"], _OWNER, low=0),
        check_int("cuts", state["cuts"], _OWNER, low=0),
        check_range("multiplier", state["multiplier"], _OWNER, 0.0, 1.0),
        check_positive("lr", state["lr"], _OWNER, allow_zero=True),
    )
