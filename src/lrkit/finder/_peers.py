"""The peers' suggestion rules, computed as their libraries compute them.

``steepest`` is torch-lr-finder's ``suggest_lr``, ``valley`` and ``minimum/10``
are fastai's ``valley`` and ``minimum``, each on the EMA curve its library
records (lrkit keeps raw losses and applies the EMA here), so all rules can be
compared on one sweep. They never raise on odd curves either.
"""

from __future__ import annotations

import numpy as np

from lrkit.finder._suggestion import ROUNDING_ULPS, Suggestion, _finite_prefix, _nearest, _none

__all__ = ["steepest", "valley", "minimum_over_10"]

# The peers' own numbers, as their libraries ship them (not lrkit's to tune):
#: torch-lr-finder's ``smooth_f=0.05``: its EMA keeps this much of the previous value.
TLF_BETA = 0.95
#: torch-lr-finder's ``suggest_lr`` skips this many points at the start and at the end.
TLF_SKIP_START, TLF_SKIP_END = 10, 5
#: fastai's debiased EMA of the loss in ``lr_find``.
FASTAI_BETA = 0.98
#: fastai trims the last this many points (and the first tenth) before its rules.
FASTAI_SKIP_END = 5


def _flat(s: np.ndarray) -> bool:
    """True when a curve does not change beyond float rounding: no rule can read it."""
    return bool(np.ptp(s) <= ROUNDING_ULPS * float(np.spacing(np.max(np.abs(s)))))


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
    if x.size < TLF_SKIP_START + TLF_SKIP_END + 2:
        return _none(f"too few points: {x.size} (torch-lr-finder skips {TLF_SKIP_START} + {TLF_SKIP_END} and "
                     f"needs 2 more){cut}")
    s = _ema(y, TLF_BETA, debias=False)[TLF_SKIP_START:-TLF_SKIP_END]
    xs = x[TLF_SKIP_START:-TLF_SKIP_END]
    if _flat(s):
        return _none(f"flat curve: the EMA loss does not change{cut}")
    i = int(np.argmin(np.gradient(s)))
    return Suggestion(float(10.0 ** xs[i]), i + TLF_SKIP_START, f"steepest slope of the EMA(0.05) curve{cut}")


def _fastai_curve(lrs: object, losses: object, owner: str) -> tuple[np.ndarray, np.ndarray, int, str]:
    x, y, cut = _finite_prefix(lrs, losses, owner)
    skip = x.size // 10
    if x.size - skip - FASTAI_SKIP_END < 2:
        return x[:0], y[:0], 0, cut
    s = _ema(y, FASTAI_BETA, debias=True)
    return x[skip:-FASTAI_SKIP_END], s[skip:-FASTAI_SKIP_END], skip, cut


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
    if _flat(s):
        return _none(f"flat curve: the EMA loss does not change{cut}")
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
    if _flat(s):
        return _none(f"flat curve: the EMA loss does not change{cut}")
    i = int(np.argmin(s))
    if i == 0:
        return _none(f"the EMA curve is lowest at its first point: the loss never fell{cut}")
    index = _nearest(x, x[i] - 1.0) + skip
    return Suggestion(float(10.0 ** x[i]) / 10.0, index, f"minimum of the EMA curve / 10{cut}")
