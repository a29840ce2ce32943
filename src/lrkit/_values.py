"""Numbers held in torch tensors read as plain values, for the layers that import no torch.

A loop's history (``history.append(loss)``, ``torch.stack(history)``) still holds its graph, which
``np.asarray`` refuses, and may sit on a GPU; every reader of such a history (:func:`lrkit.diagnose`,
its figure and report) reads the numbers through :func:`plain_values`.

Example:
    >>> plain_values([1.0, 2.0])
    [1.0, 2.0]
"""

from __future__ import annotations

from typing import Any

__all__ = ["is_tensor", "plain_values"]


def is_tensor(value: Any) -> bool:
    """A torch tensor, recognised by what it can do (this module imports no torch)."""
    return callable(getattr(value, "detach", None)) and callable(getattr(value, "cpu", None))


def plain_values(values: Any) -> Any:
    """``values`` with every tensor (the whole, or the items of a list or tuple) as its values, detached
    from its graph and read on the CPU; anything else unchanged."""
    if is_tensor(values):
        return values.detach().cpu().tolist()
    if isinstance(values, (list, tuple)) and any(is_tensor(v) for v in values):
        return [v.detach().cpu().tolist() if is_tensor(v) else v for v in values]
    return values
