"""Load a loss history from a CSV file, a JSON file (``lrkit train --json``) or TensorBoard event files.

CSV: a header row naming a step column (``step``), a loss column (``loss`` or
``train_loss``) and optionally a rate column (``lr``, ``learning_rate``); other
columns are ignored, blank lines skipped, rows sorted by step. ``nan``/``inf``
losses are kept (they are what ``diagnose`` reports as ``nan``). TensorBoard:
an event file or a directory of them, read with ``tensorboard`` when it is
installed.
"""

from __future__ import annotations

import contextlib
import csv
import math
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lrkit.errors import LRKitError

__all__ = ["History", "read_history", "read_csv"]

_STEP = ("step", "steps", "iteration", "iter", "global_step")
_LOSS = ("loss", "train_loss", "training_loss", "train/loss")
_LR = ("lr", "learning_rate", "train/lr", "rate")


@dataclass(frozen=True)
class History:
    """Steps, losses and (optionally) rates of one run, sorted by step."""

    steps: np.ndarray
    losses: np.ndarray
    lrs: np.ndarray | None


def _pick(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


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
    """Step, loss and rate cells gathered row by row, turned into arrays a chunk at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cells: dict[str, list[str]] = {"step": [], "loss": [], "lr": []}
        self.lines: list[int] = []
        self.parts: dict[str, list[np.ndarray]] = {"step": [], "loss": [], "lr": []}

    def add(self, line: int, step: str, loss: str, lr: str) -> None:
        self.lines.append(line)
        self.cells["step"].append(step)
        self.cells["loss"].append(loss)
        self.cells["lr"].append(lr)
        if len(self.lines) >= _CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        for what, cells in self.cells.items():
            self.parts[what].append(_column(cells, what, self.path, self.lines))
            cells.clear()
        self.lines.clear()

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        self.flush()
        step, loss, lr = (np.concatenate(self.parts[k]) for k in ("step", "loss", "lr"))
        return step, loss, lr


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
    reader = csv.reader(f)
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
    """Read a ``step,loss[,lr]`` CSV file (UTF-8, with or without a byte-order mark).

    Args:
        path: the file.

    Returns:
        A :class:`History`; ``lrs`` is ``None`` without a rate column or when any rate cell is blank.

    Raises:
        LRKitError: missing or unreadable file, text that is not UTF-8, no header with a loss
            column, a non-numeric cell, or no rows.

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
        columns = _Columns(path)
        n = 0
        for line, row in rows:
            cell = row[i_loss].strip() if i_loss < len(row) else ""
            if not cell:
                raise LRKitError(f"`loss` in {path} line {line} is missing.")
            step = row[i_step] if i_step is not None and i_step < len(row) else str(n)
            lr_cell = row[i_lr].strip() if i_lr is not None and i_lr < len(row) else ""
            columns.add(line, step, cell, lr_cell or "nan")
            n += 1
    if not n:
        raise LRKitError(f"the history file {path} has a header but no rows.")
    steps, losses, lrs = columns.arrays()
    return _sorted(steps, losses, lrs if i_lr is not None else None, path)


def _sorted(steps: np.ndarray, losses: np.ndarray, lrs: np.ndarray | None, path: Path) -> History:
    if not np.all(np.isfinite(steps)) or np.any(steps != np.floor(steps)):
        raise LRKitError(f"`step` in {path} must hold integers.")
    order = np.argsort(steps, kind="stable")
    steps, losses = steps[order].astype(np.int64), losses[order]
    if np.any(np.diff(steps) == 0):
        dup = int(steps[np.flatnonzero(np.diff(steps) == 0)[0]])
        raise LRKitError(f"`step` in {path} must not repeat; step {dup} appears twice.")
    if lrs is not None:
        lrs = lrs[order]
        # A partly logged rate is no rate: the trend tests fall back to step counts.
        if not np.all(np.isfinite(lrs)):
            lrs = None
    return History(steps, losses, lrs)


def _read_tensorboard(path: Path) -> History:
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        raise LRKitError(
            f"reading TensorBoard event files ({path}) needs the `tensorboard` package; "
            "install it or export the scalars to CSV."
        ) from None
    if path.is_dir() and not any(p.name.startswith("events.out.tfevents") for p in path.iterdir()):
        raise LRKitError(f"the folder {path} holds no TensorBoard event files (events.out.tfevents.*); "
                         "give a CSV file or a folder of event files.")
    acc = EventAccumulator(str(path), size_guidance={"scalars": 0})
    acc.Reload()
    tags = acc.Tags().get("scalars", [])
    loss_tag = next((t for t in tags if t.lower() in _LOSS), None)
    loss_tag = loss_tag or next((t for t in tags if "loss" in t.lower()), None)
    if loss_tag is None:
        listed = ", ".join(tags) or "none"
        raise LRKitError(f"no loss scalar in the TensorBoard events at {path}; tags: {listed}.")
    lr_tag = next((t for t in tags if t.lower() in _LR or "learning_rate" in t.lower()), None)
    events = acc.Scalars(loss_tag)
    steps = np.array([e.step for e in events], dtype=np.float64)
    losses = np.array([e.value for e in events], dtype=np.float64)
    lrs = None
    if lr_tag is not None:
        by_step = {e.step: e.value for e in acc.Scalars(lr_tag)}
        lrs = np.array([by_step.get(int(s), math.nan) for s in steps])
    return _sorted(steps, losses, lrs, path)


def read_history(path: str | Path) -> History:
    """Read a history from a CSV file, a JSON file, a TensorBoard event file, or a directory of event files.

    Args:
        path: a ``.csv`` file, a ``.json`` file (``lrkit train --json`` output: its ``history``
            rows, :mod:`lrkit.diagnostics._history_json`), an ``events.out.tfevents.*`` file, or
            a directory of them.

    Returns:
        A :class:`History` (steps, losses, rates or ``None``), sorted by step.

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
    path = Path(path)
    if path.is_dir() or path.name.startswith("events.out.tfevents"):
        return _read_tensorboard(path)
    if path.suffix.lower() == ".json":
        from lrkit.diagnostics._history_json import read_json

        steps, losses, lrs = read_json(path)
        return _sorted(steps, losses, lrs, path)
    return read_csv(path)
