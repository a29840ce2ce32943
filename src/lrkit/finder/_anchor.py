"""The blow-up anchor: a valley reading pulled towards a fixed factor below the rate where the loss blew up.

A range test measures two things about the curve at initialisation: where the loss falls (the
valley rules' crossings) and where it blows up (the stop rule). Neither is what a full run
needs, which is the rate that stays stable for thousands of updates and leaves a low noise
floor, and each misses it in its own way: the crossings move with the sweep's length and the
curve's noise, the blow-up with how fast the instability grows. Their errors are only partly
correlated, so their mean in log-rate has a smaller spread than either; and a full run's best
constant rate sits a roughly fixed number of decades below a short sweep's blow-up (training
sharpens the loss surface, and the noise floor grows with the rate). With weight
:math:`a` (``FinderPolicy.anchor_weight``) and :math:`c` decades (``anchor_decades``):

.. math::  \\log_{10}\\eta^* = (1 - a)\\,x_{rule} + a\\,(x_{blow} - c)

where :math:`x_{blow}` is the rate at which :class:`~lrkit.finder.DivergenceMonitor` ended the
sweep, or its first non-finite loss; a sweep that never blew up gives its last rate, a lower
bound of the blow-up (the reason says so). The evidence: ``docs/evidence.md#finder-the-zoo``.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.finder._policy import FinderPolicy
from lrkit.finder._smooth import _check_curve
from lrkit.finder._stop_rows import monitor_rows
from lrkit.finder._suggestion import Suggestion, _finite_prefix, _nearest

__all__ = ["blow_up_index", "blow_up_x", "blend", "anchored"]


def blow_up_index(losses: object, *, policy: FinderPolicy = FinderPolicy()) -> tuple[int, bool]:
    """``(i, seen)``: the index of the loss at which the sweep blew up, and whether it did.

    The one definition of where a sweep blew up, read by the anchor, the second pass and the
    fallback: the loss at which :class:`~lrkit.finder.DivergenceMonitor` fires, else the first
    non-finite loss; a sweep that did neither gives its last index and ``seen=False``.

    Example:
        >>> blow_up_index([5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 9, 12, 30.0])
        (11, True)
        >>> blow_up_index([5.0] * 12 + [float("nan")])
        (12, True)
        >>> blow_up_index([5.0] * 13)
        (12, False)
    """
    y = np.asarray(losses, dtype=np.float64)
    bad = np.flatnonzero(~np.isfinite(y))
    n = int(bad[0]) if bad.size else y.size
    stop = int(monitor_rows(y[None, :n], policy=policy)[0][0]) if n else -1
    if stop >= 0:
        return stop, True
    return (n, True) if bad.size else (y.size - 1, False)


def blow_up_x(lrs: object, losses: object, *, policy: FinderPolicy = FinderPolicy()) -> tuple[float, bool]:
    """``(x_blow, seen)``: :math:`\\log_{10}` of the rate where the sweep blew up (:func:`blow_up_index`).

    Example:
        >>> import numpy as np
        >>> lrs = np.logspace(-4, -1, 13)
        >>> x, seen = blow_up_x(lrs, [5, 5, 5, 5, 5, 4, 3, 2, 1, 1, 9, 12, 30.0])
        >>> round(x, 2), seen
        (-1.25, True)
        >>> blow_up_x(lrs, [5.0] * 13)
        (-1.0, False)
    """
    x, y = _check_curve(lrs, losses, "blow_up_x")
    i, seen = blow_up_index(y, policy=policy)
    return float(x[i]), seen


def blend(x_rule: float, x_blow: float, policy: FinderPolicy) -> float:
    """:math:`(1 - a)\\,x_{rule} + a\\,(x_{blow} - c)` (``x_rule`` itself when :math:`a = 0`).

    Example:
        >>> blend(-3.0, 0.0, FinderPolicy(anchor_weight=0.5, anchor_decades=2.0))
        -2.5
    """
    a = policy.anchor_weight
    return x_rule if a == 0 else (1.0 - a) * x_rule + a * (x_blow - policy.anchor_decades)


def anchored(lrs: object, losses: object, found: Suggestion, policy: FinderPolicy) -> Suggestion:
    """``found`` pulled towards the blow-up anchor (:func:`blend`), the reason saying so.

    ``found`` as is for :math:`a = 0` or no suggestion.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import synthetic, suggest
        >>> lrs = np.logspace(-6, 0, 61)
        >>> p = FinderPolicy(anchor_weight=0.5, anchor_decades=2.0)
        >>> y = synthetic.curve(lrs, noise=0.0)
        >>> s = anchored(lrs, y, suggest(lrs, y, policy=FinderPolicy(anchor_weight=0.0)), p)
        >>> "blew up" in s.reason
        True
    """
    if found.lr is None or policy.anchor_weight == 0:
        return found
    x_blow, seen = blow_up_x(lrs, losses, policy=policy)
    x_star = blend(float(np.log10(found.lr)), x_blow, policy)
    x, _, _ = _finite_prefix(lrs, losses, "anchored")
    where = (f"the rate where the loss blew up, {10.0 ** x_blow:.3g}" if seen else
             f"the sweep's last rate, {10.0 ** x_blow:.3g} (the loss never blew up: a lower bound)")
    reason = (f"{found.reason}; then {policy.anchor_weight:.2g} of the way in log-rate from "
              f"{found.lr:.3g} to 1/10^{policy.anchor_decades:g} of {where}")
    return dataclasses.replace(found, lr=float(10.0**x_star), index=_nearest(x, x_star), reason=reason)
