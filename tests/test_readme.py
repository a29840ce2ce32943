"""The README's examples run, and its torch table is the one the oracle tests check."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_examples_run():
    result = doctest.testfile(str(ROOT / "README.md"), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 3
    assert result.failed == 0


def test_readme_torch_table_matches_the_schedules_guide():
    pattern = re.compile(r"<!-- torch-table:start -->.*?<!-- torch-table:end -->", re.S)
    readme = pattern.search((ROOT / "README.md").read_text()).group(0)
    guide = pattern.search((ROOT / "docs" / "schedules.md").read_text()).group(0)
    assert readme == guide


def test_readme_names_the_two_commands_the_makefile_has():
    readme = (ROOT / "README.md").read_text()
    makefile = (ROOT / "Makefile").read_text()
    for target in ("run", "test"):
        assert f"make {target}" in readme
        assert re.search(rf"^{target}:", makefile, re.M)
