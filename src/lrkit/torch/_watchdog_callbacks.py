"""The framework callbacks of :class:`~lrkit.torch.Watchdog`: Lightning's and the Hugging Face Trainer's.

Each feeds one watchdog from the framework's own hooks (one point per optimizer update, its rate in
group 0's units as the library quotes every rate, the validation loss it logs), stops the run on a NaN loss,
and saves the watchdog's state with the framework's checkpoints. :meth:`Watchdog.lightning_callback` and
:meth:`Watchdog.hf_callback` document what each sees; the frameworks are imported when one is built.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch

from lrkit._frameworks import lightning_pytorch
from lrkit.diagnostics import LOSS_NAMES, MIN_POINTS, VAL_NAMES, column_key
from lrkit.errors import missing_package
from lrkit.torch._retune import schedule_group
from lrkit.torch._watchdog import Watchdog, _scalar

__all__ = ["lightning_callback", "hf_callback"]


def _too_few_logs(seen: int, every: Any, steps: Any) -> str:
    """What ``Watchdog.hf_callback`` says at the end of a run it could not diagnose, and the way out.

    Example:
        >>> print(_too_few_logs(0, 500, 300))  # doctest: +NORMALIZE_WHITESPACE
        Watchdog.hf_callback saw 0 training losses in this run, too few to diagnose (at least 10), so it
        watched nothing: the Trainer logs the loss every `logging_steps` updates (here 500 of 300). Set
        TrainingArguments(logging_steps=1) for a per-step history.
    """
    known = isinstance(every, int) and isinstance(steps, int)
    here = f" (here {every} of {steps})" if known else ""
    return (f"Watchdog.hf_callback saw {seen} training losses in this run, too few to diagnose (at least "
            f"{MIN_POINTS}), so it watched nothing: the Trainer logs the loss every `logging_steps` updates"
            f"{here}. Set TrainingArguments(logging_steps=1) for a per-step history.")


def _resumed_empty(step: int, restore: Any) -> str:
    """What ``Watchdog.hf_callback`` says when a train starts at update ``step`` > 0 (a resume) with an empty
    history, by what ``restore`` (the Trainer's ``restore_callback_states_from_checkpoint``; ``None``: a
    transformers without it) says of why.

    Example:
        >>> print(_resumed_empty(20, False))  # doctest: +NORMALIZE_WHITESPACE
        Watchdog.hf_callback starts empty at update 20 of a resumed run, so it diagnoses the resumed part
        alone: the Trainer restores a callback's state from the checkpoint only with
        TrainingArguments(restore_callback_states_from_checkpoint=True). Set it to go on with the history
        of the whole run.
    """
    head = (f"Watchdog.hf_callback starts empty at update {step} of a resumed run, so it diagnoses the "
            "resumed part alone: ")
    if restore is None:
        return head + ("this transformers restores no callback state (it has no "
                       "restore_callback_states_from_checkpoint); upgrade it to go on with the whole run.")
    if restore:
        return head + ("the checkpoint holds no state of it (saved by a run without this callback), so "
                       "there was nothing to restore.")
    return head + ("the Trainer restores a callback's state from the checkpoint only with "
                   "TrainingArguments(restore_callback_states_from_checkpoint=True). Set it to go on with "
                   "the history of the whole run.")


def _unread(missed: int) -> str:
    """What ``Watchdog.lightning_callback`` says at the end of a fit it could not diagnose because the
    module gave it no loss to read, and the ways out.

    Example:
        >>> print(_unread(64))  # doctest: +NORMALIZE_WHITESPACE
        Watchdog.lightning_callback read no training loss on 64 batches of this fit, so it watched nothing:
        under manual optimization it reads the loss `training_step` returns, else the one the module logs
        this batch under a name of lrkit.diagnostics.LOSS_NAMES (`self.log("train_loss", loss)`). Return
        the loss from `training_step` or log it under one of those names.
    """
    return (f"Watchdog.lightning_callback read no training loss on {missed} batches of this fit, so it "
            "watched nothing: under manual optimization it reads the loss `training_step` returns, else "
            "the one the module logs this batch under a name of lrkit.diagnostics.LOSS_NAMES "
            '(`self.log("train_loss", loss)`). Return the loss from `training_step` or log it under one '
            "of those names.")


def _logged(metrics: dict[str, Any]) -> Any:
    """The training loss among a module's logged metrics: the first named as in ``LOSS_NAMES``."""
    logged = {column_key(k): v for k, v in metrics.items()}
    return next((logged[name] for name in LOSS_NAMES if name in logged), None)


