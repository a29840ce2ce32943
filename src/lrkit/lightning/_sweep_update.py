"""One sweep update as Lightning's automatic optimization makes it, for ``find_lr`` to run.

One update is ``accumulate_grad_batches`` micro-batches through ``strategy.training_step`` (the
DDP wrapper and the precision plugin's autocast), each loss divided by their number, the
precision plugin's loss scaler when there is one, gradient clipping as configured
(``gradient_clip_val``, ``gradient_clip_algorithm``), then the optimizer step. Also here:
Lightning's own early-stop rule, reproduced for ``early_stop_threshold``, and the muting of the
module's ``self.log`` during the sweep.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Callable, Iterator
from typing import Any

import torch

from lrkit.errors import LRKitError

__all__ = ["LIGHTNING_BETA", "BatchGroups", "ThresholdStop", "lightning_update", "loss_of", "muted_logging"]

#: Lightning's early_stop_threshold rule, reproduced when a threshold is given: its loss average.
LIGHTNING_BETA = 0.98


class BatchGroups:
    """The train loader in groups of ``k`` batches moved to the device; one group is one update.

    Each pass takes the first ``limit`` batches of the loader, as a training epoch does
    (``trainer.num_training_batches``: ``limit_train_batches`` resolved against the loader), so a
    sweep trains on no batch the run leaves out; ``find_lr`` cycles the passes as it cycles a short loader.

    Example:
        >>> groups = BatchGroups([1, 2, 3, 4, 5], 2, to_device=lambda b: b * 10)
        >>> len(groups), list(groups)  # the last update takes the batches left
        (3, [[10, 20], [30, 40], [50]])
        >>> list(BatchGroups([1, 2, 3, 4, 5], 2, to_device=lambda b: b, limit=3))
        [[1, 2], [3]]
    """

    def __init__(self, loader: Any, k: int, to_device: Callable[[Any], Any], limit: float = math.inf) -> None:
        self.loader, self.k, self.to_device, self.limit = loader, k, to_device, limit

    def __len__(self) -> int:
        return math.ceil(min(len(self.loader), self.limit) / self.k)

    def __iter__(self) -> Iterator[list[Any]]:
        it = iter(self.loader) if math.isinf(self.limit) else itertools.islice(self.loader, int(self.limit))
        while group := [self.to_device(b) for b in itertools.islice(it, self.k)]:
            yield group


class ThresholdStop:
    """Lightning's early stop: the bias-corrected running loss above ``threshold`` times its best.

    With :math:`\\beta` = :data:`LIGHTNING_BETA` and Lightning's step :math:`s = t + 1`, the running
    loss is :math:`a_s = \\beta a_{s-1} + (1 - \\beta) L_s` and the smoothed one
    :math:`a_s / (1 - \\beta^{s+1})`; the sweep stops when it exceeds ``threshold`` times the lowest
    smoothed loss so far (from the second step on).

    Example:
        >>> stop = ThresholdStop(4.0)
        >>> [stop(t, 0.1, loss) for t, loss in enumerate([1.0, 0.9, 1.2, 50.0])]  # a blow-up stops it
        [False, False, False, True]
    """

    def __init__(self, threshold: float) -> None:
        self.threshold, self.avg, self.best = threshold, 0.0, 0.0

    def __call__(self, t: int, lr: float, loss: float) -> bool:
        step = t + 1  # Lightning reads global_step after the update
        self.avg = LIGHTNING_BETA * self.avg + (1 - LIGHTNING_BETA) * loss
        smoothed = self.avg / (1 - LIGHTNING_BETA ** (step + 1))
        stop = step > 1 and smoothed > self.threshold * self.best
        if smoothed < self.best or step == 1:
            self.best = smoothed
        return stop


def loss_of(output: Any) -> torch.Tensor:
    """The loss tensor of a ``training_step`` output: the tensor itself or a dict's ``"loss"``.

    Raises:
        LRKitError: for anything else (``None``, a float, a dict without a tensor ``"loss"``).

    Example:
        >>> loss_of({"loss": torch.tensor(0.5), "acc": 0.9})
        tensor(0.5000)
        >>> loss_of(0.5)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `training_step` ... a loss tensor or a dict with 'loss'; got float.
    """
    loss = output.get("loss") if isinstance(output, dict) else output
    if not isinstance(loss, torch.Tensor):
        raise LRKitError(
            "`training_step` used by LearningRateFinder must return a loss tensor or a dict with 'loss'; "
            f"got {type(output).__name__}."
        )
    return loss


def lightning_update(trainer: Any, module: Any) -> Callable[..., torch.Tensor]:
    """``find_lr``'s step hook: one update of Lightning's automatic optimization over a group of batches."""
    strategy = trainer.strategy
    scaler = getattr(trainer.precision_plugin, "scaler", None)

    def step(model: Any, optimizer: torch.optim.Optimizer, group: list[Any], loss_fn: Any) -> torch.Tensor:
        total = torch.zeros(())
        for i, batch in enumerate(group):
            loss = loss_of(strategy.training_step(batch, i)) / len(group)
            (scaler.scale(loss) if scaler is not None else loss).backward()
            total = total + loss.detach().float().cpu()
        if trainer.gradient_clip_val:
            if scaler is not None:
                scaler.unscale_(optimizer)
            module.clip_gradients(
                optimizer,
                gradient_clip_val=trainer.gradient_clip_val,
                gradient_clip_algorithm=trainer.gradient_clip_algorithm,
            )
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        return total

    return step


@contextlib.contextmanager
def muted_logging(module: Any) -> Iterator[None]:
    """``self.log`` / ``self.log_dict`` do nothing inside the block (the sweep is not the run).

    Example:
        >>> class Module:
        ...     def log(self, name, value):
        ...         print(name, value)
        >>> m = Module()
        >>> with muted_logging(m):
        ...     m.log("loss", 1.0)  # silent
        >>> m.log("loss", 2.0)  # the class's own method again
        loss 2.0
    """
    saved = {name: vars(module).get(name) for name in ("log", "log_dict")}
    module.log = module.log_dict = lambda *args, **kwargs: None
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                vars(module).pop(name, None)
            else:
                setattr(module, name, value)
