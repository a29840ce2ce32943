"""lrkit's valley rules: a third of the way across the loss valley at half its depth (``default``), or
where the valley begins (``falling``).

The valley itself is :mod:`lrkit.finder._valley`'s; what happens to a reading below the descent is
:mod:`lrkit.finder._descent`'s. Here: the two rules, their words, and the hand-off of a weak signal.
"""

from __future__ import annotations

import numpy as np

from lrkit.finder._anchor import anchored
from lrkit.finder._descent import at_the_descent
from lrkit.finder._peers import minimum_over_10, steepest, valley
from lrkit.finder._policy import FinderPolicy
from lrkit.finder._suggestion import Suggestion, _finite_prefix, _nearest, _none
from lrkit.finder._valley import valley_geometry, valley_reading

__all__ = ["WEAK_SIGNAL", "half_depth", "falling_half_depth", "handed_to_weak_rule", "weak_reading"]

#: How a reason begins when a valley rule handed a weak drop to the policy's ``weak_rule``
#: (:func:`weak_reading`'s words); :func:`handed_to_weak_rule` is the one test of it.
WEAK_SIGNAL = "weak signal"


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
    """The rule's reading a fraction :math:`w` of the way across the half-depth valley, in log-LR, with its
    words (:func:`~lrkit.finder._valley.valley_reading`); a weak signal read by the policy's ``weak_rule``."""
    v = valley_geometry(lrs, losses, policy=policy)
    if isinstance(v, str):
        return _none(v)
    x, _, cut = _finite_prefix(lrs, losses, "default")
    if v.signal < policy.weak_rule_sigmas and policy.weak_rule != "none":
        weak = weak_reading(lrs, losses, v.signal, policy.weak_rule)
        if weak is not None:
            return at_the_descent(x, v, anchored(lrs, losses, weak, policy), policy, rule)
    x_star = valley_reading(v, rule, policy)
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


def weak_reading(lrs: object, losses: object, signal: float, name: str) -> Suggestion | None:
    """A weak signal's reading handed to the policy's ``weak_rule`` (the reason says so); ``None`` where that
    rule finds nothing (too few points for its smoothing), and the crossing stands."""
    found = {"valley": valley, "minimum/10": minimum_over_10, "steepest": steepest}[name](lrs, losses)
    if found.lr is None:
        return None
    return Suggestion(found.lr, found.index, f"{WEAK_SIGNAL}: the drop is only {signal:.1f} noise SDs, where "
                      f"the half-depth crossings are noise, so the {name} rule reads it: {found.reason}")


def handed_to_weak_rule(reason: str) -> bool:
    """Whether a reading's ``reason`` is a valley rule's weak drop read by the policy's ``weak_rule``
    (:func:`weak_reading`): the drop was too small for the half-depth crossings, so where the descent
    begins was not measured. ``find_lr``'s advice names the rule that read it; the Autopilot, whose ramp
    neither blew up, says its peak is a guess.

    Example:
        >>> handed_to_weak_rule("weak signal: the drop is only 5.5 noise SDs, ...")
        True
        >>> handed_to_weak_rule("where the valley at half depth begins: ...; weak signal: the drop is 3.1")
        False
    """
    return reason.startswith(WEAK_SIGNAL)
