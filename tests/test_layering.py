"""The dependency rule of docs/architecture.md, enforced.

Each core package must import without torch, optuna or matplotlib: run the
import in a fresh interpreter and list which heavy modules got loaded.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("torch", "optuna", "matplotlib", "sklearn", "typer")
CORE = ["lrkit", "lrkit.schedules", "lrkit.stats", "lrkit.finder", "lrkit.diagnostics", "lrkit.lab"]


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
    try:
        __import__(module)
    except ModuleNotFoundError:
        pytest.skip(f"{module} not built yet")
    assert _loaded_after_import(module) == set()


def test_plotting_imports_matplotlib_lazily():
    assert "matplotlib" not in _loaded_after_import("lrkit.plotting")
