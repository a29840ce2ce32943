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
* every param group gets ``lr * c_g``, keeping its ratio ``c_g`` to group 0
  (the adapter's :func:`lrkit.torch._groups.initial_scales`);
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
from collections.abc import Callable, Iterable
from typing import Any

import torch

from lrkit.errors import LRKitError, check_choice, check_count, check_int, check_positive
from lrkit.finder import MIN_STEPS, SWEEP_BYTES_PER_STEP, FinderResult, combine
from lrkit.torch import _ddp
from lrkit.torch._accelerate import snapshot_extras, unwrap_scaled
from lrkit.torch._batches import Batches, default_forward
from lrkit.torch._finder_rule import resolve_rule
from lrkit.torch._finder_runner import Runner, progress_bar
from lrkit.torch._groups import initial_scales, parse_key
from lrkit.torch._state import snapshot as take_snapshot

__all__ = ["find_lr"]

_OWNER = "find_lr"


def find_lr(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Any, Any], torch.Tensor],
    train_loader: Iterable[Any],
    *,
    start: float = 1e-7,
    end: float = 10.0,
    num_steps: int = 100,
    mode: str = "exp",
    rule: str = "auto",
    val_loader: Iterable[Any] | None = None,
    val_every: int = 1,
    val_batches: int = 4,
    accumulation_steps: int = 1,
    amp: bool = False,
    scaler: Any = None,
    forward: Callable[[torch.nn.Module, Any], tuple[Any, Any]] | None = None,
    step: Callable[[torch.nn.Module, torch.optim.Optimizer, Any, Callable[..., Any]], Any] | None = None,
    device: str | torch.device | None = None,
    snapshot: str = "memory",
    repeats: int = 1,
    progress: bool = False,
    **range_test_kwargs: Any,
) -> FinderResult:
    """Run the LR range test on a torch model and restore its state exactly afterwards.

    The rate of update :math:`i` is the sweep schedule's value
    :math:`\\eta_i = \\eta_0 (\\eta_1/\\eta_0)^{i/(N-1)}` (``mode="exp"``; linear
    for ``"linear"``), written to group :math:`g` as :math:`\\eta_i c_g`. The loss
    recorded for update :math:`i` is the training loss of the batch it was
    computed on (the mean of the ``k`` micro-batches with accumulation), or in
    validation mode the mean loss over ``val_batches`` fixed batches of
    ``val_loader`` evaluated after update :math:`i`. Validation runs every
    ``val_every`` updates; the updates in between report the most recent
    evaluation (a held value, so the curve is a staircase of width
    ``val_every``; ``meta["val_steps"]`` lists the evaluated updates and
    ``meta["train_losses"]`` keeps every training loss).

    Args:
        model, optimizer, loss_fn, train_loader: the user task protocol of
            DESIGN.md; ``loss_fn(output, target)`` returns a scalar tensor. A
            loader shorter than the sweep is cycled (a warning;
            ``meta["loader_passes"] > 0``).
        start, end, num_steps, mode: the sweep (see :func:`lrkit.finder.range_test`).
        rule: the suggestion rule; ``"auto"`` picks ``"falling"`` for adaptive
            optimizers and ``"default"`` for SGD-like ones (:func:`resolve_rule`
            explains why); ``meta["rule_requested"]`` keeps what was asked.
        val_loader, val_every, val_batches: validation mode.
        accumulation_steps: micro-batches per optimizer update.
        amp: run forward and loss under ``torch.autocast`` (float16 on CUDA,
            bfloat16 on CPU); on CUDA a ``GradScaler`` is created unless given.
        scaler: a ``torch.amp.GradScaler`` to use (its state is restored).
        forward: ``forward(model, batch) -> (output, target)``; default
            :func:`default_forward`.
        step: ``step(model, optimizer, batch, loss_fn) -> loss`` doing one whole
            update (forward, backward, ``optimizer.step()``) at the rate already
            written to the groups; gradients are zeroed before each call. It owns
            the update, so it excludes ``accumulation_steps > 1``, ``amp`` and ``scaler``.
        device: move every batch there; by default batches must already be on
            the model's device (a mismatch raises instead of silently copying).
        snapshot: ``"memory"`` (CPU copies) or ``"disk"`` (a temporary file).
        repeats: independent sweeps over successive batches, the state restored
            before each; their curves are combined by :func:`lrkit.finder.combine`.
        progress: show a Rich progress bar on stderr.
        **range_test_kwargs: passed to :func:`lrkit.finder.range_test`
            (``on_step``, ``interval``, ``diverge_threshold``, ...).

    Returns:
        The :class:`~lrkit.finder.FinderResult`; ``meta`` adds the runner's
        accounting (batches used, loader passes, AMP skips, group scales, ...).

    Raises:
        LRKitError: for bad arguments (also those of ``range_test``), an
            optimizer group without ``lr``, an empty loader, a batch on another
            device, a non-scalar loss, or a non-finite first loss.

    Example:
        >>> import torch
        >>> from lrkit.torch import find_lr
        >>> _ = torch.manual_seed(0)
        >>> X = torch.randn(5120, 3); y = X @ torch.tensor([1.0, -2.0, 0.5])
        >>> data = [(X[i:i + 128], y[i:i + 128]) for i in range(0, 5120, 128)]
        >>> model = torch.nn.Linear(3, 1)
        >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
        >>> w = model.weight.clone()
        >>> res = find_lr(model, opt, lambda out, t: ((out.squeeze(1) - t) ** 2).mean(), data,
        ...               start=1e-4, end=10, num_steps=40)
        >>> # MSE's Hessian is ~2I here, so plain SGD is stable below lr = 2/2 = 1.
        >>> 1e-2 < res.suggestion < 1.0, torch.equal(model.weight, w)
        (True, True)
    """
    optimizer, scaler = unwrap_scaled(optimizer, scaler)  # an accelerate fp16 optimizer steps through its scaler
    accumulation_steps = check_int("accumulation_steps", accumulation_steps, _OWNER)
    repeats = check_int("repeats", repeats, _OWNER)
    val_every = check_int("val_every", val_every, _OWNER)
    val_batches = check_int("val_batches", val_batches, _OWNER)
    # The sweep's own arguments are checked here too, so nothing is snapshotted or drawn before an error.
    start = check_positive("start", start, _OWNER)
    end = check_positive("end", end, _OWNER)
    if end <= start:
        raise LRKitError(f"`end` of find_lr must be > start={start:g}; got {end:g}.")
    num_steps = check_count("num_steps", num_steps, _OWNER, low=MIN_STEPS,
                            bytes_each=SWEEP_BYTES_PER_STEP * repeats)
    check_choice("mode", mode, _OWNER, ("exp", "linear"))
    requested, rule = rule, resolve_rule(rule, optimizer)
    check_choice("snapshot", snapshot, _OWNER, ("memory", "disk"))
    if step is not None and (accumulation_steps != 1 or amp or scaler is not None):
        raise LRKitError("`step` of find_lr must be None when accumulation_steps > 1, amp or scaler is used; "
                         "the step hook owns the whole update.")
    for i, group in enumerate(optimizer.param_groups):
        if "lr" not in group:
            keys = sorted(k for k in group if k != "params")
            raise LRKitError(
                f"`optimizer` of find_lr must have an 'lr' in every param group; group {i} has {keys}."
            )
    params = list(model.parameters())
    model_device = params[0].device if params else None
    dev = torch.device(device) if device is not None else None
    if hasattr(train_loader, "__len__") and len(train_loader) == 0:  # type: ignore[arg-type]
        raise LRKitError("`train_loader` of find_lr must yield at least one batch; got an empty loader.")
    amp_device = (dev or model_device or torch.device("cpu")).type
    if amp and scaler is None and amp_device == "cuda":
        scaler = torch.amp.GradScaler("cuda")  # float16 autocast needs loss scaling; CPU bfloat16 does not
    loaders = (train_loader, val_loader)
    generators = [getattr(o, "generator", None) for o in loaders]
    generators = [g for g in generators if isinstance(g, torch.Generator)]
    extras = snapshot_extras((scaler, *loaders))
    snap = take_snapshot(model, optimizer, storage=snapshot, generators=generators, extras=extras)
    bar = progress_bar(num_steps * repeats) if progress else None
    range_kwargs = dict(start=start, end=end, num_steps=num_steps, mode=mode, rule=rule, **range_test_kwargs)
    try:
        # Inside the snapshot: starting a shuffling DataLoader draws from the torch RNG.
        batches = Batches(train_loader, num_steps * accumulation_steps * repeats, dev, model_device)
        gkey = parse_key("lr", optimizer.param_groups)
        scales = initial_scales(gkey, optimizer.param_groups)
        val_set = None
        if val_loader is not None:  # the fixed subset: the first val_batches batches of one pass
            val_set = [batches.prepare(b) for b in itertools.islice(iter(val_loader), val_batches)]
            if not val_set:
                raise LRKitError("`val_loader` of find_lr must yield at least one batch; got an empty one.")
        autocast = (lambda: torch.autocast(amp_device)) if amp else None
        runner = Runner(model, optimizer, loss_fn, batches, gkey=gkey, scales=scales, forward=forward or
                         default_forward, step=step, scaler=scaler, autocast=autocast,
                         accumulation_steps=accumulation_steps, val_set=val_set, val_every=val_every, bar=bar)
        results = []
        for sweep in range(repeats):
            if sweep:
                snap.restore()  # each repeat starts from the caller's state, on fresh batches
            results.append(runner.sweep(sweep, range_kwargs))
        pool = {k: range_test_kwargs[k] for k in ("interval", "seed", "replicates") if k in range_test_kwargs}
        result = results[0] if repeats == 1 else combine(results, **pool)
        result.meta.update(
            runner="lrkit.torch.find_lr", loss="val" if val_set is not None else "train",
            accumulation_steps=accumulation_steps, amp=amp, amp_skipped_steps=runner.amp_skips,
            group_scales=scales, repeats=repeats, world_size=_ddp.world_size(), snapshot=snapshot,
            snapshot_bytes=snap.nbytes, batches_used=batches.used, loader_passes=batches.passes,
            cycled=batches.passes > 0, rule_requested=requested,
        )
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
