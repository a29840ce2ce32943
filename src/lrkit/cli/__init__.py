"""The ``lrkit`` command: a thin Typer layer over the library.

Each command group lives in its own ``_name.py`` module and registers itself on
:data:`app` when imported here. Results go to stdout (``--json`` for machines),
messages and progress to stderr, usage errors exit 2 with one line.

Example:
    >>> import json
    >>> from typer.testing import CliRunner
    >>> from lrkit.cli import app
    >>> r = CliRunner().invoke(app, ["schedule", "values", "cosine(lr=1.0, steps=4)"])
    >>> r.exit_code, json.loads(r.stdout)
    (0, [1.0, 0.8535533905932737, 0.5, 0.14644660940672627])
    >>> r = CliRunner().invoke(app, ["schedule", "values", "cosin(lr=1.0, steps=4)"])
    >>> r.exit_code, r.stderr.split(";")[0]
    (2, "error: unknown schedule 'cosin'")
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
    """Console-script entry point: ``lrkit ARGS`` runs :data:`app` on ``sys.argv[1:]`` and exits.

    Example:
        >>> import sys
        >>> argv, sys.argv = sys.argv, ["lrkit", "schedule", "values", "constant(lr=0.1)", "--steps", "2"]
        >>> try:
        ...     main()
        ... except SystemExit as done:  # a command ends the process with its exit code
        ...     print("exit code", done.code)
        ... finally:
        ...     sys.argv = argv
        [
          0.1,
          0.1
        ]
        exit code 0
    """
    app()
