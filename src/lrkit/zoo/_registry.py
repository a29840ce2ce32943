"""The zoo's registry: workloads by name, families by name.

The mechanism is :class:`lrkit._registry.Registry`, the one the built-in tasks use too; the zoo keeps
its own instance (the built-in tasks are held out of it) and adds the family views.
"""

from __future__ import annotations

from lrkit._registry import Registry
from lrkit.errors import unknown_name
from lrkit.zoo._workload import Workload

__all__ = ["families", "get", "names", "register", "registry"]

#: Every zoo workload by name (filled by the catalogue modules on import). The built-in tasks of
#: :data:`lrkit.tasks.registry` are held out and never appear here.
registry: Registry[Workload] = Registry("zoo workload")


#: Add a workload to :data:`registry` under its name (a name may be registered once).
register = registry.register


def get(name: str) -> Workload:
    """The zoo workload ``name``.

    Raises:
        LRKitError: for an unknown name, listing the valid ones (with a "did you mean").

    Example:
        >>> get("tabular-blobs-sgd").info.family
        'tabular'
    """
    return registry.lookup(name)


def names(family: str | None = None) -> list[str]:
    """Workload names, sorted (only those of ``family`` when given).

    Raises:
        LRKitError: for an unknown family (with a "did you mean").

    Example:
        >>> names("rnn")
        ['rnn-adding-lstm-nadam', 'rnn-recall-gru-adam', 'rnn-recall-lstm-rmsprop']
    """
    if family is None:
        return sorted(registry)
    if family not in families():
        raise unknown_name("zoo family", str(family), families())
    return sorted(n for n, w in registry.items() if w.family == family)


def families() -> dict[str, list[str]]:
    """``family -> sorted workload names``, families sorted.

    Example:
        >>> len(families()) >= 10
        True
    """
    out: dict[str, list[str]] = {}
    for name in sorted(registry):
        out.setdefault(registry[name].family, []).append(name)
    return dict(sorted(out.items()))
