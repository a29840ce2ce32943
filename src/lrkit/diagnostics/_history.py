"""Load a loss history from the files users have: CSV, JSON, TensorBoard event files.

CSV: a header row naming a step column (``step``), a loss column (``loss`` or
``train_loss``) and optionally a rate column (``lr``, ``learning_rate``), a
gradient-norm column and a validation-loss column; other columns are ignored,
blank lines skipped, rows sorted by step. ``nan``/``inf`` losses are kept (they
are what ``diagnose`` reports as ``nan``). JSON: ``lrkit train --json`` output
or a Hugging Face ``trainer_state.json`` (:mod:`._history_json`). TensorBoard:
an event file or a directory of them, read with ``tensorboard`` when it is
installed.
"""

from __future__ import annotations

import contextlib
import csv
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from lrkit.errors import LRKitError

__all__ = ["History", "read_history", "read_csv"]

_STEP = ("step", "steps", "iteration", "iter", "global_step")
_LOSS = ("loss", "train_loss", "training_loss", "train/loss", "loss/train", "train_loss_step")
_LR = ("lr", "learning_rate", "train/lr", "rate", "train/learning_rate")
#: Rate columns named by prefix: Lightning's ``LearningRateMonitor`` logs ``lr-<Optimizer>[/pg<k>]``.
_LR_PREFIXES = ("lr-", "lr/")
#: Gradient-norm columns: plain names, Hugging Face's ``grad_norm`` and Lightning's ``grad_norm`` utility.
GRAD_NAMES = ("grad_norm", "gradient_norm", "train/grad_norm", "grad_2.0_norm_total", "grad_norm/total")
#: Validation-loss columns: plain names, Lightning's ``val_loss`` (and its epoch form), Hugging Face's
#: ``eval_loss`` and the usual TensorBoard tags.
VAL_NAMES = ("val_loss", "valid_loss", "validation_loss", "eval_loss", "val/loss", "eval/loss", "loss/val",
             "loss/validation", "val_loss_epoch")


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
    """

    steps: np.ndarray
    losses: np.ndarray
    lrs: np.ndarray | None
    grad_norms: np.ndarray | None = None
    val_steps: np.ndarray | None = None
    val_losses: np.ndarray | None = None


def _pick(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _pick_prefix(header: list[str], prefixes: tuple[str, ...]) -> int | None:
    """The first column named with one of ``prefixes`` (Lightning's ``lr-SGD``, ``lr-AdamW/pg1``)."""
    lowered = [h.strip().lower() for h in header]
    return next((i for i, h in enumerate(lowered) if h.startswith(prefixes)), None)


def _number(text: str, what: str, path: Path, line: int) -> float:
    try:
        return float(text)
    except ValueError:
        raise LRKitError(f"`{what}` in {path} line {line} must be a number; got {text[:40]!r}.") from None


#: Rows converted to floats at once: C-speed parsing by numpy, memory bounded by the chunk.
_CHUNK_ROWS = 65_536


def _column(cells: list[str], what: str, path: Path, lines: list[int]) -> np.ndarray:
    """The cells as floats, parsed by numpy; a bad cell is named with its line by the slow path."""
    try:
        return np.array(cells, dtype=np.float64)
    except ValueError:  # Python's float() is the definition (it also reads "1_000"); it names the line
        return np.array([_number(cell, what, path, line) for cell, line in zip(cells, lines)])


class _Columns:
    """Cells of the named columns gathered row by row, turned into arrays a chunk at a time."""

    def __init__(self, path: Path, names: tuple[str, ...]) -> None:
        self.path = path
        self.cells: dict[str, list[str]] = {k: [] for k in names}
        self.lines: list[int] = []
        self.parts: dict[str, list[np.ndarray]] = {k: [] for k in names}

    def __len__(self) -> int:
        return sum(p.size for p in self.parts[next(iter(self.parts))]) + len(self.lines)

    def add(self, line: int, *cells: str) -> None:
        self.lines.append(line)
        for column, cell in zip(self.cells.values(), cells):
            column.append(cell)
        if len(self.lines) >= _CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        for what, cells in self.cells.items():
            self.parts[what].append(_column(cells, what, self.path, self.lines))
            cells.clear()
        self.lines.clear()

    def arrays(self) -> tuple[np.ndarray, ...]:
        self.flush()
        return tuple(np.concatenate(p) if p else np.zeros(0) for p in self.parts.values())


def _not_utf8(path: Path) -> LRKitError:
    """The error for a file that is not UTF-8, naming the first bad line and byte."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return LRKitError(f"the history file {path} is not UTF-8 text: byte "
                                  f"{raw[exc.start]:#04x} on line {number}; save it as UTF-8.")
    return LRKitError(f"the history file {path} is not UTF-8 text; save it as UTF-8.")  # pragma: no cover


# The separators a history file may use, in order of precedence: a comma wherever the header has one
# (every CSV writer's default, so a comma file reads as it always did), else a tab (TSV), else ';'
# (spreadsheet exports in locales whose decimal mark is a comma).
SEPARATORS = (",", "\t", ";")


def _separator(f: TextIO) -> str:
    """The first of :data:`SEPARATORS` in the first non-blank line of ``f`` (``,`` if none), with
    ``f`` rewound."""
    line = f.readline()
    while line and not line.strip():
        line = f.readline()
    f.seek(0)
    return next((sep for sep in SEPARATORS if sep in line), SEPARATORS[0])


@contextlib.contextmanager
def _open_csv(path: Path) -> Iterator[Iterator[tuple[int, list[str]]]]:
    """``(line, cells)`` of each non-blank row of a UTF-8 (BOM optional) CSV, every failure one error.

    A cell may be as long as the file: ``csv``'s 131,072-character field limit is lifted while
    reading (it is process-wide, so it is restored after).
    """
    if path.is_dir():
        raise LRKitError(f"the history file {path} is a folder; give a CSV file, or a folder of "
                         "TensorBoard event files (events.out.tfevents.*).")
    try:
        f = open(path, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise LRKitError(f"cannot read the history file {path}: {exc.strerror or exc}.") from None
    try:
        reader = csv.reader(f, delimiter=_separator(f))
    except UnicodeDecodeError:
        f.close()
        raise _not_utf8(path) from None
    old_limit = csv.field_size_limit(sys.maxsize)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for row in reader:
                if any(c.strip() for c in row):
                    yield reader.line_num, row
        except UnicodeDecodeError:
            raise _not_utf8(path) from None
        except csv.Error as exc:
            raise LRKitError(f"the history file {path} is not a CSV file: {exc} "
                             f"(line {reader.line_num}).") from None
        except OSError as exc:
            raise LRKitError(f"cannot read the history file {path}: {exc.strerror or exc}.") from None

    try:
        yield rows()
    finally:
        csv.field_size_limit(old_limit)
        f.close()


def read_csv(path: str | Path) -> History:
    """Read a ``step,loss[,lr]`` CSV file (UTF-8, with or without a byte-order mark), or Lightning's
    ``CSVLogger`` ``metrics.csv``. Tab- and ``;``-separated files are read too: the separator is the
    first of :data:`SEPARATORS` in the header.

    A row with a blank loss that holds other values is another metric's row (Lightning logs the
    training loss, the rate, the validation loss each on rows of their own): its rate, gradient norm
    and validation loss are read, and a rate logged that way holds until its next log
    (:func:`at_steps`). Validation losses are kept at their own steps.

    Args:
        path: the file.

    Returns:
        A :class:`History`; ``lrs`` is ``None`` without a rate column or when a loss row's rate cell is
        blank (a partly logged rate).

    Raises:
        LRKitError: missing or unreadable file, text that is not UTF-8, no header with a loss
            column, a non-numeric cell, a row with nothing but a step, or no rows.

    Example:
        >>> import tempfile, os
        >>> f = os.path.join(tempfile.mkdtemp(), "h.csv")
        >>> _ = open(f, "w").write("step,loss,note\\n1,0.5,a\\n\\n0,0.9,b\\n")
        >>> h = read_csv(f)
        >>> h.steps.tolist(), h.losses.tolist(), h.lrs
        ([0, 1], [0.9, 0.5], None)
    """
    path = Path(path)
    with _open_csv(path) as rows:
        first = next(rows, None)
        if first is None:
            raise LRKitError(f"the history file {path} is empty; expected a header `step,loss[,lr]`.")
        header = first[1]
        i_loss, i_step, i_lr = _pick(header, _LOSS), _pick(header, _STEP), _pick(header, _LR)
        if i_loss is None:
            shown = ",".join(header)
            raise LRKitError(f"the history file {path} needs a `loss` column; its header is "
                             f"{shown[:80] + ('...' if len(shown) > 80 else '')!r}.")
        i_lr = i_lr if i_lr is not None else _pick_prefix(header, _LR_PREFIXES)
        i_grad, i_val = _pick(header, GRAD_NAMES), _pick(header, VAL_NAMES)
        others = [i for i, h in enumerate(header)
                  if h.strip().lower() not in _STEP + ("epoch",) and i != i_loss]

        def cell(row: list[str], i: int | None) -> str:
            return row[i].strip() if i is not None and i < len(row) else ""

        columns = _Columns(path, ("step", "loss", "lr", "grad_norm"))
        side = {k: _Columns(path, ("step", k)) for k in ("lr", "grad_norm", "val_loss")}
        own_rows = [(k, i) for k, i in (("lr", i_lr), ("grad_norm", i_grad)) if i is not None]
        n = 0
        for line, row in rows:
            loss, step = cell(row, i_loss), cell(row, i_step)
            if i_val is not None and cell(row, i_val):  # validation losses keep their own steps
                side["val_loss"].add(line, step or str(n), cell(row, i_val))
            if loss:
                columns.add(line, step or str(n), loss, cell(row, i_lr) or "nan", cell(row, i_grad) or "nan")
                n += 1
                continue
            if not any(cell(row, i) for i in others):
                raise LRKitError(f"`loss` in {path} line {line} is missing.")
            for key, i in own_rows:  # another metric's row (a Lightning metrics.csv logs each on its own)
                if cell(row, i):
                    side[key].add(line, step or str(n), cell(row, i))
    if not n:
        raise LRKitError(f"the history file {path} has a header but no rows.")
    steps, losses, lrs, grads = columns.arrays()
    rates = lrs if i_lr is not None else None
    if len(side["lr"]):  # rates logged on their own rows hold until the next log
        rates = at_steps(steps, *side["lr"].arrays())
    norms = grads if i_grad is not None else None
    if len(side["grad_norm"]):  # norms logged on their own rows (Lightning's grad_norm utility)
        norms = at_steps(steps, *side["grad_norm"].arrays())
    val = side["val_loss"].arrays() if len(side["val_loss"]) else None
    return _sorted(steps, losses, rates, path, grad_norms=norms, val=val)


def _integers(steps: np.ndarray, path: Path) -> np.ndarray:
    if not np.all(np.isfinite(steps)) or np.any(steps != np.floor(steps)):
        raise LRKitError(f"`step` in {path} must hold integers.")
    return steps.astype(np.int64)


def _sorted(steps: np.ndarray, losses: np.ndarray, lrs: np.ndarray | None, path: Path, *,
            grad_norms: np.ndarray | None = None,
            val: tuple[np.ndarray, np.ndarray] | None = None) -> History:
    """The history sorted by step; ``lrs``, ``grad_norms`` are per loss, ``val`` its own (steps, losses)."""
    steps = _integers(steps, path)
    order = np.argsort(steps, kind="stable")
    steps, losses = steps[order], losses[order]
    if np.any(np.diff(steps) == 0):
        dup = int(steps[np.flatnonzero(np.diff(steps) == 0)[0]])
        raise LRKitError(f"`step` in {path} must not repeat; step {dup} appears twice.")
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
        LRKitError: as :func:`read_csv`, or when event files need ``tensorboard`` and it is missing.

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
    return read_csv(path)
