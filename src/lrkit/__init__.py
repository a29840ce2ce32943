"""lrkit: schedule, find, watch, tune and see the learning rate.

The core (``lrkit.schedules``, the finder core, diagnostics, the lab) needs only
NumPy; ``lrkit.torch``, ``lrkit.tasks``, ``lrkit.tuning`` and ``lrkit.plotting``
need their extras and are imported on demand.
"""

from lrkit.errors import LRKitError, RateConflictWarning

__version__ = "0.1.0"

__all__ = ["LRKitError", "RateConflictWarning", "__version__", "range_test", "FinderResult", "diagnose",
           "Diagnosis", "report"]

# Public names that live in subpackages, imported on first use (PEP 562) so that
# ``import lrkit`` stays cheap: name -> module.
_LAZY = {
    "range_test": "lrkit.finder",
    "FinderResult": "lrkit.finder",
    "diagnose": "lrkit.diagnostics",
    "Diagnosis": "lrkit.diagnostics",
    "report": "lrkit.plotting",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lrkit' has no attribute {name!r}")
