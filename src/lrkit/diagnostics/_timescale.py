"""The clock of a loss curve: effective (rate-weighted) time and levels on a log-time axis.

Learning curves are close to power laws in time, so their shape is read on a
logarithmic time axis ``u = log10(tau / T)``, with ``tau`` the effective time
(steps weighted by the rate relative to its peak, so warmup and decay do not
distort the clock) and ``T`` its final value. Levels are medians over bands of
that axis, and their standard errors use the local noise of
:func:`lrkit.stats.difference_noise` (:func:`lrkit.stats.median_se`, ``MEDIAN_SE sigma / sqrt(m)``
for a median of ``m`` points). Everything here is invariant to ``y -> a y + b``
(``a > 0``) up to the same factor ``a`` on levels and noise, so every ratio and
z-score is invariant.
"""

from __future__ import annotations

import numpy as np

from lrkit.diagnostics._policy import DiagnosePolicy
from lrkit.stats import MEDIAN_SE

__all__ = ["effective_time", "log_time_bands", "log_time_levels", "decade_slopes", "half_drop_z"]

#: The decades of the log-time bands, ``u = log10(tau / T)``: the last, the one before, the one before that.
DECADES = (-2.0, -1.0, 0.0)
#: Band centres closer than this (decades) count as this far apart (a guard against division by 0).
_MIN_GAP = 1e-3
#: Effective times are at least this fraction of a step, so a run that starts at rate 0 keeps its order.
_MIN_TAU = 1e-12


def log_time_bands(tau: np.ndarray, policy: DiagnosePolicy = DiagnosePolicy()) -> list[np.ndarray]:
    """Indices of the bands ``|u - u0| <= w`` around ``u0 = -2, -1, 0``, ``u = log10(tau / T)``.

    ``w`` is ``policy.band_width`` (0.15 decades). A band with fewer than
    ``policy.min_level_points`` points (three; the run is too short to reach that far back in
    log-time) takes the three points nearest to ``u0`` instead, so its *actual* centre
    (the median ``u`` of its points) can sit well after ``u0``: a run of 44 steps has
    nothing at ``tau = 0.44``, and its earliest band is centred near ``tau = 2``.

    Example:
        >>> [b.tolist() for b in log_time_bands(np.arange(1.0, 45.0))][0]
        [0, 1, 2]
    """
    u = np.log10(np.maximum(tau, 1e-300) / tau[-1])
    k = policy.min_level_points
    return [_band(np.abs(u - u0) <= policy.band_width, np.abs(u - u0), k) for u0 in DECADES]


def _band(inside: np.ndarray, distance: np.ndarray, k: int) -> np.ndarray:
    """The indices where ``inside`` holds, or the ``k`` nearest by ``distance`` if that is fewer
    (a band too early, or too narrow, for the run's clock to have ``k`` points in it)."""
    idx = np.flatnonzero(inside)
    return idx if idx.size >= k else np.sort(np.argsort(distance, kind="stable")[:k])


def log_time_levels(y: np.ndarray, tau: np.ndarray,
                    policy: DiagnosePolicy = DiagnosePolicy()) -> tuple[float, float, float, int, int]:
    """Levels at ``u = log10(tau / T) = -2, -1, 0`` (medians over the bands of :func:`log_time_bands`).

    Returns the three levels and the point counts of the last two bands (for standard errors).
    The decade ratio of :func:`lrkit.diagnose` compares ``L(-2) - L(-1)`` with ``L(-1) - L(0)``,
    each per decade of the bands' actual centres.

    Example:
        >>> t = np.arange(1.0, 1001.0)  # y = 1/t: about 1/tau at tau = 10, 100, 1000
        >>> [round(v, 3) for v in log_time_levels(1 / t, t)[:3]]
        [0.091, 0.009, 0.001]
    """
    b2, b1, b0 = log_time_bands(tau, policy)
    return (float(np.median(y[b2])), float(np.median(y[b1])), float(np.median(y[b0])),
            int(b1.size), int(b0.size))


