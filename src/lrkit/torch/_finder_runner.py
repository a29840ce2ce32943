"""The per-step machinery of ``find_lr``: write the rate, do one real update, report its loss.

A range test is judged against the plain loop it replaces (zero_grad, forward,
backward, step, ``loss.item()``), so what it adds per update must be a few
microseconds: on a small model a whole update takes ~0.2 ms. Two things keep
it so. The common case (no accumulation, no AMP, no custom step) has its own
short path, and every per-step check is a plain comparison or a list append;
and the loss is read (``.item()``, a device sync on GPU) only after
``optimizer.step()`` has been queued, as in the plain loop.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from typing import Any

import torch

from lrkit.errors import LRKitError
from lrkit.finder import FinderResult, range_test
from lrkit.torch import _ddp
from lrkit.torch._batches import Batches, check_loss
from lrkit.torch._finder_norm import running_norms, settled_statistics
from lrkit.torch._first_update import first_update
from lrkit.torch._groups import GroupKey

__all__ = ["Runner", "progress_bar", "sweep_mode"]

# After this many consecutive AMP skips at one rate the loss is reported as NaN:
# GradScaler halves its scale per skip, so 16 skips mean the gradients are not
# merely overflowing the fp16 range but are genuinely non-finite.
MAX_AMP_SKIPS = 16

# The progress bar's text is updated ten times a second at most (Rich redraws at 10 Hz
# anyway): formatting and handing it over every update costs ~1.3 us, half a percent of
# a small model's update, for nothing anyone can see.
_BAR_INTERVAL_S = 0.1


class Runner:
    """The machinery of one ``find_lr`` call: write rates, perform updates, evaluate.

    The arguments are ``find_lr``'s, prepared: ``batches`` draws the batches,
    ``gkey`` and ``scales`` write each group's rate, ``autocast`` is the
    context factory under AMP and ``None`` without (only then, with no
    ``step`` hook, no ``scaler`` and one micro-batch, is the short path used),
    ``val_set`` holds the fixed validation batches (or ``None``), ``bar``
    is ``(progress, task)`` or ``None``, and ``max_grad_norm`` clips each
    update's gradient (after accumulation and unscaling) or is ``None``.
    """

    def __init__(self, model: torch.nn.Module, optimizer: torch.optim.Optimizer, loss_fn: Callable[..., Any],
                 batches: Batches, *, gkey: GroupKey, scales: list[float], forward: Callable[..., Any],
                 step: Callable[..., Any] | None, scaler: Any, autocast: Callable[[], Any] | None,
                 accumulation_steps: int, val_set: list[Any] | None, val_every: int, bar: Any,
                 max_grad_norm: float | None = None) -> None:
        self.model, self.optimizer, self.loss_fn, self.batches = model, optimizer, loss_fn, batches
        self.forward, self.step, self.scaler, self.k = forward, step, scaler, accumulation_steps
        self.max_grad_norm = max_grad_norm
        self.autocast = autocast or contextlib.nullcontext
        self.val_set, self.val_every, self.bar = val_set, val_every, bar
        self._norms = running_norms(model) if val_set is not None else []
        self.reduce = _ddp.loss_reducer()
        self.amp_skips = 0
        self._slots = list(zip(optimizer.param_groups, scales))
        self._gkey = gkey
        plain = (step is None and scaler is None and autocast is None and accumulation_steps == 1
                 and max_grad_norm is None)
        self.update = self._plain_update() if plain else self._update_general

    def _set_rate(self, lr: float) -> None:
        write = self._gkey.write
        for g, c in self._slots:
            write(g, lr * c)

    def _plain_update(self) -> Callable[[float], float]:
        """The short path: one plain training step at ``lr``, everything it needs bound once."""
        model, optimizer, loss_fn, forward = self.model, self.optimizer, self.loss_fn, self.forward
        zero_grad, opt_step, next_batch = optimizer.zero_grad, optimizer.step, self.batches.next
        slots, set_rate = self._slots, self._set_rate
        # A plain float under the key (not a tensor, not a tuple entry) is set by assignment.
        name = self._gkey.name if self._gkey.fast else None

        def update(lr: float) -> float:
            if name is not None:
                for g, c in slots:
                    g[name] = lr * c
            else:
                set_rate(lr)
            zero_grad(set_to_none=True)
            out, target = forward(model, next_batch())
            loss = check_loss(loss_fn(out, target))
            loss.backward()
            opt_step()
            return loss.item()

        return update

    def _update_general(self, lr: float) -> float:
        """One update at ``lr`` with accumulation, AMP or a step hook (retried on AMP skips)."""
        self._set_rate(lr)
        for _ in range(MAX_AMP_SKIPS + 1):
            self.optimizer.zero_grad(set_to_none=True)
            if self.step is not None:
                loss = self.step(self.model, self.optimizer, self.batches.next(), self.loss_fn)
                return check_loss(loss if isinstance(loss, torch.Tensor) else torch.tensor(loss)).item()
            losses = []
            for _ in range(self.k):
                with self.autocast():
                    loss = check_loss(self.loss_fn(*self.forward(self.model, self.batches.next())))
                # Dividing by k makes the accumulated gradient the mean over all k micro-batches.
                scaled = loss / self.k if self.k > 1 else loss
                (self.scaler.scale(scaled) if self.scaler is not None else scaled).backward()
                losses.append(loss)
            if self.scaler is None:
                self._clip()
                self.optimizer.step()
                return _mean_loss(losses, self.k)
            if self.max_grad_norm is not None:
                self.scaler.unscale_(self.optimizer)  # clip the true gradient, not the scaled one
                self._clip()
            before = self.scaler.get_scale()
            self.scaler.step(self.optimizer)
            self.scaler.update()
            if self.scaler.get_scale() >= before:  # GradScaler lowers its scale only on a skipped update
                return _mean_loss(losses, self.k)
            self.amp_skips += 1
        return math.nan

    def _clip(self) -> None:
        """Clip the accumulated gradient to ``max_grad_norm``, as the user's training loop does."""
        if self.max_grad_norm is not None:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.max_grad_norm)

    def val_loss(self) -> float:
        """Mean loss over the fixed validation batches, in eval mode, without gradients.

        A model with running statistics (BatchNorm) is read through statistics settled on the same
        batches for the current weights (:mod:`lrkit.torch._finder_norm`), not the lagging average.
        """
        assert self.val_set is not None
        with settled_statistics(self.model, self._norms, self.val_set if self._norms else (), self.forward,
                                self.autocast), torch.no_grad(), self.autocast():
            total = sum(check_loss(self.loss_fn(*self.forward(self.model, b))).item() for b in self.val_set)
        return total / len(self.val_set)

    def sweep(self, index: int, range_kwargs: dict[str, Any]) -> FinderResult:
        """One range test.

        Each loss is averaged over ranks inside ``step_fn`` (not via ``range_test``'s
        ``allreduce``) so the first-loss check, the held validation value and the
        progress bar also see the mean, identically on every rank.
        """
        train_losses: list[float] = []
        val_steps: list[int] = []
        update, reduce, bar = self.update, self.reduce, self.bar
        shown = [-math.inf, 0]  # when the bar was last redrawn, and the steps not yet shown

        def show(lr: float, value: float) -> None:
            shown[1] += 1
            now = time.monotonic()
            if now - shown[0] >= _BAR_INTERVAL_S:
                bar[0].update(bar[1], advance=shown[1], description=f"lr {lr:.2e}  loss {value:.4g}")
                shown[0], shown[1] = now, 0

        def first(lr: float, value: float) -> None:
            if not math.isfinite(value):
                raise LRKitError(
                    f"the first loss of find_lr must be finite; got {value} at lr={lr:g}, before the rate "
                    "can have had an effect: check the model, loss_fn and data."
                )

        def train_step(lr: float) -> float:
            loss = reduce(update(lr) if train_losses else _first_update(update, lr, self.optimizer))
            train_losses.append(loss)
            if len(train_losses) == 1:
                first(lr, loss)
            if bar is not None:
                show(lr, loss)
            return loss

        held = math.nan

        def val_step(lr: float) -> float:
            nonlocal held
            i = len(train_losses)
            loss = reduce(update(lr) if i else _first_update(update, lr, self.optimizer))
            train_losses.append(loss)
            if i % self.val_every == 0 or not math.isfinite(loss):
                held = reduce(self.val_loss())
                val_steps.append(i)
            if i == 0:
                first(lr, held)
            if bar is not None:
                show(lr, held)
            return held

        sweep_mode(self.model)
        result = range_test(train_step if self.val_set is None else val_step, **range_kwargs)
        # the steps since the last redraw, so the bar ends where the sweep did
        if bar is not None and shown[1]:
            bar[0].update(bar[1], advance=shown[1])
        result.meta.update(sweep=index, train_losses=train_losses)
        if self.val_set is not None:
            result.meta["val_steps"] = val_steps
        return result