def _same(a: Any, b: Any) -> bool:
    """Whether two logged values are one: Lightning hands out a new view of a stored tensor each time."""
    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        return a.data_ptr() == b.data_ptr()
    return a is b


def _total_norm(grads: list[torch.Tensor]) -> float:
    """The 2-norm of all gradients together (``torch.nn.utils.get_total_norm`` is not in torch 2.2)."""
    norms = torch.stack([torch.linalg.vector_norm(g.detach().float()) for g in grads])
    return float(torch.linalg.vector_norm(norms))


def lightning_callback(watchdog: Watchdog) -> Any:
    """A ``lightning.pytorch.Callback`` feeding ``watchdog`` (:meth:`Watchdog.lightning_callback`)."""
    Callback = lightning_pytorch("Watchdog.lightning_callback").Callback

    class WatchdogCallback(Callback):
        def __init__(self) -> None:
            self.norm: float | None = None
            self.pending: list[float] = []  # the losses of the update's micro-batches so far
            self.group: int | None = None  # the param group whose rate is recorded, once per fit
            self.before: Any = None  # the loss logged before this batch (manual optimization)
            self.missed = 0  # the batches of this fit whose loss it could not read
            self.rate: float | None = None  # the rate the last update of the first optimizer used

        def on_train_start(self, trainer: Any, pl_module: Any) -> None:
            self.group, self.missed, self.rate = None, 0, None  # another fit may train other groups

        def _group(self, optimizer: Any) -> int:
            if self.group is None:
                # Group 0's rate, the units the advice, LRScheduler and train quote (a fine-tune's backbone
                # frozen at lr=0 and listed first: the first group above 0), chosen once: a group added
                # later (an unfrozen backbone) does not switch the recorded rate to another's scale mid-run.
                self.group = schedule_group(optimizer)
                watchdog._meet(optimizer, fresh=True)  # once per fit, as the group
            return self.group

        def on_train_batch_start(self, trainer: Any, pl_module: Any, batch: Any, batch_idx: int) -> None:
            if not pl_module.automatic_optimization:
                # A loss logged in an earlier batch (or epoch) stays among the metrics: only a new one is
                # this batch's (Lightning stores a copy of each logged value; held here, its memory is not
                # reused, so the same address is the same value).
                self.before = _logged(trainer.callback_metrics)

        def on_before_optimizer_step(self, trainer: Any, pl_module: Any, optimizer: Any) -> None:
            opts = trainer.optimizers
            if opts and optimizer is opts[0]:
                # The rate this update uses, read before a scheduler moves it: Lightning steps a "step"
                # scheduler before on_train_batch_end, a manual module its own inside training_step.
                self.rate = float(optimizer.param_groups[self._group(optimizer)]["lr"])
            if watchdog.grad_norms:
                grads = [p.grad for p in pl_module.parameters() if p.grad is not None]
                self.norm = _total_norm(grads) if grads else None

        def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
            # the validation names and spellings read_history takes from the same run's logs
            logged = {column_key(k): v for k, v in trainer.callback_metrics.items()}
            val = next((logged[name] for name in VAL_NAMES if name in logged), None)
            if val is not None and not trainer.sanity_checking:
                watchdog.observe_val(max(trainer.global_step - 1, 0), val)

        def on_train_end(self, trainer: Any, pl_module: Any) -> None:
            if watchdog.update() is None and self.missed:  # it watched nothing: say so, with the way out
                warnings.warn(_unread(self.missed), stacklevel=2)

        # Lightning saves these with each checkpoint and loads them on fit(ckpt_path=...): a resumed
        # run's diagnosis reads the whole run, not the part after the resume.
        def state_dict(self) -> dict[str, Any]:
            return watchdog.state_dict()

        def load_state_dict(self, state_dict: dict[str, Any]) -> None:
            watchdog.load_state_dict(state_dict)

        def on_train_batch_end(
            self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int
        ) -> None:
            loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
            if loss is None and not pl_module.automatic_optimization:
                # Under manual optimization training_step need return nothing (Lightning's own examples
                # do not): the loss the module logged this batch, as read_history reads its logs.
                logged = _logged(trainer.callback_metrics)
                loss = None if _same(logged, self.before) else logged
                self.missed += loss is None
            if loss is None:
                return
            # Under accumulate_grad_batches Lightning returns each micro-batch's loss divided by
            # it (its normalized closure loss): undone, so the update holds the module's own losses.
            scale = trainer.accumulate_grad_batches if pl_module.automatic_optimization else 1
            self.pending.append(_scalar(loss) * scale)
            # One point per optimizer update, at the step Lightning logs it under (global_step
            # before the update; it has moved on by now): the mean of the update's micro-batches.
            step = trainer.global_step - 1
            if step <= watchdog.monitor.last_step:
                return  # an update still accumulating
            value, self.pending = sum(self.pending) / len(self.pending), []
            opts = trainer.optimizers
            lr = self.rate if self.rate is not None or not opts else float(
                opts[0].param_groups[self._group(opts[0])]["lr"])  # no step of the first: as it stands
            self.rate = None
            norm, self.norm = self.norm, None
            if watchdog.observe(step, value, lr, norm):
                trainer.should_stop = True

    return WatchdogCallback()


