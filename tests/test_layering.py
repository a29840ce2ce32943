"""The dependency rule of docs/architecture.md, enforced, and its module list kept whole.

1. Every import statement in ``src/lrkit`` goes down the layer table of ``docs/architecture.md``
   (read from the document itself, so the table and the test cannot drift): a package imports only
   packages of lower levels. The one sanctioned exception, a result record's ``plot``/``report``
   methods importing ``lrkit.plotting`` when called, must stay inside a function body.
2. No cycle among lrkit's modules through module-level imports.
3. No module reaches into another package's private module (``from lrkit.torch._batches import ...``
   outside ``lrkit.torch``): a package's ``__init__`` is its interface. ``lrkit._*`` modules are the
   table's shared levels 0-1, not a package's privates. :data:`PRIVATE_KNOWN` lists those there when
   this check landed, with the package whose interface should carry the name; it may only shrink.
4. Each core package imports without torch, optuna, matplotlib, sklearn or typer: run the import
   in a fresh interpreter and list which heavy modules got loaded.
5. The module list of docs/architecture.md names every module of ``src/lrkit`` once, with its job and its
   package's level, and nothing that is gone.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "lrkit"
HEAVY = ("torch", "optuna", "matplotlib", "sklearn", "typer")
CORE = ["lrkit", "lrkit.schedules", "lrkit.stats", "lrkit.finder", "lrkit.diagnostics", "lrkit.lab"]
#: ``(importer, imported)`` packages whose upward import is sanctioned, at call time only.
CALL_TIME_UP = {("finder", "plotting"), ("diagnostics", "plotting")}
#: ``(importing file, private module of another package)``: owner of the fix.
PRIVATE_KNOWN = {
    ("cli/_find.py", "lrkit.torch._batches"): "torch: export the batch layouts' words",
    ("cli/_find.py", "lrkit.torch._finder_options"): "finder: export CLOSURE_WAY_OUT",
    ("finder/_result.py", "lrkit.plotting._finder"): "finder: plot via lrkit.plotting (call time)",
    ("hf/_finder.py", "lrkit.torch._retune"): "torch: export retune (the lead's call: public or sanctioned)",
    ("hf/_schedule.py", "lrkit.torch._retune"): "torch: export schedule_rate",
    ("hf/_session.py", "lrkit.torch._rng"): "torch: export rng_state / set_rng_state",
    ("lightning/_finder.py", "lrkit.torch._retune"): "torch: export retune",
    ("lightning/_optimizers.py", "lrkit.torch._retune"): "torch: export schedule_rate",
    ("plotting/_finder_report.py", "lrkit.finder._advice"): "finder: export FIGURE_WORDS / RULE_WORDS",
    ("tasks/_protocol.py", "lrkit.torch._batches"): "torch: export LAYOUTS, describe_batch, split_batch",
    ("tasks/_train.py", "lrkit.torch._groups"): "torch: export check_group_0",
    ("torch/_autopilot_policy.py", "lrkit.finder._policy"): "finder: export RULE_NAMES",
    ("tuning/_objective.py", "lrkit.finder._next_step"): "finder: export round_rate",
    ("tuning/_result.py", "lrkit.finder._next_step"): "finder: export round_rate",
    ("tuning/_to_schedule.py", "lrkit.finder._next_step"): "finder: export the budget rule's pieces",
}


def _levels() -> dict[str, int]:
    """``{package: level}`` from the table in docs/architecture.md (``lrkit`` itself is ``"lrkit"``)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text[text.index("## Layers and the dependency rule"):text.index("## Conventions")]
    levels = {}
    for level, names in re.findall(r"^\| (\d+) \| ([^|]+) \|", table, re.M):
        for name in re.findall(r"`(lrkit(?:\.\w+)?)`", names):
            levels[name.split(".", 1)[1] if "." in name else "lrkit"] = int(level)
    return levels


LEVELS = _levels()


def _unit(path: Path) -> str:
    """The table's name for a source file: its subpackage, its top-level module, or ``lrkit``."""
    rel = path.relative_to(SRC).parts
    if len(rel) > 1:
        return rel[0]
    return "lrkit" if rel[0] == "__init__.py" else rel[0][:-3]


def _imports(tree: ast.Module) -> list[tuple[str, int, bool]]:
    """``(module, line, inside a function)`` of every absolute ``lrkit`` import in a module."""
    found = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inner = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
                found.append((child.module, child.lineno, in_function))
            elif isinstance(child, ast.Import):
                found.extend((a.name, child.lineno, in_function) for a in child.names)
            visit(child, inner)

    visit(tree, False)
    return [(m, line, f) for m, line, f in found if m == "lrkit" or m.startswith("lrkit.")]


