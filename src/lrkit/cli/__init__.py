"""The ``lrkit`` command: a thin Typer layer over the library.

Each command group lives in its own ``_name.py`` module and registers itself on
:data:`app` when imported here. Results go to stdout (``--json`` for machines),
messages and progress to stderr, usage errors exit 2 with one line.
"""

from __future__ import annotations

from lrkit.cli._app import app
from lrkit.cli import _schedule  # noqa: F401  (registers `lrkit schedule ...`)
from lrkit.cli import _diagnose  # noqa: F401  (registers `lrkit diagnose`)
from lrkit.cli import _tasks  # noqa: F401  (registers `lrkit tasks ...` and `lrkit train`)
from lrkit.cli import _tune  # noqa: F401  (registers `lrkit tune`)
from lrkit.cli import _find  # noqa: F401  (registers `lrkit find`)
from lrkit.cli import _lab  # noqa: F401  (registers `lrkit lab`)

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app()
