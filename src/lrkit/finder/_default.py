"""lrkit's default suggestion rule: a third of the way across the loss valley at half its depth."""

from __future__ import annotations

import dataclasses

import numpy as np

from lrkit.finder._anchor import anchored
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._smooth import noise_scale, smooth
from lrkit.finder._stop import divergence_index
from lrkit.finder._suggestion import MIN_POINTS, ROUNDING_ULPS, Suggestion, _finite_prefix, _nearest, _none

__all__ = ["half_depth", "falling_half_depth", "valley_geometry", "Valley", "VALLEY_RULES", "at_the_descent",
           "edge_weight"]

#: The rules that read the half-depth valley with lrkit's smoother, and so take a policy.
VALLEY_RULES = ("default", "falling")


def edge_weight(rule: str, policy: FinderPolicy) -> float:
    """:math:`w` of a valley rule: ``policy.edge_weight`` for ``default``, 0 (the descent) for ``falling``.

    Example:
        >>> edge_weight("falling", FinderPolicy()), round(edge_weight("default", FinderPolicy()), 3)
        (0.0, 0.333)
    """
    return policy.edge_weight if rule == "default" else 0.0


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
    blow-up, not the curve). See :func:`half_depth` for the definitions.

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


def half_depth(lrs: object, losses: object, *, policy: FinderPolicy = FinderPolicy()) -> Suggestion:
    """lrkit's default rule: one third of the way across the loss valley at half depth, in log-LR.

    1. Keep the finite losses before divergence or a rebound
       (:func:`~lrkit.finder.divergence_index`) and smooth them without lag
       (:func:`~lrkit.finder.smooth`: local-linear regression in log-LR).
    2. The valley's depth runs from the starting level :math:`\\hat y_{top}`
       (median of the smoothed points before the minimum in the top 10% of the
       drop) to the minimum :math:`\\hat y_{min}`; half depth is
       :math:`\\hat y_{1/2} = (\\hat y_{top} + \\hat y_{min}) / 2`.
    3. :math:`x_{fast}`: where the smoothed loss first falls through
       :math:`\\hat y_{1/2}` after leaving its starting level;
       :math:`x_{edge}`: where it first climbs back through it after the minimum
       (or the last usable point if the curve ended first: at a rebound, the blow-up,
       a non-finite loss, or the sweep's end). Both are interpolated linearly in
       :math:`x = \\log_{10}\\eta`.
    4. Suggest

       .. math::  \\log_{10}\\eta^* = x_{fast} + w\\,(x_{edge} - x_{fast}), \\qquad w = 1/3

    Why these landmarks: the valley at half depth is the range of rates at
    which the sweep kept at least half of its best progress: below
    :math:`x_{fast}` the steps are too small, above :math:`x_{edge}` instability
    has undone half the gain. For a sigmoid descent :math:`x_{fast}` is the
    steepest point, the "falls fastest" rate of the classic advice. Each is a
    *level crossing* on a steep flank of the curve, whose error is
    :math:`\\sigma_{\\hat y} / |\\hat y'|` - small exactly because the flank is
    steep - where ``steepest`` takes the argmax of a noisy derivative of a
    lagging EMA (landing late and jumping between batches) and ``minimum/10``
    the argmin of a flat, noisy floor, also lagged. Depths are ratios of loss
    differences and positions are interpolated, so the answer is invariant to
    ``a * loss + c``, to a lower ``start`` and to a denser grid.

    Why :math:`w = 1/3`, nearer the descent than the edge: both landmarks are
    biased in a real sweep, in opposite directions. The edge comes late:
    instability needs several steps to undo progress, so the loss climbs back
    well past the rate at which training would diverge (for gradient descent
    on a quadratic, 0.5-0.9 decades past :math:`2/L`). The descent comes early
    and moves with the sweep length: a sweep reaches each rate after few steps,
    and longer sweeps take more steps per decade. Weighting the earlier,
    tighter landmark twice lands inside the stable region: on gradient descent
    over quadratics and logistic regression the suggestion is below :math:`2/L`
    and within a decade of it (the tests check both). How :math:`w` was chosen:
    ``docs/evidence.md#finder-the-valley-rules``.

    Then the policy's blow-up anchor (``anchor_weight``, on by default) moves the reading in
    log-rate towards ``anchor_decades`` below the rate where the sweep blew up
    (:mod:`lrkit.finder._anchor`): the valley and the blow-up err in partly independent ways.

    Returns ``None`` with the reason for fewer than :data:`MIN_POINTS` usable
    points, a curve that rises from the first step, or a drop below the policy's
    ``flat_sigmas`` noise SDs; a drop below ``weak_sigmas`` SDs is flagged in the
    reason. ``policy`` (:class:`~lrkit.finder.FinderPolicy`) holds every number
    used here (``edge_weight`` is :math:`w`).

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import synthetic
        >>> lrs = np.logspace(-6, 0, 61)
        >>> y = synthetic.curve(lrs, lr_fast=1e-3, lr_blow=1e-1, noise=0.0)
        >>> s = half_depth(lrs, y, policy=FinderPolicy(anchor_weight=0.0))
        >>> round(float(np.log10(s.lr)), 2)
        -2.41
        >>> round(float(np.log10(half_depth(lrs, y).lr)), 2)  # anchored: towards 10^-2.25 of the blow-up
        -2.73
    """
    return _across(lrs, losses, "default", "one third across the valley at half depth", policy)


