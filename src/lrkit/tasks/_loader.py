"""The in-memory batch iterator of the array tasks: seeded per epoch, no DataLoader, no workers."""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch

from lrkit.errors import LRKitError, check_int

__all__ = ["ArrayLoader"]


class ArrayLoader:
    """A light in-memory batch iterator over tensors (no DataLoader, no workers).

    Each ``iter(loader)`` is one epoch. With ``shuffle=True`` epoch ``e`` visits
    the rows in the order ``randperm(n)`` drawn from a generator seeded with
    ``(seed, e)``, so the sequence of batches depends only on ``seed`` and on how
    many epochs have been drawn, never on global RNG state.

    Args:
        inputs: tensor of shape ``(n, ...)``.
        targets: tensor of shape ``(n, ...)``.
        batch_size: rows per batch (the last batch may be smaller unless ``drop_last``).
        shuffle: reshuffle every epoch (training) or keep the order (validation).
        seed: seed of the shuffling.
        drop_last: drop a final partial batch.

    Example:
        >>> loader = ArrayLoader(torch.arange(5.0), torch.arange(5), batch_size=2, shuffle=False)
        >>> len(loader), [x.tolist() for x, _ in loader]
        (3, [[0.0, 1.0], [2.0, 3.0], [4.0]])
    """

    def __init__(
        self,
        inputs: torch.Tensor,
        targets: torch.Tensor,
        batch_size: int,
        *,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        if len(inputs) != len(targets):
            raise LRKitError(
                f"`targets` of ArrayLoader must have {len(inputs)} rows like `inputs`; got {len(targets)}."
            )
        self.inputs = inputs
        self.targets = targets
        self.batch_size = check_int("batch_size", batch_size, "ArrayLoader")
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        if len(self) == 0:
            raise LRKitError(
                f"`batch_size` of ArrayLoader must be <= {len(inputs)} rows with drop_last; got {batch_size}."
            )

    def __len__(self) -> int:
        n = len(self.inputs)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def state_dict(self) -> dict[str, int]:
        """The epoch counter, the loader's only state (``find_lr`` saves and restores it)."""
        return {"epoch": self.epoch}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.epoch = int(state["epoch"])

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(self.inputs)
        if self.shuffle:
            # One generator per epoch, seeded from (seed, epoch): any epoch is reproducible alone.
            gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
            order = torch.randperm(n, generator=gen)
        else:
            order = None
        self.epoch += 1
        for b in range(len(self)):
            rows = slice(b * self.batch_size, min((b + 1) * self.batch_size, n))
            idx = order[rows] if order is not None else rows
            yield self.inputs[idx], self.targets[idx]
