"""Autopilot's checkpoint: what :meth:`Autopilot.state_dict` saves, and how a run resumes from it.

A resumed run is bit-identical to one never stopped (``tests/torch/test_autopilot_resume.py``):
the state holds the plain numbers of the phase machine (:data:`PLAIN`), the probe's record, the
guard's, the plateau monitor's and the events, and the CPU snapshots the run may still go back to.
The user checkpoints the model and the optimizer as usual; the snapshots here are the *other*
states the run may restore: the fault guard's last good one, a rolled-back probe's pre-probe
state (while it runs), a ramp's recorded states (while it runs: up to ``max_states`` copies) and
a race's shared start and best segment end (while it runs), a trial's shared start and candidates'
ends (while it runs), and the tail average of the weights (while
the main phase runs, when the policy averages). Mixed into
:class:`~lrkit.torch.Autopilot`; the attributes it reads are the Autopilot's.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import torch

from lrkit.errors import LRKitError
from lrkit.torch._autopilot_average import TailAverage
from lrkit.torch._autopilot_guard import training_tensors
from lrkit.torch._autopilot_probe import Probe
from lrkit.torch._autopilot_race import Race
from lrkit.torch._autopilot_trial import Trial

__all__ = ["PLAIN", "Resumable", "check_state"]

#: The plain-number attributes that :meth:`Resumable.state_dict` saves as they are.
PLAIN = ("budget", "probe_steps", "race_steps", "phase", "t", "warmup", "peak", "scale", "decays",
         "trial_steps", "tried", "factor")
#: The plain numbers that came later, and their values in a run saved before them (no race, no trial).
LATER = {"race_steps": 0, "trial_steps": 0, "tried": True, "factor": 1.0}
#: The keys every saved state has (``LATER``'s, ``race``, ``trial``, ``amp_skips``, ``amp_run`` and
#: ``micro`` came later: older states lack them).
REQUIRED = tuple(k for k in PLAIN if k not in LATER) + ("probe", "guard", "events", "monitor")


def _snapshots(state: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every snapshot a state holds: the guard's, a rolled-back probe's, a ramp's, a race's, a trial's."""
    race = state.get("race") or {}
    trial = state.get("trial") or {}
    probe = state["probe"] if isinstance(state["probe"], dict) else {}
    guard = state["guard"] if isinstance(state["guard"], dict) else {}
    found = [guard.get("snapshot"), state.get("pre_probe"), race.get("start"), race.get("best"),
             trial.get("start"), trial.get("best"), trial.get("end"),
             *(v for _, v in probe.get("states", []))]
    yield from (s for s in found if isinstance(s, dict) and "tensors" in s)


def check_state(state: Any, optimizer: torch.optim.Optimizer, model: torch.nn.Module | None) -> None:
    """Refuse, before anything is loaded, what is not an :meth:`Resumable.state_dict` or was saved for
    other parameters (the run would otherwise fail at its first rollback, steps later).

    Raises:
        LRKitError: naming ``state_dict`` of Autopilot, what is wrong and what is allowed.

    Example:
        >>> opt = torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)
        >>> try:
        ...     check_state({"budget": 100, "phase": "main", "t": 0, "warmup": 0}, opt, None)
        ... except LRKitError as e:
        ...     print(e)  # doctest: +NORMALIZE_WHITESPACE
        `state_dict` of Autopilot must be what Autopilot.state_dict() returned; got a dict without
        'probe_steps', 'peak', 'scale', 'decays', 'probe', 'guard', 'events', 'monitor'.
    """
    if not isinstance(state, dict):
        raise LRKitError(f"`state_dict` of Autopilot must be what Autopilot.state_dict() returned; got "
                         f"{type(state).__name__}.")
    missing = [k for k in REQUIRED if k not in state]
    if missing:
        raise LRKitError("`state_dict` of Autopilot must be what Autopilot.state_dict() returned; got a dict "
                         f"without {', '.join(repr(k) for k in missing)}.")
    tensors = training_tensors(optimizer, model)
    mine = [tuple(x.shape) for x in tensors]
    saved_sets = [[tuple(x.shape) for x in snap["tensors"]] for snap in _snapshots(state)]
    average = state.get("average")
    if isinstance(average, dict) and average.get("mean") is not None:
        mean = average["mean"]  # None where a tensor is not averaged (an integer buffer): its shape is mine
        saved_sets.append([mine[i] if m is None and i < len(mine) else tuple(getattr(m, "shape", ()))
                           for i, m in enumerate(mean)])
    for saved in saved_sets:
        if saved != mine:
            raise LRKitError(f"`state_dict` of Autopilot was saved for {len(saved)} tensors of shapes "
                             f"{_shapes(saved)}, not this run's {len(mine)} of {_shapes(mine)}; load it into "
                             "the model and optimizer it was saved with.")


