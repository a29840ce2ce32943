"""Strict-JSON conversion shared by every result record and the CLI.

JSON has no NaN or Infinity, and lrkit's records legitimately hold them (the
loss that stopped a sweep, a diverged run's final loss). Every writer maps
them to ``null`` through this one function, so readers see one convention.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

__all__ = ["json_safe"]


def json_safe(data: Any) -> Any:
    """Return ``data`` as JSON-ready data, non-finite floats replaced by ``None``, recursively.

    Dict keys become strings, tuples and arrays (anything with ``tolist()`` and dimensions) become
    lists, numpy scalars (anything with an ``item()`` method and no dimensions) become Python
    numbers, and records (an instance with ``to_dict()``, or a dataclass instance) become their
    fields.

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
    ndim = getattr(data, "ndim", None)
    if ndim == 0 and callable(getattr(data, "item", None)):
        return json_safe(data.item())
    if ndim and callable(getattr(data, "tolist", None)):
        return json_safe(data.tolist())
    if isinstance(data, type):  # a class is not a record, even one that defines to_dict
        return data
    if callable(getattr(data, "to_dict", None)):
        return json_safe(data.to_dict())
    if dataclasses.is_dataclass(data):
        return {f.name: json_safe(getattr(data, f.name)) for f in dataclasses.fields(data)}
    return data
