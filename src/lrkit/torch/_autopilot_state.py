"""Autopilot's checkpoint: what :meth:`Autopilot.state_dict` saves, and how a run resumes from it.

A resumed run is bit-identical to one never stopped (``tests/torch/test_autopilot_resume.py``):
the state holds the plain numbers of the phase machine (:data:`PLAIN`), the probe's record, the
guard's, the plateau monitor's and the events, and the CPU snapshots the run may still go back to.
The user checkpoints the model and the optimizer as usual; the snapshots here are the *other*
states the run may restore: the fault guard's last good one, a rolled-back probe's pre-probe
state (while it runs), a ramp's recorded states (while it runs: up to ``max_states`` copies) and
a race's shared start and best segment end (while it runs). Mixed into
:class:`~lrkit.torch.Autopilot`; the attributes it reads are the Autopilot's.
"""

from __future__ import annotations

import copy
from typing import Any

from lrkit.torch._autopilot_probe import Probe
from lrkit.torch._autopilot_race import Race

__all__ = ["PLAIN", "Resumable"]

#: The plain-number attributes that :meth:`Resumable.state_dict` saves as they are.
PLAIN = ("budget", "probe_steps", "race_steps", "phase", "t", "warmup", "peak", "scale", "decays")


class Resumable:
    """``state_dict`` / ``load_state_dict`` of :class:`~lrkit.torch.Autopilot` (see the module docstring)."""

    def state_dict(self: Any) -> dict[str, Any]:
        """Everything to resume the autopilot bit-identically (the user checkpoints model and optimizer).

        Plain numbers plus the CPU snapshots the run may still go back to: the rollback snapshot
        of the fault guard, a rolled-back probe's pre-probe state, a ramp's recorded states (up
        to 20 copies of the parameters and optimizer state while the ramp runs, none after it),
        a race's shared start and the end of its best segment so far (while it runs).
        Save it with ``torch.save``; ``torch.load(..., weights_only=True)`` reads it back.
        """
        state = {k: getattr(self, k) for k in PLAIN}
        pre_probe = self._pre_probe if self.phase == "probe" and not self.ramp else None
        race = self._race.state_dict() if self._race is not None else None
        return {**state, "probe": self._probe.state_dict(), "guard": self._guard.state_dict(), "race": race,
                "events": copy.deepcopy(self.events), "monitor": self._monitor.state_dict(),
                "pre_probe": pre_probe}

    def load_state_dict(self: Any, state: dict[str, Any]) -> None:
        """Restore from :meth:`state_dict` output (call after loading the model and optimizer)."""
        for k in PLAIN:
            setattr(self, k, state.get(k, 0) if k == "race_steps" else state[k])  # older states: no race
        saved_race = state.get("race")
        self._race = Race.from_state(saved_race) if saved_race is not None else None
        self._probe = Probe.from_state(state["probe"], self.policy, self.given_peak)
        self.ramp, self.rule = self._probe.keep, self._probe.rule
        self.lr_min, self.lr_max = self._probe.lo, self._probe.hi
        self._main = self._build_schedule()
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
        else:
            self._advance()
