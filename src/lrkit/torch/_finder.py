"""``lrkit.torch.find_lr``: the LR range test on a real torch model, state restored exactly.

The runner turns a model, an optimizer, a loss and a loader into the
framework-neutral ``step_fn(lr) -> loss`` of :func:`lrkit.finder.range_test`,
where one call is one *real optimizer update*:

* with ``accumulation_steps = k``, ``k`` micro-batches are forwarded and
  back-propagated (each loss divided by ``k``, so the gradient is the mean over
  the ``k * batch`` samples) and the optimizer steps once; the recorded loss is
  the mean of the ``k`` micro-batch losses;
* with a ``GradScaler`` (AMP), an update the scaler skips (inf/NaN gradients)
  does not advance the sweep: the same rate is retried on the next batch and
  the skip is counted in ``result.meta["amp_skipped_steps"]``;
* every param group gets ``lr * c_g``, keeping its ratio ``c_g`` to the reference group: of the groups
  with a positive initial rate, the one holding the most parameters
  (:func:`lrkit.torch._groups.group_ratios`, as the Autopilot and ``retune``), whatever the groups'
  order; a group frozen at ``lr=0`` stays at 0 wherever it is listed, and ``lr`` is the reference's rate;
* under ``torch.distributed`` each loss is the mean over ranks (``_ddp.py``),
  also under ``accelerate launch``, whose prepared loaders and fp16 optimizers
  ``_accelerate.py`` handles.

Everything the sweep touches (parameters, buffers, gradients, optimizer state
and hyper-parameters, every RNG, a DataLoader's generator, a stateful loader or
scaler) is restored in a ``finally`` from a CPU (or disk) snapshot.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
from collections.abc import Callable, Iterable
from typing import Any

import torch

from lrkit.errors import LRKitError
from lrkit.finder import FinderPolicy, FinderResult, Sweep
from lrkit.torch import _ddp
from lrkit.torch._accelerate import snapshot_extras
from lrkit.torch._batches import Batches, default_forward
from lrkit.torch._describe import describe_optimizer, loader_batch_size
from lrkit.torch._finder_checks import check_find_lr
from lrkit.torch._finder_options import Update, Validation
from lrkit.torch._finder_passes import run_passes
from lrkit.torch._finder_rule import RATE_CAPPED, capped_from
from lrkit.torch._finder_runner import Runner, progress_bar
from lrkit.torch._groups import group_ratios, group_sizes, initial_values, parse_key
from lrkit.torch._rng import loader_generators
from lrkit.torch._state import TrainingSnapshot, snapshot as take_snapshot

__all__ = ["find_lr"]


def find_lr(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], torch.Tensor],
    train_loader: Iterable[Any],
    *,
    sweep: Sweep = Sweep(),
    rule: str = "auto",
    policy: FinderPolicy = FinderPolicy(),
    update: Update = Update(),
    validation: Validation | None = None,
    repeats: int = 1,
    retry: bool = True,
    interval: bool = True,
    seed: int = 0,
    on_step: Callable[[int, float, float], bool | None] | None = None,
    snapshot: str = "memory",
    progress: bool = False,
) -> FinderResult:
    """Run the LR range test on a torch model and restore its state exactly afterwards.

    The rate of update :math:`i` is the sweep schedule's value
    :math:`\\eta_i = \\eta_0 (\\eta_1/\\eta_0)^{i/(N-1)}` (``mode="exp"``; linear
    for ``"linear"``), written to group :math:`g` as :math:`\\eta_i c_g`. The loss
    recorded for update :math:`i` is the training loss of the batch it was
    computed on (the mean of the ``k`` micro-batches with accumulation), or in
    validation mode (:class:`Validation`) the mean loss over a fixed subset of the
    validation loader evaluated after update :math:`i` (``meta["val_steps"]`` lists the
    evaluated updates and ``meta["train_losses"]`` keeps every training loss).

    Args:
        model, optimizer, loss_fn, train_loader: the user task protocol
            (``docs/architecture.md``); ``loss_fn(output, target)`` returns a scalar
            tensor. A loader shorter than the sweep is cycled (``meta["loader_passes"] > 0``;
            an INFO message on the ``lrkit`` logger, no warning: it is the usual case).
        sweep: the rates (:class:`lrkit.finder.Sweep`: ``start``, ``end``,
            ``num_steps``, ``mode``).
        rule: the suggestion rule; ``"auto"`` picks ``policy.adaptive_rule``
            (``"falling"``) for adaptive optimizers and ``policy.sgd_rule``
            (``"default"``) for SGD-like ones (:func:`resolve_rule` explains why);
            ``meta["rule_requested"]`` keeps what was asked.
        policy: the tuned numbers of the stop rule, the smoother, the rules, the
            interval and ``rule="auto"`` (:class:`lrkit.finder.FinderPolicy`); the blow-up
            anchor's distance is ``policy.memoryless_decades`` for an optimizer without
            momentum, in between for a momentum under 0.9 (:func:`resolve_policy`).
        update: how one update is done (:class:`Update`: accumulation, AMP, a scaler,
            a custom forward or step, the device).
        validation: record a validation loss instead (:class:`Validation`), or ``None``. A model
            with running statistics (BatchNorm) is read through statistics settled on the
            validation batches for the current weights, and the stop rule's ``level_floor``
            is ``policy.val_level_floor`` (a nearly noiseless curve: a rise must be material).
        repeats: independent sweeps over successive batches, the state restored
            before each; their curves are combined by :func:`lrkit.finder.combine`.
        retry: when the sweep carries no signal (no suggestion, or a drop below
            ``policy.retry_sigmas`` noise SDs), sweep again from the same state over the
            ``policy.retry_decades`` below where it blew up, in ``policy.retry_steps``
            updates (each repeat), and answer from the clearer pass; with no descent in
            either, a stated guess below the blow-up (:func:`lrkit.finder.settle`).
            ``meta["source"]`` says which answered, ``meta["passes"]`` what each pass
            found and ``meta["updates"]`` the updates of all passes together.
        interval: compute the bootstrap interval.
        seed: seeds the bootstrap.
        on_step: called after each update with ``(t, lr, loss)``; True stops the sweep.
        snapshot: ``"memory"`` (CPU copies) or ``"disk"`` (a temporary file).
        progress: show a Rich progress bar on stderr.

    Returns:
        The :class:`~lrkit.finder.FinderResult`; ``meta`` adds the runner's
        accounting (batches used, loader passes, AMP skips, group scales, ``rate_group``: the group
        whose rate the sweep and the suggestion are, of those with a positive rate the one holding the
        most parameters, ...), the
        optimizer the rate is for (``meta["optimizer"]``: name, kind, key hyperparameters,
        :func:`~lrkit.torch._describe.describe_optimizer`) and ``meta["batch_size"]``.

    Raises:
        LRKitError: for bad arguments (every one is checked before any state is
            touched), an optimizer group without ``lr``, an optimizer whose step ignores
            the rate after its first update (``torch.optim.Rprop``), an empty loader, a batch on
            another device, a non-scalar loss, or a non-finite first loss.

    Example:
        >>> import torch
        >>> from lrkit.finder import Sweep
        >>> from lrkit.torch import find_lr
        >>> _ = torch.manual_seed(0)
        >>> X = torch.randn(5120, 3); y = X @ torch.tensor([1.0, -2.0, 0.5])
        >>> data = [(X[i:i + 128], y[i:i + 128]) for i in range(0, 5120, 128)]
        >>> model = torch.nn.Linear(3, 1)
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> w = model.weight.clone()
        >>> res = find_lr(model, opt, lambda out, t: ((out.squeeze(1) - t) ** 2).mean(), data,
        ...               sweep=Sweep(start=1e-4, end=10, num_steps=40))
        >>> # MSE's Hessian is ~2I here, so plain SGD is stable below lr = 2/2 = 1.
        >>> 1e-2 < res.suggestion < 1.0, torch.equal(model.weight, w)
        (True, True)
    """
    # Every argument is checked first, so nothing is snapshotted, drawn or stepped before an error.
    checked = check_find_lr(model, optimizer, loss_fn, train_loader, sweep=sweep, rule=rule, policy=policy,
                            update=update, validation=validation, repeats=repeats, retry=retry,
                            interval=interval, seed=seed, on_step=on_step, snapshot=snapshot,
                            progress=progress)
    optimizer, scaler, k, repeats = checked.optimizer, checked.scaler, checked.accumulation, checked.repeats
    params = list(model.parameters())
    model_device = params[0].device if params else None
    dev = torch.device(update.device) if update.device is not None else None
    amp_device = (dev or model_device or torch.device("cpu")).type
    if update.amp and scaler is None and amp_device == "cuda":
        scaler = torch.amp.GradScaler("cuda")  # float16 autocast needs loss scaling; CPU bfloat16 does not
    val_loader = None if validation is None else validation.loader
    snap = _snapshot_touched(model, optimizer, scaler, (train_loader, val_loader), snapshot)
    bar = progress_bar(sweep.num_steps * repeats) if progress else None
    range_kwargs = dict(sweep=sweep, rule=checked.rule, policy=checked.policy, interval=interval,
                        seed=checked.seed, on_step=on_step)
    try:
        # Inside the snapshot: starting a shuffling DataLoader draws from the torch RNG.
        batches = Batches(train_loader, sweep.num_steps * k * repeats, dev, model_device)
        gkey = parse_key("lr", optimizer.param_groups)
        groups = optimizer.param_groups
        rate_group, scales = group_ratios(initial_values(gkey, groups), group_sizes(groups))
        val_set = None if validation is None else _validation_set(validation, batches)
        autocast = (lambda: torch.autocast(amp_device)) if update.amp else None
        runner = Runner(model, optimizer, loss_fn, batches, gkey=gkey, scales=scales,
                        forward=update.forward or default_forward, step=update.step, scaler=scaler,
                        autocast=autocast, accumulation_steps=k, val_set=val_set,
                        val_every=1 if validation is None else validation.every, bar=bar,
                        max_grad_norm=update.max_grad_norm)
        result, first = run_passes(runner, snap, range_kwargs, repeats=repeats, retry=retry, bar=bar)
        result.meta.update(
            runner="lrkit.torch.find_lr", loss="val" if val_set is not None else "train",
            accumulation_steps=k, max_grad_norm=update.max_grad_norm, amp=update.amp,
            amp_skipped_steps=runner.amp_skips, group_scales=scales, rate_group=rate_group,
            repeats=repeats, world_size=_ddp.world_size(), snapshot=snapshot,
            snapshot_bytes=snap.nbytes, batches_used=batches.used, loader_passes=batches.passes,
            cycled=batches.passes > 0, rule_requested=checked.requested,
            optimizer=describe_optimizer(optimizer), batch_size=loader_batch_size(train_loader),
        )
        warn_capped(optimizer, first, checked.start_step, result.suggestion)
        # Every rank returns the same record, so wall and CPU time are the slowest rank's.
        if "loop_cpu_time" in result.meta:
            result.meta["loop_cpu_time"] = _ddp.max_across_ranks(result.meta["loop_cpu_time"])
        return dataclasses.replace(result, wall_time=_ddp.max_across_ranks(result.wall_time))
    finally:
        if bar is not None:
            bar[0].stop()
        try:
            snap.restore()
        finally:
            snap.close()


def _snapshot_touched(model: torch.nn.Module, optimizer: torch.optim.Optimizer, scaler: Any,
                      loaders: tuple[Any, ...], storage: str) -> TrainingSnapshot:
    """A snapshot of everything a sweep touches: the model, the optimizer and every RNG, and beyond them
    the generators the loaders draw their order from (their own, their samplers', a wrapped loader's:
    :func:`~lrkit.torch._rng.loader_generators`) and the stateful objects among the scaler and the
    loaders (a GradScaler's scale, a stateful or accelerate-prepared loader's position:
    :func:`~lrkit.torch._accelerate.snapshot_extras`)."""
    generators = {id(g): g for o in loaders for g in loader_generators(o)}.values()
    extras = snapshot_extras((scaler, *loaders))
    return take_snapshot(model, optimizer, storage=storage, generators=generators, extras=extras)


def _validation_set(validation: Validation, batches: Batches) -> list[Any]:
    """The fixed subset the held-out loss is read on: the first ``validation.batches`` batches of one pass,
    on the sweep's device (drawn inside the snapshot: a shuffling loader's first batch draws from the RNG)."""
    first = itertools.islice(iter(validation.loader), validation.batches)
    val_set = [batches.prepare(b) for b in first]
    if not val_set:
        raise LRKitError("`validation.loader` of find_lr must yield at least one batch; got an empty "
                         "one.")
    return val_set


def warn_capped(optimizer: torch.optim.Optimizer, sweep: FinderResult, start: int,
                suggestion: float | None) -> None:
    """Warn, naming the optimizer, when it ran part of the sweep below the rates written (a capped rate).

    From that update on the curve is drawn against rates that did not run, so it cannot blow up where the
    rate says, and a suggestion there is a rate the sweep never tried.
    """
    i = capped_from(optimizer, sweep.lrs, start)
    if i is None:
        return
    name = type(optimizer).__name__
    why = next(w for cls, (w, _) in RATE_CAPPED.items() if isinstance(optimizer, cls))
    lr = float(sweep.lrs[i])
    if suggestion is None:
        where = "none was suggested"
    elif suggestion >= lr:
        where = f"the suggestion {suggestion:.3g} is in that part: a rate the sweep did not run"
    else:
        where = f"the suggestion {suggestion:.3g} is below it"
    warnings.warn(f"find_lr: {name} {why}: from update {i + 1} of the sweep (rate {lr:.3g}) on, it ran "
                  f"below the rates drawn; {where}. Give {name} the cap you want as its lr, or sweep an "
                  "optimizer that runs at the rate it is given.", stacklevel=3)
