"""``Autopilot``: train without choosing a learning rate.

Wrap any torch optimizer and call ``autopilot.step(loss)`` where the loop would call
``optimizer.step()`` (after ``loss.backward()``). The run goes through three phases:

1. **probe**: an in-run range test whose cost scales with the budget :math:`B`
   (``lrkit.torch._autopilot_probe``): update ``k`` at the geometric sweep rate
   ``lr_min (lr_max/lr_min)^(k/(P-1))``, stopped early on divergence. The peak
   (``lrkit.torch._autopilot_peak``) is ``lrkit.finder.suggest``'s rule for the optimizer kind
   (``falling`` for adaptive optimizers, ``default`` for SGD-like ones, as ``find_lr``'s
   ``rule="auto"``); with SGD momentum the reading moves halfway (in log-rate) to 2.25 decades below
   the ramp's blow-up, ``find_lr``'s anchor (the loss answers a rate ~1/(1-momentum) updates late);
   a valley under 8 noise SDs is read by ``minimum/10`` where the ramp's loss turned or the reading
   is anchored;
   the peak is kept within ``[r/30, r/3]`` of a divergence at rate ``r`` (an adaptive
   optimizer's strong suggestion only below ``r/3``), and a ramp with no valley (its loss never fell:
   any reading is a guess) takes ``r/30``. Two modes (``probe="auto"``: a ramp, with or without a
   budget; ``policy.unknown_budget_probe`` chooses without one):

   * ``"ramp"``: the probe is the warmup, :math:`P = \\min(100, B/2, \\max(16, B/4))` updates (100
     without a budget) over the kind's band (``1e-4 .. 1`` adaptive, ``1e-5 .. 10`` otherwise) inside
     the budget; the run goes on from (about: at most 20 states are held) the last update at a rate
     <= the peak, the updates above it undone, and with fresh optimizer statistics: the ramp's weights
     are kept, but its untrained gradients would linger in Adam's second moment (~1000 updates) and
     shrink every later step.
   * ``"rollback"`` (asked for): :math:`P = \\max(10, \\min(100, B/10))` updates
     (100 without a budget) over ``1e-5 .. 10`` (``.. 1`` for the Adam family), then the model and
     optimizer are restored bit for bit; only its compute is spent, paid from the budget.
   **race** (after a ramp, when ``policy.race_factors`` lists candidates; ``lrkit.torch._autopilot_race``):
   each multiple of the ramp's peak trains a few updates from the ramp's end state, restored bit for
   bit for each; the lowest late loss wins, the losers' updates are paid from the budget.
2. **warmup** (``warmup`` updates; default 5% of the budget after a rolled-back probe, 100
   without a budget, none after a ramp, which was one): linear from 0 to the peak.
3. **main**: after a ramp, the peak held, then a 1-sqrt cool-down over the last 20% (``wsd``);
   after a rolled-back probe with a budget, cosine decay to 0 (``warmup_cosine``); without a
   budget, the peak held, and every ``check_every`` updates a :class:`~lrkit.diagnostics.Monitor`
   diagnosis: ``plateau`` divides the rate by 10 (at most ``max_decays`` times), ``too_high_*``
   halves it, ``too_low_slow`` is logged and leaves it alone (``too_low_factor`` = 1: a raise,
   before any decay, never above a third of the highest rate the probe survived).
   **trial** (with a budget, when ``policy.trial_factors`` lists candidates;
   ``lrkit.torch._autopilot_trial``): at ``trial_at`` of the main phase, each multiple of its rate trains
   from one state and is judged by its loss after a short side cool-down, undone bit for bit; the
   winner's factor holds to the end, the losers' updates and the cool-downs are paid from the budget.

**Faults** (``lrkit.torch._autopilot_guard``): a batch whose loss spikes, rises above the lowest
loss the ramp saw by more than ``ramp_ceiling`` (100) times its depth (its highest at or below the peak
less that lowest: a constant added to the loss changes nothing), or whose loss or gradient is NaN/inf
while the weights are finite (one bad sample), has its update skipped; two faults in a row
(``faults_in_row``: a rate too high faults again on the next batch, a bad batch does not), or
non-finite weights, restore the last good in-memory snapshot bit for bit (and cut the rate when
rollbacks repeat); in the probe, the second fault in a row is the divergence, read at the first's
rate; all logged in ``events``. **The budget is never exceeded**:
every update (the probe's, kept, undone or rolled back, the race's, the trial's, skipped ones) is paid
from it, so ``while not ap.done`` makes exactly ``budget`` updates (a loss scaler's overflow, ``scaler=``, is
no update: the scaler skips it, and it is not paid).

Every number above is a field of :class:`~lrkit.torch.AutopilotPolicy` (the defaults quoted),
passed as ``Autopilot(policy=...)``; its reasons and evidence: ``docs/evidence.md``. This module
checks the arguments and holds the run's state and its rate; the moves between the phases are
``lrkit.torch._autopilot_phases``; resuming (``state_dict``): ``lrkit.torch._autopilot_state``.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

from lrkit.diagnostics import Monitor
from lrkit.errors import LRKitError, check_instance, check_positive
from lrkit.torch._accelerate import skips_step
from lrkit.torch._autopilot_age import age_factors, state_age
from lrkit.torch._autopilot_checks import check_budget, check_optimizer, check_scaler, loss_value
from lrkit.torch._autopilot_average import TailAverage
from lrkit.torch._autopilot_guard import Guard, scaler_overflow, take_snapshot, training_tensors
from lrkit.torch._autopilot_phases import REACT_POLICY, Phases
from lrkit.torch._autopilot_peak import kind_policy
from lrkit.torch._autopilot_policy import AutopilotPolicy
from lrkit.torch._autopilot_probe import Probe, probe_settings
from lrkit.torch._autopilot_race import Race
from lrkit.torch._autopilot_state import Resumable
from lrkit.torch._autopilot_trial import Trial
from lrkit.torch._ddp import mean_across_ranks
from lrkit.torch._finder_rule import is_adaptive
from lrkit.torch._groups import LR_KEY, apart, group_ratios, group_sizes

__all__ = ["Autopilot"]

_OWNER = "Autopilot"


class Autopilot(Phases, Resumable):
    """Drive an optimizer's learning rate with no rate given: probe, warm up, decay, recover.

    Args:
        optimizer: any ``torch.optim.Optimizer``; its ``lr`` values are overwritten
            (per-group ratios are kept: group ``g`` gets ``rate * lr_g / lr_ref``, ``lr_ref`` the rate of
            the group above 0 holding the most parameters, whatever the order of the groups; the
            probe's band and the rates reported are that group's; a group frozen with ``lr=0`` stays at 0).
            Its groups are fixed at construction: one added later is refused at the next ``step``; a group
            to unfreeze later goes in now, its parameters with ``requires_grad=False`` until then.
        budget: training updates (``None``: unknown, plateau reaction). Every update of the
            run is paid from it, the probe's included: the run makes exactly this many.
        model: the module, to include its buffers (e.g. BatchNorm statistics) in snapshots.
        probe: ``"auto"``, ``"rollback"`` or ``"ramp"`` (see the module docstring). A ramp
            holds up to 20 CPU copies of the parameters, buffers and optimizer state, a
            rolled-back probe one, a race two.
        probe_steps: most updates of the probe; after the probe this attribute holds the
            number it actually took.
        lr_min, lr_max: the probe's sweep range (default: :func:`probe_range`). A ramp that reaches an
            ``lr_max`` below the kind's band without blowing up never saw where training breaks: its peak
            is read below the cap, not below a blow-up (no momentum anchor), and a warning and
            ``events[0]["capped_at"]`` say so.
        rule: the peak rule, ``"auto"`` (by the optimizer kind) or a ``lrkit.finder.rules`` name.
        warmup: warmup updates after the probe (default 5% of ``budget`` after a rolled-back
            probe, 100 after one without a budget, 0 after a ramp).
        peak: the main phase's peak rate, when it is known; the probe still runs (as the
            warmup, or rolled back) but its choice is replaced (``None``: the probe chooses).
        policy: the tuned numbers (:class:`~lrkit.torch.AutopilotPolicy`): the probe's
            length and band, the peak's clip, the cool-down, the guard (snapshot cadence, the
            spike test, the faults in a row that roll back, the cut after repeated ones) and the plateau
            reaction.
        scaler: the loop's loss scaler (``torch.amp.GradScaler``; mixed precision), or ``None``. The
            loop is ``scaler.scale(loss).backward(); ap.step(loss); scaler.update()`` (``step``
            unscales the gradients unless the loop did). An update whose loss is finite but whose
            gradients are not is the scaler's overflow, a step it skips: nothing is applied, recorded
            or paid from the budget, the same rate is tried on the next batch (``amp_skips`` counts
            them); after ``MAX_AMP_SKIPS`` (16) in a row the gradients are no overflow but a fault.

    Raises:
        LRKitError: for a bad argument.

    Example:
        >>> _ = torch.manual_seed(0)
        >>> x = torch.randn(256, 4); y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0])
        >>> model = torch.nn.Linear(4, 1)
        >>> ap = Autopilot(torch.optim.SGD(model.parameters(), lr=1.0), budget=300, model=model)
        >>> while not ap.done:
        ...     ap.optimizer.zero_grad()
        ...     i = torch.randint(0, 256, (32,))
        ...     loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
        ...     loss.backward()
        ...     _ = ap.step(loss)
        >>> ap.phase, ap.events[0]["mode"], ap.total_steps, float(loss.detach()) < 1e-3
        ('done', 'ramp', 300, True)
    """

    def __init__(self, optimizer: torch.optim.Optimizer, *, budget: int | None = None,
                 model: torch.nn.Module | None = None, probe: str = "auto", probe_steps: int | None = None,
                 lr_min: float | None = None, lr_max: float | None = None, rule: str = "auto",
                 warmup: int | None = None, peak: float | None = None,
                 policy: AutopilotPolicy = AutopilotPolicy(), scaler: Any = None) -> None:
        # Every check comes before any state changes (``_autopilot_checks``): one line, nothing touched.
        check_optimizer(optimizer, model)
        self.scaler = check_scaler(scaler)
        self.amp_skips, self._amp_run = 0, 0  # the scaler's skipped updates: all, and in a row now
        self._micro: list[float] = []  # the losses of accelerate's micro-batches of the coming update
        self.policy = check_instance("policy", policy, _OWNER, AutopilotPolicy)
        self.optimizer, self.model = optimizer, model
        self.budget = check_budget(budget)
        self.given_peak = None if peak is None else check_positive("peak", peak, _OWNER)
        plan = probe_settings(optimizer, self.budget, probe, probe_steps, lr_min, lr_max, rule, warmup,
                              policy)
        self.ramp, self.probe_steps, self.lr_min, self.lr_max, how, self.warmup = plan
        self.rule = how.rule
        base = [float(g["lr"]) for g in optimizer.param_groups]
        # put back if the first loss fails: the objects (a tensor rate is filled in place) and their values
        self._initial_lrs = [(g["lr"], float(g["lr"])) for g in optimizer.param_groups]
        # a group frozen with lr=0 stays at 0; the band is the reference group's, whatever the order
        self._ref, self._ratios = group_ratios(base, group_sizes(optimizer.param_groups))
        # The optimizer's step age (policy.age_correction): a_k per state age k, or None (no correction).
        self._ages = (age_factors(optimizer, self._ref, policy.age_horizon, policy.age_settled,
                                  policy.age_tolerance)
                      if policy.age_correction and is_adaptive(optimizer) else None)
        self._probe = Probe(self.lr_min, self.lr_max, self.probe_steps, self.ramp, self.rule,
                            is_adaptive(optimizer), kind_policy(optimizer, policy), self.given_peak,
                            how.factor, how.lag, how.anchor)
        self.peak: float | None = None
        self._race: Race | None = None  # the race after a ramp, while it runs (``policy.race_factors``)
        self.race_steps = 0
        self._trial: Trial | None = None  # the main phase's trial while it runs (``policy.trial_factors``)
        self.trial_steps = 0  # the updates the trial paid (its losers' and every cool-down)
        self.tried = False  # whether the main phase has started its trial or found it has none
        self.factor = 1.0  # the trial winner's multiple of the main schedule
        self._main: Any = None  # the main-phase schedule, once the probe has ended
        self._average: TailAverage | None = None  # the tail average, once the main phase has begun
        self.scale = 1.0
        self.decays = 0
        self.t = 0  # main-phase updates (or skipped updates) since the probe ended
        self.phase = "probe"
        self.events: list[dict[str, Any]] = []
        self._said_done = False  # whether a step after the budget was warned of (once)
        self._guard = Guard(optimizer, model, policy)
        self._monitor = Monitor(every=policy.check_every, policy=REACT_POLICY)
        self._pre_probe: dict[str, Any] | None = self._take_snapshot()
        self._set_rate(self._probe.rate())

    # -- rates ---------------------------------------------------------------------------------
    @property
    def probe_lrs(self) -> list[float]:
        """The rate of each applied probe update."""
        return self._probe.lrs

    @property
    def probe_losses(self) -> list[float]:
        """The loss of each applied probe update."""
        return self._probe.losses

    @property
    def main_steps(self) -> int | None:
        """Updates of the main phase (warmup included): the budget less the probe's, the race's and what
        the trial paid."""
        if self.budget is None:
            return None
        return self.budget - self.probe_steps - self.race_steps - self.trial_steps

    @property
    def total_steps(self) -> int | None:
        """Every update of the run (``None`` without a budget): the budget, the probe's included."""
        return self.budget

    @property
    def done(self) -> bool:
        """True once the budget is used up (never without a budget)."""
        return self.phase == "done"

    def schedule(self) -> Any:
        """The main-phase schedule (an lrkit schedule of ``t``), known once the probe has ended."""
        return self._main

    @property
    def lr(self) -> float:
        """The rate the next update uses (the reference group's: above 0, with the most parameters)."""
        return float(self.optimizer.param_groups[self._ref]["lr"])

    def _set_rate(self, rate: float) -> None:
        age = self._age_factor()
        for g, r in zip(self.optimizer.param_groups, self._ratios):
            LR_KEY.write(g, rate * r if age is None else rate * r / age)
        # What the groups hold now, to tell at the next step whether something else wrote them;
        # None while the user's own rates are back (a refused first step).
        self._written: list[Any] | None = [float(g["lr"]) for g in self.optimizer.param_groups]

    def _age_factor(self) -> float | None:
        """The next update's step age :math:`a_k` (``lrkit.torch._autopilot_age``), its rate divided by it;
        ``None`` when no correction applies (none asked for, a step that needs none, a settled state, or a
        state that keeps no update count)."""
        if self._ages is None:
            return None
        k = state_age(self.optimizer, self._ref)
        return None if k is None or k >= len(self._ages) else self._ages[k]

    def _check_rate_is_ours(self) -> None:
        """Refuse to go on when a group's rate is not the one the Autopilot wrote after its last update.

        Something else then writes the rate (an old scheduler's ``step()``, a line setting the group's
        ``lr``): every update would run at its rate, not the Autopilot's, and the probe would read a
        curve it did not drive. Checked before anything of this update is applied.
        """
        for i, (g, ours) in enumerate(zip(self.optimizer.param_groups, self._written or ())):
            if float(g["lr"]) != ours:
                found, wrote = apart(float(g["lr"]), ours)
                raise LRKitError(
                    f"`optimizer` of Autopilot.step: param group {i}'s lr is {found}, not the "
                    f"{wrote} the Autopilot set after its last update; something else writes the rate "
                    "(a scheduler's step(), a line setting the group's lr). Remove it: the Autopilot "
                    "drives the rate.")

    def _check_groups(self) -> None:
        """Refuse to go on when the optimizer's param groups are not the ones the Autopilot was built with
        (``optimizer.add_param_group`` after it, e.g. to unfreeze a backbone): the added group would train
        at the rate it was added with, whatever the Autopilot's rate, and no snapshot holds it. Checked
        before anything of this update is applied."""
        n, built = len(self.optimizer.param_groups), len(self._ratios)
        if n != built:
            raise LRKitError(
                f"`optimizer` of Autopilot.step has {n} param groups, not the {built} it had when the "
                "Autopilot was built (optimizer.add_param_group after it): the Autopilot drives the groups "
                "it was built with. Put every group in the optimizer before building the Autopilot; a group "
                "to unfreeze later goes in at its lr with its parameters' requires_grad=False until then "
                "(a frozen parameter gets no gradient and is not updated).")

    # -- snapshots and fault checks (lrkit.torch._autopilot_guard) -----------------------------
    def _take_snapshot(self) -> dict[str, Any]:
        return take_snapshot(self.optimizer, self.model, self.t)

    # -- the step -------------------------------------------------------------------------------
    def step(self, loss: float | torch.Tensor) -> bool:
        """Check this update's loss and gradients, apply it (or recover), and set the next rate.

        Args:
            loss: the loss whose gradients are in ``.grad`` (a one-element tensor or a number). Under
                ``torch.distributed`` it is averaged over the ranks before anything is decided (one
                scalar ``all_reduce``), so every rank must call ``step`` and all take the same decisions.

        Under ``accelerator.accumulate`` (``gradient_accumulation_steps=k``) a micro-batch whose
        ``step()`` accelerate skips is no update: its loss is kept, nothing is applied or paid from the
        budget, and the update at the ``k``-th reads the mean loss of its micro-batches.

        Returns:
            True when the update was applied; False when it was skipped (fault, the scaler's
            overflow, a micro-batch under accelerate's accumulation, or done: the budget is never
            exceeded, and the first step after it is spent warns, once).

        Raises:
            LRKitError: for a loss that is no number (a tuple, a dict, a per-sample vector), a step
                with no gradient anywhere (``loss.backward()`` forgotten), a group rate that is not
                the one the Autopilot set (an old scheduler still stepping), or a param group added after
                the Autopilot was built; nothing is applied (before the first update, every group's
                rate is put back as the optimizer was built).
        """
        if self.phase == "done":
            self._say_done()
            return False
        try:
            self._check_groups()
            if self._written is None:  # a refused first step put the user's rates back: the probe's again
                self._set_rate(self._probe.rate())
            self._check_rate_is_ours()
            # Under torch.distributed every decision reads the mean over ranks (as find_lr's): one rank's
            # shard or batch must not give it another peak, skip or rollback than the others (DDP replicas).
            value = mean_across_ranks(loss_value(loss, self.optimizer))
        except LRKitError:
            if self.phase == "probe" and self._probe.k == 0:  # refused before any update: as built
                self._restore_user_rates()
            raise
        if skips_step(self.optimizer):  # accelerate steps once every k micro-batches: no update yet
            self._micro.append(value)
            return False
        if self._micro:  # the update reads its micro-batches' mean loss, as find_lr's accumulation
            value, self._micro = (sum(self._micro) + value) / (len(self._micro) + 1), []
        if scaler_overflow(self.scaler, self.optimizer, value, self._amp_run):
            self.amp_skips, self._amp_run = self.amp_skips + 1, self._amp_run + 1
            return False  # the scaler skips this update (its update() backs off): the same rate next time
        self._amp_run = 0
        if self.phase == "probe":
            return self._probe_step(value)
        if self.phase == "race":
            return self._race_step(value)
        if self.phase == "trial":
            return self._trial_step(value)
        hook = self._observe_average if self._average is not None else None  # the tail average's iterate
        event = self._guard.update(value, self.t, hook)
        if event is not None:
            if event.pop("repeat", False):  # repeated faults mean the rate is too high
                self.scale *= self.policy.fault_cut
            self.events.append({**event, "scale": self.scale})
        elif self.budget is None:
            self._react(value)
        self.t += 1
        self._advance()
        return event is None

    def _say_done(self) -> None:
        """Warn, once per Autopilot, that a step after the budget was spent applies nothing: a loop over
        more batches than the budget goes on computing gradients that train nothing (ux16 L3)."""
        if self._said_done:
            return
        self._said_done = True
        warnings.warn(f"Autopilot.step: the budget of {self.budget} updates is spent (ap.done is True): "
                      "this step applied nothing, and no later one will; end the loop with `while not "
                      "ap.done` (or give a larger budget, or budget=None to train until you stop).",
                      stacklevel=3)

    def _observe_average(self) -> None:
        """Add the weights of the update about to be applied to the tail average (the guard calls it)."""
        self._average.observe(training_tensors(self.optimizer, self.model), self.t)
