"""Helpers every CLI command shares: errors, output paths checked before work, staged writes.

Output rule: a command checks its output paths before any work (:func:`check_out_dir`,
:func:`check_out_file`), writes its files into a hidden staging folder beside the target and
moves them in only when all of them are written (:func:`staged`), so a failure leaves nothing
behind: no empty folder, no half of a report.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from lrkit._json import json_safe
from lrkit.cli._app import USAGE_EXIT, error_line
from lrkit.errors import LRKitError

__all__ = ["stderr", "fail", "user_errors", "print_json", "call", "check_out_dir", "check_out_file",
           "staged", "resolve_task", "T", "ZOO_PREFIX"]

T = TypeVar("T")

#: Messages and progress go to stderr; results go to stdout.
stderr = Console(stderr=True, highlight=False)


def fail(message: str) -> typer.Exit:
    """Print one ``error: ...`` line on stderr and return the exit-2 exception."""
    typer.echo(error_line(message), err=True)
    return typer.Exit(code=USAGE_EXIT)


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


def call(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a library function, mapping its :class:`LRKitError` to exit 2."""
    with user_errors():
        return fn(*args, **kwargs)


def _existing_ancestor(folder: Path, option: str, given: Path) -> Path:
    """The nearest existing folder at or above ``folder``, checked writable (``given``: for messages)."""
    probe = folder.absolute()
    while not probe.exists():
        if probe.is_symlink():  # a dangling link: mkdir would fail on it
            raise fail(f"`{option}` {str(given)!r} passes through a broken link {str(probe)!r}.")
        probe = probe.parent
    if not probe.is_dir():
        raise fail(f"`{option}` {str(given)!r} cannot be written: {str(probe)!r} is a file, not a folder.")
    try:  # the only portable test of "may I write here" (os.access lies to root and on read-only mounts)
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        raise fail(f"`{option}` {str(given)!r} is not writable: {exc.strerror or exc} "
                   f"in {str(probe)!r}.") from None
    return probe


def check_out_dir(path: Path, option: str = "--out") -> Path:
    """Check, without creating anything, that ``path`` is or can become a writable folder.

    Raises:
        typer.Exit: code 2 with one line naming the problem.
    """
    if path.exists() and not path.is_dir():
        raise fail(f"`{option}` {str(path)!r} is a file; give a folder for the outputs.")
    _existing_ancestor(path, option, path)
    return path


def check_out_file(path: Path, suffixes: tuple[str, ...], option: str = "--out") -> Path:
    """Check, without creating anything, that ``path`` can be written as a file of one of ``suffixes``.

    Raises:
        typer.Exit: code 2 with one line naming the problem.
    """
    if path.is_dir():
        raise fail(f"`{option}` {str(path)!r} is a folder; give a file name such as "
                   f"{str(path / ('out' + suffixes[0]))!r}.")
    if path.suffix.lower() not in suffixes:
        raise fail(f"`{option}` must end in {', '.join(suffixes)}; got {str(path)!r}.")
    _existing_ancestor(path.parent, option, path)
    return path


@contextmanager
def staged(folder: Path) -> Iterator[Path]:
    """Yield a hidden staging folder; on success move its files into ``folder`` (created then).

    On an exception the staging folder is removed and ``folder`` is left as it was.
    """
    base = _existing_ancestor(folder, "--out", folder)
    stage = Path(tempfile.mkdtemp(prefix=".lrkit-staging-", dir=base))
    try:
        yield stage
        folder.mkdir(parents=True, exist_ok=True)
        for item in sorted(stage.iterdir()):
            try:
                os.replace(item, folder / item.name)
            except OSError as exc:  # ``folder`` is on another file system (a mount point)
                if exc.errno != errno.EXDEV:
                    raise
                shutil.move(str(item), folder / item.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


#: ``--task zoo/NAME`` names a workload of :mod:`lrkit.zoo`; any other name is a built-in task.
ZOO_PREFIX = "zoo/"


def resolve_task(name: str) -> Any:
    """The built-in task ``name``, or the zoo workload ``NAME`` for ``zoo/NAME`` (LRKitError if unknown)."""
    if name.startswith(ZOO_PREFIX):
        from lrkit.zoo import get

        return get(name[len(ZOO_PREFIX):])
    from lrkit.tasks import get_task

    return get_task(name)
