"""lrkit inside PyTorch Lightning.

* :class:`LearningRateFinder`: a drop-in for Lightning's callback of the same
  name, backed by lrkit's range test (exact restore, DDP, re-runs at chosen
  epochs, the rate applied to the optimizer and its schedulers together);
* :func:`configure_optimizers`: the config that steps an lrkit schedule once per
  optimizer update (``"interval": "step"``), its spec relative to the run.

Importing this package requires ``lightning`` (or ``pytorch_lightning``).
"""

from lrkit.lightning._finder import LearningRateFinder
from lrkit.lightning._optimizers import RUN_NAMES, configure_optimizers

__all__ = ["RUN_NAMES", "LearningRateFinder", "configure_optimizers"]
