"""``Watchdog``: a live learning-rate diagnosis for plain loops, ``lrkit.tasks.train``,
Lightning and the Hugging Face Trainer.

The statistics are those of :func:`lrkit.diagnose`, run every ``every`` steps
over a bounded strided history (:class:`lrkit.diagnostics.Monitor`), so the
cost per step is one ``float(loss)`` plus ``O(capacity / every)``. Its policy is
:data:`lrkit.diagnostics.LIVE_POLICY`: ``diagnose``'s default, except that an early
blow-up whose descent is still under way is ``uncertain`` (naming ``too_high_diverging``):
a report made while the run goes on comes before the level that tells a catapult at the
best rate from a rate too high. It sees what
the loop gives it: the loss and the rate of every step, and, where the loop has
them, the gradient norm (the Hugging Face Trainer logs it; Lightning computes it
when ``grad_norms=True``) and the validation loss (``lrkit.tasks.train``'s
evaluations, Lightning's logged ``val_loss`` or any name in
:data:`lrkit.diagnostics.VAL_NAMES`, the Trainer's ``eval_loss``).
:attr:`Watchdog.diagnosis` read after the loop covers the whole run. The Lightning and Hugging Face
callbacks are built in ``_watchdog_callbacks.py``.

**Stopping on NaN.** ``observe`` returns ``True`` when the loss is NaN or
infinite (the stop flag); with ``on_nan="raise"`` it raises
:class:`NonFiniteLossError` instead, and with ``on_nan="ignore"`` it only
records it. As a ``train`` callback the flag stops the run; the Lightning and
HF callbacks set ``trainer.should_stop`` / ``control.should_training_stop``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch

from lrkit.diagnostics import LIVE_POLICY, Diagnosis, Monitor
from lrkit.errors import LRKitError, check_choice, check_flag
from lrkit.torch._ddp import mean_across_ranks
from lrkit.torch._finder_rule import momentum_of

__all__ = ["NonFiniteLossError", "Watchdog"]


class NonFiniteLossError(RuntimeError):
    """Raised by :meth:`Watchdog.observe` with ``on_nan="raise"`` when the loss is NaN/inf.

    Example:
        >>> wd = Watchdog(on_nan="raise")
        >>> wd.observe(0, float("nan"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lrkit.torch._watchdog.NonFiniteLossError: ...
    """


def _scalar(value: Any, name: str = "loss") -> float:
    """A loss or gradient norm as a float; anything else is one ``LRKitError`` naming ``name``."""
    if isinstance(value, torch.Tensor) and value.numel() > 0:
        return float(value.detach().float().mean())  # .mean(): a per-device loss vector in DP setups
    if not isinstance(value, (torch.Tensor, str, bytes)):
        try:
            return float(value)
        except OverflowError:  # an integer past a float's range: as large as inf is
            return math.inf if value > 0 else -math.inf
        except (TypeError, ValueError):
            pass
    shown = "an empty tensor" if isinstance(value, torch.Tensor) else repr(value)
    raise LRKitError(f"`{name}` of Watchdog.observe must be a number or a tensor; got {shown}.")


def _weight_norm(optimizer: Any) -> float:
    """``|w|``: the L2 norm of every parameter the optimizer holds, in float64 (one pass, no copy).

    Example:
        >>> w = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
        >>> _weight_norm(torch.optim.SGD([w], lr=0.1))
        5.0
    """
    with torch.no_grad():
        total = sum(float(p.detach().double().pow(2).sum()) for g in optimizer.param_groups
                    for p in g["params"])
    return math.sqrt(total)


class Watchdog:
    """Watch a training run and say what its learning rate is doing.

    Args:
        every: refresh the diagnosis every this many steps (default 50).
        capacity: most history points kept (default 2048).
        on_nan: ``"stop"`` (``observe`` returns ``True``), ``"raise"``
            (:class:`NonFiniteLossError`) or ``"ignore"``.
        report: optional ``fn(diagnosis)`` called whenever the verdict changes
            (e.g. ``print`` or a logger).
        grad_norms: the Lightning callback also computes the gradient norm of every step
            (one pass over the gradients; the Hugging Face Trainer logs it anyway).
        across_ranks: under ``torch.distributed``, read the mean loss over ranks (find_lr's
            reduction: one scalar ``all_reduce`` per ``observe``), so a NaN on any rank stops every
            rank at the same step and all ranks hold the same diagnosis. Every rank must then call
            ``observe`` at every step; off by default, for loops that observe on one rank only (a
            DDP loop whose ranks stop apart hangs in the next ``backward``).
        optimizer: a plain loop's optimizer (optional): its momentum (Adam's ``beta1``) sets how long a
            history must be before its pace may say "raise the rate" (:func:`lrkit.diagnose`'s
            ``momentum``: ten transients ``1/(1 - beta1)``, 1,000 updates at 0.99). ``train``'s callback
            and the Lightning and Hugging Face callbacks read the optimizer they are given.
        weight_norms: also read the norm of the optimizer's weights ``|w|`` (one pass over them at the
            first step and at each refresh, every ``every`` steps), :func:`lrkit.diagnose`'s
            ``weight_norms``: their growth is reported (``statistics["weight_growth"]``) and a "lower the
            rate" reading whose weights grew by at most ``LIVE_POLICY.weight_growth_hold`` is
            ``uncertain``: a rate too high inflates the weights, a catapult or a drift at a workable rate
            does not. Off by default (docs/evidence.md#diagnose-live-the-weight-norm). A plain loop passes
            ``optimizer``, or its own ``weight_norm`` to :meth:`observe`.

    Raises:
        LRKitError: for a bad argument.

    Example:
        >>> wd = Watchdog(every=20)
        >>> for step in range(200):
        ...     stop = wd.observe(step, torch.tensor(1.0 / (1 + step)), lr=0.1)
        >>> wd.diagnosis.verdict, wd.observe(200, float("inf"))
        ('healthy', True)
    """

    def __init__(self, *, every: int = 50, capacity: int = 2048, on_nan: str = "stop",
                 report: Callable[[Diagnosis], Any] | None = None, grad_norms: bool = False,
                 across_ranks: bool = False, optimizer: Any = None, weight_norms: bool = False) -> None:
        if optimizer is not None and not hasattr(optimizer, "param_groups"):
            raise LRKitError("`optimizer` of Watchdog must be a torch optimizer (with param_groups) or "
                             f"None; got {optimizer!r:.80}.")
        self.on_nan = check_choice("on_nan", on_nan, "Watchdog", ("stop", "raise", "ignore"))
        if report is not None and not callable(report):
            raise LRKitError(f"`report` of Watchdog must be a callable fn(diagnosis) (e.g. print) or None; "
                             f"got {report!r}.")
        self.weight_norms = check_flag("weight_norms", weight_norms, "Watchdog")
        self.monitor = Monitor(every=every, capacity=capacity, policy=LIVE_POLICY, owner="Watchdog")
        self.report = report
        self.grad_norms = bool(grad_norms)
        self._optimizer: Any = None
        self.across_ranks = check_flag("across_ranks", across_ranks, "Watchdog")
        self._last_verdict: str | None = None
        self._meet(optimizer)

    def _meet(self, optimizer: Any, *, fresh: bool = False) -> None:
        """Read the optimizer's momentum for the diagnosis (once, or again with ``fresh``: a new fit's
        optimizer; ``None``: nothing known yet). A momentum outside [0, 1) is no transient the pace rule
        knows: the default span stands. The optimizer is kept for the weight norm (``weight_norms``)."""
        if optimizer is not None and hasattr(optimizer, "param_groups"):
            self._optimizer = optimizer
        if optimizer is None or (self.monitor.momentum is not None and not fresh):
            return
        m = momentum_of(optimizer)
        self.monitor.momentum = m if 0.0 <= m < 1.0 else None

    def observe(self, step: int, loss: float | torch.Tensor, lr: float | None = None,
                grad_norm: float | torch.Tensor | None = None,
                weight_norm: float | torch.Tensor | None = None) -> bool:
        """Record the loss of ``step`` (and its rate, gradient norm and weight norm); return ``True`` if
        training should stop. With ``weight_norms=True`` and no ``weight_norm`` given, the weight norm is
        read from the optimizer at the first step and at each refresh.

        Raises:
            NonFiniteLossError: on a NaN/inf loss with ``on_nan="raise"``.
            LRKitError: when ``step`` does not increase, or ``loss`` / ``grad_norm`` is not a number.
        """
        value = mean_across_ranks(_scalar(loss)) if self.across_ranks else _scalar(loss)
        norm = None if grad_norm is None else _scalar(grad_norm, "grad_norm")
        weights = None if weight_norm is None else _scalar(weight_norm, "weight_norm")
        first = self.monitor.last_step < 0  # the weight norm's growth reads the first and the last measured
        if weights is None and self.weight_norms and self._optimizer is not None and (
                first or self.monitor.refreshes_next(value)):
            weights = _weight_norm(self._optimizer)
        bad = self.monitor.observe(step, value, lr, norm, weights)
        d = self.monitor.last_diagnosis  # as of the last refresh: a verdict is reported when it is made
        if d is not None and d.verdict != self._last_verdict:
            self._last_verdict = d.verdict
            if self.report is not None:
                self.report(d)
        if bad and self.on_nan == "raise":
            advice = d.recommendation if d else ""
            raise NonFiniteLossError(f"the loss is {value} at step {step}; {advice}".strip())
        return bad and self.on_nan == "stop"

    def observe_val(self, step: int, val_loss: float | torch.Tensor) -> None:
        """Record a validation loss measured after ``step``."""
        self.monitor.observe_val(step, _scalar(val_loss))

    @property
    def diagnosis(self) -> Diagnosis | None:
        """The :class:`~lrkit.diagnostics.Diagnosis` of everything observed so far.

        ``None`` before 10 steps.
        """
        return self.monitor.diagnosis

    def update(self) -> Diagnosis | None:
        """Diagnose now, without waiting for the next ``every`` boundary."""
        return self.monitor.update()

    # -- lrkit.tasks.train callback --------------------------------------------------------------
    def __call__(self, info: dict[str, Any]) -> bool:
        """``lrkit.tasks.train`` callback: reads ``info["step"]``, ``info["loss"]``, ``info["lr"]`` and,
        on evaluation steps, ``info["val_loss"]``."""
        if not isinstance(info, dict) or "step" not in info or "loss" not in info:
            raise LRKitError("`info` of Watchdog(info) must be a dict with 'step' and 'loss' (what "
                             f"lrkit.tasks.train gives its callbacks); got {info!r:.80}.")
        self._meet(info.get("optimizer"))
        stop = self.observe(info["step"], info["loss"], info.get("lr"))
        if info.get("val_loss") is not None:
            self.observe_val(info["step"], info["val_loss"])
        return stop

    # -- framework callbacks -----------------------------------------------------------------------
    def lightning_callback(self) -> Any:
        """A ``lightning.pytorch.Callback`` that feeds this watchdog and stops the trainer on NaN.

        One point per optimizer update, at the step Lightning logs it under (``global_step`` before the
        update); under ``accumulate_grad_batches`` it holds the mean of the update's micro-batch losses.
        Under manual optimization (``training_step`` need return nothing) the loss is the one returned,
        else the one the module logs in that batch under a name of
        :data:`lrkit.diagnostics.LOSS_NAMES` (``self.log("train_loss", loss)``); a fit in which it could
        read none ends with a warning saying so. With several optimizers (a GAN): one point per batch
        that steps them, its rate the first optimizer's.
        Its rate is group 0's, the units every rate lrkit quotes is in (``LRScheduler``'s spec, the
        advice, ``train``): the first group above 0 when group 0 is frozen at ``lr=0`` (a fine-tune's
        backbone listed first is not read as the rate), as the update used it: read before a scheduler
        steps (Lightning steps one of interval "step" before ``on_train_batch_end``).
        The watchdog's state is saved with Lightning's checkpoints and restored by
        ``Trainer.fit(ckpt_path=...)``, so a resumed run is diagnosed as a whole.

        Raises:
            ImportError: when neither ``lightning`` nor ``pytorch_lightning`` is installed.
        """
        from lrkit.torch._watchdog_callbacks import lightning_callback

        return lightning_callback(self)

    def hf_callback(self) -> Any:
        """A ``transformers.TrainerCallback`` fed from the Trainer's logs (``loss``, ``learning_rate``).

        The rate is the Trainer's logged ``learning_rate``, group 0's, except where group 0 is frozen at
        ``lr=0``: there the first group above 0's (lrkit's units, as the Lightning callback's).

        The Trainer logs every ``logging_steps``; set it to 1 for a per-step history. With its
        default ``logging_nan_inf_filter=True`` the Trainer logs a NaN/inf step's loss as a
        finite number, so a non-finite ``grad_norm`` in the same log counts as a NaN loss: the
        watchdog still sees the blow-up, and stops the run on it. Not under ``fp16``: there a
        non-finite ``grad_norm`` is the loss scaler's overflow, a step the Trainer skips (its
        loss finite, the weights untouched), met routinely while the scale settles; only a
        logged non-finite loss (``logging_nan_inf_filter=False``) stops an ``fp16`` run.

        A run that ends with too few logged losses to diagnose (the Trainer's default
        ``logging_steps=500`` on a shorter run) ends with a warning naming ``logging_steps``: the
        watchdog watched nothing, and would not have stopped a blow-up.

        The watchdog's state is saved in each checkpoint's ``trainer_state.json`` and, with the
        Trainer's ``restore_callback_states_from_checkpoint=True`` (its switch for every stateful
        callback, off by default), restored by ``train(resume_from_checkpoint=...)``, so a resumed
        run is diagnosed as a whole; a resume that starts the watchdog empty (without the switch)
        says so in a warning naming it.

        Raises:
            ImportError: when ``transformers`` is not installed.
        """
        from lrkit.torch._watchdog_callbacks import hf_callback

        return hf_callback(self)

    # -- state -----------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Plain data: the monitor's state plus the settings."""
        return {
            "on_nan": self.on_nan,
            "last_verdict": self._last_verdict,
            "monitor": self.monitor.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from :meth:`state_dict` output (checked first: a bad state changes nothing here)."""
        keys = ("on_nan", "last_verdict", "monitor")
        if not isinstance(state, dict) or any(k not in state for k in keys):
            shown = sorted(state) if isinstance(state, dict) else repr(state)[:80]
            raise LRKitError(f"`state_dict` of Watchdog must be a dict with keys {', '.join(keys)} (what "
                             f"Watchdog.state_dict returns); got {shown}.")
        on_nan = check_choice("on_nan", state["on_nan"], "Watchdog", ("stop", "raise", "ignore"))
        self.monitor.load_state_dict(state["monitor"])
        self.on_nan, self._last_verdict = on_nan, state["last_verdict"]
