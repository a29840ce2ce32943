"""The demo registry and the record every demo returns.

A demo reproduces one claim the primers make about the learning rate. It
returns a record (a frozen dataclass) holding the numbers that prove the
claim; :meth:`DemoRecord.checks` turns those numbers into named yes/no
verdicts, and ``lrkit.plotting.plot_demo(record)`` draws the figure.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from lrkit._json import json_safe
from lrkit._registry import Registry
from lrkit.errors import LRKitError

__all__ = ["DemoRecord", "DemoInfo", "demos", "register_demo", "run_demo"]


class DemoRecord:
    """Base of demo records: ``demo`` (registry name), ``claim`` and :meth:`checks`.

    Subclasses are frozen dataclasses of plain numbers, arrays and trajectories,
    declared with ``eq=False``: ``==`` on array fields is ambiguous, so records
    compare (and hash) by identity; compare their ``to_dict()`` instead.

    Example:
        >>> from lrkit.lab import run_demo
        >>> record = run_demo("oscillation")
        >>> record.demo, record.holds(), list(record.to_dict())[:2]
        ('oscillation', True, ['demo', 'claim'])
    """

    demo: ClassVar[str] = "demo"

    @property
    def claim(self) -> str:
        return demos[self.demo].claim

    def checks(self) -> dict[str, bool]:  # pragma: no cover - abstract
        """Each numeric verdict that makes the claim true, by description."""
        raise NotImplementedError

    def holds(self) -> bool:
        """True when every check passes."""
        return all(self.checks().values())

    def to_dict(self) -> dict[str, Any]:
        names = [f.name for f in dataclasses.fields(self)]  # type: ignore[arg-type]
        fields = {name: json_safe(getattr(self, name)) for name in names}
        return {"demo": self.demo, "claim": self.claim, **fields, "checks": self.checks()}


@dataclasses.dataclass(frozen=True)
class DemoInfo:
    """Registry record of one demo.

    Attributes:
        name: registry name (``lrkit lab NAME``).
        claim: the primer's claim, in one sentence.
        source: where the primers make it.
        run: the demo function (keyword arguments only, all defaulted).
        needs: extras it imports (``"torch"`` for a real task), empty for pure NumPy.

    Example:
        >>> from lrkit.lab import demos
        >>> info = demos.lookup("oscillation")
        >>> info.name, info.needs, callable(info.run)
        ('oscillation', (), True)
    """

    name: str
    claim: str
    source: str
    run: Callable[..., DemoRecord]
    needs: tuple[str, ...] = ()


#: Every demo by name, in the order the report shows them.
demos: Registry[DemoInfo] = Registry("demo")


def register_demo(name: str, claim: str, source: str, *, needs: tuple[str, ...] = ()) -> Callable[[Any], Any]:
    """Decorator adding a demo function to :data:`demos`.

    Example:
        >>> from lrkit.lab import demos, register_demo
        >>> @register_demo("halving", "halving a rate halves the first step", "a closed form")
        ... def halving() -> DemoRecord:
        ...     ...
        >>> demos.lookup("halving").claim
        'halving a rate halves the first step'
        >>> del demos["halving"]  # leave the registry as it was
    """

    def deco(fn: Callable[..., DemoRecord]) -> Callable[..., DemoRecord]:
        demos.register(DemoInfo(name, claim, source, fn, needs))
        return fn

    return deco


def run_demo(name: str, **kwargs: Any) -> DemoRecord:
    """Run the demo ``name`` (keyword arguments go to it) and return its record.

    Raises:
        LRKitError: for an unknown name (with a did-you-mean hint), an unknown
            parameter, or an invalid value (the demo validates its own arguments).

    Example:
        >>> from lrkit.lab import run_demo
        >>> run_demo("oscillation").holds()
        True
    """
    info = demos.lookup(name)
    accepted = inspect.signature(info.run).parameters
    for key in kwargs:
        if key not in accepted:
            raise LRKitError(
                f"demo {name!r} has no parameter `{key}`; valid: {', '.join(accepted) or 'none'}."
            )
    return info.run(**kwargs)
