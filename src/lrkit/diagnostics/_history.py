"""Load a loss history from the files users have: CSV, JSON, TensorBoard event files.

This module holds the record (:class:`History`), the column names every reader accepts, the sorting
and checks they share, and :func:`read_history`, which picks the reader by the file. CSV:
:mod:`._history_csv`. JSON: ``lrkit train --json`` output
or a Hugging Face ``trainer_state.json`` (:mod:`._history_json`). TensorBoard:
an event file or a directory of them, read with ``tensorboard`` when it is
installed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lrkit.errors import LRKitError

__all__ = ["History", "read_history", "at_steps", "column_key", "GRAD_NAMES", "LOSS_NAMES", "VAL_NAMES"]

def column_key(name: str) -> str:
    """A column's or tag's name as the readers match it: trimmed, lower-cased, spaces as underscores
    (``"Learning Rate"`` is ``learning_rate``), so one list of names serves every writer's spelling.

    Example:
        >>> column_key(" Train Loss"), column_key("lr-SGD")
        ('train_loss', 'lr-sgd')
    """
    return "_".join(name.strip().lower().split(" "))


_STEP = ("step", "steps", "iteration", "iter", "global_step")
#: Training-loss columns: plain names, Lightning's ``train_loss`` (and its step form), the usual tags.
LOSS_NAMES = ("loss", "train_loss", "training_loss", "train/loss", "loss/train", "train_loss_step")
_LR = ("lr", "learning_rate", "train/lr", "rate", "train/learning_rate")
#: Rate columns named by prefix: Lightning's ``LearningRateMonitor`` logs ``lr-<Optimizer>[/pg<k>]``.
_LR_PREFIXES = ("lr-", "lr/")
#: Gradient-norm columns: plain names, Hugging Face's ``grad_norm`` and Lightning's ``grad_norm`` utility.
GRAD_NAMES = ("grad_norm", "gradient_norm", "train/grad_norm", "grad_2.0_norm_total", "grad_norm/total")
#: Validation-loss columns: plain names, Lightning's ``val_loss`` (and its epoch form), Hugging Face's
#: ``eval_loss`` and the usual TensorBoard tags (``Loss/test``: ``torch.utils.tensorboard``'s own example
#: logs the held-out loss under it, beside ``Loss/train``).
VAL_NAMES = ("val_loss", "valid_loss", "validation_loss", "eval_loss", "val/loss", "eval/loss", "loss/val",
             "loss/validation", "loss/test", "val_loss_epoch")


@dataclass(frozen=True)
class History:
    """One run, sorted by step: losses and (when logged) rates and gradient norms per loss, and the
    validation losses at their own steps.

    Attributes:
        steps: the step of each training loss.
        losses: the training losses.
        lrs: the rate at each step, or ``None`` when not logged for every step.
        grad_norms: the gradient norm at each step (NaN where not logged), or ``None``.
        val_steps: the steps of the validation losses, or ``None``.
        val_losses: the validation losses, or ``None``.

    Example:
        >>> import tempfile, os
        >>> f = os.path.join(tempfile.mkdtemp(), "run.csv")
        >>> _ = open(f, "w").write("step,loss,val_loss\\n0,2.0,\\n10,1.5,1.7\\n20,1.2,\\n30,1.0,1.1\\n")
        >>> h = read_history(f)  # the validation losses keep their own steps
        >>> h.steps.tolist(), h.lrs, h.val_steps.tolist(), h.val_losses.tolist()
        ([0, 10, 20, 30], None, [10, 30], [1.7, 1.1])
    """

    steps: np.ndarray
    losses: np.ndarray
    lrs: np.ndarray | None
    grad_norms: np.ndarray | None = None
    val_steps: np.ndarray | None = None
    val_losses: np.ndarray | None = None


def _integers(steps: np.ndarray, path: Path) -> np.ndarray:
    if not np.all(np.isfinite(steps)) or np.any(steps != np.floor(steps)):
        raise LRKitError(f"`step` in {path} must hold integers.")
    return steps.astype(np.int64)


def resumed(steps: np.ndarray) -> np.ndarray:
    """The indices of the points a resumed run kept, in the order they were written: a step at or
    below one written before restarts the run there, and every point written earlier at that step or
    later is dropped (TensorBoard's own reading of a step that goes back, its orphaned data purge; a
    run resumed from a checkpoint into the same folder logs those steps again).

    Example:
        >>> resumed(np.array([0, 1, 2, 3, 2, 3, 4])).tolist()  # resumed at step 2
        [0, 1, 4, 5, 6]
    """
    kept: list[int] = []
    for i, step in enumerate(steps.tolist()):
        while kept and steps[kept[-1]] >= step:
            kept.pop()
        kept.append(i)
    return np.array(kept, dtype=np.int64)



def _restarted(steps: np.ndarray, path: Path) -> np.ndarray:
    """The points kept of a history (in the order written) whose step goes back: a run resumed from a
    checkpoint into the same file logs the steps after it again, and the later write holds (:func:`resumed`,
    as TensorBoard reads it). A count that goes back to its first value is a step within each epoch, or
    another run appended to the file: no reading can tell which, and keeping the later part would read the
    last epoch alone, so it is refused, naming the way out."""
    first = int(steps[0])
    back = np.flatnonzero((np.diff(steps) <= 0) & (steps[1:] <= first))
    if len(back):
        times = "twice" if len(back) == 1 else f"{len(back) + 1} times"
        raise LRKitError(
            f"`step` in {path} must count updates over the whole run; step {first} appears {times} (the "
            "count goes back to it: a count within each epoch, or several runs in one file). Log the step "
            "counted over the whole run (for example epoch * batches_per_epoch + step), or one run per file.")
    return resumed(steps)


def _sorted(steps: np.ndarray, losses: np.ndarray, lrs: np.ndarray | None, path: Path, *,
            grad_norms: np.ndarray | None = None,
            val: tuple[np.ndarray, np.ndarray] | None = None) -> History:
    """The history sorted by step; ``lrs``, ``grad_norms`` are per loss, ``val`` its own (steps, losses).
    A step logged twice is a history that restarted (:func:`_restarted`): the later write holds."""
    steps = _integers(steps, path)
    if len(np.unique(steps)) < len(steps):
        keep = _restarted(steps, path)
        steps, losses = steps[keep], losses[keep]
        lrs = None if lrs is None else lrs[keep]
        grad_norms = None if grad_norms is None else grad_norms[keep]
    order = np.argsort(steps, kind="stable")  # unique now: a file written out of order is put in order
    steps, losses = steps[order], losses[order]
    if lrs is not None:
        lrs = lrs[order]
        # A partly logged rate is no rate: the trend tests fall back to step counts.
        if not np.all(np.isfinite(lrs)):
            lrs = None
    if grad_norms is not None:
        grad_norms = grad_norms[order]
        if not np.any(np.isfinite(grad_norms)):
            grad_norms = None
    val_steps = val_losses = None
    if val is not None and len(val[0]):
        vs = _integers(np.asarray(val[0], dtype=np.float64), path)
        last = {int(s): float(v) for s, v in zip(vs, val[1])}  # a step evaluated twice: the later value
        val_steps = np.array(sorted(last), dtype=np.int64)
        val_losses = np.array([last[s] for s in val_steps.tolist()])
    return History(steps, losses, lrs, grad_norms, val_steps, val_losses)


def at_steps(steps: np.ndarray, log_steps: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The last value logged at or before each of ``steps`` (NaN before the first log).

    A rate or a gradient norm logged on its own rows or tags (Lightning's ``LearningRateMonitor``,
    TensorBoard) is held until the next log: a rate logged once per epoch holds for the epoch.

    Example:
        >>> at_steps(np.array([0, 1, 2, 5]), np.array([1, 3]), np.array([0.1, 0.01])).tolist()
        [nan, 0.1, 0.1, 0.01]
    """
    order = np.argsort(log_steps, kind="stable")
    log_steps, values = np.asarray(log_steps)[order], np.asarray(values, dtype=np.float64)[order]
    idx = np.searchsorted(log_steps, steps, side="right") - 1
    out = np.where(idx >= 0, values[np.maximum(idx, 0)], np.nan)
    return out.astype(np.float64)


