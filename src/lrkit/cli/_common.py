"""Helpers every CLI command shares: error handling, output, stderr console."""

from __future__ import annotations

import json

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from lrkit._json import json_safe
from lrkit.errors import LRKitError

__all__ = ["stderr", "fail", "user_errors", "print_json", "out_dir", "T"]

T = TypeVar("T")

#: Messages and progress go to stderr; results go to stdout.
stderr = Console(stderr=True, highlight=False)


def fail(message: str) -> typer.Exit:
    """Print one ``error: ...`` line on stderr and return the exit-2 exception."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=2)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn :class:`LRKitError` into a one-line message and exit code 2."""
    try:
        yield
    except LRKitError as exc:
        raise fail(str(exc)) from None


def print_json(data: Any) -> None:
    """Write ``data`` as JSON to stdout (NaN/inf become null)."""
    typer.echo(json.dumps(json_safe(data), indent=2))


def out_dir(path: Path) -> Path:
    """Create and return the output directory."""
    path.mkdir(parents=True, exist_ok=True)
    return path


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a library function, mapping its :class:`LRKitError` to exit 2."""
    with user_errors():
        return fn(*args, **kwargs)


