"""Cross-rank agreement for the LR finder under ``torch.distributed``.

Finders that look at rank 0's loss only (or let every rank decide on its own
loss) stop different ranks at different steps, which deadlocks the next
collective, and they suggest a rate from one shard of the data. lrkit averages
every loss over all ranks before anything is decided, so all ranks record the
same curve, stop at the same step and compute the same suggestion:

.. math::

    \\bar L_i = \\frac{1}{W} \\sum_{r=0}^{W-1} L_i^{(r)}

with :math:`W` the world size and :math:`L_i^{(r)}` rank :math:`r`'s loss at
step :math:`i`. A NaN on any rank makes the mean NaN, so a divergence anywhere
stops every rank together.

Everything here is a no-op outside an initialized process group, so a single
process never pays for it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.distributed as dist

__all__ = ["is_distributed", "loss_reducer", "max_across_ranks", "mean_across_ranks", "world_size"]


def is_distributed() -> bool:
    """Whether a ``torch.distributed`` process group is initialized in this process.

    Example:
        >>> is_distributed()
        False
    """
    return dist.is_available() and dist.is_initialized()


def world_size() -> int:
    """The number of ranks (1 outside a process group).

    Example:
        >>> world_size()
        1
    """
    return dist.get_world_size() if is_distributed() else 1


def _reduce(value: float, op: dist.ReduceOp) -> float:
    # NCCL only reduces CUDA tensors; gloo and mpi reduce CPU ones.
    device = torch.device("cpu")
    if dist.get_backend() == "nccl":
        device = torch.device("cuda", torch.cuda.current_device())
    # float64 so averaging adds no rounding beyond the mean itself.
    t = torch.tensor([float(value)], dtype=torch.float64, device=device)
    dist.all_reduce(t, op=op)
    return float(t.item())


def mean_across_ranks(value: float) -> float:
    """The mean of ``value`` over all ranks (``value`` itself outside a process group).

    Every rank must call it, in the same order: it is a collective.

    Args:
        value: this rank's number (a loss).

    Returns:
        :math:`\\frac{1}{W}\\sum_r v^{(r)}`, identical on every rank.

    Example:
        >>> mean_across_ranks(2.5)
        2.5
    """
    if not is_distributed():
        return float(value)
    return _reduce(value, dist.ReduceOp.SUM) / dist.get_world_size()


def max_across_ranks(value: float) -> float:
    """The maximum of ``value`` over all ranks (used for wall time: the slowest rank's).

    Example:
        >>> max_across_ranks(1.0)
        1.0
    """
    if not is_distributed():
        return float(value)
    return _reduce(value, dist.ReduceOp.MAX)


def loss_reducer() -> Callable[[float], float]:
    """The function every finder loss goes through: the cross-rank mean, or identity."""
    return mean_across_ranks if is_distributed() else float
