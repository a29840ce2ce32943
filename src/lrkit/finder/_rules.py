"""Suggestion rules: pure functions ``(lrs, losses) -> Suggestion`` that never raise on odd curves.

``default`` is lrkit's rule (:func:`half_drop`); ``steepest``, ``valley`` and
``minimum/10`` reproduce torch-lr-finder's, fastai's and the classic rules,
including the EMA smoothing those libraries apply while recording, so that
they can be compared on the same sweep.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from lrkit.errors import unknown_name
from lrkit.finder._smooth import _check_curve, noise_scale, smooth
from lrkit.finder._stop import divergence_index

__all__ = ["Suggestion", "rules", "suggest", "half_drop", "steepest", "valley", "minimum_over_10", "MIN_POINTS"]

#: Fewer finite points than this cannot show a plateau, a descent and a minimum.
MIN_POINTS = 8

#: A drop smaller than this many noise SDs is indistinguishable from a flat,
#: noisy curve (the smoothed range of pure noise stays below about 3 SDs).
FLAT_SIGMAS = 4.0


@dataclasses.dataclass(frozen=True)
class Suggestion:
    """What a rule suggests: a rate and the grid index nearest to it, or ``None`` and why.

    Attributes:
        lr: the suggested learning rate, or ``None`` when the curve gives none.
        index: index of the sweep point nearest to ``lr`` (in log-LR), or ``None``.
        reason: how the value was found, or why there is none.
    """

    lr: float | None
    index: int | None
    reason: str


def _none(reason: str) -> Suggestion:
    return Suggestion(None, None, reason)


def _finite_prefix(lrs: object, losses: object, owner: str) -> tuple[np.ndarray, np.ndarray, str]:
    """``(log10 lr, loss)`` up to the first non-finite loss, and a note if one was cut."""
    x, y = _check_curve(lrs, losses, owner)
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        return x[: bad[0]], y[: bad[0]], f"; the loss was not finite from step {int(bad[0])}"
    return x, y, ""


def _nearest(x: np.ndarray, x_star: float) -> int:
    return int(np.argmin(np.abs(x - x_star)))


# -- lrkit's default ---------------------------------------------------------------------------


def half_drop(lrs: object, losses: object, *, window: float | None = None) -> Suggestion:
    """lrkit's default rule: the rate at which the smoothed loss has made half its drop.

    1. Keep the finite losses before divergence (:func:`~lrkit.finder.divergence_index`).
    2. Smooth them without lag (:func:`~lrkit.finder.smooth`, local-linear in log-LR).
    3. Find the minimum :math:`\\hat y_{min}` and the starting level :math:`\\hat y_{top}`:
       the median of the smoothed points before the minimum that lie in the top
       10% of the drop (a long plateau does not move it).
    4. Suggest the last point before the minimum where the smoothed curve crosses
       :math:`\\hat y_{1/2} = (\\hat y_{top} + \\hat y_{min}) / 2`, interpolated
       linearly in :math:`\\log_{10}\\eta` (sub-grid, so a coarser or longer grid
       gives the same answer).

    Why this point: for a sigmoid-like descent it *is* the steepest point (by
    symmetry), i.e. where training progresses fastest, yet it is found from a
    level crossing, whose error is :math:`\\sigma_{\\hat y} / |\\hat y'|` - smallest
    exactly where the curve is steep - instead of from the argmax of a noisy
    derivative, whose error is large and which an EMA shifts to higher rates.
    It always lies strictly below the minimum, so strictly below the blow-up,
    and unlike ``minimum/10`` its distance to the minimum follows the curve
    (a long, gentle descent gives a lower rate than a sharp one). Levels are
    differences of the curve divided by its own drop, and positions come from
    interpolation in log-LR, so the answer is invariant to ``a * loss + c``, to
    extending the sweep below the informative region and to the grid density.

    Returns ``None`` with the reason for fewer than :data:`MIN_POINTS` usable
    points, a curve that rises from the first step, or a drop below
    :data:`FLAT_SIGMAS` noise SDs.

    Example:
        >>> import numpy as np
        >>> lrs = np.logspace(-6, 0, 61)
        >>> x = np.log10(lrs)
        >>> loss = 2.0 - 1.5 / (1 + np.exp(-(x + 3) / 0.3)) + np.exp((x + 0.5) / 0.15)
        >>> round(float(np.log10(half_drop(lrs, loss).lr)), 2)
        -3.0
    """
    x, y, cut = _finite_prefix(lrs, losses, "default")
    stop = divergence_index(y)
    if stop is not None:
        x, y = x[:stop], y[:stop]
    if x.size < MIN_POINTS:
        if stop is not None and stop < MIN_POINTS:
            return _none(f"diverged at once: the loss blew up at step {stop}, before {MIN_POINTS} usable points")
        return _none(f"too few points: {x.size} usable (need {MIN_POINTS}){cut}")
    ys = smooth(10.0**x, y, window=window)
    i_min = int(np.argmin(ys))
    if i_min == 0:
        return _none("the loss rose from the first step (monotone increasing or diverged at once); lower `start`")
    sigma = noise_scale(y)
    drop0 = float(np.max(ys[: i_min + 1]) - ys[i_min])
    tiny = 1e-9 * max(float(np.max(np.abs(ys))), 1e-300)
    if drop0 <= max(FLAT_SIGMAS * sigma, tiny):
        return _none(f"flat curve: the smoothed loss fell by {drop0:.3g}, within the noise (SD {sigma:.3g})")
    y_min = float(ys[i_min])
    band = ys[: i_min + 1] >= y_min + 0.9 * drop0
    y_top = float(np.median(ys[: i_min + 1][band]))
    half = 0.5 * (y_top + y_min)
    above = ys[:i_min] >= half
    below_next = ys[1 : i_min + 1] < half
    j = int(np.flatnonzero(above & below_next)[-1])
    frac = (ys[j] - half) / (ys[j] - ys[j + 1])
    x_star = float(x[j] + frac * (x[j + 1] - x[j]))
    note = "" if (i_min < x.size - 1 or stop is not None) else "; the sweep ended while the loss was still falling"
    reason = (
        f"half-drop point: the smoothed loss fell from {y_top:.4g} to {y_min:.4g} "
        f"(minimum at lr={10.0 ** x[i_min]:.3g}){note}{cut}"
    )
    return Suggestion(float(10.0**x_star), _nearest(x, x_star), reason)


# -- the peers, as their libraries compute them -------------------------------------------------


def _ema(y: np.ndarray, beta: float, *, debias: bool) -> np.ndarray:
    out = np.empty_like(y)
    avg = 0.0 if debias else float(y[0]) if y.size else 0.0
    for i, v in enumerate(y):
        avg = beta * avg + (1.0 - beta) * float(v)
        out[i] = avg / (1.0 - beta ** (i + 1)) if debias else avg
    return out


def steepest(lrs: object, losses: object) -> Suggestion:
    """torch-lr-finder's ``suggest_lr``: the most negative slope of its EMA curve.

    The loss is recorded as an EMA, :math:`s_i = 0.05\\,y_i + 0.95\\,s_{i-1}`
    (``smooth_f=0.05``, :math:`s_0 = y_0`); the first 10 and last 5 points are
    skipped and the rate at ``argmin(np.gradient(s))`` is returned. The EMA lags
    a falling curve, so the point lands late (too high), and the argmin of a
    noisy derivative jumps between batches.

    Example:
        >>> import numpy as np
        >>> lrs = np.logspace(-6, 0, 61)
        >>> loss = 2.0 - 1.5 / (1 + np.exp(-(np.log10(lrs) + 3) / 0.3))
        >>> steepest(lrs, loss).lr > 1e-3      # lagged past the true steepest point
        True
    """
    x, y, cut = _finite_prefix(lrs, losses, "steepest")
    if x.size < 10 + 5 + 2:
        return _none(f"too few points: {x.size} (torch-lr-finder skips 10 + 5 and needs 2 more){cut}")
    s = _ema(y, 0.95, debias=False)[10:-5]
    xs = x[10:-5]
    i = int(np.argmin(np.gradient(s)))
    return Suggestion(float(10.0 ** xs[i]), i + 10, f"steepest slope of the EMA(0.05) curve{cut}")


def _fastai_curve(lrs: object, losses: object, owner: str) -> tuple[np.ndarray, np.ndarray, int, str]:
    x, y, cut = _finite_prefix(lrs, losses, owner)
    skip = x.size // 10
    if x.size - skip - 5 < 2:
        return x[:0], y[:0], 0, cut
    s = _ema(y, 0.98, debias=True)
    return x[skip:-5], s[skip:-5], skip, cut


def valley(lrs: object, losses: object) -> Suggestion:
    """fastai's ``valley``: the middle of the longest descending run of its EMA curve.

    fastai records a debiased EMA (:math:`\\beta = 0.98`), drops the first 10% and
    the last 5 points, finds the longest strictly decreasing subsequence of the
    losses and returns the rate halfway along it (``start + len/3 + len/6``).

    Example:
        >>> import numpy as np
        >>> lrs = np.logspace(-6, 0, 61)
        >>> loss = 2.0 - 1.5 / (1 + np.exp(-(np.log10(lrs) + 3) / 0.3))
        >>> 1e-4 < valley(lrs, loss).lr < 1e-2
        True
    """
    x, s, skip, cut = _fastai_curve(lrs, losses, "valley")
    n = s.size
    if n < 2:
        return _none(f"too few points after fastai's trimming (first 10% and last 5){cut}")
    lds = np.ones(n, dtype=int)
    max_start = max_end = 0
    for i in range(1, n):
        earlier = lds[:i][s[:i] > s[i]]
        if earlier.size:
            lds[i] = max(lds[i], int(earlier.max()) + 1)
        if lds[max_end] < lds[i]:
            max_end = i
            max_start = max_end - lds[max_end]
    if max_end == 0:
        return _none(f"no descending stretch: the EMA curve never falls{cut}")
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return Suggestion(float(10.0 ** x[idx]), idx + skip, f"fastai valley: middle of the longest descent{cut}")


def minimum_over_10(lrs: object, losses: object) -> Suggestion:
    """fastai's ``minimum``: one tenth of the rate at the minimum of its EMA curve.

    Example:
        >>> import numpy as np
        >>> lrs = np.logspace(-6, 0, 61)
        >>> x = np.log10(lrs)
        >>> loss = 2.0 - 1.5 / (1 + np.exp(-(x + 3) / 0.3)) + np.exp((x + 0.5) / 0.15)
        >>> 1e-3 < minimum_over_10(lrs, loss).lr < 1e-1
        True
    """
    x, s, skip, cut = _fastai_curve(lrs, losses, "minimum/10")
    if s.size < 2:
        return _none(f"too few points after fastai's trimming (first 10% and last 5){cut}")
    i = int(np.argmin(s))
    if i == 0:
        return _none(f"the EMA curve is lowest at its first point: the loss never fell{cut}")
    return Suggestion(float(10.0 ** x[i]) / 10.0, _nearest(x, x[i] - 1.0) + skip, f"minimum of the EMA curve / 10{cut}")


#: Rule name -> pure function ``(lrs, losses) -> Suggestion``.
rules: dict[str, Callable[[object, object], Suggestion]] = {
    "default": half_drop,
    "steepest": steepest,
    "valley": valley,
    "minimum/10": minimum_over_10,
}


def suggest(lrs: object, losses: object, rule: str = "default", *, window: float | None = None) -> Suggestion:
    """Apply a suggestion rule to a sweep.

    Args:
        lrs: the sweep's learning rates (positive, strictly increasing).
        losses: the raw loss at each rate (NaN/inf allowed: the curve is cut there).
        rule: a name in :data:`rules`.
        window: smoothing half-width in decades for the rules that use lrkit's
            smoother (``default``); the peers keep their own EMA.

    Returns:
        A :class:`Suggestion`; its ``lr`` is ``None`` with a reason on curves that
        give no answer (never an exception).

    Raises:
        LRKitError: for an unknown rule or malformed input (mismatched lengths,
            non-positive or non-increasing ``lrs``).

    Example:
        >>> suggest([1e-3, 1e-2], [1.0, 0.5]).reason
        'too few points: 2 usable (need 8)'
    """
    if not isinstance(rule, str) or rule not in rules:
        raise unknown_name("rule", rule, rules)
    if rule == "default":
        return half_drop(lrs, losses, window=window)
    return rules[rule](lrs, losses)
