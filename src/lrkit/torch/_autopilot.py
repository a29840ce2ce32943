"""``Autopilot``: train without choosing a learning rate.

Wrap any torch optimizer and call ``autopilot.step(loss)`` where the loop would call
``optimizer.step()`` (after ``loss.backward()``). The run goes through three phases:

1. **probe** (``probe_steps`` updates, default ``clip(0.1 budget, 20, 100)``): an in-run range
   test. Update ``k`` uses the geometric sweep rate ``lr_min (lr_max/lr_min)^(k/(P-1))``
   (``lrkit.finder.sweep_schedule``); it stops early on divergence
   (``lrkit.finder.DivergenceMonitor``). The peak rate is ``lrkit.finder.suggest``'s default
   rule on the probe curve (if it gives none: the ``valley``, then the ``minimum/10`` rule,
   which smooth the curve first; last resort the sweep's middle rate); when the probe diverged
   at rate ``r``, the peak is kept within ``[r/30, r/3]``. The model and
   optimizer are then restored bit for bit to their state before the probe, so the probe's
   wild updates leave no trace; only its compute is spent.
2. **warmup** (``warmup`` updates, default 5% of the budget): linear from 0 to the peak.
3. **main**: with a known ``budget``, cosine decay from the peak to 0 over the rest
   (``lrkit.schedules.warmup_cosine``); without one, the peak held, and every ``check_every``
   updates a :class:`~lrkit.diagnostics.Monitor` diagnosis: ``plateau`` divides the rate by
   10 (at most ``max_decays`` times), ``too_high_*`` halves it, ``too_low_slow`` (before any
   decay) triples it, never above a third of the highest rate the probe survived.

**Faults.** Before each update the loss and every gradient are checked. A loss spike (above
the median of the last 100 losses by ``spike_z`` robust SDs and by ``spike_ratio`` times their
99th-percentile excess) on one batch skips that update: the weights are untouched. A NaN/inf
loss or gradient, or spikes on two consecutive updates, restore the last good snapshot (taken
every ``snapshot_every`` healthy updates, in CPU memory, bit for bit); if the previous rollback
was within ``2 * snapshot_every`` updates, the rate is also multiplied by ``cut`` (repeated
faults mean the rate is too high). Every fault is logged in ``events``. The clock keeps
running, so the budget is never exceeded.
"""

from __future__ import annotations

import collections
import copy
import math
from typing import Any

import torch

from lrkit.diagnostics._monitor import Monitor
from lrkit.errors import LRKitError, check_int, check_positive, check_range
from lrkit.finder import DivergenceMonitor, sweep_schedule
from lrkit.schedules import constant, warmup, warmup_cosine
from lrkit.torch._autopilot_guard import (
    grads_finite,
    is_spike,
    restore_snapshot,
    take_snapshot,
    training_tensors,
)
from lrkit.torch._autopilot_probe import probe_peak

__all__ = ["Autopilot"]

_OWNER = "Autopilot"


