"""Autopilot's phase machine: probe -> (race) -> main -> done, and the moves between them.

Mixed into :class:`~lrkit.torch.Autopilot` (whose ``step`` calls these per update; the attributes
they read are the Autopilot's). Each method is one transition of the module docstring of
``lrkit.torch._autopilot``:

* :meth:`Phases._probe_step`: one probe update (refused with one error, nothing changed, when the
  very first loss or gradient is not finite); the probe's end reads the peak
  (``_autopilot_probe.Probe.finish``), rolls back a rolled-back probe or rewinds a ramp to its last
  update at or below the peak with fresh optimizer statistics, and starts the race or the main phase;
* :meth:`Phases._race_step`: one race update (``_autopilot_race``), and at its end the winner's rate;
* :meth:`Phases._advance`: the main phase's next rate (the schedule times the fault cut ``scale`` and
  the trial's ``factor``), the trial's start (``_autopilot_trial``, when the policy asks for one), or
  ``done`` once the budget is spent, the tail average (``_autopilot_average``) then written into
  the model;
* :meth:`Phases._trial_step`: one trial update, and at its end the winner's factor, the main phase
  laid out again for the updates the trial paid;
* :meth:`Phases._react`: without a budget, the plateau / too-high / too-low reaction to a
  :class:`~lrkit.diagnostics.Monitor` diagnosis (``_autopilot_guard.reaction``).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from lrkit.diagnostics import DiagnosePolicy, Monitor
from lrkit.schedules import constant, warmup
from lrkit.errors import LRKitError
from lrkit.finder import valley_geometry
from lrkit.stats import difference_noise, median_diff_se
from lrkit.torch._autopilot_checks import check_first_loss, first_step_failed
from lrkit.torch._autopilot_average import TailAverage
from lrkit.torch._autopilot_guard import (grads_finite, loss_ceiling, reaction, reading, restart_statistics,
                                          restore_buffers, restore_snapshot, training_tensors,
                                          weights_finite)
from lrkit.torch._autopilot_peak import GUESS
from lrkit.torch._autopilot_probe import main_schedule
from lrkit.torch._autopilot_race import start_race
from lrkit.torch._autopilot_trial import Trial, trial_plan
from lrkit.torch._groups import LR_KEY

__all__ = ["Phases", "untrained", "REACT_POLICY"]

#: The diagnosis an Autopilot without a budget reacts to: ``diagnose``'s default, except that a stall reads
#: ``plateau`` whatever its fall against its noise (``plateau_drop`` off): its rate is its own probe's
#: reading, near the best, where a stall is the noise floor its decays anneal, not a user's rate of unknown
#: place that may crawl (docs/evidence.md#diagnose-a-plateau-at-a-rate-too-low); its figures were measured so.
REACT_POLICY = DiagnosePolicy(plateau_drop=0.0)


def untrained(first: list[float], last: list[float], head: float = 0.25, tail: float = 0.5,
              policy: DiagnosePolicy = DiagnosePolicy()) -> tuple[float, float, float] | None:
    """``(start, end, z)`` when a run's loss ended where it started, within noise, or above, else ``None``.

    diagnose's "nothing measurable moved" (``DiagnosePolicy.still_z``) on the two ends an Autopilot
    holds: ``start`` the median of the first ``head`` share of the probe's losses ``first`` (its lowest
    rates: the untrained loss), ``end`` the median of the last ``tail`` share of the main phase's
    recent losses ``last`` (each at least ``min_level_points``; ``AutopilotPolicy.untrained_head`` and
    ``untrained_tail``), and
    ``z`` their difference in standard errors of two medians (``lrkit.stats.median_diff_se``) of the
    step noise of ``last`` read from its differences (``lrkit.stats.difference_noise``: a trend does
    not inflate it). Untrained when
    :math:`z > -` ``still_z``; ``None`` too when either end has fewer than ``min_level_points`` losses.

    Example:
        >>> flat = [0.70, 0.72, 0.71, 0.69, 0.72, 0.70, 0.71, 0.70, 0.72, 0.71]
        >>> start, end, z = untrained([0.71, 0.70, 0.72], flat)
        >>> start, end, z > -2.0
        (0.71, 0.71, True)
        >>> untrained([0.71, 0.70, 0.72], [0.2, 0.19, 0.21, 0.2, 0.18, 0.2]) is None
        True
    """
    k = policy.min_level_points
    if len(first) < k or len(last) < k:
        return None
    h, m = max(k, int(len(first) * head)), max(k, int(len(last) * tail))
    start, end = float(np.median(first[:h])), float(np.median(last[-m:]))
    se = median_diff_se(difference_noise(np.array(last)), h, m)
    z = (end - start) / se if se > 0 else (0.0 if end == start else math.copysign(math.inf, end - start))
    return (start, end, float(z)) if z > -policy.still_z else None


class Phases:
    """The phase transitions of :class:`~lrkit.torch.Autopilot` (see the module docstring)."""

    def _build_schedule(self: Any) -> Any:
        # Everything it depends on is fixed when the probe ends (or is loaded): built then, once,
        # not per update (the fault cut is a separate factor, ``scale``).
        if self.peak is None:
            return None
        if self.budget is not None:
            return main_schedule(self.peak, self.main_steps, self.warmup, self.ramp, self.policy)
        return warmup(constant(self.peak), steps=self.warmup) if self.warmup else constant(self.peak)

    def _probe_step(self: Any, value: float) -> bool:
        ok = math.isfinite(value) and grads_finite(self.optimizer)
        first = self._probe.k == 0
        if not ok and first:  # no rate tried yet: nothing can be read, nothing was applied
            self._restore_user_rates()
            check_first_loss(value, math.isfinite(value) and grads_finite(self.optimizer),
                             model_known=self.model is not None)
        if ok:
            if self._probe.wants_state():  # where the run goes on if this is the first update undone
                self._probe.states[len(self._probe.lrs)] = self._take_snapshot()
            if first:
                self._first_optimizer_step()
            else:
                self.optimizer.step()
        if self._probe.record(value, ok, batch=not ok and weights_finite(self.optimizer)):
            self._end_probe()
        else:
            self._set_rate(self._probe.rate())
        return ok

    def _restore_user_rates(self: Any) -> None:
        """Undo what a refused first step found changed: the rates the Autopilot wrote, and the model's
        buffers (the refused batch's forward already wrote BatchNorm's running statistics; a NaN sample
        leaves them NaN for every later evaluation). No update was applied, so the weights are as built."""
        if self._pre_probe is not None:
            restore_buffers(self.model, self._pre_probe)
        for g, (lr, initial) in zip(self.optimizer.param_groups, self._initial_lrs):
            g["lr"] = lr  # the user's object, and its value (a tensor rate was filled in place)
            LR_KEY.write(g, initial)
        self._written = None  # the user's rates are back: a next step writes the probe's again

    def _first_optimizer_step(self: Any) -> None:
        # A step that fails before any update was made is the optimizer's (a SAM-style step that asserts
        # a closure passes the signature check): one LRKitError naming it, the user's rates put back.
        try:
            self.optimizer.step()
        except LRKitError:
            raise
        except Exception as exc:
            self._restore_user_rates()
            raise first_step_failed(self.optimizer, exc) from exc

    def _end_probe(self: Any) -> None:
        self.peak, how, state, _ = self._probe.finish()
        self.probe_steps = self._probe.k  # the probe may stop early (divergence): count what it spent
        if not self.ramp:
            restore_snapshot(self.optimizer, self.model, self._pre_probe)  # the probe leaves no trace
        else:
            if state is not None:  # the ramp's updates above the peak were a test: undo them
                restore_snapshot(self.optimizer, self.model, state)
            # Fresh statistics, the ramp's weights: Adam's second moment (~1000-update memory) would
            # keep the untrained model's large gradients and shrink a short run's steps (docstring).
            restart_statistics(self.optimizer)
        cap = self._probe.capped_at()
        self.events.append({"t": 0, "probe": self.probe_steps, "peak": self.peak, "how": how,
                            "mode": "ramp" if self.ramp else "rollback",
                            "diverged_at": self._probe.diverged_at(), "capped_at": cap})
        if self._ages is not None:  # every rate was divided by the optimizer's step age (age_correction)
            self.events[-1]["step_age"] = {"first": self._ages[0], "updates": len(self._ages)}
        if cap is not None and self.given_peak is None:  # the user's bound, not where training breaks
            warnings.warn(f"Autopilot: the probe reached lr_max={cap:.3g} without the loss blowing up, so "
                          f"the peak {self.peak:.3g} is read below your cap, not below a blow-up; the best "
                          "rate may lie above lr_max (leave lr_max out to let the probe find where training "
                          "breaks).", stacklevel=4)
        if (GUESS in how or self._probe.weak) and self._probe.diverged_at() is None and cap is None:
            self._warn_guess()
        self._probe.states, self._pre_probe = {}, None
        race = None
        if self.ramp and self.given_peak is None:
            race = start_race(self.peak, self.budget, self.probe_steps, self.policy, self.optimizer,
                              self.model, no_valley=self._probe.no_valley)
        if race is not None:  # measure a few peaks around the ramp's reading (``_autopilot_race``)
            self._race, self.phase = race, "race"
            self._set_rate(race.rate())
            return
        self._start_main()

    def _warn_guess(self: Any) -> None:
        """Say that the peak is a guess, not a measurement (``find_lr``'s words for a reading with no measured
        descent): the probe's curve showed no valley, or a drop too small for its valley rule's half-depth
        crossings (``lrkit.finder.handed_to_weak_rule``), and it never blew up, so it tells neither where the
        descent begins nor where training breaks (a short rolled-back probe's few rates, a factor of several
        apart, can step over both), and the run may not train at it."""
        probe = self._probe
        apart = (probe.hi / probe.lo) ** (1 / max(1, probe.steps - 1))
        way = " or a larger budget" if self.ramp else ", a larger budget or probe='ramp' (more, closer rates)"
        seen = "no valley"
        if probe.weak:
            v = valley_geometry(np.asarray(probe.lrs, dtype=float), np.asarray(probe.losses, dtype=float),
                                policy=probe.policy.finder)
            drop = "" if isinstance(v, str) else f"of only {v.signal:.1f} times its batch-to-batch noise "
            seen = (f"a drop {drop}too small to tell where the descent begins (the "
                    f"{probe.policy.finder.weak_rule} rule read the smoothed curve instead)")
        warnings.warn(f"Autopilot: a guess, not a measurement: the probe's {self.probe_steps} rates "
                      f"({probe.lo:.3g} to {probe.hi:.3g}, a factor {apart:.3g} apart) show {seen} and no "
                      f"confirmed blow-up, so the peak {self.peak:.3g} is a guess and the run may not train "
                      f"at it; give it peak= (find_lr's answer, say){way}.", stacklevel=5)

    def _start_main(self: Any) -> None:
        self._guard.reset(self.t)
        # The ramp's losses at or below the peak came from weights this run trains on: one far above them
        # is a blow-up, even before the spike test has its history (policy.ramp_ceiling).
        self._guard.ceiling = loss_ceiling(self.probe_lrs, self.probe_losses, self.peak,
                                           self.policy.ramp_ceiling)
        self.phase = "main"
        self._main = self._build_schedule()
        self._average = self._new_average()
        self._advance()

    def _new_average(self: Any) -> TailAverage | None:
        """The tail average of this run's main phase (``policy.average_tail``), or None: no known budget,
        a budget above ``policy.average_max_budget``, or no tail asked for."""
        p = self.policy
        if self.budget is None or (p.average_max_budget is not None and self.budget > p.average_max_budget):
            return None
        return TailAverage.for_tail(self.main_steps, p.average_tail)

    def _write_average(self: Any) -> None:
        """At the end of the budget: the tail average into the model (logged), and its memory freed."""
        avg, self._average = self._average, None
        if avg is not None and avg.write(training_tensors(self.optimizer, self.model)):
            self.events.append({"t": self.t, "averaged": avg.count, "from": avg.start})

    def _say_if_untrained(self: Any) -> None:
        """At the budget's end: if the loss ended where it started (:func:`untrained`), an event and a
        warning naming the peak the probe read and how, since the run alone cannot tell why."""
        p = self.policy
        moved = untrained(self.probe_losses, list(self._guard.recent), p.untrained_head, p.untrained_tail)
        if moved is None:
            return
        start, end, z = moved
        first = self.events[0] if self.events else {}
        self.events.append({"t": self.t, "untrained": True, "start": start, "end": end, "z": z})
        rose = z > DiagnosePolicy().still_z  # above its start beyond noise, not within it
        where = "above where it started" if rose else "where it started, within noise"
        warnings.warn(f"Autopilot: the training loss ended {where}: the median of "
                      f"its last losses, {end:.4g}, lies {z:+.1f} standard errors from the probe's first, "
                      f"{start:.4g} ({self.budget} updates). The probe read a peak of {self.peak:.3g} "
                      f"({first.get('how', 'given')}). If the model did not train (check a validation loss), "
                      "the run cannot tell why: a peak too low for this budget, too high, or a loss that "
                      "cannot fall (model, data, loss_fn); give a peak known to train (peak=...), a longer "
                      "budget, or read the history with lrkit diagnose.", stacklevel=4)

    def _race_step(self: Any, value: float) -> bool:
        ok, over = self._race.step(self.optimizer, self.model, value)
        if not over:
            self._set_rate(self._race.rate())
            return ok
        self.peak, self.race_steps = self._race.finish(self.optimizer, self.model, self.policy.fault_cut)
        self.events.append(self._race.event())
        self._race = None
        self._start_main()
        return ok

    def _advance(self: Any) -> None:
        if self.budget is not None and self.t >= self.main_steps:
            if self.phase != "done":  # the budget is spent now (a loaded finished run is not written again)
                self._write_average()
                self._say_if_untrained()
            self.phase = "done"
            return
        if not self.tried and self._start_trial():
            return
        self._set_rate(float(self.schedule()(self.t)) * self.scale * self.factor)

    def _start_trial(self: Any) -> bool:
        """At the trial's update (``policy.trial_factors``; ``_autopilot_trial``): hold the state, start the
        first candidate; True when it started. Without a trial the run never asks again (``tried``)."""
        plan = trial_plan(self.main_steps, self.policy.trial_factors, self.policy)
        if plan is None:
            self.tried = True
            return False
        t0, m, c = plan
        if self.t < t0:
            return False
        self.tried = True
        base = float(self.schedule()(self.t)) * self.scale
        # never above the bound of the no-budget raise: a third of the highest rate the probe survived
        ceiling = max(self.probe_lrs, default=self.peak) / self.policy.clip_above
        factors = tuple(f for f in self.policy.trial_factors if f * base <= ceiling)
        if trial_plan(self.main_steps, factors, self.policy) is None:
            return False
        self._trial, self.phase = Trial(factors, m, c, self.t), "trial"
        self._trial.begin(self.optimizer, self.model)
        self._set_rate(self._trial_rate())
        return True

    def _trial_rate(self: Any) -> float:
        trial = self._trial
        base = float(self.schedule()(trial.t0 + min(trial.j, trial.segment - 1))) * self.scale
        return trial.rate(base)

    def _trial_step(self: Any, value: float) -> bool:
        trial = self._trial
        ok, over = trial.step(self.optimizer, self.model, value)
        if not over:
            self._set_rate(self._trial_rate())
            return ok
        self.factor, self.trial_steps = trial.finish(self.optimizer, self.model)
        self.events.append(trial.event(float(self.schedule()(trial.t0)) * self.scale))
        self.t = trial.t0 + (trial.segment if trial.winner() is not None else 0)
        self._trial, self.phase = None, "main"
        self._main = self._build_schedule()  # laid out again for the updates the trial paid
        if self._average is not None and self._average.count == 0:
            self._average = self._new_average()
        self._guard.reset(self.t)
        self._advance()
        return ok

    def _react(self: Any, value: float) -> None:
        """Unknown budget: decay on a plateau, halve when too high (a fresh monitor after each)."""
        self._monitor.observe(self.t, value, self.lr)
        if self.t % self.policy.check_every:
            return  # read at checks only: each diagnosis reads the whole held history
        d = self._monitor.diagnosis
        if d is None:
            return
        # The probe's last stable rate bounds any increase: never within clip_above of where it diverged.
        ceiling = max(self.probe_lrs, default=self.peak) / self.policy.clip_above / self.peak
        read = reading(d.verdict, d.fired, self.policy.react_to)
        verdict, factor = reaction(read, self.decays, self.scale, ceiling, self.policy)
        if factor is None:
            return
        self.scale, self.decays = self.scale * factor, self.decays + (verdict == "plateau")
        self.events.append({"t": self.t, "reaction": verdict, "scale": self.scale, "diagnosis": d.verdict})
        self._monitor = Monitor(every=self.policy.check_every, policy=REACT_POLICY)
