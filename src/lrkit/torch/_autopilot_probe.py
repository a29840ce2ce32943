"""Autopilot's probe (an in-run range test, rolled back or kept as the warmup) and the schedule it sets.

The probe raises the rate geometrically, :math:`\\eta_k = \\eta_{lo} (\\eta_{hi}/\\eta_{lo})^{k/(P-1)}`
(``lrkit.finder.sweep_schedule``), one real update per rate, and stops early on divergence
(``lrkit.finder.DivergenceMonitor``) or a non-finite loss or gradient. Its cost must scale with
the budget :math:`B` and is paid from it.
The numbers are fields of :class:`~lrkit.torch.AutopilotPolicy` (``p``; defaults in brackets):

* **ramp** (the default, with a budget or without: ``p.unknown_budget_probe``): the probe *is* the
  warmup; without a budget :math:`P = p.max\\_probe`.
  :math:`P = \\min(p.max\\_probe, \\lfloor B/2 \\rfloor, \\max(p.min\\_ramp, \\lfloor B/4 \\rceil))`
  updates [100, 16, a quarter, at most half] over the optimizer kind's band (:func:`probe_range`),
  counted in the budget. The state before every ``ceil(P / p.max_states)``-th update is kept; at
  the end the run goes back to the latest of those at or before the state just after the last
  update whose rate was at most the chosen peak, so the ramp below the peak keeps training. The
  updates undone were pure search, paid from the budget like every other update.
* **rollback** (asked for): :math:`P = \\max(10, \\min(100, \\lfloor B/10 \\rfloor))` (``p.max_probe``
  without a budget)
  updates over the full range; afterwards the model and optimizer are restored to their state
  before the probe, so its wild updates leave no trace. Its :math:`P` updates are paid from the
  budget, :math:`\\le 0.1 B` from a budget of 100 on (a range test needs its 10 points below that).

Either way the run makes exactly :math:`B` updates: the budget is never exceeded.

The peak is read off the probe's curve by the optimizer kind's rule (``lrkit.torch._autopilot_peak``).
How the probe's numbers were measured: ``docs/evidence.md#autopilot-the-probe``.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from lrkit.errors import LRKitError, check_choice, check_int, check_positive
from lrkit.finder import DivergenceMonitor, handed_to_weak_rule, sweep_schedule
from lrkit.schedules import Schedule, constant, linear, warmup, warmup_cosine, wsd
from lrkit.torch._autopilot_peak import SAME_RATE, PeakRule, capped_at, kind_policy, peak_rule, read_peak
from lrkit.torch._autopilot_policy import AutopilotPolicy
from lrkit.torch._finder_rule import is_adaptive

__all__ = ["Probe", "main_schedule", "paced_ramp", "probe_plan", "probe_range", "probe_settings"]


def probe_plan(budget: int | None, mode: str, policy: AutopilotPolicy = AutopilotPolicy()) -> tuple[str, int]:
    """``(mode, updates)`` of the default probe for a budget (``mode`` ``"auto"`` resolved).

    Example:
        >>> probe_plan(1000, "auto"), probe_plan(40, "auto"), probe_plan(None, "auto")
        (('ramp', 100), ('ramp', 16), ('ramp', 100))
    """
    p = policy
    if mode == "auto":
        mode = p.unknown_budget_probe if budget is None else "ramp"
    if budget is None:  # nothing to take a fraction of: the longest probe
        return mode, p.max_probe
    if mode == "rollback":  # a fraction of the budget, but never under the points a range test reads
        return mode, max(p.min_rollback, min(p.max_probe, int(budget * p.rollback_fraction)))
    # A ramp is part of the budget: a quarter of it, at least min_ramp updates (the suggestion rules
    # need >= 8 usable points through the minibatch noise), at most max_probe and half the budget.
    longest = min(p.max_probe, int(budget * p.max_ramp_fraction))
    return mode, max(2, min(longest, max(p.min_ramp, round(p.ramp_fraction * budget))))


def paced_ramp(steps: int, lo: float, hi: float, policy: AutopilotPolicy = AutopilotPolicy()) -> int:
    """A ramp's updates over ``lo .. hi`` at the pace ``steps`` updates set over ``policy.sgd_band``
    (``policy.ramp_pace="decades"``): a band spanning fewer decades takes proportionally fewer, never
    fewer than ``policy.min_ramp`` (or ``steps``, if less), never more than ``steps``.

    Why: a ramp's pace, its updates per decade, sets how far the loss lags the rising rate and so
    where the peak is read; with one length for every kind, an adaptive ramp (four decades by default)
    runs at two thirds of SGD's pace (six).

    Example:
        >>> paced_ramp(100, 1e-4, 1.0), paced_ramp(100, 1e-5, 10.0), paced_ramp(20, 1e-4, 1.0)
        (67, 100, 16)
    """
    wide = math.log(policy.sgd_band[1] / policy.sgd_band[0])
    share = min(1.0, math.log(hi / lo) / wide)
    return max(min(policy.min_ramp, steps), round(steps * share))


def probe_range(optimizer: torch.optim.Optimizer, mode: str,
                policy: AutopilotPolicy = AutopilotPolicy()) -> tuple[float, float]:
    """The default sweep range: the whole plausible range, or for a ramp the kind's useful band.

    An adaptive update moves each weight by about ``lr`` whatever the gradient's scale, so its
    useful rates sit in a band known in advance, :math:`10^{-4} .. 1` for the Adam family (a
    larger rate moves a unit-scale weight by more than its size each step), raised for a class whose
    documented default rate sits near its top (:func:`~lrkit.torch._autopilot_peak.kind_policy`);
    a ramp, whose every
    update is paid from the budget, starts there (``policy.adaptive_band``), a rolled-back probe
    a decade lower (``policy.adaptive_floor``). An SGD update is ``lr`` times the gradient, so
    its rate has the gradient's units and only the wide range will do (``policy.sgd_band``).

    Example:
        >>> p = [torch.nn.Parameter(torch.zeros(1))]
        >>> probe_range(torch.optim.Adam(p), "ramp"), probe_range(torch.optim.SGD(p, lr=0.1), "ramp")
        ((0.0001, 1.0), (1e-05, 10.0))
    """
    if is_adaptive(optimizer):
        policy = kind_policy(optimizer, policy)  # where the class's own scale lives
        lo, hi = policy.adaptive_band
        return (lo if mode == "ramp" else policy.adaptive_floor), hi
    return policy.sgd_band


def probe_settings(optimizer: torch.optim.Optimizer, budget: int | None, probe: str, steps: int | None,
                   lr_min: float | None, lr_max: float | None, rule: str, warmup: int | None,
                   policy: AutopilotPolicy = AutopilotPolicy(),
                   ) -> tuple[bool, int, float, float, PeakRule, int]:
    """Autopilot's probe arguments, validated, defaults filled in.

    Returns:
        ``(ramp, probe_steps, lr_min, lr_max, rule, warmup)``, ``rule`` the
        :class:`~lrkit.torch._autopilot_peak.PeakRule` for the optimizer (``peak_rule``).

    Raises:
        LRKitError: for a bad argument (the message names ``Autopilot``).

    Example:
        >>> opt = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))])
        >>> probe_settings(opt, 40, "auto", None, None, None, "auto", None)
        (True, 16, 0.0001, 1.0, PeakRule(rule='falling', factor=1.0, lag=0, anchor=None), 0)
    """
    p = policy
    check_choice("probe", probe, "Autopilot", ("auto", "rollback", "ramp"))
    mode, default = probe_plan(budget, probe, p)
    ramp = mode == "ramp"
    if ramp and steps is None and p.ramp_pace == "decades":
        default = paced_ramp(default, *probe_range(optimizer, mode, p), p)
    steps = check_int("probe_steps", default if steps is None else steps, "Autopilot",
                      low=2 if ramp else p.min_rollback, high=None if budget is None else budget - 1)
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
    return ramp, steps, lo, hi, peak_rule(optimizer, rule, p), warmup


class Probe:
    """The probe's record: its rates, losses, divergence test and (ramp) per-update states.

    Args:
        lo, hi: the sweep's first and last rate.
        steps: most updates.
        keep: ramp mode (the updates below the peak are kept; the states are recorded).
        rule: the peak rule (see ``lrkit.torch._autopilot_peak.probe_peak``).
        adaptive: whether the optimizer is adaptive (see ``probe_peak``).
        policy: the tuned numbers (:class:`~lrkit.torch.AutopilotPolicy`).
        peak: the peak to use instead of the probe's choice (``None``: the probe chooses).
        factor, lag, anchor: the rule's factor, the lag of its reading and its blow-up anchor's
            distance (``probe_peak``).
    """

    def __init__(self, lo: float, hi: float, steps: int, keep: bool, rule: str,
                 adaptive: bool = False, policy: AutopilotPolicy = AutopilotPolicy(),
                 peak: float | None = None, factor: float = 1.0, lag: int = 0,
                 anchor: float | None = None) -> None:
        self.lo, self.hi, self.steps, self.keep, self.rule = lo, hi, steps, keep, rule
        self.adaptive, self.policy, self.given_peak = adaptive, policy, peak
        self.factor, self.lag = float(factor), int(lag)
        self.anchor = None if anchor is None else float(anchor)
        self.sweep = sweep_schedule(lo, hi, steps)
        self.divergence = DivergenceMonitor(policy=policy.finder)
        self.lrs: list[float] = []
        self.losses: list[float] = []
        #: ramp only: ``states[k]``, the state before applied update ``k``, for every ``stride``-th
        #: ``k`` (at most ``policy.max_states`` copies, in CPU memory and in :meth:`state_dict`).
        self.states: dict[int, Any] = {}
        self.stride = -(-steps // policy.max_states)
        self.k = 0
        self.run = 0  # the faults skipped in a row just before update k (see :meth:`record`)
        self.no_valley = False  # set by :meth:`finish`: the peak is a ramp with no valley's floor
        self.weak = False  # set by :meth:`finish`: the valley rule handed a weak drop to the weak rule

    def wants_state(self) -> bool:
        """Ramp only: whether the state before the next update is to be recorded."""
        return self.keep and len(self.lrs) % self.stride == 0

    def rate(self) -> float:
        """The rate of the next probe update."""
        return float(self.sweep(self.k))

    def record(self, value: float, ok: bool, batch: bool = False) -> bool:
        """Log update ``k`` (applied when ``ok``); return True when the probe is over.

        A fault that may be the batch's (``batch``: a non-finite loss or gradient from finite weights,
        one bad sample) skips the update, as the guard skips it, until ``policy.faults_in_row`` come in
        a row: a rate that blew the weights up faults again from the same weights, and the divergence
        is read at the first of them (:meth:`diverged_at`).
        """
        stop = True
        if ok and math.isfinite(value):
            self.lrs.append(self.rate())
            self.losses.append(value)
            stop, self.run = self.divergence.update(value), 0
        elif batch and self.run + 1 < self.policy.faults_in_row:
            stop, self.run = False, self.run + 1
        self.k += 1
        return stop or self.k >= self.steps

    def diverged_at(self) -> float | None:
        """The rate the probe diverged at (it stopped before its last update), or ``None``."""
        if not 0 < self.k < self.steps:
            return None
        return float(self.sweep(self.k - 1 - self.run))  # faults in a row: the rate of the first

    def capped_at(self) -> float | None:
        """``hi``, a user's ``lr_max`` below the kind's band (``policy.sgd_band`` / ``adaptive_band``),
        when the probe reached it without blowing up, else ``None``: the peak is then read below a cap,
        not below a blow-up (``probe_peak`` reads such a ramp without the anchor)."""
        return capped_at(self.hi, self.lrs, self.diverged_at(), self.adaptive, self.policy)

    def finish(self) -> tuple[float, str, Any, int]:
        """``(peak, how, state, undone)``: the peak and, for a ramp, the state to continue from
        (or None: the current one) and how many updates restoring it undoes.

        The ramp continues from the state after the last applied update at a rate <= the
        peak (the updates above it were a test, not training), or the latest recorded state
        before it (at most ``stride - 1`` updates earlier).
        """
        diverged_at = self.diverged_at()
        if self.given_peak is not None:
            peak, how = self.given_peak, "given"
        else:
            peak, how, self.no_valley = read_peak(self.lrs, self.losses, self.lo, diverged_at, self.rule,
                                                  self.adaptive, self.policy, self.factor, self.lag,
                                                  self.anchor, self.capped_at())
            self.weak = handed_to_weak_rule(how.split(": ", 1)[-1])
        if not self.keep:
            return peak, how, None, 0
        below = [i for i, r in enumerate(self.lrs) if r <= peak * (1 + SAME_RATE)]
        keep = below[-1] + 1 if below else 0
        at = max((i for i in self.states if i <= keep), default=None)
        if keep >= len(self.lrs) or at is None:  # nothing above the peak, or no state to go back to
            return peak, how, None, 0
        return peak, how, self.states[at], len(self.lrs) - at

    def state_dict(self) -> dict[str, Any]:
        """Plain data and a ramp's recorded states (CPU tensors: ``torch.save`` it with the model)."""
        return {"lo": self.lo, "hi": self.hi, "steps": self.steps, "keep": self.keep, "rule": self.rule,
                "adaptive": self.adaptive, "factor": self.factor, "lag": self.lag, "anchor": self.anchor,
                "k": self.k, "run": self.run,
                "lrs": list(self.lrs), "losses": list(self.losses),
                "states": [[k, v] for k, v in sorted(self.states.items())]}

    @classmethod
    def from_state(cls, state: dict[str, Any], policy: AutopilotPolicy = AutopilotPolicy(),
                   peak: float | None = None) -> Probe:
        """Rebuild from :meth:`state_dict` output (the divergence test re-reads the losses)."""
        probe = cls(state["lo"], state["hi"], int(state["steps"]), bool(state["keep"]), state["rule"],
                    bool(state.get("adaptive", False)),  # older states: the clip they started with
                    policy, peak, float(state.get("factor", 1.0)), int(state.get("lag", 0)),
                    state.get("anchor"))  # older states: no anchor, as they were read then
        probe.k, probe.lrs, probe.losses = int(state["k"]), list(state["lrs"]), list(state["losses"])
        probe.run = int(state.get("run", 0))  # older states: none skipped
        probe.states = {int(k): v for k, v in state.get("states", [])}
        for v in probe.losses:
            probe.divergence.update(v)
        return probe


