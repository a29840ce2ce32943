"""Read a loss history from a CSV file: the column names users' tools write, any of three separators,
chunked reading (bounded memory on a history of millions of rows), clear one-line errors.

A header row names a step column (``step``), a loss column (``loss`` or ``train_loss``) and optionally
a rate column (``lr``, ``learning_rate``, Lightning's ``lr-<optimizer>``), a gradient-norm column and a
validation-loss column; other columns are ignored, blank lines skipped, rows sorted by step.
``nan``/``inf`` losses are kept (they are what ``diagnose`` reports as ``nan``).
"""

from __future__ import annotations

import contextlib
import csv
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import numpy as np

from lrkit.diagnostics._history import (
    LOSS_NAMES, _LR, _LR_PREFIXES, _STEP, GRAD_NAMES, VAL_NAMES, History, _sorted, at_steps, column_key)
from lrkit.diagnostics._rate_column import first_moving
from lrkit.errors import LRKitError

__all__ = ["read_csv", "SEPARATORS"]


def _pick(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [column_key(h) for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _pick_prefixed(header: list[str], prefixes: tuple[str, ...]) -> list[int]:
    """The columns named with one of ``prefixes``, in order (Lightning's ``lr-SGD``, ``lr-AdamW/pg1``)."""
    return [i for i, h in enumerate(header) if column_key(h).startswith(prefixes)]


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
        i_loss, i_step, i_lr = _pick(header, LOSS_NAMES), _pick(header, _STEP), _pick(header, _LR)
        if i_loss is None:
            shown = ",".join(header)
            lossy = [h for h in header if "loss" in h.lower()][:4]  # a GAN's g_loss and d_loss
            verb = "is" if len(lossy) == 1 else "are"
            hint = (f" ({', '.join(lossy)} {verb} not read as the training loss: "
                    "rename the one to diagnose `loss`)") if lossy else ""
            raise LRKitError(f"the history file {path} needs a `loss` column; its header is "
                             f"{shown[:80] + ('...' if len(shown) > 80 else '')!r}{hint}.")
        # A plain rate name first; else every Lightning per-group column, the first moving one kept below.
        i_lrs = [i_lr] if i_lr is not None else _pick_prefixed(header, _LR_PREFIXES)
        i_grad, i_val = _pick(header, GRAD_NAMES), _pick(header, VAL_NAMES)
        others = [i for i, h in enumerate(header)
                  if column_key(h) not in _STEP + ("epoch",) and i != i_loss]

        def cell(row: list[str], i: int | None) -> str:
            return row[i].strip() if i is not None and i < len(row) else ""

        lr_keys = [f"lr{j}" for j in range(len(i_lrs))]
        columns = _Columns(path, ("step", "loss", "grad_norm", *lr_keys))
        side = {k: _Columns(path, ("step", k)) for k in (*lr_keys, "grad_norm", "val_loss")}
        own_rows = [*zip(lr_keys, i_lrs), *([("grad_norm", i_grad)] if i_grad is not None else [])]
        n = 0
        for line, row in rows:
            loss, step = cell(row, i_loss), cell(row, i_step)
            if i_val is not None and cell(row, i_val):  # validation losses keep their own steps
                side["val_loss"].add(line, step or str(n), cell(row, i_val))
            if loss:
                columns.add(line, step or str(n), loss, cell(row, i_grad) or "nan",
                            *(cell(row, i) or "nan" for i in i_lrs))
                n += 1
                continue
            if not any(cell(row, i) for i in others):
                raise LRKitError(f"`loss` in {path} line {line} is missing.")
            for key, i in own_rows:  # another metric's row (a Lightning metrics.csv logs each on its own)
                if cell(row, i):
                    side[key].add(line, step or str(n), cell(row, i))
    if not n:
        raise LRKitError(f"the history file {path} has a header but no rows.")
    steps, losses, grads, *lrs = columns.arrays()
    # rates logged on their own rows hold until the next log
    rates = first_moving([at_steps(steps, *side[k].arrays()) if len(side[k]) else lr
                           for k, lr in zip(lr_keys, lrs)]) if lrs else None
    norms = grads if i_grad is not None else None
    if len(side["grad_norm"]):  # norms logged on their own rows (Lightning's grad_norm utility)
        norms = at_steps(steps, *side["grad_norm"].arrays())
    val = side["val_loss"].arrays() if len(side["val_loss"]) else None
    return _sorted(steps, losses, rates, path, grad_norms=norms, val=val)
