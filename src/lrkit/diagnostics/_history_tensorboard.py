"""Read a loss history from TensorBoard event files (the Hugging Face Trainer's and Lightning's
``runs/`` and ``lightning_logs/`` folders), with the column names :mod:`._history` reads CSV by."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lrkit.diagnostics._history import (LOSS_NAMES, _LR, _LR_PREFIXES, GRAD_NAMES, VAL_NAMES, History,
                                        _sorted, resumed, at_steps, column_key)
from lrkit.diagnostics._history_json import unfilter
from lrkit.diagnostics._rate_column import first_moving
from lrkit.errors import LRKitError

__all__ = ["read_tensorboard", "resumed"]


def _event_folder(path: Path) -> Path:
    """``path``, or the one folder below it that holds event files (the Hugging Face Trainer and
    Lightning write each run to its own folder under ``runs/`` or ``lightning_logs/``)."""
    if not path.is_dir() or any(p.name.startswith("events.out.tfevents") for p in path.iterdir()):
        return path
    runs = sorted({p.parent for p in path.rglob("events.out.tfevents*")})
    if len(runs) > 1:
        shown = ", ".join(str(r.relative_to(path)) for r in runs[:5]) + (", ..." if len(runs) > 5 else "")
        raise LRKitError(f"the folder {path} holds the event files of {len(runs)} runs ({shown}); give one "
                         "run's folder.")
    return runs[0] if runs else path


#: Files below a folder without event files that ``read_history`` reads: named in the error, the way out.
_READABLE = ("trainer_state.json", "metrics.csv")


def _readable_below(folder: Path, shown: int = 3) -> str:
    """``"; it holds ...: A, B"`` naming the histories below ``folder`` (the Hugging Face Trainer's
    ``trainer_state.json`` per checkpoint, Lightning's ``metrics.csv``), the latest first; ``""`` if none.

    Example:
        >>> import tempfile
        >>> _readable_below(Path(tempfile.mkdtemp()))
        ''
    """
    # at most two folders down (checkpoint-N/, lightning_logs/version_N/): an error path never walks a tree
    below = (p for name in _READABLE for depth in ("", "*/", "*/*/") for p in folder.glob(depth + name))
    found = sorted(below, key=lambda p: (p.stat().st_mtime, str(p)), reverse=True)
    if not found:
        return ""
    names = ", ".join(str(p) for p in found[:shown]) + (", ..." if len(found) > shown else "")
    return f"; it holds {len(found)} history file(s) lrkit reads, give one of them: {names}"


def read_tensorboard(path: Path) -> History:
    """A :class:`History` from an ``events.out.tfevents.*`` file or a run's folder of them: the loss tag
    (a plain name, else any ``loss`` tag but the validation loss and a run's mean training loss), the
    rate (a plain name, else Lightning's ``lr-<Optimizer>`` tags: the first group's that is not 0
    throughout, :func:`~lrkit.diagnostics._rate_column.first_moving`), gradient-norm and validation-loss
    tags where logged; rates and norms logged at other steps hold until their next log
    (:func:`at_steps`); a loss of 0.0 beside a non-finite gradient norm of the same step is the NaN the
    Hugging Face Trainer's logging filter hid (:func:`unfilter`), and reads as NaN; a run resumed into
    the same folder is read as it went on (:func:`resumed`). Needs the ``tensorboard`` package."""
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        raise LRKitError(
            f"reading TensorBoard event files ({path}) needs the `tensorboard` package; "
            "install it or export the scalars to CSV."
        ) from None
    path = _event_folder(path)
    if path.is_dir() and not any(p.name.startswith("events.out.tfevents") for p in path.iterdir()):
        raise LRKitError(f"the folder {path} holds no TensorBoard event files (events.out.tfevents.*); "
                         f"give a CSV file or a folder of event files{_readable_below(path)}.")
    acc = EventAccumulator(str(path), size_guidance={"scalars": 0})
    acc.Reload()
    tags = acc.Tags().get("scalars", [])
    key = {t: column_key(t) for t in tags}  # "Learning Rate" reads as learning_rate, as in a CSV header
    val_tag = next((t for t in tags if key[t] in VAL_NAMES), None)
    loss_tag = next((t for t in tags if key[t] in LOSS_NAMES), None)
    # Any other loss tag, but never the validation loss or a run's mean training loss (train/train_loss).
    loss_tag = loss_tag or next((t for t in tags if "loss" in key[t] and t != val_tag
                                 and not key[t].endswith("train_loss")), None)
    if loss_tag is None:
        listed = ", ".join(tags) or "none"
        raise LRKitError(f"no loss scalar in the TensorBoard events at {path}; tags: {listed}.")

    def series(tag: str) -> tuple[np.ndarray, np.ndarray]:
        events = acc.Scalars(tag)  # in the order written: the event files by name (their start time)
        steps = np.array([e.step for e in events], dtype=np.float64)
        keep = resumed(steps)  # a run resumed into the folder logged its steps again: the later ones hold
        return steps[keep], np.array([e.value for e in events], dtype=np.float64)[keep]

    steps, losses = series(loss_tag)
    # A plain rate name first, else Lightning's LearningRateMonitor tags (lr-SGD, lr-AdamW/pg1, /pg2): the
    # first group's that is not 0 throughout, as the CSV reader picks its columns (a frozen backbone logs 0).
    lr_tag = next((t for t in tags if key[t] in _LR or "learning_rate" in key[t]), None)
    lr_tags = [lr_tag] if lr_tag is not None else [t for t in tags if key[t].startswith(_LR_PREFIXES)]
    grad_tag = next((t for t in tags if key[t] in GRAD_NAMES), None)
    lrs = first_moving([at_steps(steps, *series(t)) for t in lr_tags]) if lr_tags else None
    grads = None
    if grad_tag is not None:
        g_steps, g_values = series(grad_tag)
        grads = at_steps(steps, g_steps, g_values)
        # the Hugging Face Trainer's tags: a NaN its logging filter hid reads as NaN
        losses = unfilter(losses, np.isin(steps, g_steps[~np.isfinite(g_values)]))
    return _sorted(steps, losses, lrs, path, grad_norms=grads,
                   val=series(val_tag) if val_tag is not None else None)
