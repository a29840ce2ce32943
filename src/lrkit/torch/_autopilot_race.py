"""Autopilot's race: after the ramp, a few peaks around its choice, each trained briefly from one state.

A ramp reads the peak off a curve whose rate changes every update, so its reading is a
prediction; the race measures instead. With the ramp's peak :math:`p` and the factors
:math:`f_1..f_K` (``AutopilotPolicy.race_factors``), candidate :math:`i` trains :math:`m`
updates at the constant rate :math:`f_i p` from the state the ramp ended in (fresh optimizer
statistics, as the main phase starts), and scores the mean of its last
``race_score_fraction`` of losses; a non-finite loss or gradient disqualifies it. After each
candidate the model and optimizer are restored bit for bit to that state. The winner (lowest
score; the first listed wins a tie) continues from the state its own segment ended in, so its
:math:`m` updates are kept as the start of the main phase; the others' :math:`(K-1) m` are the
race's cost, paid from the budget like every other update.

:math:`m = \\max(\\text{min\\_race}, \\lfloor \\text{race\\_fraction}\\, B \\rceil)`, and there is no
race when :math:`K m` would exceed ``max_race_fraction`` of the updates left after the ramp:
the budget is never exceeded. Two snapshots are held during the race (the start, and the end of
the best segment so far), in CPU memory and in ``state_dict``.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from lrkit.torch._autopilot_guard import grads_finite, restore_snapshot, take_snapshot
from lrkit.torch._autopilot_policy import AutopilotPolicy

__all__ = ["Race", "no_valley_race", "race_plan", "start_race"]


def race_plan(budget: int | None, left: int, policy: AutopilotPolicy = AutopilotPolicy(),
              fit: bool = False) -> int | None:
    """Updates per candidate for a race with ``left`` updates after the ramp, or ``None`` (no race).
    With ``fit`` a segment too long for ``max_race_fraction`` is shortened to the longest that fits
    (never below ``min_race``): the no-valley race's, whose candidates need all the updates they can get.

    Example:
        >>> p = AutopilotPolicy(race_factors=(0.25, 1.0, 4.0))
        >>> race_plan(500, 400, p), race_plan(40, 24, p), race_plan(500, 400, p.replace(race_factors=()))
        (20, None, None)
        >>> q = AutopilotPolicy(race_factors=(10.0, 1.0), race_fraction=0.12)
        >>> race_plan(400, 315, q), race_plan(400, 315, q, fit=True), race_plan(40, 24, q, fit=True)
        (None, 47, None)
    """
    k = len(policy.race_factors)
    if budget is None or k < 2:
        return None
    m = max(policy.min_race, round(policy.race_fraction * budget))
    if fit:
        m = min(m, math.floor(policy.max_race_fraction * left / k))
    return m if m >= policy.min_race and k * m <= policy.max_race_fraction * left else None


def no_valley_race(policy: AutopilotPolicy) -> AutopilotPolicy:
    """``policy`` with the race after a ramp with no valley in the general race's fields: the candidates
    ``no_valley_race`` (multiples of the floor peak) and the segment ``no_valley_race_fraction``.

    Example:
        >>> p = no_valley_race(AutopilotPolicy(no_valley_peak="race"))
        >>> p.race_factors, p.race_fraction
        ((10.0, 1.0), 0.12)
    """
    return policy.replace(race_factors=policy.no_valley_race, race_fraction=policy.no_valley_race_fraction)


def start_race(peak: float, budget: int | None, spent: int, policy: AutopilotPolicy,
               optimizer: torch.optim.Optimizer, model: torch.nn.Module | None,
               no_valley: bool = False) -> Race | None:
    """The race after a ramp that spent ``spent`` updates of ``budget``, holding the current state as
    every candidate's start; ``None`` when ``policy`` lists no race or the budget cannot afford one
    (:func:`race_plan`). After a ramp with no valley read at the band's floor (``no_valley``) under
    ``policy.no_valley_peak="race"``, the candidates are ``policy.no_valley_race``'s and each trains
    ``policy.no_valley_race_fraction`` of the budget, shortened to fit (:func:`race_plan`'s ``fit``).

    Example:
        >>> model = torch.nn.Linear(2, 1)
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> p = AutopilotPolicy(race_factors=(0.5, 2.0))
        >>> race = start_race(0.1, 500, 100, p, opt, model)
        >>> race.rates, race.segment, start_race(0.1, 40, 16, p, opt, model)
        ([0.05, 0.2], 20, None)
    """
    fit = no_valley and policy.no_valley_peak == "race"
    if fit:
        policy = no_valley_race(policy)
    segment = race_plan(budget, budget - spent, policy, fit) if budget is not None else None
    if segment is None:
        return None
    race = Race(peak, policy.race_factors, segment, policy.race_score_fraction)
    race.begin(optimizer, model)
    return race


class Race:
    """The race's record: candidate rates, the running segment's losses, the scores, two snapshots.

    Args:
        peak: the ramp's peak (the candidates are it times ``factors``).
        factors: the candidates' multipliers, in the order they run.
        segment: updates per candidate (:func:`race_plan`).
        score_fraction: a segment is scored by the mean of this last fraction of its losses.
    """

    def __init__(self, peak: float, factors: tuple[float, ...], segment: int, score_fraction: float) -> None:
        self.peak, self.factors = float(peak), tuple(float(f) for f in factors)
        self.segment, self.score_fraction = int(segment), float(score_fraction)
        self.i = 0
        self.losses: list[float] = []
        self.scores: list[float] = []
        self.steps = 0
        #: The state every candidate starts from, and the end state of the best segment so far.
        self.start: dict[str, Any] | None = None
        self.best: dict[str, Any] | None = None
        self.won: float | None = None  # the rate :meth:`finish` chose

    @property
    def rates(self) -> list[float]:
        return [self.peak * f for f in self.factors]

    def rate(self) -> float:
        """The running candidate's rate."""
        return self.rates[self.i]

    def record(self, value: float, ok: bool) -> bool:
        """Log one update of the running candidate (applied when ``ok``); True when its segment is over."""
        self.steps += 1
        if not ok:
            self.losses = []  # disqualified: no score
            return True
        self.losses.append(value)
        return len(self.losses) >= self.segment

    def close(self) -> bool:
        """Score the finished segment; True when it is the best so far (its end state is to be kept)."""
        n = max(1, math.ceil(self.score_fraction * len(self.losses)))
        score = float(sum(self.losses[-n:]) / n) if self.losses else math.inf
        best = math.isfinite(score) and all(score < s for s in self.scores)
        self.scores.append(score)
        self.losses = []
        self.i += 1
        return best

    @property
    def over(self) -> bool:
        return self.i >= len(self.factors)

    def winner(self) -> int | None:
        """The winning candidate's index (``None`` if every one was disqualified)."""
        finite = [i for i, s in enumerate(self.scores) if math.isfinite(s)]
        return min(finite, key=lambda i: self.scores[i]) if finite else None

    def begin(self, optimizer: torch.optim.Optimizer, model: torch.nn.Module | None) -> None:
        """Hold the state every candidate starts from (the current one)."""
        self.start = take_snapshot(optimizer, model, 0)

    def step(self, optimizer: torch.optim.Optimizer, model: torch.nn.Module | None,
             value: float) -> tuple[bool, bool]:
        """Apply the running candidate's update (if its loss and gradients are finite) and, at the end
        of its segment, score it, keep its end state if it is the best so far and restore the start
        for the next one. Returns ``(applied, race over)``."""
        ok = math.isfinite(value) and grads_finite(optimizer)
        if ok:
            optimizer.step()
        if not self.record(value, ok):
            return ok, False
        if self.close() and not self.over:  # the best segment so far: keep where it ended
            self.best = take_snapshot(optimizer, model, 0)
        if not self.over:
            restore_snapshot(optimizer, model, self.start)
        return ok, self.over

    def finish(self, optimizer: torch.optim.Optimizer, model: torch.nn.Module | None,
               fault_cut: float) -> tuple[float, int]:
        """Go to where the winner's segment ended; ``(its rate, the race's updates)``. If every
        candidate failed: the shared start, at the lowest rate times ``fault_cut``."""
        won = self.winner()
        if won is None:
            restore_snapshot(optimizer, model, self.start)
            self.won = min(self.rates) * fault_cut
            return self.won, self.steps
        if won != len(self.factors) - 1:  # the last segment's state is the current one
            restore_snapshot(optimizer, model, self.best)
        self.won = self.rates[won]
        return self.won, self.steps

    def event(self) -> dict[str, Any]:
        """The finished race's entry in the Autopilot's ``events``: each candidate's rate and score.

        Example:
            >>> model = torch.nn.Linear(1, 1)
            >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
            >>> race = Race(0.1, (0.5, 2.0), segment=2, score_fraction=0.5)
            >>> race.begin(opt, model)
            >>> for loss in (3.0, 2.0, 4.0, 5.0):  # candidate 0.05 ends at 2.0, 0.2 at 5.0
            ...     _ = race.step(opt, model, loss)
            >>> race.finish(opt, model, fault_cut=0.5)
            (0.05, 4)
            >>> race.event()
            {'t': 0, 'race': [[0.05, 2.0], [0.2, 5.0]], 'peak': 0.05, 'race_steps': 4}
        """
        return {"t": 0, "race": [[r, s] for r, s in zip(self.rates, self.scores)], "peak": self.won,
                "race_steps": self.steps}

    def state_dict(self) -> dict[str, Any]:
        """Plain data and the two snapshots (CPU tensors: ``torch.save`` it with the model)."""
        return {"peak": self.peak, "factors": list(self.factors), "segment": self.segment,
                "score_fraction": self.score_fraction, "i": self.i, "losses": list(self.losses),
                "scores": list(self.scores), "steps": self.steps, "start": self.start, "best": self.best}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Race:
        """Rebuild from :meth:`state_dict` output."""
        race = cls(state["peak"], tuple(state["factors"]), state["segment"], state["score_fraction"])
        race.i, race.steps = int(state["i"]), int(state["steps"])
        race.losses, race.scores = list(state["losses"]), list(state["scores"])
        race.start, race.best = state["start"], state["best"]
        return race