def sweep_mode(model: torch.nn.Module) -> None:
    """Put ``model`` in the mode its training runs in, for the sweep (``find_lr`` restores every flag after).

    A model wholly in ``eval()`` (just evaluated) goes to ``train()``. A model whose modules' flags are mixed
    keeps them: the user chose them, as a fine-tune that keeps a frozen backbone's BatchNorm in ``eval()``
    to normalise with its pretrained statistics (torchvision's and mmdet's ``norm_eval``); ``train()`` there
    would sweep another model, one whose frozen layers normalise each small batch by its own statistics.

    Example:
        >>> net = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.BatchNorm1d(2))
        >>> sweep_mode(net.eval()); net[1].training
        True
        >>> net[1].eval(); sweep_mode(net); net.training, net[1].training  # doctest: +ELLIPSIS
        BatchNorm1d(...)
        (True, False)
    """
    if not any(m.training for m in model.modules()):
        model.train()


def _first_update(update: Callable[[float], float], lr: float, optimizer: torch.optim.Optimizer) -> float:
    """The sweep's first update under the loops' one guard (:func:`~lrkit.torch._first_update.first_update`):
    a failure is named in one line, as the optimizer's when raised inside its ``step()``; ``find_lr``
    restores every state before the error reaches the caller."""
    with first_update("find_lr", optimizer=optimizer, restored=True):
        return update(lr)


def _mean_loss(losses: list[torch.Tensor], k: int) -> float:
    """The recorded loss of an accumulated update: the mean of its micro-batch losses, summed in float64."""
    total = 0.0
    for loss in losses:
        total += loss.item() / k
    return total


def progress_bar(total: int) -> tuple[Any, Any]:
    """A started Rich progress bar on stderr and its task id (``find_lr(progress=True)``)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("find_lr"), BarColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True)
    bar.start()
    return bar, bar.add_task("", total=total)
