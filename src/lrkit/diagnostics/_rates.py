"""What the rate column says that the tests and the advice read: whether the rate has decayed at the end
of the run (:func:`rate_decayed`, the one definition of "decayed") and the rate at a row, when it is known
(:func:`known_rate`: advice never quotes an unknown rate).
"""

from __future__ import annotations

import numpy as np

from lrkit.diagnostics._policy import DiagnosePolicy

__all__ = ["rate_decayed", "known_rate"]


def rate_decayed(lrs: np.ndarray | None, policy: DiagnosePolicy = DiagnosePolicy()) -> bool:
    """Whether the rate has decayed, or is decaying, over the last ``decay_window`` of the run: its mean
    there, or its last value, is below ``decayed`` of its peak.

    The one definition of "decayed", used by the plateau test (a decayed rate's flat end is the
    decay at work) and by the healthy advice. The last value counts too because a cool-down under way
    in the window is the decay the advice would ask for: a linear or cosine one over exactly the
    window averages half its peak there. Without rates, the rate counts as not decayed.

    Example:
        >>> cool = np.r_[np.ones(90), np.linspace(1.0, 0.0, 10)]  # a linear cool-down over the last 10%
        >>> rate_decayed(cool), rate_decayed(np.ones(100)), rate_decayed(None)
        (True, False, False)
    """
    if lrs is None:
        return False
    window = lrs[int((1.0 - policy.decay_window) * lrs.size):]
    cut = policy.decayed * float(np.max(lrs))
    return bool(float(np.mean(window)) < cut or float(window[-1]) < cut)


def known_rate(lrs: np.ndarray | None, i: int | None = None) -> float | None:
    """The rate at row ``i`` (the peak of the known rates when ``i`` is ``None``), or ``None`` when it is
    unknown: no rates, or NaN there (a ``Monitor`` logs NaN where ``observe`` got no rate); advice never
    quotes an unknown rate.

    Example:
        >>> known_rate(np.array([0.1, np.nan]), 0), known_rate(np.array([0.1, np.nan]), 1), known_rate(None)
        (0.1, None, None)
    """
    if lrs is None:
        return None
    known = lrs[np.isfinite(lrs)] if i is None else lrs[i:i + 1][np.isfinite(lrs[i:i + 1])]
    return float(known.max()) if known.size else None
