"""The process's random state, captured and put back: Python's, NumPy's, torch's (and CUDA's).

A range test or a Trainer's sweep draws random numbers (dropout masks, batch order) that the run
after it would otherwise not see again; saving all the generators before and restoring them after
makes the run with a sweep the run without one. CUDA's state is read only when CUDA is already
initialized: querying it would otherwise start a context on a machine that never used the GPU.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

__all__ = ["loader_generators", "rng_state", "set_rng_state"]

#: Where a loader keeps what it draws its order from: a DataLoader's sampler (``RandomSampler(generator=g)``
#: draws from its own), its batch sampler (and that one's sampler), and, on a wrapper of a loader, the
#: loader it wraps (lrkit.lightning's update groups hold Lightning's train loader as ``loader``).
LOADER_PARTS = ("sampler", "batch_sampler", "loader")
#: How many parts deep :func:`loader_generators` looks: a wrapper's loader's batch sampler's sampler is 3;
#: the bound ends the walk on an object that makes a new part at each attribute read (a mock).
LOADER_DEPTH = 3


def loader_generators(loader: Any) -> tuple[torch.Generator, ...]:
    """Every ``torch.Generator`` a loader draws from: its own ``generator`` (a DataLoader draws its order
    and each pass's worker seed from it) and those of its parts (:data:`LOADER_PARTS`), each once.

    Example:
        >>> g, s = torch.Generator(), torch.Generator()
        >>> data = list(range(8))
        >>> loader = torch.utils.data.DataLoader(data, shuffle=True, generator=g)
        >>> loader_generators(loader) == (g,)  # the loader's and its RandomSampler's: one generator
        True
        >>> sampler = torch.utils.data.RandomSampler(data, generator=s)
        >>> loader_generators(torch.utils.data.DataLoader(data, sampler=sampler)) == (s,)
        True
        >>> loader_generators([1, 2])
        ()
    """
    found: dict[int, torch.Generator] = {}
    level = [loader]
    for _ in range(LOADER_DEPTH + 1):
        for obj in level:
            g = getattr(obj, "generator", None)
            if isinstance(g, torch.Generator):
                found.setdefault(id(g), g)
        level = [part for obj in level for name in LOADER_PARTS
                 if (part := getattr(obj, name, None)) is not None]
    return tuple(found.values())


def rng_state(generators: Sequence[torch.Generator] = ()) -> dict[str, Any]:
    """Copy the state of every process-wide generator, and of ``generators`` (a DataLoader's own).

    Example:
        >>> state = rng_state()
        >>> first = torch.rand(1)
        >>> set_rng_state(state)
        >>> torch.equal(torch.rand(1), first)
        True
    """
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": np.random.get_state(),
        "torch": torch.get_rng_state(),
        "generators": [g.get_state() for g in generators],
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any], generators: Sequence[torch.Generator] = ()) -> None:
    """Put back a :func:`rng_state` (``generators`` in the order they were captured).

    Example:
        >>> loader = torch.Generator().manual_seed(0)  # a DataLoader's own generator
        >>> def draw():
        ...     return (random.random(), np.random.rand(), float(torch.rand(1)),
        ...             float(torch.rand(1, generator=loader)))
        >>> state = rng_state([loader])
        >>> first = draw()
        >>> set_rng_state(state, [loader])
        >>> draw() == first  # every generator replays
        True
    """
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    for g, s in zip(generators, state["generators"]):
        g.set_state(s)
    if "cuda" in state:
        torch.cuda.set_rng_state_all(state["cuda"])