def read_history(path: str | Path) -> History:
    """Read a history from a CSV file, a JSON file, a TensorBoard event file, or a directory of event files.

    Args:
        path: a ``.csv`` file (Lightning's ``CSVLogger`` ``metrics.csv`` too), a ``.json`` file
            (``lrkit train --json`` output, or a Hugging Face ``trainer_state.json``:
            :mod:`lrkit.diagnostics._history_json`), an ``events.out.tfevents.*`` file, or a
            directory of them.

    Returns:
        A :class:`History` (steps, losses, and what else was logged), sorted by step.

    Raises:
        LRKitError: as :func:`~lrkit.diagnostics._history_csv.read_csv`, or when event files need
            ``tensorboard`` and it is missing.

    Example:
        >>> import tempfile, os
        >>> f = os.path.join(tempfile.mkdtemp(), "run.csv")
        >>> _ = open(f, "w").write("step,loss,lr\\n0,2.0,0.1\\n1,1.5,0.1\\n")
        >>> h = read_history(f)
        >>> h.losses.tolist(), h.lrs.tolist()
        ([2.0, 1.5], [0.1, 0.1])
    """
    if not isinstance(path, (str, os.PathLike)):
        raise LRKitError(f"`path` of read_history must be a file path; got {path!r:.80}.")
    path = Path(path)
    if path.is_dir() or path.name.startswith("events.out.tfevents"):
        from lrkit.diagnostics._history_tensorboard import read_tensorboard

        return read_tensorboard(path)
    if path.suffix.lower() == ".json":
        from lrkit.diagnostics._history_json import read_json

        cols = read_json(path)
        return _sorted(cols.steps, cols.losses, cols.lrs, path, grad_norms=cols.grad_norms, val=cols.val)
    from lrkit.diagnostics._history_csv import read_csv

    return read_csv(path)