def falling_half_depth(lrs: object, losses: object, *, policy: FinderPolicy = FinderPolicy()) -> Suggestion:
    """The ``falling`` rule: where the smoothed loss first falls through half depth (:math:`w = 0`).

    :func:`half_depth` with :math:`\\log_{10}\\eta^* = x_{fast}`: the lag-free
    "falls fastest" rate of a sigmoid descent, a level crossing rather than the
    argmax of a noisy derivative. It ignores the edge, which for adaptive
    optimizers (Adam, AdamW, RMSprop) says little about the long-run optimum:
    their update has size about :math:`\\eta` per coordinate whatever the
    gradient's scale, so a short sweep blows up when :math:`\\eta` outgrows the
    *early* basin, while a full run's final loss is set by the noise floor the
    normalized steps leave, which is proportional to :math:`\\eta` and does not
    shrink as the gradients do (with SGD it does, so SGD's best rate sits
    nearer the edge). The core cannot know the optimizer, so its default stays
    ``default``; the torch runner's ``rule="auto"`` picks this rule for adaptive
    optimizers (:func:`lrkit.torch._finder_rule.resolve_rule`; the measurements:
    ``docs/evidence.md#finder-the-automatic-rule``).

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import synthetic
        >>> lrs = np.logspace(-6, 0, 61)
        >>> y = synthetic.curve(lrs, lr_fast=1e-3, lr_blow=1e-1, noise=0.0)
        >>> round(float(np.log10(falling_half_depth(lrs, y, policy=FinderPolicy(anchor_weight=0.0)).lr)), 2)
        -3.02
    """
    return _across(lrs, losses, "falling", "where the valley at half depth begins", policy)


