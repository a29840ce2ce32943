"""Autopilot's guards: rollback snapshots, fault detection, and the reaction to a diagnosis.

Kept apart from the rate logic in ``_autopilot.py``: these functions only look at
the optimizer, the model, recent losses or a verdict, never at the schedule.

**Faults.** Before each update the loss and every gradient are checked. A fault is a loss spike
(above the median of the last ``spike_history`` losses by ``spike_z`` robust SDs and by
``spike_ratio`` times their ``spike_percentile`` excess: fields of
:class:`~lrkit.torch.AutopilotPolicy`), a loss that rises above the lowest the ramp saw by more than
``ramp_ceiling`` times its depth, the highest at or below the peak less that lowest (:func:`loss_ceiling`,
:attr:`Guard.ceiling`: the spike test calls nothing before ``min_spike_history``
healthy losses, and a rate that diverges from the first update would climb unseen that long), or a
NaN/inf loss or gradient. A fault from finite weights
skips that update (the weights untouched) until ``faults_in_row`` (2) come in a row: one bad batch
(one NaN sample makes its whole batch's loss NaN) does not come back on the next batch, while a rate
too high faults again there, from the same weights. A skipped batch whose forward left a buffer of the
model non-finite (BatchNorm's running statistics) has the buffers put back from the last good snapshot
(the event's ``buffers_from``). ``faults_in_row`` faults in a row, or non-finite
weights, restore the last good snapshot (taken every ``snapshot_every`` healthy updates, in CPU
memory, bit for bit); if the previous rollback was within ``2 * snapshot_every`` updates, the rate
is also multiplied by ``fault_cut`` (repeated faults mean the rate is too high). Every fault is
logged in ``events``. The clock keeps running (a skipped or rolled-back update is paid from the
budget: its batch was drawn and computed), so the budget is never exceeded.

Snapshots are not :func:`lrkit.torch.snapshot`: that one also rewinds every RNG
(right for a range test that must leave no trace), but a rollback must move on:
rewinding the data order or dropout masks would replay the very batch that
caused the fault. Parameters, buffers and optimizer state only.
"""

from __future__ import annotations

import collections
import copy
import math
from collections.abc import Callable, Collection, Sequence
from typing import Any

import numpy as np
import torch

from lrkit.stats import robust_sigma
from lrkit.torch._autopilot_policy import AutopilotPolicy
from lrkit.torch._finder_runner import MAX_AMP_SKIPS
from lrkit.torch._state import _cpu_copy

__all__ = ["Guard", "training_tensors", "take_snapshot", "restore_snapshot", "restore_buffers",
           "restart_statistics", "grads_finite", "weights_finite", "scaler_overflow", "is_spike",
           "find_fault", "loss_ceiling", "reaction", "reading"]


def training_tensors(optimizer: torch.optim.Optimizer, model: torch.nn.Module | None) -> list[torch.Tensor]:
    """The optimizer's parameters, then the model's buffers (if a model is given)."""
    params = [p for g in optimizer.param_groups for p in g["params"]]
    buffers = list(model.buffers()) if model is not None else []
    return params + buffers


