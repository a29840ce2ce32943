"""One registry mechanism: named items, each registered once, looked up with a did-you-mean error.

The built-in tasks (:data:`lrkit.tasks.registry`), the workload zoo (:data:`lrkit.zoo.registry`)
and the lab's demos (:data:`lrkit.lab.demos`) each keep their items in a :class:`Registry`. It
sits below all three in the layer table so that each imports it downward; what differs between
them (the item type, the word in messages, views such as the zoo's families) stays with them.

Example:
    >>> from types import SimpleNamespace
    >>> shapes = Registry("shape")
    >>> shapes.register(SimpleNamespace(name="circle")).name
    'circle'
    >>> sorted(shapes), "circle" in shapes
    (['circle'], True)
    >>> shapes.lookup("circel")
    Traceback (most recent call last):
    ...
    lrkit.errors.LRKitError: unknown shape 'circel'; did you mean 'circle'? Valid: circle.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from lrkit.errors import LRKitError, unknown_name

__all__ = ["Registry"]


class Named(Protocol):
    """What a registry holds: anything with a ``name``."""

    name: str


T = TypeVar("T", bound=Named)


class Registry(dict[str, T]):
    """A ``name -> item`` dict that takes each name once and whose lookup lists the valid names.

    It is a plain ``dict`` for reading (``name in r``, ``r[name]``, ``sorted(r)``, ``r.items()``),
    so code and tests that read a registry need nothing of this class; adding goes through
    :meth:`register`, which refuses a second item under a name (two modules defining the same
    name is a bug to report at import, not a silent replacement), and user-facing lookups through
    :meth:`lookup`, whose error names the bad value and the valid ones.

    Args:
        kind: what the items are, as messages name them (``"task"``, ``"zoo workload"``).
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def register(self, item: T) -> T:
        """Add ``item`` under ``item.name`` and return it.

        Raises:
            LRKitError: when the name is already registered.
        """
        if item.name in self:
            raise LRKitError(f"{self.kind} name {item.name!r} is registered twice.")
        self[item.name] = item
        return item

    def lookup(self, name: str) -> T:
        """The item registered as ``name``.

        Raises:
            LRKitError: for an unknown name (or one that is not a string), listing the valid ones
                with a "did you mean".
        """
        if isinstance(name, str) and name in self:
            return self[name]
        raise unknown_name(self.kind, str(name), self)
