"""Every public name has a test: each name a public module exports is referenced by some test.

"Public" is what a user can import: ``lrkit``'s and every public (sub)package's or module's
``__all__``, plus the methods, properties and class methods that lrkit's public classes define
themselves. "Referenced" is read from the syntax trees of ``tests/``: a name loaded (``step``),
an attribute read (``S.step``) or an import (``from lrkit.schedules import step``). A comment, a
docstring or a string literal does not count, so the check cannot be met by mentioning a name.

Exempt are a class's overrides of a hook that a base class outside lrkit declares
(``nn.Module.forward``, a Lightning ``Callback``'s ``on_fit_start``): the framework calls them,
and the tests reach them through it (a training step, ``Trainer.fit``).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import lrkit

TESTS = Path(__file__).resolve().parent


def public_modules() -> list[str]:
    """``lrkit``, its public subpackages and their public modules (no leading underscore)."""
    found = ["lrkit"]
    for info in pkgutil.iter_modules(lrkit.__path__):
        if info.name.startswith("_"):
            continue
        name = f"lrkit.{info.name}"
        found.append(name)
        if info.ispkg:
            pkg = importlib.import_module(name)
            found += [f"{name}.{sub.name}" for sub in pkgutil.iter_modules(pkg.__path__)
                      if not sub.name.startswith("_")]
    return found


def referenced_names(root: Path = TESTS) -> set[str]:
    """Every name loaded, attribute read or name imported in the Python files under ``root``.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp())
        >>> _ = (d / "test_x.py").write_text("# step\\nfrom m import cosine\\nS.warmup(1)\\n'linear'\\n")
        >>> sorted(referenced_names(d))
        ['S', 'cosine', 'warmup']
    """
    names: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                names.add(node.attr)
            elif isinstance(node, ast.alias):
                names.add(node.name.rsplit(".", 1)[-1])
    return names


def _framework_hook(cls: type, name: str) -> bool:
    """Whether ``cls.name`` overrides a method that a base class outside lrkit declares."""
    return any(name in vars(base) for base in cls.__mro__[1:]
               if not base.__module__.startswith("lrkit") and base is not object)


def public_names() -> list[str]:
    """``module.name`` for each exported name, and ``module.Class.method`` for each own method.

    A class exported by several modules is walked once, under the first module that exports it.
    """
    out: list[str] = []
    seen: set[int] = set()
    for modname in public_modules():
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", ()):
            out.append(f"{modname}.{name}")
            obj = getattr(module, name)
            if not (inspect.isclass(obj) and obj.__module__.startswith("lrkit")) or id(obj) in seen:
                continue
            seen.add(id(obj))
            for attr, value in vars(obj).items():
                if attr.startswith("_") or _framework_hook(obj, attr):
                    continue
                if callable(value) or isinstance(value, (property, classmethod, staticmethod)):
                    out.append(f"{modname}.{name}.{attr}")
    return out


def test_every_public_module_declares_all() -> None:
    """Without ``__all__`` the walk below would not know what a module exports."""
    missing = [m for m in public_modules() if not hasattr(importlib.import_module(m), "__all__")]
    assert not missing, f"public modules without __all__: {missing}"


def test_every_public_name_is_referenced_by_a_test() -> None:
    seen = referenced_names()
    untested = [full for full in public_names() if full.rsplit(".", 1)[-1] not in seen]
    assert not untested, "public names no test references (write a test that uses each):\n  " + "\n  ".join(
        untested)


def test_the_walk_sees_the_documented_surface() -> None:
    """The walk is not vacuous: it reaches names of every layer, and methods of records."""
    names = set(public_names())
    for expected in ("lrkit.range_test", "lrkit.schedules.cosine", "lrkit.torch.find_lr",
                     "lrkit.tuning.tune", "lrkit.diagnostics.diagnose", "lrkit.schedules.Schedule.to_spec",
                     "lrkit.finder.synthetic.Problem"):
        assert expected in names


@pytest.mark.parametrize("source, expected", [
    ("x = 1  # cosine\n", set()),
    ('"""cosine"""\n', set()),
    ("import lrkit.schedules.cosine\n", {"cosine"}),
    ("f(obj.cosine)\n", {"f", "obj", "cosine"}),
])
def test_referenced_names_reads_syntax_not_text(tmp_path: Path, source: str, expected: set[str]) -> None:
    (tmp_path / "test_a.py").write_text(source)
    assert referenced_names(tmp_path) - {"x"} == expected
