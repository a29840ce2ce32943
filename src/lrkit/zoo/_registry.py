"""The zoo's registry: workloads by name, families by name (apart from the built-in tasks' registry)."""

from __future__ import annotations

from lrkit.errors import LRKitError, unknown_name
from lrkit.zoo._workload import Workload

__all__ = ["families", "get", "names", "register", "registry"]

#: Every zoo workload by name (filled by the catalogue modules on import). The built-in tasks of
#: :data:`lrkit.tasks.registry` are held out and never appear here.
registry: dict[str, Workload] = {}


def register(workload: Workload) -> Workload:
    """Add ``workload`` to :data:`registry` under its name (a name may be registered once)."""
    if workload.name in registry:
        raise LRKitError(f"zoo workload name {workload.name!r} is registered twice.")
    registry[workload.name] = workload
    return workload


def get(name: str) -> Workload:
    """The zoo workload ``name``.

    Raises:
        LRKitError: for an unknown name, listing the valid ones (with a "did you mean").

    Example:
        >>> get("tabular-blobs-sgd").info.family
        'tabular'
    """
    if isinstance(name, str) and name in registry:
        return registry[name]
    raise unknown_name("zoo workload", str(name), registry)


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
