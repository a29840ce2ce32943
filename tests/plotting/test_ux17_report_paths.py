"""ux17 L2: ``lrkit.report``'s path is checked as docs/see.md says, with one LRKitError.

see.md: "A path that does not end in ``.html`` ... raises ``LRKitError``" (as ``lrkit diagnose --report``
does); ``lrkit.report(r, "a.htm")`` wrote the page, and a path naming an existing folder raised a bare
``IsADirectoryError`` from the write, after the page was built.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import lrkit  # noqa: E402


def _diagnosis():
    return lrkit.diagnose(1 / np.sqrt(1 + np.arange(300.0)))


def test_a_path_ending_in_htm_raises_as_the_guide_says(tmp_path):
    with pytest.raises(lrkit.LRKitError, match=r"`path` of lrkit.report must end in .html; got .*a\.htm"):
        lrkit.report(_diagnosis(), tmp_path / "a.htm")
    assert not (tmp_path / "a.htm").exists()


def test_an_existing_folder_as_path_raises_one_lrkit_error(tmp_path):
    folder = tmp_path / "dir.html"
    folder.mkdir()
    with pytest.raises(lrkit.LRKitError, match=r"`path` of lrkit.report .*is a folder"):
        lrkit.report(_diagnosis(), folder)
    with pytest.raises(lrkit.LRKitError, match=r"is a folder"):  # the result's own method: same rule
        _diagnosis().report(folder)
