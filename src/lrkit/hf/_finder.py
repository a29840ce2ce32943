"""``lrkit.hf.find_lr(trainer)``: the range test on a ``transformers.Trainer`` exactly as it is configured.

Each sweep update is one update of the Trainer's own loop:

* the model and optimizer ``trainer.train()`` would train (the optimizer from
  ``create_optimizer``: a weight-decay group and a no-decay group, the class
  and hyper-parameters of ``TrainingArguments.optim``; or the one given as
  ``optimizers=``), prepared by the Trainer's accelerator, so ``bf16``/``fp16``
  autocast and DDP are the run's own;
* batches from ``trainer.get_train_dataloader()``: its sampler, batch size and
  data collator;
* ``gradient_accumulation_steps`` micro-batches per update, each through
  ``trainer.training_step`` (the Trainer's loss, its loss scaling for
  accumulation, ``accelerator.backward``), gradients clipped to
  ``max_grad_norm``, then one ``optimizer.step()``: one rate per real update;
* the loss recorded for an update is the sum of the micro-batch losses
  ``training_step`` returns, which is what the Trainer logs for that update.

Afterwards parameters, buffers, gradients, optimizer state, every RNG and the
Trainer itself (its attributes, its accelerator's registries) are as before,
bit for bit; no callback is called and no state is logged, so callbacks such
as lrkit's Watchdog see only the real run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import torch
from transformers import Trainer

from lrkit.errors import LRKitError, check_flag, shown, unknown_name
from lrkit.finder import FinderResult, Sweep
from lrkit.hf._session import check_trainer, prepared
from lrkit.torch import Update, Validation, loader_length
from lrkit.torch import find_lr as torch_find_lr
from lrkit.torch._retune import retune, schedule_share

__all__ = ["find_lr"]

_OWNER = "lrkit.hf.find_lr"
# What the Trainer's configuration decides instead of a find_lr argument: how one update is done
# (gradient_accumulation_steps, bf16 / fp16, training_step, the device it placed the model on).
_OWNED = "the Trainer (gradient_accumulation_steps, bf16 / fp16, its training_step and device)"
# The keyword arguments passed on to lrkit.torch.find_lr (its update and validation are the Trainer's).
# Sweep's fields, which a user coming from other finders passes to find_lr directly (num_steps=100).
_SWEEP_FIELDS = tuple(field.name for field in dataclasses.fields(Sweep))
_PASSED = tuple(name for name, p in inspect.signature(torch_find_lr).parameters.items()
                if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in ("update", "validation"))


class _Updates:
    """A loader in groups of ``k`` consecutive batches; one group is one optimizer update.

    The last group of a pass may be shorter, as in the Trainer's loop.
    """

    def __init__(self, loader: Iterable[Any], k: int) -> None:
        self.loader, self.k = loader, k

    def __iter__(self) -> Iterator[list[Any]]:
        it = iter(self.loader)
        while group := list(itertools.islice(it, self.k)):
            yield group


class _SizedUpdates(_Updates):
    """:class:`_Updates` of a loader with a length: a pass is ``ceil(len / k)`` updates."""

    def __len__(self) -> int:
        return math.ceil(len(self.loader) / self.k)  # type: ignore[arg-type]


def _updates(loader: Iterable[Any], k: int) -> _Updates:
    """Updates of ``k`` batches, with a length only where the loader has one: the Trainer's loader over a
    streaming ``IterableDataset`` defines ``__len__`` but raises ``TypeError`` from it."""
    return _Updates(loader, k) if loader_length(loader) is None else _SizedUpdates(loader, k)


def _trainer_update(trainer: Trainer, skipped: list[int]) -> Callable[..., torch.Tensor]:
    """``find_lr``'s step hook: one update of the Trainer's loop over a group of micro-batches."""
    acc, args = trainer.accelerator, trainer.args

    def step(model: torch.nn.Module, optimizer: Any, group: list[Any], loss_fn: Any) -> torch.Tensor:
        _, num_items = trainer.get_batch_samples(iter(group), len(group), args.device)
        trainer.current_gradient_accumulation_steps = len(group)
        total = torch.zeros((), device=args.device)
        for i, inputs in enumerate(group):
            last = i == len(group) - 1
            acc.gradient_state._set_sync_gradients(
                last
            )  # as the Trainer's loop: sync on the last micro-batch
            with contextlib.nullcontext() if last else acc.no_sync(model):
                total = total + trainer.training_step(model, inputs, num_items)
        if args.max_grad_norm is not None and args.max_grad_norm > 0:
            acc.clip_grad_norm_(model.parameters(), args.max_grad_norm)
        optimizer.step()
        skipped[0] += bool(getattr(optimizer, "step_was_skipped", False))  # an fp16 overflow
        return total

    return step


def _check_eval_dataset(trainer: Trainer) -> None:
    """Raise unless the Trainer has one eval dataset (a dict of them, which ``evaluate`` reads one by one,
    gives the sweep no single curve), before any state is touched."""
    data = trainer.eval_dataset
    if data is None:
        raise LRKitError(
            f"`validation` of {_OWNER} needs the Trainer's eval_dataset; got a Trainer without one."
        )
    if isinstance(data, Mapping):
        names = ", ".join(repr(str(name)) for name in list(data)[:4]) + (", ..." if len(data) > 4 else "")
        raise LRKitError(
            f"`validation` of {_OWNER} reads one eval dataset; the Trainer's eval_dataset is a dict of "
            f"{len(data)} ({names}): set trainer.eval_dataset to one of them for the sweep."
        )


def _validation(trainer: Trainer) -> tuple[Any, Callable[..., Any], Callable[..., Any]]:
    loader = trainer.get_eval_dataloader()

    def forward(model: torch.nn.Module, batch: Any) -> tuple[torch.Tensor, None]:
        return trainer.compute_loss(model, trainer._prepare_inputs(batch)), None

    return loader, forward, lambda loss, _: loss


def find_lr(
    trainer: Trainer, *, apply: bool = False, validation: bool | Mapping[str, int] = False, **kwargs: Any
) -> FinderResult:
    """Run the LR range test on ``trainer`` as configured, and restore everything afterwards.

    Args:
        trainer: a ``transformers.Trainer`` (or subclass) with a train dataset.
        apply: set ``trainer.args.learning_rate`` to the suggestion, which the
            optimizer ``train()`` builds (and a schedule from
            :func:`lrkit.hf.use_schedule`, through its ``lr``) will use; an
            optimizer given as ``optimizers=`` is moved to it with its
            scheduler (:func:`lrkit.torch._retune.retune`). With several param groups the
            suggestion is the reference group's rate (``meta["rate_group"]``) and ``learning_rate``
            gets group 0's share of it, ``suggestion * c_0`` (the first group above 0 if group 0 is
            at 0), the group ``learning_rate`` builds. When there is no
            suggestion, or only the blow-up fallback's guess (``meta["source"]``), the
            configuration is left as it is, with a warning.
        validation: record the loss on the Trainer's eval dataset after each
            update instead of the training loss (``find_lr``'s validation mode);
            a mapping sets that mode's ``every`` and ``batches``
            (:class:`lrkit.torch.Validation`).
        **kwargs: passed to :func:`lrkit.torch.find_lr` (``sweep``, ``rule``,
            ``policy``, ``repeats``, ``interval``, ``seed``, ``on_step``,
            ``snapshot``, ``progress``); its ``update`` is the Trainer's and is refused.

    Returns:
        The :class:`~lrkit.finder.FinderResult`. ``meta`` adds
        ``runner="lrkit.hf.find_lr"``, the accumulation, ``mixed_precision``,
        ``optimizer_source`` (``"created"`` by the Trainer or ``"given"``; ``optimizer``
        describes it, as for every result), the
        ``param_groups`` (weight decay and size of each) and AMP skips.

    Raises:
        LRKitError: if ``trainer`` is not a Trainer or has no train dataset, an
            argument the Trainer owns is passed, ``validation`` without an
            eval dataset, or as :func:`lrkit.torch.find_lr`.

    Example:
        A sweep on a real Trainer is the :mod:`lrkit.hf` package docstring's doctest (a user's three lines
        are in ``docs/integrations.md``, and ``tests/hf/`` runs it all). What it checks first, before any
        state is touched:

        >>> find_lr(object())
        Traceback (most recent call last):
        ...
        lrkit.errors.LRKitError: `trainer` of lrkit.hf.find_lr must be a transformers.Trainer; got object.
    """
    check_trainer(trainer, _OWNER)
    check_flag("apply", apply, _OWNER)  # a flag read from a config arrives as "false": truthy
    if "update" in kwargs:
        raise LRKitError(f"`update` of {_OWNER} is set by {_OWNED}; configure it there, not here.")
    for name in kwargs:
        if name in _SWEEP_FIELDS:  # the range's own settings are Sweep's, as in lrkit.torch.find_lr
            raise LRKitError(f"`{name}` of {_OWNER} is a field of the sweep: pass "
                             f"sweep=Sweep({name}={shown(kwargs[name])}) (lrkit.finder.Sweep).")
        if name not in _PASSED:
            raise unknown_name(f"argument of {_OWNER}", name, _PASSED)
    options = dict(validation) if isinstance(validation, Mapping) else {}
    if not isinstance(validation, (bool, Mapping)) or set(options) - {"every", "batches"}:
        raise LRKitError(f"`validation` of {_OWNER} must be True, False or a mapping of every and batches; "
                         f"got {validation!r}.")
    Validation((), **options)  # checks every and batches before anything is built
    if trainer.train_dataset is None:
        raise LRKitError(f"`trainer` of {_OWNER} must have a train_dataset; got None.")
    if validation is not False:
        _check_eval_dataset(trainer)
    given = trainer.optimizer is not None
    val = forward = loss_fn = None
    skipped = [0]
    with prepared(trainer) as (model, optimizer):
        if validation is not False:
            val_loader, forward, loss_fn = _validation(trainer)
            val = Validation(val_loader, **options)
        k = trainer.args.gradient_accumulation_steps
        units = _updates(trainer.get_train_dataloader(), k)
        update = Update(step=_trainer_update(trainer, skipped), forward=forward, device=trainer.args.device)
        result = torch_find_lr(model, optimizer, loss_fn or _unused_loss, units, update=update,
                               validation=val, **kwargs)
        # the suggestion is the reference group's rate; learning_rate is what group 0 is built from
        to_group_0 = schedule_share(optimizer, 1.0)
        groups = [
            {"weight_decay": g.get("weight_decay"), "params": len(g["params"])}
            for g in optimizer.param_groups
        ]
    result.meta.update(
        runner="lrkit.hf.find_lr",
        accumulation_steps=k,
        amp_skipped_steps=skipped[0],
        mixed_precision=str(trainer.accelerator.mixed_precision),
        param_groups=groups,
        optimizer_source="given" if given else "created",  # meta["optimizer"] is its description
    )
    if apply:
        _apply(trainer, result, to_group_0)
    return result


def _unused_loss(output: Any, target: Any) -> torch.Tensor:
    raise AssertionError("the Trainer computes the loss; this is never called")  # pragma: no cover


def _apply(trainer: Trainer, result: FinderResult, to_group_0: float) -> None:
    lr = result.suggestion
    guessed = result.is_guess  # "a guess, not a measurement"
    if lr is None or not math.isfinite(lr) or guessed:
        what = "only a guess, no measured rate," if guessed and lr is not None else "no suggestion"
        if trainer.is_world_process_zero():  # every process swept the same curve: one warning per run
            warnings.warn(
                f"lrkit.hf.find_lr has {what} to apply ({result.reason}); learning_rate stays "
                f"{trainer.args.learning_rate:g}.",
                stacklevel=3,
            )
        return
    trainer.args.learning_rate = float(lr) * to_group_0
    if trainer.optimizer is not None:  # given as optimizers=: move it, and its scheduler, to the new rate
        retune(trainer.optimizer, [trainer.lr_scheduler], float(lr))
