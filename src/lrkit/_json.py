"""Strict-JSON conversion shared by every result record and the CLI.

JSON has no NaN or Infinity, and lrkit's records legitimately hold them (the
loss that stopped a sweep, a diverged run's final loss). Every writer maps
them to ``null`` through this one function, so readers see one convention.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["json_safe"]


def json_safe(data: Any) -> Any:
    """Return ``data`` with non-finite floats replaced by ``None``, recursively.

    Dict keys become strings, tuples become lists, and numpy scalars (anything
    with an ``item()`` method and no length) become Python numbers.

    Example:
        >>> json_safe({"loss": float("nan"), "lrs": (0.1, float("inf")), 3: 1})
        {'loss': None, 'lrs': [0.1, None], '3': 1}
    """
    if isinstance(data, float):
        return float(data) if math.isfinite(data) else None
    if isinstance(data, dict):
        return {str(k): json_safe(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [json_safe(v) for v in data]
    if hasattr(data, "item") and callable(data.item) and getattr(data, "ndim", None) == 0:
        return json_safe(data.item())
    return data
