"""Everything in lrkit that imports torch: the scheduler adapter, the finder
runner, state snapshot/restore, DDP helpers, callbacks and the autopilot.

Importing this package requires the ``torch`` extra (``pip install lrkit[torch]``).
"""

from lrkit.torch._batches import LAYOUTS as BATCH_LAYOUTS
from lrkit.torch._batches import loader_length
from lrkit.torch._finder import find_lr
from lrkit.torch._finder_checks import check_find_options
from lrkit.torch._finder_options import WAYS_OUT as FIND_LR_WAYS_OUT
from lrkit.torch._finder_options import Update, Validation
from lrkit.torch._rate_response import RateResponse, rate_response
from lrkit.torch._first_update import first_update
from lrkit.torch._retune import retune
from lrkit.torch._scheduler import LRScheduler
from lrkit.torch._state import TrainingSnapshot, preserved, snapshot
from lrkit.torch._autopilot import Autopilot
from lrkit.torch._autopilot_age import age_factors
from lrkit.torch._autopilot_average import TailAverage
from lrkit.torch._autopilot_checks import MIN_BUDGET
from lrkit.torch._autopilot_policy import AutopilotPolicy
from lrkit.torch._autopilot_peak import autopilot_peak, optimizer_kind, ramp_density
from lrkit.torch._watchdog import NonFiniteLossError, Watchdog

__all__: list[str] = [
    "LRScheduler",
    "TrainingSnapshot",
    "find_lr",
    "check_find_options",
    "BATCH_LAYOUTS",
    "FIND_LR_WAYS_OUT",
    "loader_length",
    "Update",
    "Validation",
    "RateResponse",
    "rate_response",
    "first_update",
    "preserved",
    "retune",
    "snapshot",
    "Watchdog",
    "NonFiniteLossError",
    "Autopilot",
    "AutopilotPolicy",
    "TailAverage",
    "MIN_BUDGET",
    "autopilot_peak",
    "optimizer_kind",
    "ramp_density",
    "age_factors",
]