SOURCES = sorted(SRC.rglob("*.py"))


def test_the_table_lists_every_package_and_module_of_lrkit():
    units = {_unit(p) for p in SOURCES}
    missing = sorted(units - set(LEVELS))
    assert not missing, f"add to the layer table of docs/architecture.md: {missing}"


def _module_list() -> list[tuple[str, int, str]]:
    """``(path under src/lrkit, level, job)`` of each row of the module list of docs/architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Modules\n"):]
    section = section[:section.index("\n## ", 1)]
    return [(path, int(level), job.strip())
            for path, level, job in re.findall(r"^\| `([\w/]+\.py)` \| (\d+) \| ([^|]+) \|$", section, re.M)]


def test_the_module_list_names_every_module_with_its_job_and_level():
    """docs/architecture.md says what the code is: each module once, its one job, its package's level."""
    rows = _module_list()
    listed = [path for path, _, _ in rows]
    on_disk = {str(p.relative_to(SRC)) for p in SOURCES}
    missing = sorted(on_disk - set(listed))
    assert not missing, f"add to the module list (## Modules) of docs/architecture.md with its job: {missing}"
    gone = sorted(set(listed) - on_disk)
    assert not gone, f"remove from the module list of docs/architecture.md (no such module): {gone}"
    twice = sorted({path for path in listed if listed.count(path) > 1})
    assert not twice, f"listed more than once in docs/architecture.md: {twice}"
    wrong = [f"{path}: {level}, its package's level is {LEVELS[_unit(SRC / path)]}"
             for path, level, _ in rows if level != LEVELS[_unit(SRC / path)]]
    assert not wrong, f"levels in the module list of docs/architecture.md: {wrong}"
    assert all(job for _, _, job in rows)


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(SRC)) for p in SOURCES])
def test_every_import_goes_down_the_table(path):
    here = _unit(path)
    wrong = []
    for module, line, in_function in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        target = module.split(".")[1] if "." in module else "lrkit"
        if target == here or LEVELS[target] < LEVELS[here]:
            continue
        if (here, target) in CALL_TIME_UP and in_function:
            continue
        wrong.append(f"line {line}: {here} (level {LEVELS[here]}) imports {module} (level {LEVELS[target]})")
    assert not wrong, "\n".join(wrong)


def private_across(path: Path) -> set[str]:
    """The private modules of other packages that ``path`` imports (``lrkit.<pkg>._<module>``).

    Example:
        >>> import tempfile
        >>> f = Path(tempfile.mkdtemp()) / "m.py"
        >>> _ = f.write_text("from lrkit.torch._rng import a\\nfrom lrkit.torch import b\\n"
        ...                  "import lrkit._json\\n")
        >>> sorted(private_across(f))  # seen from outside lrkit.torch
        ['lrkit.torch._rng']
    """
    here = path.parent.name
    found = set()
    for module, _, _ in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        parts = module.split(".")
        if len(parts) > 2 and parts[1] != here and any(p.startswith("_") for p in parts[2:]):
            found.add(module)
    return found


def test_no_module_imports_another_packages_private_module():
    found = {(str(p.relative_to(SRC)), m) for p in SOURCES for m in private_across(p)}
    new = sorted(found - set(PRIVATE_KNOWN))
    assert not new, ("import these from the package (add the name to its __init__'s __all__), not its "
                     f"private module: {new}")


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_no_cycle_among_module_level_imports():
    names = {_module_name(p): p for p in SOURCES}
    graph = {}
    for name, path in names.items():
        deps = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node,
                          ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("lrkit"):
                deps.update(f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in names else node.module
                            for a in node.names)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name.startswith("lrkit"))
        graph[name] = {d for d in deps if d in names and d != name}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(u: str) -> None:
        state[u] = 1
        path.append(u)
        for v in sorted(graph[u]):
            assert state.get(v) != 1, "import cycle: " + " -> ".join(path[path.index(v):] + [v])
            if v not in state:
                visit(v)
        path.pop()
        state[u] = 2

    for u in sorted(graph):
        if u not in state:
            visit(u)


def _loaded_after_import(module: str) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"importlib.import_module({module!r})\n"
        f"print(','.join(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {m for m in out.stdout.strip().split(",") if m}


@pytest.mark.parametrize("module", CORE)
def test_core_packages_import_no_heavy_dependency(module):
    assert _loaded_after_import(module) == set()


def test_plotting_imports_matplotlib_lazily():
    assert "matplotlib" not in _loaded_after_import("lrkit.plotting")