class Autopilot:
    """Drive an optimizer's learning rate with no rate given: probe, warm up, decay, recover.

    Args:
        optimizer: any ``torch.optim.Optimizer``; its ``lr`` values are overwritten
            (per-group ratios are kept: group ``g`` gets ``rate * lr_g / lr_0``).
        budget: training updates after the probe (``None``: unknown, plateau reaction).
        model: the module, to include its buffers (e.g. BatchNorm statistics) in snapshots.
        probe_steps: most updates of the range test (counted in ``total_steps``); after
            the probe this attribute holds the number it actually took.
        lr_min, lr_max: the probe's sweep range (``lr_max`` default: 1 for optimizers with
            ``betas`` (the Adam family), 10 otherwise).
        warmup: warmup updates (default 5% of ``budget``, or 100 without one).
        snapshot_every: healthy updates between rollback snapshots.
        cut: rate multiplier after a repeated fault, in (0, 1).
        spike_z, spike_ratio: the loss-spike test (see the module docstring).
        check_every, max_decays: the plateau reaction without a budget.

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
        >>> ap.phase, ap.total_steps == ap.probe_steps + 300, float(loss.detach()) < 1e-3
        ('done', True, True)
    """

    def __init__(self, optimizer: torch.optim.Optimizer, *, budget: int | None = None,
                 model: torch.nn.Module | None = None, probe_steps: int | None = None,
                 lr_min: float = 1e-5, lr_max: float | None = None, warmup: int | None = None,
                 snapshot_every: int = 50, cut: float = 0.5, spike_z: float = 15.0,
                 spike_ratio: float = 3.0, check_every: int = 100, max_decays: int = 3) -> None:
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise LRKitError(
                f"`optimizer` of Autopilot must be a torch optimizer; got {type(optimizer).__name__}."
            )
        self.optimizer, self.model = optimizer, model
        self.budget = None if budget is None else check_int("budget", budget, _OWNER)
        # 10% of the budget (the compute target is <= 1.15x one run), within [20, 100] updates: the
        # suggestion rules need a few points per decade of the sweep.
        default_probe = 100 if budget is None else int(min(100, max(20, round(0.1 * self.budget))))
        probe = default_probe if probe_steps is None else probe_steps
        self.probe_steps = check_int("probe_steps", probe, _OWNER, low=10)
        self.lr_min = check_positive("lr_min", lr_min, _OWNER)
        # Adam-family updates are normalized (a step moves each weight by about lr), so rates above 1
        # are never useful there and a probe that goes up to 10 wastes its few steps.
        adaptive = "betas" in optimizer.param_groups[0]
        top = (1.0 if adaptive else 10.0) if lr_max is None else lr_max
        self.lr_max = check_positive("lr_max", top, _OWNER)
        if self.lr_max <= self.lr_min:
            raise LRKitError(
                f"`lr_max` of Autopilot must be a number > lr_min ({self.lr_min:g}); got {lr_max}."
            )
        default_warmup = 100 if budget is None else max(1, self.budget // 20)
        self.warmup = check_int("warmup", default_warmup if warmup is None else warmup, _OWNER, low=0)
        self.snapshot_every = check_int("snapshot_every", snapshot_every, _OWNER)
        self.cut = check_range("cut", cut, _OWNER, 0.0, 1.0, low_open=True, high_open=True)
        self.spike_z = check_positive("spike_z", spike_z, _OWNER)
        self.spike_ratio = check_positive("spike_ratio", spike_ratio, _OWNER)
        self.check_every = check_int("check_every", check_every, _OWNER)
        self.max_decays = check_int("max_decays", max_decays, _OWNER, low=0)
        base = [float(g["lr"]) for g in optimizer.param_groups]
        self._ratios = [b / base[0] if base[0] > 0 else 1.0 for b in base]
        self._sweep = sweep_schedule(self.lr_min, self.lr_max, self.probe_steps)
        self._divergence = DivergenceMonitor()
        self.probe_lrs: list[float] = []
        self.probe_losses: list[float] = []
        self.peak: float | None = None
        self.scale = 1.0
        self.decays = 0
        self.t = 0  # updates (or skipped updates) since the probe ended
        self.k = 0  # probe updates done
        self.phase = "probe"
        self.events: list[dict[str, Any]] = []
        self._recent: collections.deque[float] = collections.deque(maxlen=100)
        self._healthy = 0
        self._last_fault: int | None = None
        self._spikes_in_row = 0
        self._monitor = Monitor(every=check_every)
        self._pre_probe = self._take_snapshot()
        self._snapshot = self._pre_probe
        self._set_rate(float(self._sweep(0)))

    # -- rates ---------------------------------------------------------------------------------
    @property
    def total_steps(self) -> int | None:
        """``probe_steps + budget`` (``None`` without a budget); exact once the probe has ended."""
        return None if self.budget is None else self.probe_steps + self.budget

    @property
    def done(self) -> bool:
        """True once the budget is used up (never without a budget)."""
        return self.phase == "done"

    def schedule(self) -> Any:
        """The main-phase schedule (an lrkit schedule), known once the probe has ended."""
        if self.peak is None:
            return None
        if self.budget is not None:
            return warmup_cosine(lr=self.peak, warmup=min(self.warmup, self.budget - 1), steps=self.budget)
        return warmup(constant(self.peak), steps=self.warmup) if self.warmup else constant(self.peak)

    @property
    def lr(self) -> float:
        """The rate the next update uses (first param group)."""
        return float(self.optimizer.param_groups[0]["lr"])

    def _set_rate(self, rate: float) -> None:
        for g, r in zip(self.optimizer.param_groups, self._ratios):
            g["lr"] = rate * r

    # -- snapshots and fault checks (lrkit.torch._autopilot_guard) -----------------------------
    def _tensors(self) -> list[torch.Tensor]:
        return training_tensors(self.optimizer, self.model)

    def _take_snapshot(self) -> dict[str, Any]:
        return take_snapshot(self.optimizer, self.model, self.t)

    def _restore(self, snap: dict[str, Any]) -> None:
        restore_snapshot(self.optimizer, self.model, snap)

    # -- the step -------------------------------------------------------------------------------
    def step(self, loss: float | torch.Tensor) -> bool:
        """Check this update's loss and gradients, apply it (or recover), and set the next rate.

        Args:
            loss: the loss whose gradients are in ``.grad`` (a tensor or a float).

        Returns:
            True when the update was applied; False when it was skipped (fault, or done).
        """
        if self.phase == "done":
            return False
        value = float(loss.detach()) if isinstance(loss, torch.Tensor) else float(loss)
        if self.phase == "probe":
            return self._probe_step(value)
        fault = None
        if not math.isfinite(value):
            fault = "non-finite loss"
        elif not grads_finite(self.optimizer):
            fault = "non-finite gradient"
        elif is_spike(self._recent, value, self.spike_z, self.spike_ratio):
            fault = "loss spike"
            self._spikes_in_row += 1
        if fault == "loss spike" and self._spikes_in_row < 2:
            # One spiking batch: its update is skipped, the weights are untouched, nothing to undo.
            self.events.append({"t": self.t, "fault": fault, "loss": value, "action": "skipped",
                                "scale": self.scale})
        elif fault is not None:
            # NaN/inf, or spikes on consecutive updates (the weights, not a batch, are the problem).
            self._restore(self._snapshot)
            if self._last_fault is not None and self.t - self._last_fault <= 2 * self.snapshot_every:
                self.scale *= self.cut
            self.events.append({"t": self.t, "fault": fault, "loss": value, "action": "rolled back",
                                "restored_to": self._snapshot["t"], "scale": self.scale})
            self._last_fault = self.t
            self._healthy = 0
            self._spikes_in_row = 0
        else:
            self._spikes_in_row = 0
            self.optimizer.step()
            self._recent.append(value)
            self._healthy += 1
            if self._healthy % self.snapshot_every == 0:
                self._snapshot = self._take_snapshot()
            if self.budget is None:
                self._react(value)
        self.t += 1
        self._advance()
        return fault is None

    def _probe_step(self, value: float) -> bool:
        rate = float(self._sweep(self.k))
        if math.isfinite(value) and grads_finite(self.optimizer):
            self.optimizer.step()
            self.probe_lrs.append(rate)
            self.probe_losses.append(value)
            stop = self._divergence.update(value)
        else:
            stop = True
        self.k += 1
        if stop or self.k >= self.probe_steps:
            self._end_probe()
        else:
            self._set_rate(float(self._sweep(self.k)))
        return True

    def _end_probe(self) -> None:
        # Stopped before its last step: the probe diverged at the rate of its last update.
        diverged_at = float(self._sweep(self.k - 1)) if self.k < self.probe_steps else None
        self.peak, how = probe_peak(self.probe_lrs, self.probe_losses, self.lr_min, diverged_at)
        self.events.append({"t": 0, "probe": self.k, "peak": self.peak, "how": how})
        self.probe_steps = self.k  # the probe may stop early (divergence): count what it spent
        self._restore(self._pre_probe)  # the probe's updates leave no trace on the model
        self._snapshot = self._take_snapshot()
        self.phase = "main"
        self._advance()

    def _advance(self) -> None:
        if self.budget is not None and self.t >= self.budget:
            self.phase = "done"
            return
        self._set_rate(float(self.schedule()(self.t)) * self.scale)

    def _react(self, value: float) -> None:
        """Unknown budget: decay on a plateau, halve when too high (a fresh monitor after each)."""
        self._monitor.observe(self.t, value, self.lr)
        d = self._monitor.diagnosis
        if d is None or self.t % self.check_every:
            return
        # The probe's last stable rate bounds any increase: never within 3x of where it diverged.
        ceiling = max(self.probe_lrs, default=self.peak) / 3.0 / self.peak
        # React to the first rate-related finding; spikes are handled per step (skip / roll back),
        # so a spike verdict must not hide a plateau behind it.
        verdict = next((v for v in d.fired if v != "loss_spikes"), "healthy")
        if verdict == "plateau" and self.decays < self.max_decays:
            self.scale, self.decays = self.scale * 0.1, self.decays + 1
        elif verdict.startswith("too_high"):
            self.scale *= 0.5
        elif verdict == "too_low_slow" and self.decays == 0 and self.scale * 3.0 <= ceiling:
            self.scale *= 3.0
        else:
            return
        self.events.append({"t": self.t, "reaction": verdict, "scale": self.scale})
        self._monitor = Monitor(every=self.check_every)

    # -- state -----------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Plain data to resume the autopilot (the model and optimizer are checkpointed by the user).

        Rollback snapshots are in-memory only; after a resume the first one is taken at once.
        """
        return {"budget": self.budget, "probe_steps": self.probe_steps, "phase": self.phase, "t": self.t,
                "k": self.k, "peak": self.peak, "scale": self.scale, "decays": self.decays,
                "probe_lrs": list(self.probe_lrs), "probe_losses": list(self.probe_losses),
                "recent": list(self._recent), "healthy": self._healthy, "last_fault": self._last_fault,
                "spikes_in_row": self._spikes_in_row, "events": copy.deepcopy(self.events),
                "monitor": self._monitor.state_dict(), "divergence": list(self._divergence._losses)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from :meth:`state_dict` output (call after loading the model and optimizer)."""
        self.budget, self.probe_steps = state["budget"], int(state["probe_steps"])
        self.phase, self.t, self.k = state["phase"], int(state["t"]), int(state["k"])
        self.peak, self.scale, self.decays = state["peak"], float(state["scale"]), int(state["decays"])
        self.probe_lrs, self.probe_losses = list(state["probe_lrs"]), list(state["probe_losses"])
        self._recent = collections.deque(state["recent"], maxlen=100)
        self._healthy, self.events = int(state["healthy"]), copy.deepcopy(state["events"])
        self._last_fault, self._spikes_in_row = state["last_fault"], int(state["spikes_in_row"])
        self._monitor.load_state_dict(state["monitor"])
        self._sweep = sweep_schedule(self.lr_min, self.lr_max, self.probe_steps)
        self._divergence = DivergenceMonitor()
        for v in self.probe_losses:  # the divergence test saw exactly the probe's losses
            self._divergence.update(v)
        self._snapshot = self._take_snapshot()
        if self.phase == "probe":
            self._pre_probe = self._snapshot
            self._set_rate(float(self._sweep(self.k)))
        else:
            self._advance()