def decade_slopes(y: np.ndarray, tau: np.ndarray,
                  policy: DiagnosePolicy = DiagnosePolicy()) -> tuple[float, float]:
    """Drops per decade of log-time over the last two decades: ``(s_prev, s_last)``.

    With the bands ``B_k`` of :func:`log_time_bands`, levels ``L_k = med y[B_k]``, actual
    centres ``c_k = med u[B_k]`` and widths ``w_prev = c_1 - c_2``, ``w_last = c_0 - c_1``,

        s_prev = (L_2 - L_1) / w_prev,   s_last = (L_1 - L_0) / w_last.

    Both widths are about 1 when the run spans two decades of (effective) time. A shorter run
    has no points at ``u = -2``; its earliest band is the first three points, centred later
    (``tau ~ 2`` for any run length), and the drop from there must not count as a whole
    decade's: a log-linear descent ``y = -log10 tau`` has ``s_last / s_prev = 1`` at any length.

    Example:
        >>> for n in (44, 1000):  # a 44-step run spans 1.6 decades, a 1000-step run 3
        ...     t = np.arange(1.0, n + 1)
        ...     s_prev, s_last = decade_slopes(-np.log10(t), t)
        ...     print(n, round(s_last / s_prev, 2))
        44 1.0
        1000 1.0
    """
    u = np.log10(np.maximum(tau, 1e-300) / tau[-1])
    bands = log_time_bands(tau, policy)
    lv = [float(np.median(y[b])) for b in bands]
    c = [float(np.median(u[b])) for b in bands]
    w_prev, w_last = max(c[1] - c[0], _MIN_GAP), max(c[2] - c[1], _MIN_GAP)
    return (lv[0] - lv[1]) / w_prev, (lv[1] - lv[2]) / w_last


def half_drop_z(y: np.ndarray, tau: np.ndarray, noise: np.ndarray,
                policy: DiagnosePolicy = DiagnosePolicy()) -> float:
    """Significance of the drop over the last half of (effective) time.

    ``L_h`` is the median of ``y`` over ``|tau / T - 1/2| <= 0.05`` and ``L_e`` over
    ``tau / T >= 0.9`` (``policy.half_band``, ``policy.end_band``; at least three points each);
    with ``se_k = MEDIAN_SE sigma_k / sqrt(n_k)``
    the standard error of a median of ``n_k`` points of local noise ``sigma_k``,

        z_half = (L_h - L_e) / sqrt(se_h^2 + se_e^2).

    A run that still improves over its second half has ``z_half`` well above 2, however
    small that gain is next to its first decade's (a power law ``t^-a`` keeps
    ``L_h - L_e = (2^a - 1) L_e``); a run at its noise floor has ``|z_half| ~ 1``.

    Example:
        >>> t = np.arange(1.0, 1001.0)
        >>> rng = np.random.default_rng(0)
        >>> noise = np.full(1000, 0.01)
        >>> bool(half_drop_z(1 / np.sqrt(t) + 0.01 * rng.normal(size=1000), t, noise) > 5)
        True
        >>> bool(abs(half_drop_z(0.01 * rng.normal(size=1000), t, noise)) < 3)
        True
    """
    r = tau / tau[-1]
    k = policy.min_level_points
    h = _band(np.abs(r - 0.5) <= policy.half_band, np.abs(r - 0.5), k)
    e = _band(r >= policy.end_band, np.abs(r - 1.0), k)
    se2 = sum((MEDIAN_SE * float(np.median(noise[b]))) ** 2 / b.size for b in (h, e))
    return (float(np.median(y[h])) - float(np.median(y[e]))) / max(float(np.sqrt(se2)), 1e-300)


def effective_time(lrs: np.ndarray | None, n: int) -> np.ndarray:
    """``tau_t = sum_{s <= t} lr_s / max(lr)``: time in units of peak-rate steps (the step if no rates).

    Warmup and decay then do not distort the clock of the decade ratio.

    Example:
        >>> effective_time(np.array([0.5, 1.0, 1.0, 0.5]), 4).tolist()
        [0.5, 1.5, 2.5, 3.0]
    """
    steps = np.arange(1, n + 1, dtype=np.float64)
    if lrs is None or not np.all(np.isfinite(lrs)) or np.any(lrs < 0) or not np.any(lrs > 0):
        return steps
    tau = np.cumsum(lrs / lrs.max())
    return np.maximum(tau, _MIN_TAU * steps)  # a run that starts at lr = 0 (warmup) still has ordered times
