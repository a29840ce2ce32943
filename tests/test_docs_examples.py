"""Every `>>>` example in the user guide (docs/*.md) runs and prints what it says, so the
guide cannot drift from the code. (Pages' other checks, such as the torch table against
torch, live beside the code they describe.)"""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

DOCS = sorted((Path(__file__).resolve().parent.parent / "docs").glob("*.md"))


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_guide_examples_run(page):
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testfile(str(page), module_relative=False, optionflags=flags)
    assert result.failed == 0
    assert result.attempted >= page.read_text().count("\n>>> ")
