"""Lines are at most ``[tool.ruff] line-length`` characters (110) in every Python file of the repo.

The brief's rule ("Lines <= 110 characters"), checked over ``src/``, ``tests/`` and
``benchmarks/``: a long line is one a reader scrolls for, and a diff of it hides its change.
Characters are counted, not bytes (a formula's ``η`` is one). :data:`KNOWN` may list a file with
long lines and how many it may keep while they are being wrapped (a file may only go down from
there); it is empty: every file has none.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["ruff"]["line-length"]
#: Files with long lines when this check landed (path: how many), each to be brought to 0 by its
#: owner; a count may shrink, never grow, and a file not listed has none.
KNOWN: dict[str, int] = {}


def long_lines(path: Path, limit: int = LIMIT) -> list[int]:
    """The numbers of the lines of ``path`` longer than ``limit`` characters.

    Example:
        >>> import tempfile
        >>> f = Path(tempfile.mkdtemp()) / "x.py"
        >>> _ = f.write_text("x = 1\\n" + "y = '" + "η" * 100 + "'\\n", encoding="utf-8")
        >>> long_lines(f, 110), long_lines(f, 100)  # 106 characters (206 bytes)
        ([], [2])
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    return [i for i, line in enumerate(lines, 1) if len(line) > limit]


def python_files() -> list[Path]:
    """Every ``.py`` file under ``src/``, ``tests/`` and ``benchmarks/``."""
    return sorted(p for d in ("src", "tests", "benchmarks") for p in (ROOT / d).rglob("*.py"))


def test_the_limit_is_the_projects():
    assert LIMIT == 110


def test_no_line_is_longer_than_the_limit():
    over = {}
    for path in python_files():
        rel = path.relative_to(ROOT).as_posix()
        found = long_lines(path)
        if len(found) > KNOWN.get(rel, 0):
            over[rel] = found
    listing = "\n".join(f"{p}: lines {', '.join(map(str, n))} (known: {KNOWN.get(p, 0)})"
                        for p, n in over.items())
    assert not over, f"lines over {LIMIT} characters; wrap them:\n{listing}"