def hf_callback(watchdog: Watchdog) -> Any:
    """A ``transformers.TrainerCallback`` feeding ``watchdog`` (:meth:`Watchdog.hf_callback`)."""
    try:
        from transformers import TrainerCallback
    except ImportError as exc:
        raise missing_package({"transformers": exc}, "Watchdog.hf_callback", "transformers",
                              "pip install transformers accelerate") from None

    try:
        from transformers.trainer_callback import ExportableState
    except ImportError:  # transformers 4.40 saves no callback state
        ExportableState = object  # noqa: N806

    class WatchdogHFCallback(TrainerCallback, ExportableState):
        # The Trainer restores a stateful callback by building the same class again (which feeds the
        # same watchdog) and setting the saved attributes: setting this one loads the watchdog.
        @property
        def watchdog_state(self) -> dict[str, Any]:
            return watchdog.state_dict()

        @watchdog_state.setter
        def watchdog_state(self, state: dict[str, Any]) -> None:
            watchdog.load_state_dict(state)

        def state(self) -> dict[str, Any]:
            return {"args": {}, "attributes": {"watchdog_state": watchdog.state_dict()}}

        group: int | None = None  # the param group whose rate is recorded, once per train
        rate: float | None = None  # its rate in the update under way, where it is not group 0

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.group, self.rate = None, None  # another train may hold other groups
            saved = getattr(state, "stateful_callbacks", None)
            if isinstance(saved, dict):  # a state resumed from a checkpoint saved without this callback lacks
                saved.setdefault(type(self).__name__, self.state())  # it, and the Trainer's save indexes it
            step = getattr(state, "global_step", 0) or 0
            if step > 0 and watchdog.monitor.last_step < 0:  # a resume its history did not come back with
                restore = getattr(args, "restore_callback_states_from_checkpoint", None)
                warnings.warn(_resumed_empty(step, restore), stacklevel=2)

        def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            # The Trainer logs group 0's rate, the library's units, except where group 0 is frozen at lr=0
            # (a fine-tune's backbone listed first): there the first group above 0's, read as the update
            # uses it, before the scheduler moves it.
            optimizer = kwargs.get("optimizer")
            if optimizer is not None:
                self.group = schedule_group(optimizer) if self.group is None else self.group
                self.rate = float(optimizer.param_groups[self.group]["lr"]) if self.group else None

        def on_log(
            self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any
        ) -> None:
            watchdog._meet(kwargs.get("optimizer"))
            if logs and logs.get("eval_loss") is not None:
                watchdog.observe_val(state.global_step, logs["eval_loss"])
            if not logs or "loss" not in logs:
                return
            loss, grad_norm = logs["loss"], logs.get("grad_norm")
            # The filter hid a NaN loss, unless an fp16 loss scaler overflowed (a skipped step).
            scaled = bool(getattr(args, "fp16", False))
            if grad_norm is not None and not scaled and not math.isfinite(float(grad_norm)):
                loss = math.nan
            finite_norm = grad_norm is not None and math.isfinite(float(grad_norm))
            lr = logs.get("learning_rate")
            lr = self.rate if lr is not None and self.rate is not None else lr
            if watchdog.observe(state.global_step, loss, lr,
                                float(grad_norm) if finite_norm else None):
                control.should_training_stop = True

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            if watchdog.update() is None:  # it watched nothing: say so, with the way out
                seen = len(watchdog.monitor.history()["losses"])
                warnings.warn(_too_few_logs(seen, getattr(args, "logging_steps", None),
                                            getattr(state, "global_step", None)), stacklevel=2)

    return WatchdogHFCallback()
