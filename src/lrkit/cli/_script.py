"""``--script FILE.py:FUNC``: load a user's task function, check what it returns, and name its failures.

``FUNC(seed) -> dict`` is the user task protocol of ``docs/architecture.md``: ``model`` (a
``torch.nn.Module``), ``optimizer`` (a ``torch.optim.Optimizer``), ``loss_fn`` (a callable),
``train_loader`` (an iterable of batches) and an optional ``val_loader``. Shared by ``lrkit find``
and ``lrkit tune``. Every failure is one ``error:`` line: a malformed argument, a file that does
not import, a dict of the wrong things, and an exception raised inside the user's own code while
lrkit runs it (named with the file and line of the user's frame).
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lrkit.cli._common import fail

__all__ = ["load_script", "build_parts", "script_errors", "PROTOCOL_KEYS"]

PROTOCOL_KEYS = ("model", "optimizer", "loss_fn", "train_loader")


def _script_path(spec: str) -> tuple[Path, str]:
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
    path, func_name = _script_path(spec)
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
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:  # the user's code: report it in one line
        raise fail(f"`--script` file {str(path)!r} failed to import: {type(exc).__name__}: {exc}") from None
    finally:
        sys.path.pop(0)
    func = getattr(module, func_name, None)
    if not callable(func):
        raise fail(f"`--script` function {func_name!r} is not defined in {str(path)!r}.")
    return func


def _check_parts(parts: Any, spec: str) -> dict[str, Any]:
    import torch

    if not isinstance(parts, dict):
        raise fail(f"`--script` {spec!r} must return a dict with {', '.join(PROTOCOL_KEYS)}; "
                   f"got {type(parts).__name__}.")
    missing = [k for k in PROTOCOL_KEYS if k not in parts]
    if missing:
        raise fail(f"`--script` {spec!r} must return a dict with {', '.join(PROTOCOL_KEYS)}; missing "
                   f"{', '.join(missing)}.")
    wanted = {"model": (torch.nn.Module, "a torch.nn.Module"),
              "optimizer": (torch.optim.Optimizer, "a torch.optim.Optimizer")}
    for key, (kind, words) in wanted.items():
        if not isinstance(parts[key], kind):
            raise fail(f"`{key}` returned by `--script` {spec!r} must be {words}; "
                       f"got {type(parts[key]).__name__} {parts[key]!r:.60}.")
    if not callable(parts["loss_fn"]):
        raise fail(f"`loss_fn` returned by `--script` {spec!r} must be callable; "
                   f"got {type(parts['loss_fn']).__name__}.")
    for key in ("train_loader", "val_loader"):
        loader = parts.get(key)
        if (loader is not None or key == "train_loader") and (isinstance(loader, (str, bytes)) or
                                                               not hasattr(loader, "__iter__")):
            raise fail(f"`{key}` returned by `--script` {spec!r} must be an iterable of (inputs, targets) "
                       f"batches such as a DataLoader; got {type(loader).__name__}.")
    return parts


def build_parts(spec: str, func: Callable[[int], Any], seed: int) -> dict[str, Any]:
    """Call the user's ``FUNC(seed)`` and check the dict it returns.

    Raises:
        typer.Exit: code 2 with one line when ``FUNC`` raises or returns something else.
    """
    try:
        parts = func(seed)
    except Exception as exc:
        raise fail(f"`--script` {spec!r} raised {type(exc).__name__}: {exc}") from None
    return _check_parts(parts, spec)


def _user_frame(exc: BaseException, path: Path) -> traceback.FrameSummary | None:
    """The innermost frame of ``exc``'s traceback that lies in the user's script, if any."""
    target = path.resolve()
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == target]
    return frames[-1] if frames else None


@contextmanager
def script_errors(spec: str | None) -> Iterator[None]:
    """Name an exception raised inside the user's script as one ``error:`` line (exit 2).

    An exception with no frame in the script is lrkit's own and propagates unchanged.
    """
    try:
        yield
    except Exception as exc:
        frame = _user_frame(exc, Path(spec.rpartition(":")[0])) if spec else None
        if frame is None:
            raise
        where = f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}"
        raise fail(f"`--script` {spec!r} raised {type(exc).__name__} at {where}: {exc}") from None