def _across(lrs: object, losses: object, rule: str, what: str, policy: FinderPolicy) -> Suggestion:
    """The point a fraction :func:`edge_weight` of the way across the half-depth valley, in log-LR."""
    v = valley_geometry(lrs, losses, policy=policy)
    if isinstance(v, str):
        return _none(v)
    x, _, cut = _finite_prefix(lrs, losses, "default")
    if v.signal < policy.weak_rule_sigmas and policy.weak_rule != "none":
        weak = _weak(lrs, losses, v.signal, policy.weak_rule)
        if weak is not None:
            return at_the_descent(x, v, anchored(lrs, losses, weak, policy), policy, rule)
    x_star = v.x_fast + edge_weight(rule, policy) * (v.x_edge - v.x_fast)
    note = ""
    if not v.edge_seen:
        note = "; the loss never rose back to half depth, so the edge is the last rate of the sweep"
    if v.signal < policy.weak_sigmas:
        note += (
            f"; weak signal: the drop is only {v.signal:.1f} noise SDs "
            "(repeat the sweep or use larger batches)"
        )
    reason = (
        f"{what}: lr {10.0 ** v.x_fast:.3g} (falling) "
        f"to {10.0 ** v.x_edge:.3g} "
        f"(rising); loss from {v.top:.4g} to {v.bottom:.4g} at lr {10.0 ** v.x_min:.3g}{note}{cut}"
    )
    found = anchored(lrs, losses, Suggestion(float(10.0**x_star), _nearest(x, x_star), reason), policy)
    return at_the_descent(x, v, found, policy, rule)


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
    ``rule`` (:math:`x_{fast} + w\\,(x_{edge} - x_{fast})`, :func:`edge_weight`: the crossings without the
    offsets), or ``"descent"``, :math:`x_{fast}`. A narrower dip right under the blow-up is not a descent
    (on a deep tanh net the best rate sat a decade under such a dip): ``found`` stays, and since the curve
    cannot tell such a dip from a short descent, the reason says so and ``alternative`` is the valley's own
    reading, to try as well. ``descent_floor=0`` leaves ``found`` as is. ``x`` is the sweep's usable
    :math:`\\log_{10}` rates (for the index). Never lowers a reading: both targets lie at or above
    :math:`x_{fast}`.

    Example:
        >>> import numpy as np
        >>> from lrkit.finder import synthetic
        >>> lrs = np.logspace(-6, 0, 61)
        >>> v = valley_geometry(lrs, synthetic.curve(lrs, noise=0.0))
        >>> low = Suggestion(1e-5, 10, "a reading on the plateau")
        >>> s = at_the_descent(np.log10(lrs), v, low, FinderPolicy(descent_floor=2.0))
        >>> round(float(np.log10(s.lr)), 2), "own reading" in s.reason
        (-2.41, True)
        >>> s = at_the_descent(np.log10(lrs), v, low, FinderPolicy(descent_floor_reading="descent"))
        >>> round(float(np.log10(s.lr)), 2), "half depth" in s.reason
        (-3.02, True)
        >>> at_the_descent(np.log10(lrs), v, low, FinderPolicy(descent_floor=0.0)) == low
        True
        >>> s = at_the_descent(np.log10(lrs), v, low, FinderPolicy(descent_floor=9.0))  # a dip at this width
        >>> s.lr == low.lr, round(float(np.log10(s.alternative)), 2), "can't tell" in s.reason
        (True, -2.41, True)
    """
    if policy.descent_floor == 0 or found.lr is None or np.log10(found.lr) >= v.x_fast:
        return found
    x_own = v.x_fast + edge_weight(rule, policy) * (v.x_edge - v.x_fast)
    width = v.x_edge - v.x_fast
    if width < policy.descent_floor * policy.smooth_window:
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
    return dataclasses.replace(found, lr=float(10.0**x_to), index=_nearest(x, x_to), reason=reason)


def _weak(lrs: object, losses: object, signal: float, name: str) -> Suggestion | None:
    """A weak signal's reading handed to the policy's ``weak_rule`` (the reason says so); ``None`` where that
    rule finds nothing (too few points for its smoothing), and the crossing stands."""
    from lrkit.finder._peers import minimum_over_10, steepest, valley

    found = {"valley": valley, "minimum/10": minimum_over_10, "steepest": steepest}[name](lrs, losses)
    if found.lr is None:
        return None
    return Suggestion(found.lr, found.index, f"weak signal: the drop is only {signal:.1f} noise SDs, where "
                      f"the half-depth crossings are noise, so the {name} rule reads it: {found.reason}")
