"""Running statistics that describe the weights being read: validation mode on a BatchNorm model.

A BatchNorm layer in ``eval()`` mode normalises with its running statistics, an exponential
average (weight ``momentum``, 0.1 by default) of the batch statistics seen in training. In a range
test the weights move a little at every update and the average lags them: the validation loss of
the current weights is read through statistics of weights ten updates old. At the sweep's tiny
first rates that lag alone makes the eval-mode loss rise from the first update, a rise the weights
did not cause, and the stop rule reads it as a blow-up (a BatchNorm MLP's answer came out six to
seven decades low).

So before each validation read the running statistics are *settled*: reset, then re-estimated as
the cumulative average (``momentum = None``) of the batch statistics over the fixed validation
batches, one train-mode forward each without gradients, the estimate "precise BatchNorm" computes
after training. The loss is then read in ``eval()`` mode, through statistics of the current weights
and nothing older:

.. math::

    \\mu = \\tfrac{1}{B} \\textstyle\\sum_b \\mu_b, \\qquad \\sigma^2 = \\tfrac{1}{B} \\sum_b \\sigma_b^2

over the ``B`` validation batches (only the inputs are read; no label enters the statistics).
Models without such layers are read as before, at no cost. ``find_lr`` puts every buffer, the
layers' ``momentum`` and every RNG back afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch

from lrkit.errors import LRKitError

__all__ = ["running_norms", "settled_statistics"]


def running_norms(model: torch.nn.Module) -> list[torch.nn.Module]:
    """The submodules that normalise with running statistics in ``eval()`` mode.

    A BatchNorm (any dimension, ``SyncBatchNorm``) or an InstanceNorm with
    ``track_running_stats=True``: whatever keeps a ``running_mean`` buffer and resets it
    with ``reset_running_stats()``. LayerNorm and GroupNorm keep none and read the same in
    either mode.

    Example:
        >>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.LayerNorm(4))
        >>> [type(m).__name__ for m in running_norms(net)]
        ['BatchNorm1d']
    """
    return [m for m in model.modules()
            if getattr(m, "track_running_stats", False) and isinstance(getattr(m, "running_mean", None),
                                                                       torch.Tensor)
            and callable(getattr(m, "reset_running_stats", None))]


@contextlib.contextmanager
def settled_statistics(model: torch.nn.Module, norms: Sequence[torch.nn.Module], batches: Sequence[Any],
                       forward: Callable[[torch.nn.Module, Any], Any],
                       autocast: Callable[[], Any] = contextlib.nullcontext) -> Iterator[None]:
    """Re-estimate ``norms``' running statistics on ``batches`` for the current weights, then hold eval mode.

    Only the norms in train mode are settled, the ones the sweep trains: a layer the user keeps in
    ``eval()`` (a frozen backbone's BatchNorm, ``norm_eval``) keeps its statistics, as in training, and the
    forwards run in the model's own flags. Inside the block the model is in ``eval()`` mode with statistics
    that are the cumulative average over ``batches`` of the batch statistics of the current weights; on
    leaving, every layer's ``momentum`` and every module's ``training`` flag are what they were. The
    statistics themselves stay settled (the caller's snapshot restores them).

    Example:
        >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
        <torch._C.Generator object at ...>
        >>> net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4))
        >>> data = [(torch.randn(8, 3), None)]
        >>> with settled_statistics(net, running_norms(net), data, lambda m, b: (m(b[0]), b[1])):
        ...     out = net(data[0][0])
        >>> abs(round(float(out.detach().mean()), 4)), net.training, net[1].momentum  # 0, whatever its sign
        (0.0, True, 0.1)
    """
    modes, norms = [m.training for m in model.modules()], [m for m in norms if m.training]
    saved = [m.momentum for m in norms]
    try:
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # the cumulative average: every batch weighs the same
        with torch.no_grad(), autocast():
            for b in batches if norms else ():
                try:
                    forward(model, b)
                except ValueError as exc:  # torch's BatchNorm on a batch of one sample in train mode
                    if "more than 1 value per channel" not in str(exc):
                        raise
                    raise LRKitError(
                        "`validation.loader` of find_lr yields batches of one sample, from which a BatchNorm "
                        "layer cannot estimate statistics for the current weights; give it batches of two or "
                        "more samples (the validation read settles the running statistics on them)."
                    ) from exc
    finally:
        for m, momentum in zip(norms, saved):
            m.momentum = momentum
    model.eval()
    try:
        yield
    finally:  # the sweep's flags back (a frozen backbone's BatchNorm kept in eval() by the user stays there)
        for m, mode in zip(model.modules(), modes):
            m.training = mode