def _on_cpu(value: Any) -> Any:
    """A deep copy of ``value`` with every tensor copied to CPU memory."""
    if isinstance(value, torch.Tensor):
        return _cpu_copy(value)
    if isinstance(value, dict):
        return {k: _on_cpu(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_on_cpu(v) for v in value)
    return copy.deepcopy(value)


def take_snapshot(optimizer: torch.optim.Optimizer, model: torch.nn.Module | None, t: int) -> dict[str, Any]:
    """CPU copies of :func:`training_tensors` and of the optimizer state, stamped ``t``.

    Everything goes to CPU memory (a ramp holds up to 20 snapshots; accelerator memory is the
    scarce kind); ``torch.optim.Optimizer.load_state_dict`` casts the state back to each
    parameter's device and dtype on restore, so the round trip is bit for bit.

    Example:
        >>> w = torch.nn.Parameter(torch.ones(2))
        >>> snap = take_snapshot(torch.optim.Adam([w]), None, 7)
        >>> snap["t"], snap["tensors"][0].device.type, snap["tensors"][0] is w
        (7, 'cpu', False)
    """
    return {"tensors": [_cpu_copy(x) for x in training_tensors(optimizer, model)],
            "optimizer": _on_cpu(optimizer.state_dict()), "t": t}


def restore_snapshot(optimizer: torch.optim.Optimizer, model: torch.nn.Module | None,
                     snap: dict[str, Any]) -> None:
    """Copy a :func:`take_snapshot` back in place, bit for bit; the current rates are kept.

    In place down to the optimizer's own objects: ``load_state_dict`` builds new ``param_groups``
    and ``state`` and sets them on the object it is called on, and a wrapper that reads its
    optimizer's through ``__getattr__`` (Lightning's ``self.optimizers()``) would then keep the new
    ones for itself: the rates written to it afterwards would never reach the optimizer that steps.
    So the loaded contents go into the objects the optimizer held, which are put back (whoever
    holds a group keeps the one that is stepped). It is loaded by the object given, not its
    innermost optimizer: a wrapper with state of its own (Lookahead's slow weights) loads both.

    Example:
        >>> w = torch.nn.Parameter(torch.ones(2))
        >>> opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> group, snap = opt.param_groups[0], take_snapshot(opt, None, 0)
        >>> restore_snapshot(opt, None, snap); opt.param_groups[0] is group
        True
    """
    with torch.no_grad():
        for x, saved in zip(training_tensors(optimizer, model), snap["tensors"]):
            x.copy_(saved.to(x.device))
    groups, state = optimizer.param_groups, optimizer.state
    lrs = [g["lr"] for g in groups]
    optimizer.load_state_dict(copy.deepcopy(snap["optimizer"]))
    for held, loaded, lr in zip(groups, optimizer.param_groups, lrs, strict=True):
        if held is not loaded:
            held.clear()
            held.update(loaded)
        held["lr"] = lr
    if optimizer.state is not state:
        loaded_state = optimizer.state
        state.clear()
        state.update(loaded_state)
    optimizer.param_groups, optimizer.state = groups, state


def restore_buffers(model: torch.nn.Module | None, snap: dict[str, Any]) -> None:
    """Copy the model's buffers (BatchNorm's running statistics and batch count) back from a
    :func:`take_snapshot` of it, bit for bit; the parameters and optimizer state are left as they are.

    A forward updates the buffers before its loss exists, so a batch refused or skipped for its loss
    has already written them. No model, or one without buffers: nothing to do.

    Example:
        >>> bn = torch.nn.BatchNorm1d(2)
        >>> snap = take_snapshot(torch.optim.SGD(bn.parameters(), lr=0.1), bn, 0)
        >>> _ = bn(torch.randn(4, 2)); restore_buffers(bn, snap)
        >>> int(bn.num_batches_tracked), bn.running_mean.tolist()
        (0, [0.0, 0.0])
    """
    buffers = list(model.buffers()) if model is not None else []
    if not buffers:
        return
    with torch.no_grad():
        for b, saved in zip(buffers, snap["tensors"][-len(buffers):]):
            b.copy_(saved.to(b.device))


def restart_statistics(optimizer: torch.optim.Optimizer) -> None:
    """Drop the optimizer's per-parameter state (moments, momentum buffers, step counts).

    Every torch optimizer creates its state lazily on the next ``step``, exactly as on its
    first, so this restarts its statistics (and Adam's bias correction) while the weights stay.
    An optimizer that builds its state in ``__init__`` instead (some third-party ones), or
    keeps it outside ``optimizer.state`` (``ZeroRedundancyOptimizer``'s inner optimizer,
    Prodigy's ``d`` in its param groups), is not fully restarted by this.

    Example:
        >>> w = torch.nn.Parameter(torch.ones(2))
        >>> opt = torch.optim.Adam([w], lr=0.1)
        >>> w.grad = torch.ones(2); opt.step()
        >>> restart_statistics(opt); len(opt.state), opt.param_groups[0]["lr"]
        (0, 0.1)
    """
    optimizer.state.clear()


def grads_finite(optimizer: torch.optim.Optimizer) -> bool:
    """Whether every existing ``.grad`` of the optimizer's parameters is finite (a sparse gradient's, as
    ``nn.EmbeddingBag(sparse=True)`` makes, is its stored values': torch has no ``isfinite`` for sparse
    tensors, and the entries it does not store are zeros).

    Example:
        >>> w = torch.nn.Parameter(torch.zeros(3))
        >>> w.grad = torch.sparse_coo_tensor([[0, 2]], [1.0, float("nan")], (3,), check_invariants=True)
        >>> grads_finite(torch.optim.SGD([w], lr=0.1))
        False
    """
    grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
    if not grads:
        return True
    values = [g.coalesce().values() if g.is_sparse else g for g in grads]
    return bool(torch.stack([torch.isfinite(v).all() for v in values]).all())


def weights_finite(optimizer: torch.optim.Optimizer) -> bool:
    """Whether every parameter of the optimizer is finite (a fault with finite weights may be the batch's).

    Example:
        >>> weights_finite(torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.1))
        True
    """
    params = [p for g in optimizer.param_groups for p in g["params"]]
    return not params or bool(torch.stack([torch.isfinite(p).all() for p in params]).all())


def scaler_overflow(scaler: Any, optimizer: torch.optim.Optimizer, value: float, run: int) -> bool:
    """Whether this update is a loss scaler's overflow, a step the scaler means to skip: the loss is
    finite, a gradient is not (after ``scaler.unscale_``, called here unless the loop already did), and
    fewer than ``MAX_AMP_SKIPS`` such updates came in a row (``run``). A ``GradScaler`` starts high and
    halves its scale on each overflow, so past that many the gradients are not overflowing the fp16 range
    but genuinely non-finite: a fault. ``False`` without a scaler.

    Example:
        >>> w = torch.nn.Parameter(torch.zeros(1))
        >>> opt, scaler = torch.optim.SGD([w], lr=0.1), torch.amp.GradScaler("cpu")
        >>> scaler.scale(w.abs().sqrt().sum()).backward()  # a finite loss (0) whose gradient at 0 is not
        >>> scaler_overflow(scaler, opt, 0.0, 0), scaler_overflow(scaler, opt, 0.0, MAX_AMP_SKIPS)
        (True, False)
        >>> scaler_overflow(None, opt, 0.0, 0)
        False
    """
    if scaler is None:
        return False
    try:
        scaler.unscale_(optimizer)
    except RuntimeError as e:  # the loop unscaled already (to clip, to read gradients): torch refuses twice
        if "already been called" not in str(e):
            raise
    return math.isfinite(value) and not grads_finite(optimizer) and run < MAX_AMP_SKIPS


def is_spike(recent: Collection[float], value: float, policy: AutopilotPolicy = AutopilotPolicy()) -> bool:
    """Whether ``value`` spikes above the ``recent`` losses (False until ``min_spike_history`` of them).

    .. math::  v > m + \\max(z \\cdot c\\,\\mathrm{MAD},\\; \\rho\\,(q - m),\\; 10^{-12} |m|)

    with ``m`` the median, ``c = lrkit.stats.MAD_TO_SIGMA``, ``z = policy.spike_z``,
    ``rho = policy.spike_ratio`` and ``q`` the ``policy.spike_percentile``-th percentile: above
    the median by ``z`` robust SDs *and* ``rho`` times the losses' own tail. Minibatch losses
    near zero have heavy right tails (one hard example), and a spike must stand out from this
    loss's tail, not only from its MAD. (The last term only keeps a constant loss from
    spiking by float rounding.) This is the online one of lrkit's three spike tests: it sees
    only the past (:mod:`lrkit.stats` names the other two).

    Example:
        >>> is_spike([1.0, 1.1] * 10, 50.0), is_spike([1.0, 1.1] * 10, 1.2)
        (True, False)
    """
    if len(recent) < policy.min_spike_history:
        return False
    # Called before every update: the median and the tail come from one sort of ~100 floats, and the
    # robust spread (a second median) only when the value clears the bar without it, which it rarely does.
    y = sorted(recent)
    med = _quantile(y, 0.5)
    bar = max(policy.spike_ratio * (_quantile(y, policy.spike_percentile / 100.0) - med), 1e-12 * abs(med))
    if value <= med + bar:  # the spread term can only raise the bar
        return False
    return value > med + max(policy.spike_z * robust_sigma(np.asarray(y)), bar)


def _quantile(ordered: Sequence[float], q: float) -> float:
    """The ``q``-quantile of sorted values, interpolated linearly (numpy's default method)."""
    h = (len(ordered) - 1) * q
    lo = math.floor(h)
    if lo + 1 >= len(ordered):
        return float(ordered[-1])
    return float(ordered[lo] + (ordered[lo + 1] - ordered[lo]) * (h - lo))


def find_fault(optimizer: torch.optim.Optimizer, recent: Collection[float], value: float,
               policy: AutopilotPolicy = AutopilotPolicy()) -> str | None:
    """The fault of an update about to be applied: non-finite loss or gradient, loss spike, or None.

    Example:
        >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        >>> find_fault(opt, [1.0] * 20, float("nan")), find_fault(opt, [1.0] * 20, 1.0)
        ('non-finite loss', None)
    """
    if not math.isfinite(value):
        return "non-finite loss"
    if not grads_finite(optimizer):
        return "non-finite gradient"
    return "loss spike" if is_spike(recent, value, policy) else None


def loss_ceiling(probe_lrs: Sequence[float], probe_losses: Sequence[float], peak: float,
                 times: float | None) -> float | None:
    """The loss a main-phase update may not pass: ``times`` the ramp's depth above its lowest loss.

    .. math::  c = m + \\tau\\,(M - m)

    with ``M`` the highest finite loss the ramp saw at rates at or below ``peak`` (weights this run trains
    on), ``m`` the lowest it saw anywhere (the valley's floor) and ``tau = times``
    (``AutopilotPolicy.ramp_ceiling``). A loss is known up to a constant (a negative log-likelihood, a
    negative cosine similarity, ``mse - 1`` have the gradients of their shifted selves), so the ceiling is
    read in the ramp's own units, a rise above its floor against the depth the ramp showed, and
    ``loss + C`` meets ``c + C``: a multiple of the highest loss alone is below every loss once that loss
    is negative. The floor is the whole ramp's, not only the stretch below the peak: a short stretch of
    low rates can be flat within a percent (a fine-tune's first rates), a span too small to measure a
    rise by. For losses >= 0 the ceiling is at most ``tau M``. ``None`` (no ceiling) without ``times``,
    without a ramp loss at or below the peak, or with no depth (every loss equal).

    Example:
        >>> lrs, losses = [1e-4, 1e-3, 1e-2, 1e-1, 1.0], [2.0, 1.9, 1.0, 0.5, 50.0]
        >>> loss_ceiling(lrs, losses, 1e-2, 100.0), loss_ceiling(lrs, [v - 5 for v in losses], 1e-2, 100.0)
        (150.5, 145.5)
    """
    below = [v for r, v in zip(probe_lrs, probe_losses) if r <= peak and math.isfinite(v)]
    floor = min((v for v in probe_losses if math.isfinite(v)), default=math.nan)
    if times is None or not below or max(below) <= floor:
        return None
    return floor + times * (max(below) - floor)


def reaction(fired: Sequence[str], decays: int, scale: float, ceiling: float,
             policy: AutopilotPolicy = AutopilotPolicy()) -> tuple[str, float | None]:
    """Without a budget: the rate factor for a diagnosis, ``(verdict, factor or None)``.

    The first rate-related verdict counts (spikes are handled per step, so a spike verdict
    must not hide a plateau behind it): ``plateau`` multiplies by ``policy.plateau_decay``
    (0.1, at most ``policy.max_decays`` times), ``too_high_*`` by ``too_high_factor`` (0.5),
    ``too_low_slow`` by ``too_low_factor`` (1: logged, the rate unchanged) before any decay while the
    new scale stays at most ``ceiling``; anything else leaves the rate alone (``None``).

    Example:
        >>> reaction(["loss_spikes", "plateau"], 0, 1.0, 10.0), reaction(["healthy"], 0, 1.0, 10.0)
        (('plateau', 0.1), ('healthy', None))
    """
    p = policy
    verdict = next((v for v in fired if v != "loss_spikes"), "healthy")
    if verdict == "plateau" and decays < p.max_decays:
        return verdict, p.plateau_decay
    if verdict.startswith("too_high"):
        return verdict, p.too_high_factor
    if verdict == "too_low_slow" and decays == 0 and scale * p.too_low_factor <= ceiling:
        return verdict, p.too_low_factor
    return verdict, None


def reading(verdict: str, fired: Sequence[str], react_to: str) -> tuple[str, ...]:
    """What :func:`reaction` reads of a diagnosis under ``AutopilotPolicy.react_to``.

    ``"fired"``: every test that fired. ``"verdict"``: the committed verdict alone, so an ``uncertain``
    diagnosis (its first test below the advice floor, or one diagnose declines to commit to) leaves the
    rate alone; a ``loss_spikes`` verdict still reads the tests behind it (spikes are handled per step).

    Example:
        >>> fired = ["too_high_diverging"]
        >>> reading("uncertain", fired, "fired"), reading("uncertain", fired, "verdict")
        (('too_high_diverging',), ('uncertain',))
    """
    if react_to == "fired" or verdict == "loss_spikes":
        return tuple(fired)
    return (verdict,)


class Guard:
    """The main phase's fault guard: checks each update, applies it, skips it or rolls back.

    Holds the last ``spike_history`` healthy losses (the spike test's reference), the
    :attr:`ceiling` a loss may not pass (set by the caller once the ramp is read), the rollback
    snapshot (retaken every ``snapshot_every`` healthy updates) and the fault history; the rate
    is not its business: :meth:`update` says whether a rollback repeats a recent one.

    Args:
        optimizer, model: what is stepped and snapshotted (see :func:`training_tensors`).
        policy: the tuned numbers (``snapshot_every`` and the spike test, :func:`is_spike`).

    Example:
        >>> w = torch.nn.Parameter(torch.ones(1))
        >>> guard = Guard(torch.optim.SGD([w], lr=0.5), None)
        >>> guard.reset(0)
        >>> w.grad = torch.ones(1); guard.update(1.0, 0), w.item()  # applied
        (None, 0.5)
        >>> w.grad = torch.full((1,), float("nan")); guard.update(1.0, 1)["action"], w.item()  # one: skipped
        ('skipped', 0.5)
        >>> guard.update(1.0, 2)["action"], w.item()  # a second fault in a row: rolled back
        ('rolled back', 1.0)
    """

    def __init__(self, optimizer: torch.optim.Optimizer, model: torch.nn.Module | None,
                 policy: AutopilotPolicy = AutopilotPolicy()) -> None:
        self.optimizer, self.model, self.policy = optimizer, model, policy
        self.snapshot_every = policy.snapshot_every
        self.recent: collections.deque[float] = collections.deque(maxlen=policy.spike_history)
        self.healthy, self.faults_in_row = 0, 0  # faults_in_row: the skipped faults just before now
        self.last_fault: int | None = None
        self.snapshot: dict[str, Any] | None = None
        #: A loss above this is a fault however few losses the spike test holds (:func:`loss_ceiling`,
        #: set by the caller from the ramp; None: no ramp, no ceiling).
        self.ceiling: float | None = None

    def reset(self, t: int) -> None:
        """Take the rollback snapshot now (the state is known good), stamped ``t``."""
        self.snapshot = take_snapshot(self.optimizer, self.model, t)

    def update(self, value: float, t: int,
               before_step: Callable[[], None] | None = None) -> dict[str, Any] | None:
        """Update ``t`` with loss ``value``: apply it and return None, or return the fault's event.

        A fault from finite weights (a spike, a NaN/inf loss or gradient) is skipped, the weights
        untouched, until ``policy.faults_in_row`` come in a row; then, or at once for non-finite
        weights, the snapshot is restored, and the event's ``repeat`` says whether the previous
        rollback was within ``2 * snapshot_every`` updates. ``before_step`` is called just before
        an update is applied (the weights are then the iterate whose loss was healthy).
        """
        fault = find_fault(self.optimizer, self.recent, value, self.policy)
        if fault is None and self.ceiling is not None and value > self.ceiling:
            fault = "loss above the ramp's"
        batch = fault is not None and (fault == "loss spike" or weights_finite(self.optimizer))
        self.faults_in_row += batch
        if batch and self.faults_in_row < self.policy.faults_in_row:
            event = {"t": t, "fault": fault, "loss": value, "action": "skipped"}
            return {**event, "buffers_from": self.snapshot["t"]} if self._mend_buffers() else event
        if fault is not None:  # the weights, not a batch, are the problem
            assert self.snapshot is not None, "reset() comes before the first update"
            restore_snapshot(self.optimizer, self.model, self.snapshot)
            repeat = self.last_fault is not None and t - self.last_fault <= 2 * self.snapshot_every
            self.last_fault, self.healthy, self.faults_in_row = t, 0, 0
            return {"t": t, "fault": fault, "loss": value, "action": "rolled back",
                    "restored_to": self.snapshot["t"], "repeat": repeat}
        self.faults_in_row = 0
        if before_step is not None:
            before_step()
        self.optimizer.step()
        self.recent.append(value)
        self.healthy += 1
        if self.healthy % self.snapshot_every == 0:
            self.reset(t)
        return None

    def _mend_buffers(self) -> bool:
        """Put the model's buffers back from the snapshot when the skipped batch left one non-finite: its
        forward ran before its loss was seen, and BatchNorm's running statistics had taken its NaN (a
        running average of NaN stays NaN, and eval mode would read it). Whether they were put back."""
        buffers = [] if self.model is None or self.snapshot is None else list(self.model.buffers())
        if all(torch.isfinite(b).all() for b in buffers if b.is_floating_point()):
            return False
        restore_buffers(self.model, self.snapshot)
        return True

    def state_dict(self) -> dict[str, Any]:
        """Plain data and the rollback snapshot (CPU tensors: ``torch.save`` it with the model)."""
        return {"recent": list(self.recent), "healthy": self.healthy, "last_fault": self.last_fault,
                "faults_in_row": self.faults_in_row, "snapshot": _on_cpu(self.snapshot),
                "ceiling": self.ceiling}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` output, the rollback snapshot included (if it was saved)."""
        self.recent = collections.deque(state["recent"], maxlen=self.policy.spike_history)
        self.healthy = int(state["healthy"])
        # Older states counted spikes only (a NaN rolled back at once): the same pending count.
        self.faults_in_row = int(state.get("faults_in_row", state.get("spikes_in_row", 0)))
        self.last_fault = state["last_fault"]
        self.snapshot = _on_cpu(state.get("snapshot"))
        self.ceiling = state.get("ceiling")  # older states had none