def main_schedule(peak: float, steps: int, warmup_steps: int, ramp: bool,
                  policy: AutopilotPolicy = AutopilotPolicy()) -> Schedule:
    """The schedule after the probe, over ``steps`` updates (a known budget).

    After a ramp (it was the warmup), by ``policy.main_shape``: ``"wsd"`` holds the peak, then
    cools down over the last ``policy.cooldown`` of the updates with ``policy.cooldown_shape``
    (Hägele et al. 2024 find this trapezoid as good as cosine at a fixed budget); ``"cosine"``
    and ``"linear"`` decay from the peak to 0 over all of them; ``"constant"`` holds the peak to
    the end (for a run whose tail is averaged instead, ``policy.average_tail``). After a rolled-back probe (no
    ramp to warm up): ``warmup_steps`` updates of linear warmup, then cosine to 0
    (``warmup_cosine``). Measured: ``docs/evidence.md#autopilot-the-main-phase``.

    Example:
        >>> [round(float(v), 2) for v in main_schedule(1.0, 10, 0, True)(range(10))]
        [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.29]
        >>> [round(float(v), 2) for v in main_schedule(1.0, 4, 0, True, AutopilotPolicy(main_shape="linear"))(
        ...     range(4))]
        [1.0, 0.75, 0.5, 0.25]
    """
    if not ramp:
        return warmup_cosine(lr=peak, warmup=min(warmup_steps, steps - 1), steps=steps)
    shape = policy.main_shape
    if shape == "wsd":
        cool = max(1, round(policy.cooldown * steps))
        w = min(warmup_steps, steps - cool)
        return wsd(lr=peak, warmup=w, stable=steps - w - cool, decay=cool, shape=policy.cooldown_shape)
    w = min(warmup_steps, steps - 1)
    if shape == "constant":
        return warmup(constant(peak), steps=w) if w else constant(peak)
    if shape == "cosine":
        return warmup_cosine(lr=peak, warmup=w, steps=steps)
    decay = linear(start=peak, end=0.0, steps=steps - w)
    return warmup(decay, steps=w) if w else decay
