"""A reading below a descent the smoother resolves, raised to it; a narrower dip said, both readings given.

The valley rules' fixed offsets (the weak rule's ``minimum/10``, the blow-up anchor's distance) assume
where the descent lies; :func:`at_the_descent` checks that assumption against the curve itself.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.finder._policy import FinderPolicy
from lrkit.finder._suggestion import Suggestion, _nearest
from lrkit.finder._valley import Valley, valley_reading

__all__ = ["at_the_descent", "descent_case"]


def descent_case(x_read: float, x_fast: float, x_edge: float, policy: FinderPolicy) -> str:
    """What :func:`at_the_descent` does with a reading at ``x_read`` (log-rate) of a valley spanning
    ``x_fast .. x_edge``: ``"keep"`` (the floor off, or the reading at or above the descent), ``"dip"``
    (below a valley narrower than ``descent_floor`` smoothing windows: kept, the valley's reading named
    as an alternative) or ``"raise"`` (to ``descent_floor_reading``). The one decision of the single-curve
    rule and the batched bootstrap (``lrkit.finder._batch``).

    Example:
        >>> p = FinderPolicy(descent_floor=2.0, smooth_window=0.1)
        >>> [descent_case(x, -3.0, edge, p) for x, edge in ((-4.0, -2.0), (-4.0, -2.9), (-2.5, -2.0))]
        ['raise', 'dip', 'keep']
    """
    if policy.descent_floor == 0 or x_read >= x_fast:
        return "keep"
    return "dip" if x_edge - x_fast < policy.descent_floor * policy.smooth_window else "raise"


def at_the_descent(x: np.ndarray, v: Valley, found: Suggestion, policy: FinderPolicy,
                   rule: str = "default") -> Suggestion:
    """``found`` raised to the valley's own reading when it lies below the descent and the valley is wide.

    A valley at least ``policy.descent_floor`` smoothing windows wide (:math:`x_{edge} - x_{fast} \\ge
    k\\,h`, ``smooth_window`` :math:`h`) is a descent the smoother resolves; the rates before it, on the
    plateau, made no measured progress in the sweep, so a reading there rests on nothing the curve shows.
    What puts a reading there are the fixed offsets below a landmark: the weak rule's ``minimum/10`` (a
    decade under the minimum, which assumes the descent spans more than a decade) and the blow-up anchor
    (``anchor_decades`` under the blow-up, which assumes the descent sits that far below it). Such a
    reading is raised to ``policy.descent_floor_reading``: ``"valley"``, the valley's own reading by
    ``rule`` (:math:`x_{fast} + w\\,(x_{edge} - x_{fast})`, :func:`valley_reading`: the crossings without the
    offsets), or ``"descent"``, :math:`x_{fast}`. A narrower dip right under the blow-up is not a descent
    (on a deep tanh net the best rate sat a decade under such a dip): ``found`` stays, and since the curve
    cannot tell such a dip from a short descent, the reason says so and ``alternative`` is the valley's own
    reading, to try as well. A raised reading records ``found``'s rate as ``raised_from``: a flat start is
    a plateau of the rate or a sweep that has not yet trained (one update per rate), and the curve cannot
    tell which, so the confidence word reads how far the raise moved it
    (:func:`~lrkit.finder.confidence_features`). ``descent_floor=0`` leaves ``found`` as is. ``x`` is the
    sweep's usable :math:`\\log_{10}` rates (for the index). Never lowers a reading: both targets lie at or
    above :math:`x_{fast}`.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import synthetic
        >>> lrs = np.logspace(-6, 0, 61)
        >>> from lrkit.finder import valley_geometry
        >>> v = valley_geometry(lrs, synthetic.curve(lrs, noise=0.0))
        >>> low = Suggestion(1e-5, 10, "a reading on the plateau")
        >>> s = at_the_descent(np.log10(lrs), v, low, FinderPolicy(descent_floor=2.0))
        >>> round(float(np.log10(s.lr)), 2), "own reading" in s.reason, s.raised_from
        (-2.41, True, 1e-05)
        >>> s = at_the_descent(np.log10(lrs), v, low, FinderPolicy(descent_floor_reading="descent"))
        >>> round(float(np.log10(s.lr)), 2), "half depth" in s.reason
        (-3.02, True)
        >>> at_the_descent(np.log10(lrs), v, low, FinderPolicy(descent_floor=0.0)) == low
        True
        >>> s = at_the_descent(np.log10(lrs), v, low, FinderPolicy(descent_floor=9.0))  # a dip at this width
        >>> s.lr == low.lr, round(float(np.log10(s.alternative)), 2), "can't tell" in s.reason
        (True, -2.41, True)
    """
    case = "keep" if found.lr is None else descent_case(float(np.log10(found.lr)), v.x_fast, v.x_edge, policy)
    if case == "keep":
        return found
    x_own = valley_reading(v, rule, policy)
    width = v.x_edge - v.x_fast
    if case == "dip":
        reason = (f"{found.reason}; I can't tell whether the loss's only fall, from {10.0 ** v.x_fast:.3g} "
                  f"over {width:.2g} decades (narrower than the smoother resolves), is a dip at the cliff "
                  f"(then the best rate sits below it, as this reading assumes) or a descent (then near "
                  f"the valley's own reading, {10.0 ** x_own:.3g}): try both")
        return dataclasses.replace(found, reason=reason, alternative=float(10.0**x_own))
    if policy.descent_floor_reading == "valley":
        x_to = x_own
        to = (f"the valley's own reading by the {rule} rule, {10.0 ** x_to:.3g} (the loss falls through half "
              f"depth at {10.0 ** v.x_fast:.3g})")
    else:
        x_to, to = v.x_fast, f"where the loss falls through half depth, {10.0 ** v.x_fast:.3g}"
    reason = (f"{found.reason}; raised to {to}: below it the sweep's loss sat on its plateau and made no "
              f"measured progress (the valley spans {width:.2g} decades, a descent, not a dip)")
    return dataclasses.replace(found, lr=float(10.0**x_to), index=_nearest(x, x_to), reason=reason,
                               raised_from=found.lr)
