"""Reading histories from hostile files (issue 19): one LRKitError naming the problem, never a crash.

A byte that is not UTF-8 crashed inside the error handler, a byte-order mark hid the ``step``
column (row numbers were used silently), and a cell over 131,072 characters raised ``_csv.Error``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.diagnostics import read_history


def test_non_utf8_byte_is_named_with_its_line(tmp_path):
    path = tmp_path / "h.csv"
    path.write_bytes(b"step,loss\n0,1\n1,\xff\n")
    with pytest.raises(LRKitError, match=r"not UTF-8 text: byte 0xff on line 3"):
        read_history(path)


def test_utf8_bom_does_not_hide_the_step_column(tmp_path):
    path = tmp_path / "h.csv"
    path.write_bytes(b"\xef\xbb\xbfstep,loss\n5,1.0\n3,2.0\n")
    h = read_history(path)
    assert h.steps.tolist() == [3, 5] and h.losses.tolist() == [2.0, 1.0]


def test_huge_cell_in_an_ignored_column(tmp_path):
    path = tmp_path / "h.csv"
    rows = [f"{i},{1 / (i + 1)},{'x' * 200_000 if i == 3 else 'a'}" for i in range(20)]
    path.write_text("step,loss,note\n" + "\n".join(rows) + "\n")
    assert read_history(path).losses.size == 20
    import csv

    assert csv.field_size_limit() == 131_072  # the process-wide limit is restored


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"step,loss\n0,1\n1,abc\n", r"`loss` in .* line 3 must be a number; got 'abc'"),
        (b"a\x00b\n1\n", "needs a `loss` column"),
        (b"", "is empty"),
        (b"step,loss\n", "has a header but no rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8 text"),
        (b"step,loss\n0,1\n0,2\n", "step 0 appears twice"),
        (b"step,loss\n0.5,1\n1,2\n", "must hold integers"),
    ],
)
def test_bad_contents(tmp_path, content, match):
    path = tmp_path / "h.csv"
    path.write_bytes(content)
    with pytest.raises(LRKitError, match=match):
        read_history(path)


def test_bad_paths(tmp_path):
    with pytest.raises(LRKitError, match="cannot read the history file .*: No such file"):
        read_history(tmp_path / "missing.csv")
    with pytest.raises(LRKitError, match="Not a directory"):
        read_history("/dev/null/x.csv")
    with pytest.raises(LRKitError, match="holds no TensorBoard event files"):
        read_history(tmp_path)


def test_large_file_is_read_in_chunks(tmp_path):
    n = 200_003
    path = tmp_path / "h.csv"
    losses = np.linspace(2, 1, n)
    np.savetxt(path, np.column_stack([np.arange(n), losses]), delimiter=",", header="step,loss", comments="",
               fmt=["%d", "%.17g"])
    h = read_history(path)
    assert np.array_equal(h.losses, losses) and h.steps[-1] == n - 1
