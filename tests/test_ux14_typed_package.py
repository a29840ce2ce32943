"""lrkit ships its annotations to type checkers (session-14 new-user probe, ux;
``/work/notes/ux14/REPORT.md`` L3).

mypy on a user script said "Skipping analyzing 'lrkit.schedules': module is installed, but missing
library stubs or py.typed marker"; with the source visible, ``lrkit.diagnose(...)`` was "object not
callable" (the lazy ``__getattr__ -> object``) and ``s(5)`` a ``float | ndarray`` to cast. Now: a PEP 561
``py.typed``, a stub of the lazily loaded top-level names (the lazy-loader pattern) kept equal to
``__all__``, and ``Schedule.__call__`` overloads (a step gives a float, an array an array).
"""

from __future__ import annotations

import ast
import sys
import tomllib
import typing
from pathlib import Path

import pytest

import lrkit
from lrkit.schedules import Schedule

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "src" / "lrkit"


def test_the_package_ships_py_typed_and_its_stub():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = data["tool"]["setuptools"]["package-data"]["lrkit"]
    assert {"py.typed", "__init__.pyi"} <= set(shipped)
    assert (PKG / "py.typed").exists() and (PKG / "__init__.pyi").exists()


def test_the_stub_names_every_top_level_name():
    tree = ast.parse((PKG / "__init__.pyi").read_text(encoding="utf-8"))
    names = {a.asname or a.name for node in tree.body if isinstance(node, ast.ImportFrom) for a in node.names}
    names |= {node.target.id for node in tree.body if isinstance(node, ast.AnnAssign)}
    assert set(lrkit.__all__) <= names, sorted(set(lrkit.__all__) - names)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="typing.get_overloads is Python 3.11+")
def test_a_schedule_call_is_typed_by_its_argument():
    hints = [typing.get_type_hints(f, globalns=vars(sys.modules[Schedule.__module__]))
             for f in typing.get_overloads(Schedule.__call__)]
    assert [h["return"] for h in hints] == [float, __import__("numpy").ndarray]
