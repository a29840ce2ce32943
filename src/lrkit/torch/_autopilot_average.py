"""Autopilot's tail average: the mean of the weights over the last updates of a known budget.

Averaging iterates is what a constant-rate run lacks against a decayed one: the weights jitter
around a minimum at a scale set by the rate and the gradient noise, and their mean sits closer to
it than any one of them (Polyak-Ruppert averaging; SWA, Izmailov et al. 2018; LAWA, Kaddour 2022;
Schedule-Free's ``x`` sequence, Defazio et al. 2024). The Autopilot's cool-down already lowers that
jitter; the average over the tail of the run lowers it again for what the short cool-down of a
small budget leaves.

:class:`TailAverage` holds the uniform running mean

.. math::  \\bar w_n = \\bar w_{n-1} + (w_t - \\bar w_{n-1}) / n

of the iterates :math:`w_t` of main-phase updates ``t >= start`` whose loss was seen and found
healthy (it is added just before its update is applied: a skipped spike, a rolled-back fault and
the weights after the very last update are not in it). It covers the parameters the optimizer
steps and, when the Autopilot has the model, its floating-point buffers (BatchNorm's running
statistics: averaged as the weights are, as ``timm``'s model EMA does; ``num_batches_tracked``
and other integer buffers keep their live value). The mean is held in float32 or wider, on each
tensor's own device, one copy of the weights. :meth:`TailAverage.write` copies it into the model:
the Autopilot does so when the budget is spent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from lrkit.torch._state import _cpu_copy

__all__ = ["TailAverage"]


def _is_averaged(x: torch.Tensor) -> bool:
    return x.is_floating_point() or x.is_complex()


class TailAverage:
    """The uniform mean of the iterates from main-phase update ``start`` on (see the module docstring).

    Example:
        >>> w = torch.nn.Parameter(torch.zeros(1))
        >>> avg = TailAverage(start=1)
        >>> for t, v in enumerate([5.0, 1.0, 2.0, 3.0]):
        ...     with torch.no_grad():
        ...         _ = w.fill_(v)
        ...     avg.observe([w], t)
        >>> avg.count, avg.write([w]), w.item()
        (3, True, 2.0)
    """

    def __init__(self, start: int) -> None:
        self.start = int(start)
        self.count = 0
        self.mean: list[torch.Tensor | None] | None = None

    @classmethod
    def for_tail(cls, main_steps: int, tail: float) -> TailAverage | None:
        """The average of the last ``tail`` fraction of ``main_steps`` updates (at least the last one;
        ``None`` when ``tail`` is 0).

        Example:
            >>> TailAverage.for_tail(100, 0.2).start, TailAverage.for_tail(100, 0.0)
            (80, None)
        """
        if tail <= 0:
            return None
        return cls(main_steps - max(1, round(tail * main_steps)))

    def observe(self, tensors: Sequence[torch.Tensor], t: int) -> None:
        """Add the current values of ``tensors`` (the iterate of update ``t``) if ``t >= start``."""
        if t < self.start:
            return
        self.count += 1
        with torch.no_grad():
            if self.mean is None:
                self.mean = [x.detach().to(torch.promote_types(x.dtype, torch.float32), copy=True)
                             if _is_averaged(x) else None for x in tensors]
                return
            for m, x in zip(self.mean, tensors):
                if m is not None:
                    m.add_(x.detach().to(m.dtype) - m, alpha=1.0 / self.count)

    def write(self, tensors: Sequence[torch.Tensor]) -> bool:
        """Copy the mean into ``tensors`` in place (cast to their dtype); False when nothing was averaged."""
        if self.mean is None:
            return False
        with torch.no_grad():
            for m, x in zip(self.mean, tensors):
                if m is not None:
                    x.copy_(m)
        return True

    def state_dict(self) -> dict[str, Any]:
        """The start, the count and CPU copies of the mean."""
        mean = None if self.mean is None else [None if m is None else _cpu_copy(m) for m in self.mean]
        return {"start": self.start, "count": self.count, "mean": mean}

    @classmethod
    def from_state(cls, state: dict[str, Any], tensors: Sequence[torch.Tensor]) -> TailAverage:
        """A :class:`TailAverage` from :meth:`state_dict`, its mean on the devices of ``tensors``."""
        out = cls(int(state["start"]))
        out.count = int(state["count"])
        if state["mean"] is not None:
            out.mean = [None if m is None else m.to(x.device, copy=True)
                        for m, x in zip(state["mean"], tensors)]
        return out
