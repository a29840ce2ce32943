"""A user's search space as given: a dict, a :class:`SearchSpace`, or a YAML/JSON file.

The file is checked before it is parsed (a folder, a missing or unreadable file, text that is not
UTF-8 or holds NUL bytes, YAML that does not parse or is not a mapping), each with one
``LRKitError`` naming the file and what is wrong; then the dict is validated as a
:class:`SearchSpace`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lrkit.errors import LRKitError
from lrkit.tuning._space import SearchSpace

__all__ = ["load_space"]


def load_space(source: str | Path | Mapping[str, Any] | SearchSpace | None,
               **defaults: Any) -> SearchSpace | None:
    """Read a user space from a dict, a YAML/JSON file path, or pass one through.

    Raises:
        LRKitError: for a missing file, bad YAML, unknown keys or invalid ranges.

    Example:
        >>> space = load_space({"lr": [1e-3, 0.1], "schedules": ["cosine", "wsd"]})
        >>> space.lr, space.schedules, space.lr_source
        ((0.001, 0.1), ('cosine', 'wsd'), 'user')
        >>> load_space(None) is None
        True
    """
    if source is None or isinstance(source, SearchSpace):
        return source
    if isinstance(source, Mapping):
        return SearchSpace.from_dict(source, **defaults)
    if not isinstance(source, (str, Path)):
        raise LRKitError(f"`space` of tune must be a dict, a SearchSpace or a YAML/JSON file; "
                         f"got {source!r:.80}.")
    path = Path(source)
    if path.is_dir():
        raise LRKitError(f"`space` file {str(path)!r} is a folder; give a YAML or JSON file.")
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark is not part of the YAML
    except FileNotFoundError:
        raise LRKitError(f"`space` file {str(path)!r} does not exist.") from None
    except OSError as exc:
        raise LRKitError(f"cannot read the `space` file {str(path)!r}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError as exc:
        byte = exc.object[exc.start]
        raise LRKitError(f"`space` file {str(path)!r} is not UTF-8 text (byte {byte:#04x} at offset "
                         f"{exc.start}); save it as UTF-8.") from None
    if "\x00" in text:
        raise LRKitError(f"`space` file {str(path)!r} is not a text file (it holds NUL bytes).")
    import yaml  # optuna depends on PyYAML; YAML is a superset of JSON

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        reason = " ".join(str(exc).split())
        raise LRKitError(f"`space` file {str(path)!r} is not valid YAML: {reason}") from None
    if data is not None and not isinstance(data, Mapping):
        raise LRKitError(f"`space` file {str(path)!r} must hold a mapping of keys (lr, schedules, ...); "
                         f"got a {type(data).__name__}.")
    return SearchSpace.from_dict(data or {}, **defaults)
