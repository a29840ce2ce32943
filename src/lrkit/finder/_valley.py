"""The valley of a range-test curve: its half-depth landmarks, and the reading a fraction across it.

Every valley rule (``default``, ``falling``, the bootstrap's batched form, the confidence word, the retry's
signal test, the advice) reads one :class:`Valley`, found once by :func:`valley_geometry`; a rule differs
only in the weight :math:`w` of :func:`edge_weight`, its reading being :func:`valley_reading`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.finder._policy import FinderPolicy
from lrkit.finder._smooth import noise_scale, smooth
from lrkit.finder._stop import divergence_index
from lrkit.finder._suggestion import MIN_POINTS, ROUNDING_ULPS, _finite_prefix

__all__ = ["Valley", "valley_geometry", "VALLEY_RULES", "edge_weight", "valley_reading"]

#: The rules that read the half-depth valley with lrkit's smoother, and so take a policy.
VALLEY_RULES = ("default", "falling")


@dataclasses.dataclass(frozen=True)
class Valley:
    """The landmarks of a range-test curve, in :math:`x = \\log_{10}\\eta`.

    Attributes:
        x_fast: where the smoothed loss, falling, crosses half depth.
        x_edge: where it crosses half depth again, rising, or the last usable point (before a
            rebound, the blow-up or a non-finite loss, or the sweep's end).
        x_min: where it is lowest.
        top: the starting level :math:`\\hat y_{top}`; ``bottom``: the minimum.
        edge_seen: whether the rise was observed: in the smooth, or as the rebound, blow-up or
            non-finite loss that ended the curve (False when the sweep ended still low).
        signal: the drop in units of the batch-noise SD (below the policy's
            ``weak_sigmas`` the suggestion is flagged as weak).
        noise: that SD (:func:`~lrkit.finder.noise_scale` of the losses the rules read).

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import synthetic
        >>> lrs = np.logspace(-6, 0, 61)
        >>> v = valley_geometry(lrs, synthetic.curve(lrs, noise=0.01, seed=0))
        >>> v.x_fast < v.x_min < v.x_edge, v.bottom < v.top, v.signal > 8
        (True, True, True)
    """

    x_fast: float
    x_edge: float
    x_min: float
    top: float
    bottom: float
    edge_seen: bool
    signal: float
    noise: float


def _crossing(x: np.ndarray, y: np.ndarray, j: int, level: float) -> float:
    """``x`` where the segment ``j -> j+1`` meets ``level`` (linear in log-LR)."""
    return float(x[j] + (y[j] - level) / (y[j] - y[j + 1]) * (x[j + 1] - x[j]))


def valley_geometry(lrs: object, losses: object, *, policy: FinderPolicy = FinderPolicy()) -> Valley | str:
    """Find the valley of a sweep: returns a :class:`Valley`, or the reason there is none.

    Only the finite losses before divergence are used (points after the first
    non-finite loss or past :func:`~lrkit.finder.divergence_index` are the
    blow-up, not the curve). See :func:`~lrkit.finder.half_depth` for the definitions.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import synthetic
        >>> lrs = np.logspace(-6, 0, 61)
        >>> v = valley_geometry(lrs, synthetic.curve(lrs, noise=0.0))
        >>> round(v.x_fast, 2), round(v.x_edge, 2), v.edge_seen
        (-3.02, -1.2, True)
    """
    x, y, cut = _finite_prefix(lrs, losses, "default")
    stop = divergence_index(y, policy=policy)
    if stop is not None:
        x, y = x[:stop], y[:stop]
    if x.size < MIN_POINTS:
        if stop is not None and stop < MIN_POINTS:
            return f"diverged at once: the loss blew up at step {stop}, before {MIN_POINTS} usable points"
        return f"too few points: {x.size} usable (need {MIN_POINTS}){cut}"
    ys = smooth(10.0**x, y, policy=policy)
    i_min = int(np.argmin(ys))
    sigma = noise_scale(y)
    tiny = ROUNDING_ULPS * float(np.spacing(np.max(np.abs(ys))))  # float resolution, not a loss scale
    blew = "" if stop is None else f"; it blew up at step {stop}"
    noise = f"within the noise (SD {sigma:.3g}){blew}"
    spread = float(np.ptp(ys))
    flat = max(policy.flat_sigmas * sigma, tiny)
    if spread <= flat:
        return f"flat curve: the smoothed loss varies by {spread:.3g}, {noise}"
    if i_min == 0:
        return (
            "the loss rose from the first step (monotone increasing or diverged at once); "
            f"lower `start`{blew}"
        )
    drop0 = float(np.max(ys[: i_min + 1]) - ys[i_min])
    if drop0 <= flat:
        return f"no descent: the smoothed loss fell by {drop0:.3g} at most, {noise}"
    bottom = float(ys[i_min])
    # The starting level is the median of the top band before the minimum (the top 10% of the
    # drop: policy.top_band), so a longer plateau (a lower start) does not move it.
    pre = ys[: i_min + 1]
    in_top = pre >= bottom + policy.top_band * drop0
    top = float(np.median(pre[in_top]))
    half = 0.5 * (top + bottom)
    # The first crossing after the curve last left its starting band: a noisy
    # dip on the plateau that climbs back is not the descent, and a bump on the
    # way down must not move the landmark to a second, later descent.
    left_top = int(np.flatnonzero(in_top)[-1])
    down = np.flatnonzero((ys[left_top:i_min] >= half) & (ys[left_top + 1 : i_min + 1] < half))
    x_fast = _crossing(x, ys, left_top + int(down[0]), half)
    up = np.flatnonzero((ys[i_min:-1] < half) & (ys[i_min + 1 :] >= half))
    # The rise is seen in the smooth, or in the losses that ended the curve (a rebound, the
    # blow-up, a non-finite loss); then the last usable rate is the edge.
    edge_seen = up.size > 0 or stop is not None or bool(cut)
    x_edge = _crossing(x, ys, i_min + int(up[0]), half) if up.size else float(x[-1])
    return Valley(x_fast, x_edge, float(x[i_min]), top, bottom, edge_seen, float(drop0 / max(sigma, tiny)),
                  float(max(sigma, tiny)))


def edge_weight(rule: str, policy: FinderPolicy) -> float:
    """:math:`w` of a valley rule: ``policy.edge_weight`` for ``default``, 0 (the descent) for ``falling``.

    Example:
        >>> edge_weight("falling", FinderPolicy()), round(edge_weight("default", FinderPolicy()), 3)
        (0.0, 0.333)
    """
    return policy.edge_weight if rule == "default" else 0.0


def valley_reading(v: Valley, rule: str, policy: FinderPolicy) -> float:
    """The rule's reading of the valley :math:`v`, in log-rate: a fraction :math:`w` of the way across.

    .. math::  x^* = x_{fast} + w\\,(x_{edge} - x_{fast}), \\qquad w = \\text{edge\\_weight(rule)}

    Example:
        >>> v = Valley(x_fast=-3.0, x_edge=-1.5, x_min=-2.0, top=2.0, bottom=0.5, edge_seen=True, signal=20.0,
        ...            noise=0.01)
        >>> policy = FinderPolicy()
        >>> valley_reading(v, "falling", policy), round(valley_reading(v, "default", policy), 2)
        (-3.0, -2.5)
    """
    return v.x_fast + edge_weight(rule, policy) * (v.x_edge - v.x_fast)
