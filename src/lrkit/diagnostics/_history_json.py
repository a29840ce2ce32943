"""Read a loss history from JSON: ``lrkit train --json`` output, or a Hugging Face ``trainer_state.json``.

``lrkit train --json``: a ``history`` list of rows (or that list itself), one row per update with
``step``, a loss (``loss`` or ``train_loss``; ``null`` for a non-finite one, as strict JSON writes
a diverged loss) and optionally ``lr`` and ``val_loss``. So ``lrkit train ... --json > run.json``
and ``lrkit diagnose run.json`` meet without a conversion step. ``trainer_state.json`` (written by
``transformers.Trainer`` in its output and checkpoint folders): its ``log_history``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from lrkit.diagnostics._diagnose import MIN_POINTS
from lrkit.errors import LRKitError

__all__ = ["JsonColumns", "read_json", "unfilter"]

_LOSS_KEYS = ("loss", "train_loss")


def _number(value: Any, what: str, path: Path, i: int, missing: float) -> float:
    if value is None:
        return missing
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LRKitError(f"`{what}` in {path} row {i} must be a number; got {value!r}.")
    return float(value)


def unfilter(losses: np.ndarray, bad_norms: np.ndarray) -> np.ndarray:
    r"""The Trainer's logged losses with the NaN its ``logging_nan_inf_filter`` hid put back.

    transformers' ``TrainingArguments`` documents the filter (on by default): "Filter out NaN and Inf
    losses when logging. If `True`, replaces NaN/Inf training losses with the average of recent valid
    losses ... Does not affect gradient computation, only logging." The average is over the logging
    window so far, so a window whose steps were all non-finite (``logging_steps=1``'s every NaN step, a
    dead run's every window) logs exactly 0.0; its ``grad_norm``, logged unfiltered, is non-finite. A
    loss of 0.0 beside a non-finite norm is that NaN: a real loss of 0 (a loss's floor) has a zero
    gradient, and an fp16 loss-scaler overflow (a skipped step, non-finite norm) logs its real loss.
    ``bad_norms`` marks the logs whose ``grad_norm`` is present and non-finite.

    .. math:: \ell_t \leftarrow \mathrm{NaN} \quad \text{where } \ell_t = 0
        \text{ and } \lVert g_t \rVert \notin \mathbb{R}

    Example:
        >>> unfilter(np.array([2.3, 0.0, 0.0]), np.array([False, True, False])).tolist()
        [2.3, nan, 0.0]
    """
    return np.where((losses == 0.0) & bad_norms, math.nan, losses)


class JsonColumns(NamedTuple):
    """What a JSON history holds: per-loss steps, losses, rates and gradient norms (``None`` when absent),
    and the validation losses at their own steps (``None`` when absent)."""

    steps: np.ndarray
    losses: np.ndarray
    lrs: np.ndarray | None
    grad_norms: np.ndarray | None
    val: tuple[np.ndarray, np.ndarray] | None


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or exc
        raise LRKitError(f"cannot read the history file {path}: {why}.") from None
    except json.JSONDecodeError as exc:
        raise LRKitError(f"the history file {path} is not valid JSON: {exc.msg} "
                         f"(line {exc.lineno}).") from None


def read_json(path: Path) -> JsonColumns:
    """The columns of a JSON history, in file order.

    Two layouts: ``lrkit train --json`` (a ``history`` list of rows, one per update, with ``step``,
    ``loss`` or ``train_loss`` and optionally ``lr`` and, at evaluations, ``val_loss``; or that list
    itself), and a Hugging Face ``trainer_state.json`` (its ``log_history``: training logs carry
    ``loss``, ``learning_rate``, ``grad_norm``; evaluation logs carry ``eval_loss``; the run's closing
    summary, whose ``train_loss`` is the mean over the run, is no training log). A ``null`` loss reads
    as NaN (a diverged update); ``lrs`` is ``None`` unless every training row has a rate. In a
    ``trainer_state.json`` a loss of 0.0 logged beside a non-finite ``grad_norm`` reads as NaN: the
    Trainer's filter hid a NaN loss there (:func:`unfilter`), as ``Watchdog.hf_callback`` reads it live.

    Raises:
        LRKitError: for text that is not JSON, no ``history`` or ``log_history`` list, a training row
            without a loss, a value that is not a number, or a ``trainer_state.json`` with fewer finite
            losses than ``diagnose`` reads (the message names ``logging_steps``, the way out).

    Example:
        >>> import tempfile, os
        >>> f = os.path.join(tempfile.mkdtemp(), "run.json")
        >>> _ = open(f, "w").write('{"history": [{"step": 0, "lr": 0.1, "train_loss": 2.0}, '
        ...                        '{"step": 1, "lr": 0.1, "train_loss": null, "val_loss": 1.5}]}')
        >>> cols = read_json(Path(f))
        >>> cols.steps.tolist(), cols.losses.tolist(), cols.lrs.tolist(), cols.val[1].tolist()
        ([0.0, 1.0], [2.0, nan], [0.1, 0.1], [1.5])
    """
    data = _load(path)
    if isinstance(data, dict) and isinstance(data.get("log_history"), list):
        return _trainer_state(data["log_history"], path, data)
    rows = data.get("history") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise LRKitError(f"the history file {path} needs a `history` list of rows with `step` and `loss` "
                         "(what `lrkit train --json` writes) or a `log_history` list (a trainer_state.json).")
    steps, losses, lrs, val = [], [], [], ([], [])
    for i, row in enumerate(rows):
        key = next((k for k in _LOSS_KEYS if k in row), None)
        if key is None:
            raise LRKitError(f"the history file {path}: row {i} has no `loss` or `train_loss`.")
        losses.append(_number(row[key], key, path, i, math.nan))
        steps.append(_number(row.get("step", i), "step", path, i, float(i)))
        lrs.append(_number(row.get("lr"), "lr", path, i, math.nan))
        if row.get("val_loss") is not None:
            val[0].append(steps[-1])
            val[1].append(_number(row["val_loss"], "val_loss", path, i, math.nan))
    rates = np.array(lrs)
    return JsonColumns(np.array(steps), np.array(losses), rates if np.all(np.isfinite(rates)) else None, None,
                       (np.array(val[0]), np.array(val[1])) if val[0] else None)


def _trainer_state(logs: list[Any], path: Path, state: dict[str, Any]) -> JsonColumns:
    """The columns of a ``trainer_state.json``'s ``log_history`` (``state``: the whole file)."""
    train = [(i, e) for i, e in enumerate(logs) if isinstance(e, dict) and "loss" in e]
    if not train:
        raise LRKitError(f"the history file {path} has a `log_history` with no training loss (`loss`); set "
                         "`logging_steps` so the Trainer logs the loss.")
    steps = np.array([_number(e.get("step", k), "step", path, i, float(k)) for k, (i, e) in enumerate(train)])
    losses = np.array([_number(e["loss"], "loss", path, i, math.nan) for i, e in train])
    grads = np.array([_number(e.get("grad_norm"), "grad_norm", path, i, math.nan) for i, e in train])
    logged = np.array([e.get("grad_norm") is not None for _, e in train])
    losses = unfilter(losses, logged & ~np.isfinite(grads))
    if losses.size < MIN_POINTS and np.all(np.isfinite(losses)):  # (a NaN is diagnosed from any number)
        raise LRKitError(_too_sparse(path, losses.size, state))
    rates = np.array([_number(e.get("learning_rate"), "learning_rate", path, i, math.nan) for i, e in train])
    evals = [(i, e) for i, e in enumerate(logs) if isinstance(e, dict) and "eval_loss" in e and "step" in e]
    val = (np.array([_number(e["step"], "step", path, i, math.nan) for i, e in evals]),
           np.array([_number(e["eval_loss"], "eval_loss", path, i, math.nan) for i, e in evals]))
    return JsonColumns(steps, losses, rates if np.all(np.isfinite(rates)) else None,
                       grads if np.any(np.isfinite(grads)) else None, val if evals else None)


def _too_sparse(path: Path, n: int, state: dict[str, Any]) -> str:
    """Too few logged losses to diagnose, and the way out: the Trainer logs every ``logging_steps``.

    Example:
        >>> print(_too_sparse(Path("trainer_state.json"), 6, {"logging_steps": 500, "global_step": 3000}))
        ... # doctest: +NORMALIZE_WHITESPACE
        the history file trainer_state.json holds too few training losses to diagnose: at least 10 are
        needed; got 6. The Trainer logs the loss every `logging_steps` updates (here 500 of 3000): set
        `logging_steps` to at most 300 (TrainingArguments(logging_steps=...); lower is better, the tests
        read a trend) and train again.
    """
    every, total = state.get("logging_steps"), state.get("global_step")
    known = all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (every, total))
    here = f" (here {every} of {total})" if known else ""
    most = f" to at most {max(1, total // MIN_POINTS)}" if known else " lower"
    return (f"the history file {path} holds too few training losses to diagnose: at least {MIN_POINTS} are "
            f"needed; got {n}. The Trainer logs the loss every `logging_steps` updates{here}: set "
            f"`logging_steps`{most} (TrainingArguments(logging_steps=...); lower is better, the tests read a "
            "trend) and train again.")
