"""lrkit: schedule, find, watch, tune and see the learning rate.

The core (``lrkit.schedules``, the finder core, diagnostics, the lab) needs only
NumPy; ``lrkit.torch``, ``lrkit.tasks``, ``lrkit.tuning`` and ``lrkit.plotting``
need their extras and are imported on demand.
"""

from lrkit.errors import LRKitError

__version__ = "0.1.0"

__all__ = ["LRKitError", "__version__"]
