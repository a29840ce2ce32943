"""Every public function, class and module carries a runnable example (a ``>>>`` doctest).

The brief asks for docstrings with "the math and a runnable example"; ``--doctest-modules`` runs
every example in the default suite, so an example cannot drift from the code. "Public" is each
name in the ``__all__`` of ``lrkit`` and its public (sub)packages and modules, as
``tests/test_public_api_tested.py`` reads it; a name exported by several modules counts once, under
the first. Constants and instances (``lrkit.cli.app``) have no docstring of their own: their
module's example shows them. :data:`KNOWN` lists the names still without one, each with its owner;
the list may only shrink.

Run as a script (``python tests/test_docstring_examples.py``) it prints the names without an
example, package by package, and their count.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys

import lrkit

#: Public names without a runnable example when this check landed: ``module.name``: whose lane it is.
KNOWN: dict[str, str] = {
    "lrkit.zoo.save_pretrained": "zoo (it runs a whole recipe, 4-60 CPU s; tests/zoo runs it, marked slow)",
}


def public_modules() -> list[str]:
    """``lrkit``, its public subpackages and their public modules (no leading underscore)."""
    found = ["lrkit"]
    for info in pkgutil.iter_modules(lrkit.__path__):
        if info.name.startswith("_"):
            continue
        found.append(f"lrkit.{info.name}")
        if info.ispkg:
            pkg = importlib.import_module(f"lrkit.{info.name}")
            found += [f"lrkit.{info.name}.{sub.name}" for sub in pkgutil.iter_modules(pkg.__path__)
                      if not sub.name.startswith("_")]
    return found


def has_example(obj: object) -> bool:
    """Whether ``obj``'s own docstring holds a doctest.

    Example:
        >>> def f():
        ...     '''Twice.
        ...
        ...     >>> 2 * 2
        ...     4
        ...     '''
        >>> has_example(f), has_example(len)
        (True, False)
    """
    return ">>>" in (inspect.getdoc(obj) or "")


def without_example(modules: list[str] | None = None) -> dict[str, list[str]]:
    """``{module: [name, ...]}``: the exported functions, classes and modules without an example."""
    out: dict[str, list[str]] = {}
    seen: set[int] = set()
    for modname in public_modules() if modules is None else modules:
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            bare = inspect.unwrap(obj) if callable(obj) else obj  # a cached function (lru_cache) too
            if not (inspect.isfunction(bare) or inspect.isclass(bare) or inspect.ismodule(bare)):
                continue  # a constant or an instance: documented by its module
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if not has_example(obj):
                out.setdefault(modname, []).append(name)
    return out


def test_every_public_name_has_a_runnable_example():
    missing = [f"{m}.{n}" for m, names in without_example().items() for n in names]
    new = [name for name in missing if name not in KNOWN]
    assert not new, f"give these a runnable example (a `>>>` doctest) in their docstring: {new}"


if __name__ == "__main__":  # pragma: no cover - the report the test's message summarises
    found = without_example(sys.argv[1:] or None)
    for modname, names in found.items():
        print(f"{modname}: {len(names)}: {', '.join(names)}")
    print(f"total: {sum(len(n) for n in found.values())}")
