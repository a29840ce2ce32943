"""Read a loss history from JSON: what ``lrkit train --json`` prints (a ``TrainResult``).

The file holds a ``history`` list of rows (or is that list itself), one row per update with
``step``, a loss (``loss`` or ``train_loss``; ``null`` for a non-finite one, as strict JSON
writes a diverged loss) and optionally ``lr``. So ``lrkit train ... --json > run.json`` and
``lrkit diagnose run.json`` meet without a conversion step.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from lrkit.errors import LRKitError

__all__ = ["read_json"]

_LOSS_KEYS = ("loss", "train_loss")


def _number(value: Any, what: str, path: Path, i: int, missing: float) -> float:
    if value is None:
        return missing
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LRKitError(f"`{what}` in {path} row {i} must be a number; got {value!r}.")
    return float(value)


def read_json(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``(steps, losses, lrs or None)`` of a JSON history, in file order.

    A ``null`` loss reads as NaN (a diverged update); ``lrs`` is ``None`` unless every row has a rate.

    Raises:
        LRKitError: for text that is not JSON, no ``history`` list, or a row without a loss.

    Example:
        >>> import tempfile, os
        >>> f = os.path.join(tempfile.mkdtemp(), "run.json")
        >>> _ = open(f, "w").write('{"history": [{"step": 0, "lr": 0.1, "train_loss": 2.0}, '
        ...                        '{"step": 1, "lr": 0.1, "train_loss": null}]}')
        >>> steps, losses, lrs = read_json(Path(f))
        >>> steps.tolist(), losses.tolist(), lrs.tolist()
        ([0.0, 1.0], [2.0, nan], [0.1, 0.1])
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise LRKitError(f"cannot read the history file {path}: {why}.") from None
    except json.JSONDecodeError as exc:
        raise LRKitError(f"the history file {path} is not valid JSON: {exc.msg} "
                         f"(line {exc.lineno}).") from None
    rows = data.get("history") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise LRKitError(f"the history file {path} needs a `history` list of rows with `step` and `loss` "
                         "(what `lrkit train --json` writes).")
    steps, losses, lrs = [], [], []
    for i, row in enumerate(rows):
        key = next((k for k in _LOSS_KEYS if k in row), None)
        if key is None:
            raise LRKitError(f"the history file {path}: row {i} has no `loss` or `train_loss`.")
        losses.append(_number(row[key], key, path, i, math.nan))
        steps.append(_number(row.get("step", i), "step", path, i, float(i)))
        lrs.append(_number(row.get("lr"), "lr", path, i, math.nan))
    rates = np.array(lrs)
    return np.array(steps), np.array(losses), rates if np.all(np.isfinite(rates)) else None
