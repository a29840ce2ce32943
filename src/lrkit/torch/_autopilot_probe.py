"""Autopilot's probe (an in-run range test, rolled back or kept as the warmup) and the schedule it sets.

The probe raises the rate geometrically, :math:`\\eta_k = \\eta_{lo} (\\eta_{hi}/\\eta_{lo})^{k/(P-1)}`
(``lrkit.finder.sweep_schedule``), one real update per rate, and stops early on divergence
(``lrkit.finder.DivergenceMonitor``) or a non-finite loss or gradient. Its cost must scale with
the budget :math:`B` and stay inside the allowance (the target is at most 1.15 runs of compute).
The numbers are fields of :class:`~lrkit.torch.AutopilotPolicy` (``p``; defaults in brackets):

* **ramp** (any known budget, the default): the probe *is* the warmup.
  :math:`P = \\min(p.max\\_probe, \\lfloor B/2 \\rfloor, \\max(p.min\\_ramp, \\lfloor B/4 \\rceil))`
  updates [100, 16, a quarter, at most half] over the optimizer kind's band (:func:`probe_range`),
  counted in the budget. The state before every ``ceil(P / p.max_states)``-th update is kept; at
  the end the run goes back to the latest of those at or before the state just after the last
  update whose rate was at most the chosen peak, so the ramp below the peak keeps training. The
  updates undone were pure search: up to ``p.refund_fraction`` of the budget [10%] of them are
  refunded to the main phase from the compute allowance (the run costs at most :math:`1.1 B`
  updates), any more are lost from the budget.
* **rollback** (no budget, or asked for): :math:`P = \\max(10, \\min(100, \\lfloor B/10 \\rfloor))`
  updates over the full range; afterwards the model and optimizer are restored to their state
  before the probe, so its wild updates leave no trace. It costs :math:`P` extra updates,
  :math:`\\le 0.1 B` from a budget of 100 on (a range test needs its 10 points below that).

The peak is ``lrkit.finder.suggest``'s rule for the optimizer kind (``find_lr``'s ``rule="auto"``:
``falling`` for adaptive optimizers, ``default`` for SGD-like ones; ``resolve_rule``); on a curve
too noisy for it, the ``p.fallback_rules`` (the smoothed ``valley``, then ``minimum/10``); last
resort the middle rate. If the probe diverged at rate :math:`r`, the peak is clipped to
:math:`[r/30, r/3]` (``p.clip_below``, ``p.clip_above``; for an adaptive optimizer whose rule found
a strong valley, only capped at :math:`r/3`: :func:`probe_peak`). How the probe's numbers were
measured: ``docs/evidence.md#autopilot-the-probe``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from lrkit.errors import LRKitError, check_choice, check_int, check_positive
from lrkit.finder import VALLEY_RULES, DivergenceMonitor, suggest, sweep_schedule, valley_geometry
from lrkit.schedules import Schedule, warmup_cosine, wsd
from lrkit.torch._autopilot_policy import AutopilotPolicy
from lrkit.torch._finder_rule import is_adaptive, resolve_rule

__all__ = ["Probe", "main_schedule", "probe_peak", "probe_plan", "probe_range", "probe_settings"]

#: Rates within this relative distance of the peak count as the peak (float rounding of the sweep).
_SAME_RATE = 1e-9


def probe_plan(budget: int | None, mode: str, policy: AutopilotPolicy = AutopilotPolicy()) -> tuple[str, int]:
    """``(mode, updates)`` of the default probe for a budget (``mode`` ``"auto"`` resolved).

    Example:
        >>> probe_plan(1000, "auto"), probe_plan(40, "auto"), probe_plan(None, "auto")
        (('ramp', 100), ('ramp', 16), ('rollback', 100))
    """
    p = policy
    if mode == "auto":
        mode = "rollback" if budget is None else "ramp"
    if mode == "rollback":  # a fraction of the budget, but never under the points a range test reads
        return mode, p.max_probe if budget is None else max(p.min_rollback, min(
            p.max_probe, int(budget * p.rollback_fraction)))
    # A ramp is part of the budget: a quarter of it, at least min_ramp updates (the suggestion rules
    # need >= 8 usable points through the minibatch noise), at most max_probe and half the budget.
    longest = min(p.max_probe, int(budget * p.max_ramp_fraction))
    return mode, max(2, min(longest, max(p.min_ramp, round(p.ramp_fraction * budget))))


def probe_range(optimizer: torch.optim.Optimizer, mode: str,
                policy: AutopilotPolicy = AutopilotPolicy()) -> tuple[float, float]:
    """The default sweep range: the whole plausible range, or for a ramp the kind's useful band.

    An adaptive update moves each weight by about ``lr`` whatever the gradient's scale, so its
    useful rates sit in a band known in advance, :math:`10^{-4} .. 1` for the Adam family (a
    larger rate moves a unit-scale weight by more than its size each step); a ramp, whose every
    update is paid from the budget, starts there (``policy.adaptive_band``), a rolled-back probe
    a decade lower (``policy.adaptive_floor``). An SGD update is ``lr`` times the gradient, so
    its rate has the gradient's units and only the wide range will do (``policy.sgd_band``).

    Example:
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> probe_range(torch.optim.Adam(p), "ramp"), probe_range(torch.optim.SGD(p, lr=0.1), "ramp")
        ((0.0001, 1.0), (1e-05, 10.0))
    """
    if is_adaptive(optimizer):
        lo, hi = policy.adaptive_band
        return (lo if mode == "ramp" else policy.adaptive_floor), hi
    return policy.sgd_band


def probe_settings(optimizer: torch.optim.Optimizer, budget: int | None, probe: str, steps: int | None,
                   lr_min: float | None, lr_max: float | None, rule: str, warmup: int | None,
                   policy: AutopilotPolicy = AutopilotPolicy()) -> tuple[bool, int, float, float, str, int]:
    """Autopilot's probe arguments, validated, defaults filled in.

    Returns:
        ``(ramp, probe_steps, lr_min, lr_max, rule, warmup)``, ``rule`` resolved for the
        optimizer (``lrkit.torch._finder_rule.resolve_rule``).

    Raises:
        LRKitError: for a bad argument (the message names ``Autopilot``).

    Example:
        >>> opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))])
        >>> probe_settings(opt, 40, "auto", None, None, None, "auto", None)
        (True, 16, 0.0001, 1.0, 'falling', 0)
    """
    p = policy
    check_choice("probe", probe, "Autopilot", ("auto", "rollback", "ramp"))
    if probe == "ramp" and budget is None:
        raise LRKitError("`probe` of Autopilot must not be 'ramp' without a budget; got 'ramp'.")
    mode, default = probe_plan(budget, probe, p)
    ramp = mode == "ramp"
    steps = check_int("probe_steps", default if steps is None else steps, "Autopilot",
                      low=2 if ramp else p.min_rollback, high=budget - 1 if ramp else None)
    lo, hi = probe_range(optimizer, mode, p)
    lo = check_positive("lr_min", lo if lr_min is None else lr_min, "Autopilot")
    hi = check_positive("lr_max", hi if lr_max is None else lr_max, "Autopilot")
    if hi <= lo:
        raise LRKitError(f"`lr_max` of Autopilot must be a number > lr_min ({lo:g}); got {lr_max}.")
    if ramp:
        default_warmup = 0  # the ramp was the warmup
    else:
        default_warmup = (p.unknown_budget_warmup if budget is None
                          else max(1, int(budget * p.warmup_fraction)))
    warmup = check_int("warmup", default_warmup if warmup is None else warmup, "Autopilot", low=0)
    return ramp, steps, lo, hi, resolve_rule(rule, optimizer, p.finder), warmup


def probe_peak(probe_lrs: Sequence[float], probe_losses: Sequence[float], lr_min: float,
               diverged_at: float | None, rule: str = "default", adaptive: bool = False,
               policy: AutopilotPolicy = AutopilotPolicy()) -> tuple[float, str]:
    """The peak rate for the run after a probe, and how it was chosen.

    ``rule`` first (``lrkit.finder.suggest``); on a curve too noisy for it the
    ``policy.fallback_rules`` (the smoothed ``valley``, then ``minimum/10``); last resort the
    sweep's middle rate (``lr_min`` for an empty probe). If the probe diverged at rate ``r``, the
    peak is clipped to :math:`[r/30,\\ r/3]` (``policy.clip_below``, ``clip_above``), the
    classical band a decade below the blow-up, except that for an ``adaptive`` optimizer a
    suggestion of ``rule`` itself (one of ``lrkit.finder.VALLEY_RULES``) on a strong signal (a
    valley at least ``policy.finder.weak_sigmas`` noise SDs deep) is only capped at :math:`r/3`.

    Why the exception: for SGD the blow-up is the curvature's edge (:math:`\\eta L = 2`), so the
    useful rates sit a decade below it. An adaptive update moves every weight by about the rate
    whatever the curvature, and its blow-up can come far above the rates where the loss stopped
    improving: ``charlm``'s 1000-update ramp fell steeply to 3e-3, stayed flat to 0.3 and blew up
    at 0.48, and lifting the rule's 4.5e-4 to :math:`r/30` cost 41% of the validation loss
    (``docs/evidence.md#autopilot-the-peak``). The lower bound is there to overrule a noisy
    curve, so it stays for weak signals, fallback rules, other rules and SGD.

    Args:
        probe_lrs: the rate of each applied probe update.
        probe_losses: the loss of each applied probe update.
        lr_min: the sweep's lowest rate (the answer when no update was applied).
        diverged_at: the rate at which the probe stopped on divergence, or ``None``.
        rule: the first rule tried, a name in ``lrkit.finder.rules``.
        adaptive: whether the optimizer is adaptive (``lrkit.torch._finder_rule.is_adaptive``).
        policy: the tuned numbers (:class:`~lrkit.torch.AutopilotPolicy`).

    Returns:
        ``(peak, how)``: the rate and a one-line account for the events log.

    Example:
        >>> probe_peak([], [], 1e-5, None)
        (1e-05, 'probe failed at once')
    """
    p = policy
    lrs, losses = np.array(probe_lrs), np.array(probe_losses)
    peak, how, chosen_by = None, "probe failed at once", None
    for name in dict.fromkeys((rule, *p.fallback_rules)):
        s = suggest(lrs, losses, name, policy=p.finder) if lrs.size else None
        if s is not None and s.lr is not None:
            peak, how, chosen_by = float(s.lr), f"{name}: {s.reason}", name
            break
    if peak is None:
        peak = float(lrs[len(lrs) // 2]) if lrs.size else lr_min
    if diverged_at is not None:
        # The probe found where training breaks (rate r): the peak goes within [r/30, r/3], the
        # classical "a decade below the blow-up" band, whatever a noisy curve made the rule say
        # (an adaptive optimizer's strong suggestion keeps its place below it: see the docstring).
        r = diverged_at
        # The signal is the valley's depth: it measures the valley rules (default, falling) only.
        own = adaptive and chosen_by == rule and rule in VALLEY_RULES
        valley = valley_geometry(lrs, losses, policy=p.finder) if own else None
        strong = valley is not None and not isinstance(valley, str) and valley.signal >= p.finder.weak_sigmas
        low = 0.0 if strong else r / p.clip_below
        high = r / p.clip_above
        clipped = min(max(peak, low), high)
        if clipped != peak:
            how += f"; clipped to [{low:.3g}, {high:.3g}] below the divergence at {r:.3g}"
        peak = clipped
    return peak, how


class Probe:
    """The probe's record: its rates, losses, divergence test and (ramp) per-update states.

    Args:
        lo, hi: the sweep's first and last rate.
        steps: most updates.
        keep: ramp mode (the updates below the peak are kept; the states are recorded).
        rule: the peak rule (see :func:`probe_peak`).
        adaptive: whether the optimizer is adaptive (see :func:`probe_peak`).
        policy: the tuned numbers (:class:`~lrkit.torch.AutopilotPolicy`).
        peak: the peak to use instead of the probe's choice (``None``: the probe chooses).
    """

    def __init__(self, lo: float, hi: float, steps: int, keep: bool, rule: str,
                 adaptive: bool = False, policy: AutopilotPolicy = AutopilotPolicy(),
                 peak: float | None = None) -> None:
        self.lo, self.hi, self.steps, self.keep, self.rule = lo, hi, steps, keep, rule
        self.adaptive, self.policy, self.given_peak = adaptive, policy, peak
        self.sweep = sweep_schedule(lo, hi, steps)
        self.divergence = DivergenceMonitor(policy=policy.finder)
        self.lrs: list[float] = []
        self.losses: list[float] = []
        #: ramp only: ``states[k]``, the state before applied update ``k``, for every ``stride``-th
        #: ``k`` (at most ``policy.max_states`` copies, in CPU memory and in :meth:`state_dict`).
        self.states: dict[int, Any] = {}
        self.stride = -(-steps // policy.max_states)
        self.k = 0

    def wants_state(self) -> bool:
        """Ramp only: whether the state before the next update is to be recorded."""
        return self.keep and len(self.lrs) % self.stride == 0

    def rate(self) -> float:
        """The rate of the next probe update."""
        return float(self.sweep(self.k))

    def record(self, value: float, ok: bool) -> bool:
        """Log update ``k`` (applied when ``ok``); return True when the probe is over."""
        stop = True
        if ok and math.isfinite(value):
            self.lrs.append(self.rate())
            self.losses.append(value)
            stop = self.divergence.update(value)
        self.k += 1
        return stop or self.k >= self.steps

    def finish(self) -> tuple[float, str, Any, int]:
        """``(peak, how, state, undone)``: the peak and, for a ramp, the state to continue from
        (or None: the current one) and how many updates restoring it undoes.

        The ramp continues from the state after the last applied update at a rate <= the
        peak (the updates above it were a test, not training), or the latest recorded state
        before it (at most ``stride - 1`` updates earlier).
        """
        # Stopped before its last step: the probe diverged at the rate of its last update.
        diverged_at = float(self.sweep(self.k - 1)) if self.k < self.steps else None
        if self.given_peak is not None:
            peak, how = self.given_peak, "given"
        else:
            peak, how = probe_peak(self.lrs, self.losses, self.lo, diverged_at, self.rule, self.adaptive,
                                   self.policy)
        if not self.keep:
            return peak, how, None, 0
        below = [i for i, r in enumerate(self.lrs) if r <= peak * (1 + _SAME_RATE)]
        keep = below[-1] + 1 if below else 0
        at = max((i for i in self.states if i <= keep), default=None)
        if keep >= len(self.lrs) or at is None:  # nothing above the peak, or no state to go back to
            return peak, how, None, 0
        return peak, how, self.states[at], len(self.lrs) - at

    def state_dict(self) -> dict[str, Any]:
        """Plain data and a ramp's recorded states (CPU tensors: ``torch.save`` it with the model)."""
        return {"lo": self.lo, "hi": self.hi, "steps": self.steps, "keep": self.keep, "rule": self.rule,
                "adaptive": self.adaptive, "k": self.k, "lrs": list(self.lrs), "losses": list(self.losses),
                "states": [[k, v] for k, v in sorted(self.states.items())]}

    @classmethod
    def from_state(cls, state: dict[str, Any], policy: AutopilotPolicy = AutopilotPolicy(),
                   peak: float | None = None) -> Probe:
        """Rebuild from :meth:`state_dict` output (the divergence test re-reads the losses)."""
        probe = cls(state["lo"], state["hi"], int(state["steps"]), bool(state["keep"]), state["rule"],
                    bool(state.get("adaptive", False)),  # older states: the clip they started with
                    policy, peak)
        probe.k, probe.lrs, probe.losses = int(state["k"]), list(state["lrs"]), list(state["losses"])
        probe.states = {int(k): v for k, v in state.get("states", [])}
        for v in probe.losses:
            probe.divergence.update(v)
        return probe


def main_schedule(peak: float, steps: int, warmup: int, ramp: bool,
                  policy: AutopilotPolicy = AutopilotPolicy()) -> Schedule:
    """The schedule after the probe, over ``steps`` updates (a known budget).

    After a ramp: the peak held, then cooled down over the last ``policy.cooldown`` (20%) with
    the 1-sqrt shape (``wsd``; Hägele et al. 2024 find this trapezoid as good as cosine at a
    fixed budget, and it spends fewer updates at rates too low to matter when a run ends far
    from its noise floor; measured against cosine: ``docs/evidence.md#autopilot-the-main-phase``).
    After a rolled-back probe (no ramp to warm up): ``warmup`` updates of linear warmup, then
    cosine to 0 (``warmup_cosine``).

    Example:
        >>> [round(float(v), 2) for v in main_schedule(1.0, 10, 0, True)(range(10))]
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.29]
    """
    if ramp:
        cool = max(1, round(policy.cooldown * steps))
        w = min(warmup, steps - cool)
        return wsd(lr=peak, warmup=w, stable=steps - w - cool, decay=cool, shape=policy.cooldown_shape)
    return warmup_cosine(lr=peak, warmup=min(warmup, steps - 1), steps=steps)
