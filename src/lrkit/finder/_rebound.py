"""A rebound: a blow-up the loss recovers from before the stop rule fires, which ends the curve to read.

Past a blow-up the weights and the optimizer's state are damaged, so a recovery at a higher rate is
a recovery from that damage, not evidence that a constant run at that rate trains well: the suggestion
rules read the curve only up to its first rebound (:func:`~lrkit.finder.divergence_index` cuts there).
"""

from __future__ import annotations

import numpy as np

from lrkit.finder._levels import cut_back, levels_rows, noise_rows
from lrkit.finder._policy import FinderPolicy

__all__ = ["rebound_rows"]


def rebound_rows(losses: np.ndarray, *, policy: FinderPolicy = FinderPolicy()) -> np.ndarray:
    """Where each row's first rebound begins, ``-1`` where it has none: the end of the curve to read.

    With the monitor's levels (starting level :math:`y_0`, best level :math:`b_i`, floor) and
    the batch noise :math:`\\hat\\sigma` of the whole row (the larger of
    :func:`~lrkit.finder.noise_scale` and the starting plateau's MAD: offline, the whole curve
    is known, and a prefix's few differences would underestimate it early on), a loss is
    *above the rebound bar* when the curve has already fallen beyond its noise,
    :math:`y_0 - b_i > k\\hat\\sigma`, and

    .. math::  y_i > b_i + \\max\\bigl(\\rho\\,(y_0 - b_i),\\; k\\hat\\sigma,\\; \\text{floor}_i\\bigr)

    with :math:`\\rho` the policy's ``rebound_depth`` and :math:`k` its ``noise_sigmas``:
    the loss has undone a fraction :math:`\\rho` of its progress and cleared the noise. Two
    such losses in a row are a rebound (one bad batch is not), and the curve is cut back
    over the run above the bar (gaps of one point allowed), as for divergence. Before any
    descent beyond the noise nothing is a rebound: a rise on the starting plateau is noise
    or the blow-up, which the stop rule judges. Every term moves with ``a * loss + c``.

    Args:
        losses: an ``(r, n)`` array of finite losses, one curve per row (before any stop).
        policy: ``rebound_depth``, ``noise_sigmas``, ``stop_warmup``, ``level_floor``.

    Returns:
        An ``int64`` array of ``r`` cut indices, ``-1`` where a row has no rebound.

    Example:
        >>> y = np.array([[5.0] * 10 + [4, 3, 2, 1, 1, 1, 3.5, 3.5, 1, 0.5, 0.5, 0.5]])
        >>> rebound_rows(y).tolist(), rebound_rows(y, policy=FinderPolicy(rebound_depth=0.7)).tolist()
        ([16], [-1])
    """
    y = np.asarray(losses, dtype=np.float64)
    r, n = y.shape
    out = np.full(r, -1, dtype=np.int64)
    warmup, k, rho = policy.stop_warmup, policy.noise_sigmas, policy.rebound_depth
    if n <= warmup:
        return out
    best, start, plateau, floor, d2 = levels_rows(y, policy)
    sigma = np.maximum(noise_rows(y, d2), plateau[:, 0])[:, None]
    depth = start - best
    above = (depth > k * sigma) & (y > best + np.maximum(np.maximum(rho * depth, k * sigma), floor))
    above[:, :warmup] = False
    pairs = above[:, 1:] & above[:, :-1]
    for i in np.flatnonzero(pairs.any(axis=1)).tolist():
        out[i] = cut_back(int(np.argmax(pairs[i])), above[i])
    return out
