"""``lrkit.torch.LRScheduler``: drive any torch optimizer with an lrkit schedule.

The adapter *recomputes, never multiplies*: after ``t`` calls to ``step()`` it
writes ``group[key] = schedule(t) * scale_g`` into every param group ``g``, from
its own counter. Nothing depends on what the group held before, so resuming is
"evaluate at the restored ``t``": immune to load order, skipped steps and manual
edits, which are the usual ways torch's chainable schedulers drift on resume. A value
something else wrote between two steps (torch's ``ReduceLROnPlateau``, a
``ChainedScheduler``'s other member) is written over all the same, and said once.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

import torch
from torch.optim.lr_scheduler import LRScheduler as _TorchLRScheduler

from lrkit.errors import MAX_INT, LRKitError, RateConflictWarning, check_int
from lrkit.schedules import ReduceOnPlateau, Schedule
from lrkit.torch._groups import GroupKey, apart, check_scales, initial_scales, parse_key
from lrkit.torch._scheduler_inputs import (check_keywords, check_rates, check_resume_bases, check_saved_state,
                                           schedule_and_plateau)
from lrkit.torch._step_values import aligned_block
from lrkit.torch._updates import UpdateTally, skips_repeat

__all__ = ["LRScheduler"]


class LRScheduler(_TorchLRScheduler):
    """A ``torch.optim.lr_scheduler.LRScheduler`` that follows an lrkit schedule.

    After ``t`` calls to :meth:`step` (``t = 0`` right after construction) every
    param group ``g`` holds

    .. math::  v_g(t) = P\\big(s(t)\\big)\\, c_g

    under ``key``, where :math:`s` is the schedule, :math:`P` the plateau
    controller's ``apply`` (the identity without one) and :math:`c_g` the group
    scale. By default :math:`c_g` is the ratio of group ``g``'s initial value to
    group 0's, so group 0 follows the schedule exactly and the others keep their
    ratio to it (``SGD([{"params": a, "lr": 0.1}, {"params": b, "lr": 0.01}])``
    with a cosine from 0.1 gives ``b`` a cosine from 0.01).

    Which rate wins: the schedule's. It writes group 0's rate every step, so the rate the
    optimizer was built with only sets the other groups' ratios to group 0. When that rate and
    the schedule's peak differ by more than 1% (``AdamW(lr=1e-3)`` with a schedule peaking at
    ``3e-4``), a :class:`~lrkit.RateConflictWarning` says so at construction; build the optimizer
    with the schedule's peak to agree (``docs/schedule.md``, "Which rate wins").

    Another writer of the same value (torch's ``ReduceLROnPlateau`` stepped beside it, a
    ``ChainedScheduler`` that multiplies after it, a line setting ``group["lr"]``) is overwritten at
    the next :meth:`step`, which says so once with a :class:`~lrkit.RateConflictWarning` naming the
    group, the value found and the value written (on an advance from the step last written; a jump
    and ``SequentialLR``'s resets rewrite by design). Cut on a plateau with ``plateau=`` and
    :meth:`observe`; combine schedules into one lrkit schedule.

    Step convention (lrkit's and torch's): the first ``optimizer.step()`` uses
    :math:`s(0)`; call ``scheduler.step()`` after each ``optimizer.step()``.
    The schedule is evaluated in aligned blocks of 1024 steps and cached, so a
    step is a list lookup and one dict write per group.

    Args:
        optimizer: any ``torch.optim.Optimizer``.
        schedule: an lrkit :class:`~lrkit.schedules.Schedule` or a spec string
            such as ``"warmup(cosine(lr=0.1, steps=900), steps=100)"``. A bare
            ``reduce_on_plateau`` controller (or its spec) means
            ``constant(lr=controller.lr)`` with ``plateau=controller``: torch's
            ``ReduceLROnPlateau``.
        plateau: optional ``lrkit.schedules.reduce_on_plateau`` controller (or
            its spec string; any object with ``observe``, ``apply``,
            ``state_dict`` and ``load_state_dict`` works). Feed it with
            :meth:`observe`; its cuts multiply the schedule's value.
        key: the group value to schedule: ``"lr"`` (default), ``"momentum"``
            (SGD, RMSprop), ``"weight_decay"``, ``"betas[0]"`` / ``"betas[1]"``
            (Adam, AdamW), or any other number (or tuple entry) a group holds.
        last_step: the index of the last update already done (``-1`` for a
            fresh run); the scheduler starts at ``t = last_step + 1``. It is
            torch's ``last_epoch``, counting the same updates (that name is
            refused, pointing here). Resuming
            from a checkpoint is better done with :meth:`load_state_dict`. As in
            torch, a group's base is its ``initial_lr``; a group added later has
            none and is refused (``docs/schedule.md``, "Checkpoint and resume").
        group_scales: explicit :math:`c_g` per param group instead of the ratios.
        per_update: count ``t`` in the optimizer's real updates: a :meth:`step`
            with no ``optimizer.step()`` since the last advance (a second call
            for the same update, a micro-batch that only accumulated, an update
            the AMP scaler skipped) does nothing. ``None`` (default) does this
            for calls from accelerate's prepared scheduler, which calls
            ``step()`` ``num_processes`` times per update (or once per
            micro-batch with ``step_scheduler_with_optimizer=False``); any other
            caller advances ``t`` with each call, as torch's schedulers do.

    Raises:
        LRKitError: if ``optimizer`` is not a torch optimizer, ``schedule`` is
            neither a schedule nor a valid spec, a group lacks ``key``, the
            ratios are undefined (group 0 starts at 0), ``group_scales`` has the
            wrong length or a negative entry, ``plateau`` is not a controller
            (or one is given both as ``schedule`` and ``plateau``), or
            ``last_step < -1`` or over a group added later (no ``initial_lr``), or a keyword it does not
            take (torch's ``last_epoch`` is ``last_step`` here, counting the same updates).

    Example:
        >>> import torch
        >>> from lrkit.torch import LRScheduler
        >>> w, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))
        >>> opt = torch.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.01}], lr=0.1)
        >>> sched = LRScheduler(opt, "cosine(lr=0.1, steps=4)")
        >>> lrs = []
        >>> for _ in range(5):
        ...     lrs.append([round(g["lr"], 6) for g in opt.param_groups])
        ...     opt.step()
        ...     sched.step()
        >>> lrs
        [[0.1, 0.01], [0.085355, 0.008536], [0.05, 0.005], [0.014645, 0.001464], [0.0, 0.0]]
        >>> sched.state_dict()["t"]
        5
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        schedule: Schedule | ReduceOnPlateau | str,
        *,
        plateau: ReduceOnPlateau | str | None = None,
        key: str = "lr",
        last_step: int = -1,
        group_scales: Sequence[float] | None = None,
        per_update: bool | None = None,
        **unknown: NoReturn,  # none taken: torch's last_epoch and any other is one LRKitError (and mypy's)
    ) -> None:
        check_keywords(unknown)
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise LRKitError(
                f"`optimizer` of LRScheduler must be a torch.optim.Optimizer; got {optimizer!r}."
            )
        if per_update is not None and not isinstance(per_update, bool):  # checked before any group is read
            raise LRKitError(f"`per_update` of LRScheduler must be True, False or None; got {per_update!r}.")
        parsed, plateau = schedule_and_plateau(schedule, plateau)
        self._schedule: Schedule = parsed
        self._plateau = plateau
        # the next step, last_step + 1, is an int64 step as every schedule's
        last_step = check_int("last_step", last_step, "LRScheduler", low=-1, high=MAX_INT - 1)
        groups = optimizer.param_groups
        self._key = parse_key(key, groups)
        if group_scales is None:
            check_resume_bases(self._key, groups, last_step)
        self._scales = (
            check_scales(group_scales, len(groups))
            if group_scales is not None
            else (initial_scales(self._key, groups))
        )
        self._n_groups = len(groups)
        if self._key.key == "lr" and last_step < 0 and group_scales is None:
            check_rates(groups[0], parsed)
        self._block: list[float] = []
        self._block_start = 0
        self._per_update = per_update
        self._tally = UpdateTally(optimizer)
        # what the groups held after the last write (None before the first) and its t: another writer is
        # told apart between two consecutive steps only
        self._held: list[Any] | None = None
        self._held_t = -1
        self._foreign_said = False
        # torch's constructor records initial_lr, wraps optimizer.step for its
        # ordering warning and calls self.step() once: that first call lands on t = 0.
        super().__init__(optimizer, last_epoch=-1)
        if last_step >= 0:
            self.last_epoch = last_step + 1
            self._write(self.last_epoch)

    # -- the hot path --------------------------------------------------------
    def step(self, epoch: int | None = None) -> None:  # type: ignore[override]
        """Advance to the next update and write its value into every group.

        Args:
            epoch: jump to this step instead of ``t + 1`` (torch's deprecated
                argument; here it is exact, since values are recomputed).
        """
        # checked before anything moves: a refused step leaves t, the count and the tally as they were
        self._check_groups()
        jump = None if epoch is None else check_int("epoch", epoch, "LRScheduler.step", low=0, high=MAX_INT)
        self._step_count += 1
        tally = self._tally
        updates, tally.updates = tally.updates, 0
        if jump is None:
            # no optimizer update since the last advance (the caller's frame is read only then)
            if not updates and self.last_epoch >= 0 and skips_repeat(self._per_update, sys._getframe(1)):
                return
            t = self.last_epoch + 1
        else:
            t = jump
        self.last_epoch = t
        held = self._held
        # Checked on an advance from the step last written only: a jump (step(epoch)) or a step whose
        # counter another object moved (SequentialLR resets the groups and undoes its members' first
        # step at construction, then steps its next member with step(0)) rewrites by design.
        if held is not None and t == self._held_t + 1 and not self._foreign_said:
            gkey = self._key
            name, fast = gkey.name, gkey.fast
            for i, group in enumerate(self.optimizer.param_groups):
                found = group[name] if fast else gkey.read(group)
                if found != held[i]:
                    self._say_foreign_write(t, i, float(found), held[i])
                    break
        self._write(t)

    def _say_foreign_write(self, t: int, group: int, found: float, ours: float) -> None:
        """Warn, once per scheduler, that ``group`` holds ``found``, not the ``ours`` the last write left."""
        self._foreign_said = True
        now = self._value(t) * self._scales[group]
        warnings.warn(_foreign_write_message(self._key, group, found, ours, now), RateConflictWarning,
                      stacklevel=3)

    def _value(self, t: int) -> float:
        """``plateau.apply(schedule(t))``: a cached list lookup (the block refilled when ``t`` leaves it)."""
        i = t - self._block_start
        v = self._block[i] if 0 <= i < len(self._block) else self._refill(t)
        return float(self._plateau.apply(v)) if self._plateau is not None else v

    def _write(self, t: int) -> None:
        # Fast path: one cached list lookup and a dict store per group; torch's
        # own step adds a warning check, two context managers and a get_lr call.
        v = self._value(t)
        groups = self._check_groups()
        values = [v * c for c in self._scales]
        gkey = self._key
        if gkey.fast:
            name = gkey.name
            for group, value in zip(groups, values, strict=True):
                group[name] = value
            self._held = values  # a plain number is held exactly as written
        else:
            for group, value in zip(groups, values, strict=True):
                gkey.write(group, value)
            self._held = [gkey.read(group) for group in groups]  # a float32 tensor holds it rounded
        self._held_t = t
        self._last_lr = values

    def _check_groups(self) -> list[dict[str, Any]]:
        groups = self.optimizer.param_groups
        if len(groups) != self._n_groups:
            raise LRKitError(
                f"`optimizer.param_groups` of LRScheduler must keep its {self._n_groups} groups; got "
                f"{len(groups)} (a group was added after the scheduler was built: build a new scheduler "
                f"with last_step={self.last_epoch}, giving the added group its {self._key.initial_name!r} "
                "(its value at step 0), or pass group_scales=)."
            )
        return groups

    def _refill(self, t: int) -> float:
        self._block_start, self._block = aligned_block(self._schedule, t)
        return self._block[t - self._block_start]

    # -- torch API -------------------------------------------------------------
    def get_lr(self) -> list[float]:
        """The values for the current ``t`` (recomputed; not read from the groups)."""
        v = float(self._schedule(self.last_epoch))
        if self._plateau is not None:
            v = float(self._plateau.apply(v))
        return [v * c for c in self._scales]

    def get_last_lr(self) -> list[float]:
        """The values last written, one per group (of ``key``, which is ``lr`` by default)."""
        return list(self._last_lr)

    # -- lrkit API ---------------------------------------------------------------
    @property
    def t(self) -> int:
        """The update whose value the groups hold now (torch's ``last_epoch``)."""
        return self.last_epoch

    @property
    def schedule(self) -> Schedule:
        """The schedule being followed."""
        return self._schedule

    @property
    def plateau(self) -> ReduceOnPlateau | None:
        """The plateau controller, or ``None``."""
        return self._plateau

    @property
    def key(self) -> str:
        """The param-group key being scheduled."""
        return self._key.key

    @property
    def group_scales(self) -> tuple[float, ...]:
        """The factor of each param group (1.0 for group 0 unless given explicitly)."""
        return tuple(self._scales)

    def observe(self, metric: float) -> bool:
        """Report a metric to the plateau controller; rewrite the groups if it cut.

        Does not advance ``t``: call it whenever the metric is measured (e.g.
        after each validation), and keep calling :meth:`step` once per update.

        Returns:
            True when the controller reduced the rate.

        Raises:
            LRKitError: if the scheduler was built without ``plateau=``.
        """
        if self._plateau is None:
            raise LRKitError("`plateau` of LRScheduler must be given to use observe(); got None.")
        cut = bool(self._plateau.observe(metric))
        if cut:
            self._write(self.last_epoch)
        return cut

    # -- state ---------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Plain data (JSON-serializable): the step, the scales, the schedule and plateau state.

        Returns:
            ``{"t", "step_count", "key", "group_scales", "schedule", "plateau"}``
            with ``schedule`` = ``Schedule.to_dict()`` and ``plateau`` the
            controller's ``state_dict()`` (or ``None``).
        """
        return {
            "t": int(self.last_epoch),
            "step_count": int(self._step_count),
            "key": self._key.key,
            "group_scales": [float(c) for c in self._scales],
            "schedule": self._schedule.to_dict(),
            "plateau": None if self._plateau is None else self._plateau.state_dict(),
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict` and write the values for the restored ``t``.

        The saved schedule replaces the one given at construction (resume means
        continuing the saved run). Loading before or after the optimizer's own
        ``load_state_dict`` gives the same result: the values are recomputed.

        Raises:
            LRKitError: if the state is malformed, was saved for another key or
                number of param groups, or holds plateau state this scheduler
                has no controller for (or vice versa).
        """
        t, scales, schedule, plateau_state = check_saved_state(
            state_dict, self._key.key, len(self.optimizer.param_groups),
            has_plateau=self._plateau is not None)
        if self._plateau is not None:
            self._plateau.load_state_dict(plateau_state)
        if schedule.horizon != self._schedule.horizon:  # the run's length changed under the checkpoint
            saved, built = _length(schedule), _length(self._schedule)
            warnings.warn(
                f"LRScheduler.load_state_dict: the saved schedule lasts {saved} and replaces the one this "
                f"scheduler was built with, which lasts {built}: the run continues the saved schedule from "
                f"t={t}. To run the new one from here instead, build the scheduler with "
                f"last_step={t - 1} and do not load its state (with the Hugging Face Trainer: delete "
                "scheduler.pt from the checkpoint).", stacklevel=2)
        self._schedule = schedule
        self._scales = scales
        self._n_groups = len(scales)
        self._block, self._block_start = [], 0
        self._step_count = int(state_dict.get("step_count", t + 1))
        self.last_epoch = t
        self._write(t)


def _foreign_write_message(gkey: GroupKey, group: int, found: float, ours: float, now: float) -> str:
    """The warning for a value something else wrote between two steps (``now``: what is written over it).

    Example:
        >>> from lrkit.torch._groups import LR_KEY
        >>> _foreign_write_message(LR_KEY, 0, 0.05, 0.1, 0.1)[:58]
        "LRScheduler.step: param group 0's lr is 0.05, not the 0.1 "
    """
    found_s, ours_s = apart(found, ours)
    return (f"LRScheduler.step: param group {group}'s {gkey.key} is {found_s}, not the {ours_s} this "
            "scheduler wrote at its last step: something else writes it (torch's ReduceLROnPlateau or "
            "another scheduler stepped beside this one, a ChainedScheduler, a line setting the group's "
            f"{gkey.key}). This scheduler recomputes the value from its schedule at every step, so it "
            f"writes {now:.6g} now and the other writer's changes are undone (said once). To cut on a "
            "plateau, give it plateau='reduce_on_plateau(...)' and call observe(metric); to combine "
            "schedules, write them as one lrkit schedule (docs/schedule.md).")


def _length(schedule: Schedule) -> str:
    return "without end" if schedule.horizon is None else f"{schedule.horizon} updates"