def _shapes(shapes: list[tuple[int, ...]], most: int = 4) -> str:
    text = ", ".join(str(list(s)) for s in shapes[:most])
    return text + (", ..." if len(shapes) > most else "")


class Resumable:
    """``state_dict`` / ``load_state_dict`` of :class:`~lrkit.torch.Autopilot` (see the module docstring)."""

    def state_dict(self: Any) -> dict[str, Any]:
        """Everything to resume the autopilot bit-identically (the user checkpoints model and optimizer).

        Plain numbers (the scaler's skipped updates and the pending micro-batch losses among them) plus
        the CPU snapshots the run may still go back to: the rollback snapshot
        of the fault guard, a rolled-back probe's pre-probe state, a ramp's recorded states (up
        to 20 copies of the parameters and optimizer state while the ramp runs, none after it),
        a race's shared start and the end of its best segment so far (while it runs).
        Save it with ``torch.save``; ``torch.load(..., weights_only=True)`` reads it back.
        """
        state = {k: getattr(self, k) for k in PLAIN}
        pre_probe = self._pre_probe if self.phase == "probe" and not self.ramp else None
        race = self._race.state_dict() if self._race is not None else None
        trial = self._trial.state_dict() if self._trial is not None else None
        average = self._average.state_dict() if self._average is not None else None
        return {**state, "probe": self._probe.state_dict(), "guard": self._guard.state_dict(), "race": race,
                "trial": trial, "events": copy.deepcopy(self.events), "monitor": self._monitor.state_dict(),
                "pre_probe": pre_probe, "average": average, **self._skipped_state()}

    def _skipped_state(self: Any) -> dict[str, Any]:
        """The calls that made no update: the scaler's skipped updates, all of them (``amp_skips``) and
        those in a row now (a fault past ``MAX_AMP_SKIPS``), and the losses of the micro-batches of the
        coming update under accelerate's accumulation (``micro``), so a run checkpointed among them
        goes on from where it was."""
        return {"amp_skips": self.amp_skips, "amp_run": self._amp_run, "micro": list(self._micro)}

    def load_state_dict(self: Any, state: dict[str, Any]) -> None:
        """Restore from :meth:`state_dict` output (call after loading the model and optimizer).

        Raises:
            LRKitError: for a dict that is no Autopilot state, one saved for parameters of other
                shapes (:func:`check_state`), or one saved by a run with another ``budget``; nothing is
                changed then.
        """
        check_state(state, self.optimizer, self.model)
        if state["budget"] != self.budget:  # the saved run's probe and schedule were laid out for its budget
            raise LRKitError(
                f"`state_dict` of Autopilot was saved by a run with budget={state['budget']}, not this "
                f"Autopilot's budget={self.budget}: a run resumes with the budget its probe and schedule "
                f"were laid out for, and the Autopilot cannot lengthen or shorten it. Build the Autopilot "
                f"with budget={state['budget']} to resume this run; a run of another length is a new run "
                "(it probes again).")
        for k in PLAIN:
            setattr(self, k, state.get(k, LATER[k]) if k in LATER else state[k])  # older: no race, no trial
        self.amp_skips, self._amp_run = state.get("amp_skips", 0), state.get("amp_run", 0)  # older: none
        self._micro = list(state.get("micro", []))
        saved_race = state.get("race")
        self._race = Race.from_state(saved_race) if saved_race is not None else None
        saved_trial = state.get("trial")
        self._trial = Trial.from_state(saved_trial) if saved_trial is not None else None
        self._probe = Probe.from_state(state["probe"], self.policy, self.given_peak)
        self.ramp, self.rule = self._probe.keep, self._probe.rule
        self.lr_min, self.lr_max = self._probe.lo, self._probe.hi
        self._main = self._build_schedule()
        saved_average = state.get("average")  # older states: none
        self._average = (None if saved_average is None else
                         TailAverage.from_state(saved_average, training_tensors(self.optimizer, self.model)))
        self._guard.load_state_dict(state["guard"])
        self.events = copy.deepcopy(state["events"])
        self._monitor.load_state_dict(state["monitor"])
        if self._guard.snapshot is None:  # a state saved without its snapshots: the best now is now
            self._guard.reset(self.t)
        if self.phase == "probe":
            saved = state.get("pre_probe")
            self._pre_probe = saved if saved is not None else self._take_snapshot()
            self._set_rate(self._probe.rate())
        elif self.phase == "race":
            self._set_rate(self._race.rate())
        elif self.phase == "trial":
            self._set_rate(self._trial_rate())
        else:
            self._advance()
