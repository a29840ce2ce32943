"""The root Typer application that command modules attach to."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="lrkit",
    help="Schedule, find, watch, tune and see the learning rate.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
