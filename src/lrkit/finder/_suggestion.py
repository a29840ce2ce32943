"""The value every suggestion rule returns, and the input handling the rules share."""

from __future__ import annotations

import dataclasses
import numpy as np

from lrkit.finder._smooth import _check_curve

__all__ = ["Suggestion", "MIN_POINTS", "ROUNDING_ULPS"]

#: Fewer finite points than this cannot show a plateau, a descent and a minimum
#: (a few points each: a structural minimum, not a tuned number).
MIN_POINTS = 8

#: A curve whose range is within this many units in the last place of its largest value
#: does not change beyond float rounding: no rule can read it (float resolution, not a loss scale).
ROUNDING_ULPS = 64.0

@dataclasses.dataclass(frozen=True)
class Suggestion:
    """What a rule suggests: a rate and the grid index nearest to it, or ``None`` and why.

    Attributes:
        lr: the suggested learning rate, or ``None`` when the curve gives none.
        index: index of the sweep point nearest to ``lr`` (in log-LR), or ``None``.
        reason: how the value was found, or why there is none.
        alternative: a second rate to try where the curve cannot tell two readings apart (the reason says
            why; see :func:`~lrkit.finder._descent.at_the_descent`), else ``None``.
        raised_from: the reading the descent floor raised to ``lr`` (the rules' reading before it, a rate
            the sweep cannot rule out: :func:`~lrkit.finder._descent.at_the_descent`), else ``None``.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import suggest, synthetic
        >>> lrs = np.logspace(-6, 0, 61)
        >>> s = suggest(lrs, synthetic.curve(lrs, noise=0.0))
        >>> s.index == int(np.argmin(np.abs(np.log10(lrs) - np.log10(s.lr)))), suggest(lrs[:3], [1.0] * 3).lr
        (True, None)
    """

    lr: float | None
    index: int | None
    reason: str
    alternative: float | None = None
    raised_from: float | None = None


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
