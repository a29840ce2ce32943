"""Everything in lrkit that imports torch: the scheduler adapter, the finder
runner, state snapshot/restore, DDP helpers, callbacks and the autopilot.

Importing this package requires the ``torch`` extra (``pip install lrkit[torch]``).
"""

from lrkit.torch._scheduler import LRScheduler

__all__: list[str] = ["LRScheduler"]
