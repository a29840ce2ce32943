"""``--script FILE.py:FUNC``: load a user's task function, check what it returns, and name its failures.

``FUNC(seed) -> dict`` is the user task protocol of ``docs/architecture.md``, checked by
:func:`lrkit.tasks.check_parts`. Shared by ``lrkit find`` and ``lrkit tune``. Every failure is
one ``error:`` line: a malformed argument, a file that does not import, a dict of the wrong
things, and an exception raised inside the user's own code while lrkit runs it (named with the
file and line of the user's frame).
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lrkit.cli._common import fail, user_errors

__all__ = ["script_path", "load_script", "build_parts", "script_errors"]


def script_path(spec: str) -> tuple[Path, str]:
    """``FILE.py:FUNC`` as ``(path, FUNC)``, the file checked to exist and to be Python (one ``error:`` line
    otherwise): what ``load_script`` imports and what ``lrkit tune`` names as a run's source."""
    path_text, sep, func_name = spec.rpartition(":")
    if not sep or not path_text or not func_name:
        raise fail(f"`--script` must look like FILE.py:FUNC; got {spec!r}.")
    path = Path(path_text)
    if path.is_dir():
        raise fail(f"`--script` file {path_text!r} is a folder; give a Python file.")
    if not path.is_file():
        raise fail(f"`--script` file {path_text!r} does not exist.")
    if path.suffix != ".py":
        raise fail(f"`--script` file {path_text!r} must be a Python file ending in .py.")
    return path, func_name


def load_script(spec: str) -> Callable[[int], Any]:
    """Import ``FILE.py:FUNC`` and return ``FUNC``.

    Raises:
        typer.Exit: code 2 with one line naming what is wrong.
    """
    path, func_name = script_path(spec)
    try:
        source = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"`--script` file {str(path)!r} cannot be read as UTF-8 Python source: {exc}.") from None
    if "\x00" in source:
        raise fail(f"`--script` file {str(path)!r} is not Python source (it holds NUL bytes).")
    module_spec = importlib.util.spec_from_file_location(f"lrkit_user_script_{path.stem}", path)
    if module_spec is None or module_spec.loader is None:  # pragma: no cover - a .py file always has one
        raise fail(f"`--script` file {str(path)!r} is not an importable Python file.")
    module = importlib.util.module_from_spec(module_spec)
    sys.path.insert(0, str(path.resolve().parent))  # so the script can import its neighbours
    writes_bytecode, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ beside it
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:  # the user's code: report it in one line
        raise fail(f"`--script` file {str(path)!r} failed to import: {type(exc).__name__}: {exc}") from None
    except SystemExit as exc:
        raise fail(f"`--script` file {str(path)!r} called exit({exc.code}) while being imported.") from None
    finally:
        sys.path.pop(0)
        sys.dont_write_bytecode = writes_bytecode
    func = getattr(module, func_name, None)
    if not callable(func):
        raise fail(f"`--script` function {func_name!r} is not defined in {str(path)!r}.")
    return func


def build_parts(spec: str, func: Callable[[int], Any], seed: int) -> dict[str, Any]:
    """Call the user's ``FUNC(seed)`` and check the dict it returns.

    Raises:
        typer.Exit: code 2 with one line when ``FUNC`` raises or returns something else.
    """
    from lrkit.tasks import check_parts

    try:
        parts = func(seed)
    except Exception as exc:
        raise fail(f"`--script` {spec!r} raised {type(exc).__name__}: {exc}") from None
    with user_errors(), script_errors(spec):
        return check_parts(parts, f"`--script` {spec!r}")


def _user_frame(exc: BaseException, path: Path) -> traceback.FrameSummary | None:
    """The innermost frame of ``exc``'s traceback that lies in the user's script, if any."""
    target = path.resolve()
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == target]
    return frames[-1] if frames else None


@contextmanager
def script_errors(spec: str | None) -> Iterator[None]:
    """Name an exception raised inside the user's script as one ``error:`` line (exit 2).

    An exception with no frame in the script is lrkit's own and propagates unchanged; one lrkit
    raised *from* an exception of the script's (``find_lr``'s failed first update, ``tune`` stopped
    by failing trials) keeps its own words, which say what happened and what to do, and adds where
    the script raised its cause.
    """
    try:
        yield
    except Exception as exc:
        path = Path(spec.rpartition(":")[0]) if spec else None
        frame = _user_frame(exc, path) if path else None
        if frame is None and path and isinstance(exc.__cause__, Exception):
            cause = exc.__cause__
            if (frame := _user_frame(cause, path)) is not None:
                raise fail(f"{exc} (`--script` {spec!r} raised {type(cause).__name__} at "
                           f"{_where(frame)})") from None
        if frame is None:
            raise
        raise fail(f"`--script` {spec!r} raised {type(exc).__name__} at {_where(frame)}: {exc}") from None


def _where(frame: traceback.FrameSummary) -> str:
    return f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
