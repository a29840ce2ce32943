"""The benchmarks use lrkit as a user would: public names only, no patching, short scripts.

A benchmark that imports a private module or patches a private function measures something a
user cannot run, and breaks silently when the private name moves; a variant of a heuristic is a
policy record passed through the public ``policy=`` argument instead. Development machinery
(workload sets, caches, corpus builders, runners) lives in ``benchmarks/dev/``; each script at
the top asks one question and stays short.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
FILES = sorted([*BENCHMARKS.glob("*.py"), *(BENCHMARKS / "dev").glob("*.py")])
SCRIPTS = sorted(BENCHMARKS.glob("*.py"))
#: Lines a question script may have (the issue's "about 300").
MAX_SCRIPT_LINES = 310


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(BENCHMARKS)) for p in paths]


def _violations(source: str) -> list[str]:
    """Private lrkit imports, mock imports and private names replaced, one line each."""
    tree = ast.parse(source)
    wrong = []
    for node in ast.walk(tree):
        modules = []
        if isinstance(node, ast.ImportFrom) and node.module:
            modules = [node.module]
            if node.module.startswith("lrkit"):
                wrong += [f"line {node.lineno}: {node.module}.{a.name}" for a in node.names
                          if a.name.startswith("_")]
            if node.module == "unittest" and any(a.name == "mock" for a in node.names):
                modules.append("unittest.mock")
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        for m in modules:
            if m.startswith("lrkit") and any(part.startswith("_") for part in m.split(".")[1:]):
                wrong.append(f"line {node.lineno}: imports the private module {m}")
            if m in ("unittest.mock", "mock") or m.startswith("unittest.mock"):
                wrong.append(f"line {node.lineno}: imports {m} (vary a policy through its public argument)")
        if isinstance(node, ast.Assign):  # module._name = ...: a private function or constant replaced
            for target in node.targets:
                base = target.value if isinstance(target, ast.Attribute) else None
                if (isinstance(base, ast.Name) and base.id not in ("self", "cls")
                        and target.attr.startswith("_")):
                    wrong.append(f"line {node.lineno}: assigns {ast.unparse(target)}")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr"
                and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
                and str(node.args[1].value).startswith("_")):
            wrong.append(f"line {node.lineno}: setattr of {node.args[1].value!r}")
    return wrong


@pytest.mark.parametrize("path", FILES, ids=_ids(FILES))
def test_only_public_lrkit_names_and_no_patching(path):
    wrong = _violations(path.read_text(encoding="utf-8"))
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("source", [
    "from lrkit.finder._rules import suggest",
    "from lrkit.finder import _rules",
    "import lrkit.tasks._charlm",
    "from unittest import mock",
    "from unittest.mock import patch",
    "import unittest.mock",
    "import mock",
    "import lrkit.finder as f\nf._noise = 3",
    "import lrkit.finder as f\nsetattr(f, '_noise', 3)",
])
def test_the_check_sees_each_kind_of_violation(source):
    assert len(_violations(source)) == 1, _violations(source)


@pytest.mark.parametrize("path", SCRIPTS, ids=_ids(SCRIPTS))
def test_a_question_script_is_short(path):
    n = len(path.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_SCRIPT_LINES, f"{path.name} has {n} lines: move its machinery to benchmarks/dev/"
