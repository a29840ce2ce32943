"""Autopilot's peak: which rate the main phase runs at, read off the probe's curve.

Three kinds of optimizer read the curve differently (:func:`optimizer_kind`):

* **adaptive** (Adam, RMSprop, AdaGrad, ...: ``lrkit.torch._finder_rule.is_adaptive``): an update
  moves each weight by about the rate whatever the gradient's scale;
* **momentum** (SGD with momentum or Nesterov): an update is the rate times a running sum of
  gradients, about :math:`1/(1-\\beta)` of them;
* **plain** (SGD without momentum): an update is the rate times this batch's gradient.

For each kind, :class:`~lrkit.torch.AutopilotPolicy` names a suggestion rule (``lrkit.finder.rules``)
and a factor: the peak is the rule's rate on the probe's curve times the factor. An adaptive
optimizer's ``default`` rule reads ``adaptive_edge_weight`` :math:`w` of the way across the
ramp's valley, :math:`x_{fast} + w\\,(x_{edge} - x_{fast})` in log-rate (``falling``:
:math:`w = 0`). The probe is a
*ramp*: its rate rises every update, and an optimizer with momentum :math:`\\beta` answers a rate
change over about :math:`1/(1-\\beta)` updates, so the loss of update :math:`k` is read against the
rate of update :math:`k - \\ell` with :math:`\\ell = \\lambda/(1-\\beta)` (``response_lag``
:math:`\\lambda`). A weak valley (under ``finder.weak_rule_sigmas`` noise SDs) is read by the
finder's ``weak_rule`` (``minimum/10``) where the ramp's loss turned or its reading is anchored
(:func:`reading_policy`). For the kinds in ``anchor_kinds`` (SGD with momentum) the reading moves
towards the finder's blow-up anchor, as ``find_lr``'s does: a step with momentum :math:`\\beta`
answers a rate :math:`1/(1-\\beta)` updates late (ten for 0.9), and on a ramp that climbs a
decade in 4 to 15 updates the loss's valley and rise show up decades above the rates that caused
them, so the reading is blended with a fixed distance below where the ramp blew up (or its top).
On a curve too noisy for the kind's rule the ``fallback_rules`` answer; a
divergence at rate :math:`r` clips the peak into :math:`[r/c_b, r/c_a]` (``clip_below``,
``clip_above``), except for an adaptive optimizer's own rule on a strong valley, only capped at
:math:`r/c_a` (:func:`probe_peak`). A ramp with **no valley** (its loss never fell: the fallback's
reading is a guess, and the account says so) that blew up takes :math:`r/c_b`, the band's floor
(``no_valley_peak="floor"``; ``"guess"`` keeps the clipped reading; the opt-in ``"noise"`` takes
:math:`r/k`, :math:`k` by the ramp's batch noise, :func:`no_valley_divisor`: ``r/10`` on a quiet ramp,
``r/100`` on a noisy one). An adaptive optimizer's clear
valley reading (its own rule on a drop of at least ``finder.weak_rule_sigmas`` noise SDs) is first moved
for the ramp's density, times :math:`\\operatorname{clip}(k/k_0,\\,1/m,\\,m)^{\\beta}` with :math:`k` the
ramp's rates per decade (:func:`ramp_density`), :math:`k_0` the density the finder's rules were
calibrated at and :math:`\\beta` = ``adaptive_progress_exponent`` (0, off, by default): one update per
rate, so a denser ramp has trained more by the same rate and its loss falls at a lower one (the
finder's progress law, ``lrkit.finder.density_factor``). The factor applies after the
clip, and the peak never exceeds :math:`r/c_a`. The values and how they were chosen
(leave-one-family-out on ``lrkit.zoo``): ``docs/evidence.md#autopilot-the-peak``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch

from lrkit.finder import (CALIBRATED_DENSITY, VALLEY_RULES, FinderPolicy, noise_scale, progress_factor,
                          suggest, valley_geometry)
from lrkit.torch._autopilot_policy import AutopilotPolicy
from lrkit.torch._finder_rule import documented_lr, is_adaptive, momentum_of, resolve_policy, resolve_rule

__all__ = ["GUESS", "PeakRule", "autopilot_peak", "capped_at", "kind_policy", "momentum_of",
           "no_valley_divisor", "optimizer_kind", "peak_rule", "probe_peak", "ramp_density", "read_peak",
           "reading_policy"]


def optimizer_kind(optimizer: torch.optim.Optimizer) -> str:
    """``"adaptive"``, ``"momentum"`` or ``"plain"`` (see the module docstring).

    Example:
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> [optimizer_kind(o) for o in (torch.optim.Adam(p), torch.optim.SGD(p, lr=0.1, momentum=0.9),
        ...                              torch.optim.SGD(p, lr=0.1))]
        ['adaptive', 'momentum', 'plain']
    """
    if is_adaptive(optimizer):
        return "adaptive"
    return "momentum" if momentum_of(optimizer) > 0 else "plain"


def kind_policy(optimizer: torch.optim.Optimizer,
                policy: AutopilotPolicy = AutopilotPolicy()) -> AutopilotPolicy:
    """``policy`` with its adaptive band (``adaptive_band``, ``adaptive_floor``) where ``optimizer``'s own
    scale lives: raised, its width kept, until its top is ``policy.default_headroom`` times the class's
    documented default ``lr`` (``lrkit.torch._finder_rule.documented_lr``); as it is otherwise.

    An adaptive update is about ``lr`` per coordinate for the Adam family, whose defaults (1e-3 to 1e-2)
    sit two to three decades under the band's top; a class whose rate multiplies a step already scaled
    (Adadelta's ``lr=1.0``) would otherwise sweep the band only up to where it starts to work.

    Example:
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> kind_policy(torch.optim.Adam(p)).adaptive_band, kind_policy(torch.optim.Adadelta(p)).adaptive_band
        ((0.0001, 1.0), (0.01, 100.0))
    """
    default = documented_lr(optimizer) if is_adaptive(optimizer) else None
    lo, hi = policy.adaptive_band
    if default is None or default * policy.default_headroom <= hi:
        return policy
    raise_by = default * policy.default_headroom / hi
    return policy.replace(adaptive_band=(lo * raise_by, hi * raise_by),
                          adaptive_floor=policy.adaptive_floor * raise_by)


#: Rates within this relative distance of each other count as the same rate (float rounding of a sweep).
SAME_RATE = 1e-9
#: The words a reading's ``how`` ends with when a fallback rule read a curve that never fell.
GUESS = "this peak is a guess"


def capped_at(lr_max: float | None, probe_lrs: Sequence[float], diverged_at: float | None,
              adaptive: bool = False, policy: AutopilotPolicy = AutopilotPolicy()) -> float | None:
    """``lr_max`` when it is a user's cap below the kind's band (``policy.sgd_band`` /
    ``adaptive_band``'s top) that the ramp reached without blowing up, else ``None``.

    Such a ramp's top bounds where it blows up from below only, so :func:`read_peak` reads it
    without the blow-up anchor. The cap must be the user's: an uncapped ramp whose last applied
    update came below the band's top (a skipped fault) is not capped.

    Example:
        >>> capped_at(0.01, [1e-4, 1e-3, 0.01], None), capped_at(None, [1e-4, 1e-3, 0.01], None)
        (0.01, None)
        >>> capped_at(0.01, [1e-4, 1e-3, 0.01], 0.01), capped_at(10.0, [1e-4, 1e-3, 10.0], None)
        (None, None)
    """
    top = (policy.adaptive_band if adaptive else policy.sgd_band)[1] * (1 - SAME_RATE)
    if lr_max is None or diverged_at is not None or not len(probe_lrs):
        return None
    return float(lr_max) if lr_max < top and probe_lrs[-1] < top else None


class PeakRule(NamedTuple):
    """How the peak is read: a suggestion rule, the factor it is multiplied by, the lag (updates), and
    the blow-up anchor's distance in decades (``None``: no anchor)."""

    rule: str
    factor: float
    lag: int
    anchor: float | None = None


def peak_rule(optimizer: torch.optim.Optimizer, rule: str = "auto",
              policy: AutopilotPolicy = AutopilotPolicy()) -> PeakRule:
    """The :class:`PeakRule` for ``optimizer``: its kind's policy fields for ``rule="auto"``, else
    ``rule`` as given (factor 1, no lag, no anchor).

    The anchor, for a kind in ``policy.anchor_kinds``, is the finder's distance for the optimizer's
    step (``lrkit.torch._finder_rule.resolve_policy``: ``anchor_decades`` with momentum,
    ``memoryless_decades`` without), as ``find_lr`` reads it.

    Example:
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> peak_rule(torch.optim.SGD(p, lr=0.1), "valley")
        PeakRule(rule='valley', factor=1.0, lag=0, anchor=None)
        >>> peak_rule(torch.optim.SGD(p, lr=0.1, momentum=0.9))
        PeakRule(rule='default', factor=1.0, lag=0, anchor=2.25)
    """
    if rule != "auto":
        return PeakRule(resolve_rule(rule, optimizer, policy.finder), 1.0, 0)
    kind = optimizer_kind(optimizer)
    name, factor = {"adaptive": (policy.adaptive_peak, policy.adaptive_factor),
                    "momentum": (policy.momentum_peak, policy.momentum_factor),
                    "plain": (policy.plain_peak, policy.plain_factor)}[kind]
    lag = round(policy.response_lag / (1.0 - min(momentum_of(optimizer), 0.999)))
    anchor = resolve_policy(policy.finder, optimizer).anchor_decades if kind in policy.anchor_kinds else None
    return PeakRule(name, factor, lag, anchor)


def reading_policy(lrs: np.ndarray, losses: np.ndarray, diverged_at: float | None,
                   policy: AutopilotPolicy = AutopilotPolicy(), anchored: bool = False) -> FinderPolicy:
    """The finder policy the peak rules read a ramp with: ``policy.finder``, without its weak-signal
    hand-off (``weak_rule``) where the ramp's loss never turned (it did not rise back through half
    depth, blow up or stop on divergence) and ``policy.weak_rule_when`` is ``"turned"``, or
    ``"turned-or-anchored"`` and the reading is not ``anchored`` (:func:`peak_rule`).

    Why: ``minimum/10`` (fastai's rule, the usual ``weak_rule``) reads the minimum of a sweep that went
    past it into the rise, a decade below where the loss turns. On a ramp still falling at its top
    the lowest point is wherever the sweep or its trimming ended, or a noise dip of the lagging average,
    and a tenth of it has no reason to be near a good rate (a short Adam ramp on a noisy regression
    reads 1e-4, a decade and more below any useful rate); the valley's own crossing stands there.
    An anchored reading is bounded otherwise: it moves halfway (in log-rate) to a fixed distance
    below the ramp's top, so a bottom-of-the-band minimum cannot stand alone.

    Example:
        >>> lrs = np.geomspace(1e-4, 1.0, 30)
        >>> falling = 1.0 / (1.0 + 100 * lrs)  # still falling at the ramp's top
        >>> p = AutopilotPolicy(finder=AutopilotPolicy().finder.replace(weak_rule="minimum/10"))
        >>> reading_policy(lrs, falling, None, p).weak_rule, reading_policy(lrs, falling, 2.0, p).weak_rule
        ('none', 'minimum/10')
        >>> q = p.replace(weak_rule_when="turned")
        >>> reading_policy(lrs, falling, None, p, anchored=True).weak_rule, reading_policy(
        ...     lrs, falling, None, q, anchored=True).weak_rule
        ('minimum/10', 'none')
    """
    finder, when = policy.finder, policy.weak_rule_when
    if finder.weak_rule == "none" or when == "always" or diverged_at is not None:
        return finder
    if anchored and when == "turned-or-anchored":
        return finder
    valley = valley_geometry(lrs, losses, policy=finder) if lrs.size else None
    turned = valley is not None and not isinstance(valley, str) and valley.edge_seen
    return finder if turned else finder.replace(weak_rule="none")


def probe_peak(probe_lrs: Sequence[float], probe_losses: Sequence[float], lr_min: float,
               diverged_at: float | None, rule: str = "default", adaptive: bool = False,
               policy: AutopilotPolicy = AutopilotPolicy(), factor: float = 1.0,
               lag: int = 0, anchor: float | None = None, capped: float | None = None
               ) -> tuple[float, str]:
    """The peak rate for the run after a probe, and how it was chosen.

    ``rule`` first (``lrkit.finder.suggest`` under :func:`reading_policy`), on the losses read
    ``lag`` updates after their rates (for an ``adaptive`` optimizer, with the valley rules'
    weight ``policy.adaptive_edge_weight`` when it is set); on a curve too noisy for it the
    ``policy.fallback_rules``
    (the smoothed ``valley``, then ``minimum/10``); last resort the sweep's middle rate (``lr_min``
    for an empty probe). With an ``anchor`` distance :math:`c` the rules' reading :math:`x` (log10)
    moves ``policy.finder.anchor_weight`` :math:`a` of the way to :math:`c` decades below the
    ramp's blow-up (its top if it never blew up; ``lrkit.finder``'s anchor, as ``find_lr`` reads
    a sweep): :math:`(1-a)\\,x + a\\,(x_{blow} - c)`.
    If the probe diverged at rate ``r``, the peak is clipped to :math:`[r/30,\\ r/3]`
    (``policy.clip_below``, ``clip_above``), the classical band a decade below the blow-up,
    except that for an ``adaptive`` optimizer a suggestion of ``rule`` itself (one of
    ``lrkit.finder.VALLEY_RULES``) on a strong signal (a valley at least
    ``policy.finder.weak_sigmas`` noise SDs deep) is only capped at :math:`r/3` (and floored at
    :math:`r/f` when ``policy.strong_clip_below`` :math:`f` is set: an opt-in). A fallback's reading
    of a ramp with no valley is a guess (the account says so); with ``policy.no_valley_peak="floor"``
    (the default) it is replaced by :math:`r/30`, the band's floor, with ``"noise"`` (an opt-in) by
    :math:`r/k`, :math:`k` from the ramp's batch noise (:func:`no_valley_divisor`). Then the peak is
    multiplied by ``factor``, and capped at :math:`r/3` again. An ``adaptive`` optimizer's clear
    reading by ``rule`` is moved for the ramp's density before the clip
    (``policy.adaptive_progress_exponent``: the module docstring).

    Why the exception: for SGD the blow-up is the curvature's edge (:math:`\\eta L = 2`), so the
    useful rates sit a decade below it. An adaptive update moves every weight by about the rate
    whatever the curvature, and its blow-up can come far above the rates where the loss stopped
    improving (``docs/evidence.md#autopilot-the-peak``). The lower bound is there to overrule a
    noisy curve, so it stays for weak signals, fallback rules, other rules and SGD.

    Args:
        probe_lrs: the rate of each applied probe update.
        probe_losses: the loss of each applied probe update.
        lr_min: the sweep's lowest rate (the answer when no update was applied).
        diverged_at: the rate at which the probe stopped on divergence, or ``None``.
        rule: the first rule tried, a name in ``lrkit.finder.rules``.
        adaptive: whether the optimizer is adaptive (``lrkit.torch._finder_rule.is_adaptive``).
        policy: the tuned numbers (:class:`~lrkit.torch.AutopilotPolicy`).
        factor: the rule's rate is multiplied by this (:func:`peak_rule`).
        lag: updates between a rate and the loss read as its answer (:func:`peak_rule`).
        anchor: the blow-up anchor's distance in decades (:func:`peak_rule`; ``None``: no anchor).
        capped: the user's ``lr_max`` the ramp reached without blowing up (:func:`capped_at`): read
            without the anchor, since the ramp's top then bounds the blow-up from below only.

    Returns:
        ``(peak, how)``: the rate and a one-line account for the events log.

    Example:
        >>> probe_peak([], [], 1e-5, None)
        (1e-05, 'probe failed at once')
    """
    return read_peak(probe_lrs, probe_losses, lr_min, diverged_at, rule, adaptive, policy, factor, lag,
                     anchor, capped)[:2]


def ramp_density(lrs: Sequence[float]) -> float | None:
    """A ramp's rates per decade, the median step of its rates in log10 (a skipped update, which
    leaves a gap, does not move it); ``None`` for fewer than two rates or a ramp that does not rise.

    Example:
        >>> round(ramp_density(np.geomspace(1e-4, 1.0, 101)), 6), ramp_density([0.1])
        (25.0, None)
    """
    steps = np.diff(np.log10(np.asarray(lrs, dtype=float)))
    step = float(np.median(steps)) if steps.size else 0.0
    return 1.0 / step if step > 0 else None


def read_peak(probe_lrs: Sequence[float], probe_losses: Sequence[float], lr_min: float,
              diverged_at: float | None, rule: str = "default", adaptive: bool = False,
              policy: AutopilotPolicy = AutopilotPolicy(), factor: float = 1.0,
              lag: int = 0, anchor: float | None = None, capped: float | None = None
              ) -> tuple[float, str, bool]:
    """:func:`probe_peak`'s ``(peak, how)`` and whether the peak is a ramp with no valley's floor
    (``policy.no_valley_peak`` ``"floor"``, ``"race"`` or ``"noise"``, a blow-up at r: the peak is r /
    clip_below, or r / k by the ramp's noise),
    which ``no_valley_peak="race"`` races (``lrkit.torch._autopilot_race.start_race``). ``capped``
    (:func:`capped_at`): the user's ``lr_max`` the ramp reached without blowing up, below the band;
    such a ramp is read without the ``anchor``, whose distance is counted from a blow-up.

    Example:
        >>> read_peak([], [], 1e-5, None)
        (1e-05, 'probe failed at once', False)
    """
    p = policy
    at_floor = False
    lrs, losses = np.array(probe_lrs, dtype=float), np.array(probe_losses, dtype=float)
    top = (p.adaptive_band if adaptive else p.sgd_band)[1]
    capped = capped if anchor is not None else None
    if capped is not None:  # a cap (lr_max) below the band, never blown up: it bounds the blow-up from below
        anchor = None
    if 0 < lag < lrs.size:  # the loss of update k answers the rate of update k - lag
        lrs, losses = lrs[:lrs.size - lag], losses[lag:]
    peak, how, chosen_by, guess = None, "probe failed at once", None, False
    finder = reading_policy(lrs, losses, diverged_at, policy, anchored=anchor is not None)
    if adaptive and p.adaptive_edge_weight is not None:  # where across the valley 'default' reads
        finder = finder.replace(edge_weight=p.adaptive_edge_weight)
    finder = finder.replace(anchor_weight=0.0) if anchor is None else finder.replace(anchor_decades=anchor)
    for name in dict.fromkeys((rule, *p.fallback_rules)):
        s = suggest(lrs, losses, name, policy=finder) if lrs.size else None
        if s is not None and s.lr is not None:
            peak, how, chosen_by = float(s.lr), f"{name}: {s.reason}", name
            break
    if chosen_by is not None and chosen_by != rule:
        none = valley_geometry(lrs, losses, policy=finder)
        guess = isinstance(none, str)
        if guess:  # say so: a fallback's reading of a curve that never fell is a guess
            how += f"; no valley on the ramp ({none.split(':')[0].split(' (')[0]}): {GUESS}"
    if peak is None:
        peak = float(lrs[len(lrs) // 2]) if lrs.size else lr_min
    if adaptive and p.adaptive_progress_exponent and chosen_by == rule and rule in VALLEY_RULES:
        k = ramp_density(lrs)  # a clear reading of a ramp denser than the rules' calibration reads low
        moved = 1.0 if k is None else progress_factor(k, lrs, losses, p.finder, p.adaptive_progress_exponent)
        if moved != 1.0:
            peak *= moved
            how += (f"; times {moved:.3g} for the ramp's density ({k:.3g} rates per decade, the rules "
                    f"calibrated at {CALIBRATED_DENSITY:.3g})")
    high = diverged_at / p.clip_above if diverged_at is not None else np.inf
    if diverged_at is not None:
        # The probe found where training breaks (rate r): the peak goes within [r/30, r/3], the
        # classical "a decade below the blow-up" band, whatever a noisy curve made the rule say
        # (an adaptive optimizer's strong suggestion keeps its place below it: see the docstring).
        r = diverged_at
        # The signal is the valley's depth: it measures the valley rules (default, falling) only.
        own = adaptive and chosen_by == rule and rule in VALLEY_RULES
        valley = valley_geometry(lrs, losses, policy=p.finder) if own else None
        strong = valley is not None and not isinstance(valley, str) and valley.signal >= p.finder.weak_sigmas
        floor = p.strong_clip_below if strong or (adaptive and p.adaptive_clip == "cap") else p.clip_below
        low = 0.0 if floor is None else r / floor
        clipped = min(max(peak, low), high)
        at_floor = guess and p.no_valley_peak in ("floor", "race", "noise")
        if at_floor and p.no_valley_peak == "noise":  # r and the ramp's noise: quiet or noisy
            noise, k = no_valley_divisor(losses, p)
            clipped = r / k
            how += (f"; the ramp {'quiet' if k == p.no_valley_below[0] else 'noisy'} (batch noise "
                    f"{noise:.3g} of its median loss): taken at r/{k:g} = {clipped:.3g} "
                    f"(divergence at {r:.3g})")
        elif at_floor:  # a guess knows r alone: the band's low end
            clipped = r / p.clip_below
            how += f"; taken at the band's floor r/{p.clip_below:g} = {clipped:.3g} (divergence at {r:.3g})"
        elif clipped != peak:
            how += f"; clipped to [{low:.3g}, {high:.3g}] below the divergence at {r:.3g}"
        peak = clipped
    if factor != 1.0:
        peak = min(peak * factor, high)
        how += f"; times {factor:g}" + (f" (capped at {high:.3g})" if peak == high else "")
    if lag:
        how += f"; losses read {lag} updates after their rates"
    if capped is not None:
        how += (f"; not anchored: the ramp reached its cap {capped:.3g} without blowing up, "
                f"below the band's top {top:g} the anchor was chosen with, so where it blows up is not known")
    return float(peak), how, at_floor


def no_valley_divisor(losses: Sequence[float], policy: AutopilotPolicy = AutopilotPolicy()
                      ) -> tuple[float, float]:
    """The ramp's batch noise relative to its loss, and the divisor ``k`` of the blow-up rate that
    ``no_valley_peak="noise"`` reads a ramp with no valley at (``policy.no_valley_below``).

    The noise is :math:`\\hat\\sigma / |\\tilde L|`: :func:`lrkit.finder.noise_scale` (a robust SD of
    the second differences, blind to the blow-up's last points) over the median loss. Under
    ``policy.no_valley_quiet`` the ramp is **quiet**: the loss sat still at a plateau, so its gradient
    is small, not hidden, and the rate that leaves the plateau is high (the first divisor). Above it
    the ramp is **noisy**: a descent smaller than the batch noise went unseen, and SGD's stationary
    excess loss grows with the rate times the gradient's variance, so a lower rate is the one whose
    noise floor lets the descent through (the second divisor). What the noise does not tell: a plateau
    whose outputs already vary from batch to batch (a sparse-parity MLP at chance: 3-4%) reads noisy,
    and the second divisor leaves it untrained; hence ``"noise"`` is an opt-in.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> quiet, noisy = 2.08 + rng.normal(0, 0.01, 80), 2.3 + rng.normal(0, 0.2, 80)
        >>> [round(no_valley_divisor(y)[1]) for y in (quiet, noisy)]
        [10, 100]
    """
    y = np.asarray(losses, dtype=float)
    y = y[np.isfinite(y)]
    level = float(np.median(np.abs(y))) if y.size else 0.0
    noise = noise_scale(y) / level if level > 0 else float("inf")
    quiet, noisy = policy.no_valley_below
    return noise, quiet if noise < policy.no_valley_quiet else noisy


def autopilot_peak(probe_lrs: Sequence[float], probe_losses: Sequence[float],
                   optimizer: torch.optim.Optimizer,
                   policy: AutopilotPolicy = AutopilotPolicy(), diverged_at: float | None = None,
                   lr_min: float | None = None, lr_max: float | None = None) -> tuple[float, str]:
    """The peak an Autopilot under ``policy`` reads off a recorded probe of ``optimizer``.

    What the Autopilot does when its probe ends (``rule="auto"``): the optimizer's kind picks the
    policy's rule, factor and lag (:func:`peak_rule`), and :func:`probe_peak` reads the curve. With
    a run's ``ap.probe_lrs`` and ``ap.probe_losses`` (and the rate it diverged at, if it stopped
    early), it answers "which peak would this policy have chosen?" without training again: how
    a policy is chosen on recorded runs (``docs/evidence.md#autopilot-the-peak``).

    Args:
        probe_lrs, probe_losses: the rate and loss of each applied probe update.
        optimizer: the optimizer the probe ran (its kind and momentum are read, nothing changed).
        policy: the :class:`~lrkit.torch.AutopilotPolicy` whose peak fields are applied.
        diverged_at: the rate at which the probe stopped on divergence, or ``None``.
        lr_min: the sweep's lowest rate (default: the first recorded rate).
        lr_max: the run's ``lr_max``, if it capped the ramp (:func:`capped_at`; default: no cap).

    Returns:
        ``(peak, how)``, as the Autopilot's first event records them.

    Example:
        >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        >>> lrs = list(np.geomspace(1e-4, 1.0, 40))
        >>> losses = [1.0 / (1.0 + 50 * r) if r < 0.2 else 1.0 + 10 * r for r in lrs]
        >>> peak, how = autopilot_peak(lrs, losses, opt)
        >>> 1e-3 < peak < 0.2, how.split(":")[0]
        (True, 'default')
    """
    policy = kind_policy(optimizer, policy)
    rule = peak_rule(optimizer, "auto", policy)
    lo = lr_min if lr_min is not None else (float(probe_lrs[0]) if len(probe_lrs) else 1e-5)
    adaptive = is_adaptive(optimizer)
    return probe_peak(probe_lrs, probe_losses, lo, diverged_at, rule.rule, adaptive, policy,
                      rule.factor, rule.lag, rule.anchor,
                      capped_at(lr_max, probe_lrs, diverged_at, adaptive, policy))
