"""Autopilot's trial: a race of the main phase's rate against multiples of it, each judged after a cool-down.

The ramp reads the peak on the untrained model; the rate a model tolerates may rise (or fall) as it
trains. The trial measures it once, part-way into the main phase (``AutopilotPolicy.trial_factors``,
an opt-in). At main-phase update :math:`t_0 = \\lfloor \\text{trial\\_at}\\, M \\rceil` (:math:`M` the main
phase's updates), with the rate :math:`r_t` the schedule would give, candidate :math:`i` trains
:math:`m` updates at :math:`f_i r_t` from the state at :math:`t_0`, then a side cool-down of :math:`c`
updates at :math:`f_i r_{t_0+m-1} (1 - \\sqrt{k / c})`, :math:`k = 1..c` (the 1-sqrt shape of the
main phase's own cool-down, down to 0). Its score is the mean training loss over the cool-down's last
half: a higher held rate sits higher on its noise floor until it is cooled, so the loss *at* the rate
cannot say which rate made more progress, the loss after cooling can (the river-valley picture of wsd).
The losses are the loop's next batches, as every other loss the Autopilot reads. A non-finite loss or
gradient disqualifies a candidate. The cool-down is undone (the state at the end of the candidate's
:math:`m` updates restored bit for bit), and so is every candidate but the winner (lowest score; the
first listed wins a tie): the run goes on from where the winner's :math:`m` updates ended, at the
winner's factor times the schedule, those :math:`m` updates kept as main-phase updates. Every other
update, :math:`(K-1) m + K c`, is paid from the budget: the main phase is that much shorter and its
schedule (the cool-down's start included) is laid out again for what is left. The budget is never
exceeded.

:math:`m = \\max(\\text{min\\_race}, \\lfloor \\text{trial\\_fraction}\\, M \\rceil)`,
:math:`c = \\max(\\text{min\\_race}, \\lfloor \\text{trial\\_cooldown}\\, M \\rceil)`; a candidate above
the highest rate the probe survived divided by ``clip_above`` is dropped (the no-budget raise's bound),
and there is no trial with fewer than two candidates left, when the paid updates would exceed
``max_trial_fraction`` of :math:`M`, or when the kept segment would reach into the main phase's
cool-down. Three snapshots are held while it runs (the shared start, the best candidate's end so far,
the running candidate's end), in CPU memory and in ``state_dict``.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from lrkit.torch._autopilot_guard import grads_finite, restore_snapshot, take_snapshot
from lrkit.torch._autopilot_policy import AutopilotPolicy

__all__ = ["Trial", "trial_plan"]


def trial_plan(main_steps: int | None, factors: tuple[float, ...], policy: AutopilotPolicy = AutopilotPolicy()
               ) -> tuple[int, int, int] | None:
    """``(t0, m, c)`` of a trial of ``factors`` in a main phase of ``main_steps`` updates, or ``None``
    (no budget, fewer than two factors, the paid updates over ``max_trial_fraction`` of the main phase,
    or the kept segment reaching its cool-down).

    Example:
        >>> p = AutopilotPolicy(trial_factors=(1.0, 2.0))
        >>> trial_plan(1000, (1.0, 2.0), p), trial_plan(1000, (1.0,), p), trial_plan(80, (1.0, 2.0), p)
        ((100, 200, 50), None, None)
    """
    k = len(factors)
    if main_steps is None or k < 2:
        return None
    m = max(policy.min_race, round(policy.trial_fraction * main_steps))
    c = max(policy.min_race, round(policy.trial_cooldown * main_steps))
    t0 = round(policy.trial_at * main_steps)
    paid = (k - 1) * m + k * c
    left = main_steps - paid
    if paid > policy.max_trial_fraction * main_steps or t0 + m > (1.0 - policy.cooldown) * left:
        return None
    return t0, m, c


class Trial:
    """The trial's record (see the module docstring): the factors, the running candidate's position and
    cool-down losses, the scores, three snapshots.

    Args:
        factors: the candidates' multipliers of the schedule's rate, in the order they run.
        segment: ``m``, each candidate's updates at its rate.
        cool: ``c``, each candidate's side cool-down.
        t0: the main-phase update the trial starts at.

    Example:
        >>> model = torch.nn.Linear(1, 1)
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> trial = Trial((1.0, 2.0), segment=1, cool=2, t0=0)
        >>> trial.begin(opt, model)
        >>> for loss in (5.0, 4.0, 3.0, 5.0, 2.0, 1.0):  # x1: cooled 3.0; x2: cooled 1.0
        ...     _ = trial.step(opt, model, loss)
        >>> trial.finish(opt, model), trial.event(0.1)
        ((2.0, 5), {'t': 0, 'trial': [[1.0, 3.0], [2.0, 1.0]], 'rate': 0.1, 'factor': 2.0, 'paid': 5})
    """

    def __init__(self, factors: tuple[float, ...], segment: int, cool: int, t0: int) -> None:
        self.factors = tuple(float(f) for f in factors)
        self.segment, self.cool, self.t0 = int(segment), int(cool), int(t0)
        self.i = 0  # the running candidate
        self.j = 0  # its updates so far (segment, then cool-down)
        self.losses: list[float] = []  # its cool-down's losses
        self.scores: list[float] = []
        self.steps = 0
        #: The shared start, the best candidate's end so far, the running candidate's end.
        self.start: dict[str, Any] | None = None
        self.best: dict[str, Any] | None = None
        self.end: dict[str, Any] | None = None
        self.won: float | None = None

    @property
    def over(self) -> bool:
        return self.i >= len(self.factors)

    def cooling(self) -> bool:
        """Whether the running candidate's next update is one of its cool-down's."""
        return self.j >= self.segment

    def rate(self, base: float) -> float:
        """The next update's rate; ``base``: the schedule's rate at ``t0 + min(j, m - 1)`` times the scale."""
        f = self.factors[self.i]
        if not self.cooling():
            return f * base
        k = self.j - self.segment + 1
        return f * base * (1.0 - math.sqrt(k / self.cool))

    def begin(self, optimizer: torch.optim.Optimizer, model: torch.nn.Module | None) -> None:
        """Hold the state every candidate starts from (the current one)."""
        self.start = take_snapshot(optimizer, model, self.t0)

    def step(self, optimizer: torch.optim.Optimizer, model: torch.nn.Module | None,
             value: float) -> tuple[bool, bool]:
        """Apply the running candidate's update (if its loss and gradients are finite); at the end of its
        segment hold its state, at the end of its cool-down score it and restore the shared start for the
        next one. Returns ``(applied, trial over)``."""
        ok = math.isfinite(value) and grads_finite(optimizer)
        self.steps += 1
        if ok and self.cooling():
            self.losses.append(value)  # the loss of the state the cool-down has reached
        if ok:
            optimizer.step()
        self.j += 1
        if ok and self.j == self.segment:
            self.end = take_snapshot(optimizer, model, self.t0 + self.segment)
        if ok and self.j < self.segment + self.cool:
            return ok, False
        self._close(ok)
        if not self.over:
            restore_snapshot(optimizer, model, self.start)
        return ok, self.over

    def _close(self, ok: bool) -> None:
        n = max(1, self.cool // 2)
        score = float(sum(self.losses[-n:]) / n) if ok and len(self.losses) >= n else math.inf
        if math.isfinite(score) and all(score < s for s in self.scores):
            self.best = self.end
        self.scores.append(score)
        self.losses, self.end, self.j = [], None, 0
        self.i += 1

    def winner(self) -> int | None:
        """The winning candidate's index (``None`` if every one was disqualified)."""
        finite = [i for i, s in enumerate(self.scores) if math.isfinite(s)]
        return min(finite, key=lambda i: self.scores[i]) if finite else None

    def finish(self, optimizer: torch.optim.Optimizer, model: torch.nn.Module | None) -> tuple[float, int]:
        """Go to where the winner's segment ended; ``(its factor, the updates paid)``. If every candidate
        failed: the shared start, at the lowest factor, every update paid."""
        won = self.winner()
        restore_snapshot(optimizer, model, self.start if won is None else self.best)
        self.won = min(self.factors) if won is None else self.factors[won]
        return self.won, self.steps - (0 if won is None else self.segment)

    def event(self, rate: float) -> dict[str, Any]:
        """The finished trial's entry in the Autopilot's ``events`` (``rate``: the schedule's at ``t0``)."""
        paid = self.steps - (self.segment if self.winner() is not None else 0)
        return {"t": self.t0, "trial": [[f, s] for f, s in zip(self.factors, self.scores)], "rate": rate,
                "factor": self.won, "paid": paid}

    def state_dict(self) -> dict[str, Any]:
        """Plain data and the three snapshots (CPU tensors: ``torch.save`` it with the model)."""
        return {"factors": list(self.factors), "segment": self.segment, "cool": self.cool, "t0": self.t0,
                "i": self.i, "j": self.j, "losses": list(self.losses), "scores": list(self.scores),
                "steps": self.steps, "start": self.start, "best": self.best, "end": self.end}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Trial:
        """Rebuild from :meth:`state_dict` output."""
        trial = cls(tuple(state["factors"]), state["segment"], state["cool"], state["t0"])
        trial.i, trial.j, trial.steps = int(state["i"]), int(state["j"]), int(state["steps"])
        trial.losses, trial.scores = list(state["losses"]), list(state["scores"])
        trial.start, trial.best, trial.end = state["start"], state["best"], state["end"]
        return trial
