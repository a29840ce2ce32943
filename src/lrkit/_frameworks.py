"""Lightning imported under either name it shipped with, or the one missing-package error.

Lightning ships as ``lightning.pytorch`` since 2.0 and as ``pytorch_lightning`` before; everything of
lrkit that needs it (``lrkit.lightning``, ``Watchdog.lightning_callback``) takes the module from
:func:`lightning_pytorch`, so they agree on which package answered, and anything more they import
(``utilities.parsing``) comes from that same package. When neither is installed the error is
:func:`lrkit.errors.missing_package`'s: one ``ModuleNotFoundError`` naming what needs Lightning and
its install line; when one is installed but fails inside, that failure's own error.

Example:
    >>> pl = lightning_pytorch("lrkit.lightning")
    >>> pl.__name__ in ("lightning.pytorch", "pytorch_lightning"), pl.Callback.__name__
    (True, 'Callback')
"""

from __future__ import annotations

import importlib
from types import ModuleType

from lrkit.errors import missing_package

__all__ = ["lightning_pytorch"]

#: ``(top-level package, module imported)`` in the order tried: today's name, then the pre-2.0 one.
_NAMES = (("lightning", "lightning.pytorch"), ("pytorch_lightning", "pytorch_lightning"))


def lightning_pytorch(needs: str) -> ModuleType:
    """The ``lightning.pytorch`` module (``pytorch_lightning`` where only that is installed).

    Args:
        needs: what needs Lightning, as the error names it (``"lrkit.lightning"``).

    Raises:
        ModuleNotFoundError: neither is installed: "``needs`` needs Lightning, which is not installed:
            pip install lightning." (``name`` is ``"lightning"``).
        ImportError: an installed one failed inside (a module it imports is missing): that error.
    """
    tried: dict[str, ImportError] = {}
    for package, module in _NAMES:
        try:
            return importlib.import_module(module)
        except ImportError as exc:
            tried[package] = exc
    raise missing_package(tried, needs, "Lightning", "pip install lightning") from None
