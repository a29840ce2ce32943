"""Diagnose a learning rate from the loss curve it produced, offline or live.

:func:`diagnose` names what the rate is doing (one of :data:`VERDICTS`) with
the evidence and a concrete recommendation; :class:`Monitor` runs the same
diagnosis online over a bounded buffer, the engine of ``lrkit.torch.Watchdog``;
:func:`calibrated` maps a verdict's raw score through a policy's confidence map;
:func:`not_levelled` says whether a run is still falling as fast per decade of time as before;
:func:`read_history` loads a ``step,loss[,lr]`` CSV or TensorBoard event files (a column or tag
matched by :func:`column_key`, training losses by the names in :data:`LOSS_NAMES`, validation losses
by those in :data:`VAL_NAMES`);
:func:`running_median` (with its readable :func:`running_median_reference`) is the O(n log n)
smoother the verdicts are built on.

This package imports only NumPy and :mod:`lrkit.schedules`.

Example:
    >>> import numpy as np
    >>> from lrkit.diagnostics import diagnose
    >>> t = np.arange(400)
    >>> rng = np.random.default_rng(0)
    >>> d = diagnose(np.exp(-t / 100) + 0.01 * rng.normal(size=400))
    >>> d.verdict
    'healthy'
"""

from lrkit.diagnostics._advice import not_levelled
from lrkit.diagnostics._confidence import calibrated
from lrkit.diagnostics._diagnose import MIN_POINTS, Measurements, decide, diagnose, measure
from lrkit.diagnostics._history import LOSS_NAMES, VAL_NAMES, History, column_key, read_history
from lrkit.diagnostics._monitor import Monitor
from lrkit.diagnostics._policy import LIVE_POLICY, DiagnosePolicy
from lrkit.diagnostics._record import DIRECTIONS, VERDICTS, Diagnosis, Evidence
from lrkit.diagnostics._timescale import effective_time
from lrkit.diagnostics import synthetic
from lrkit._medians import running_median, running_median_reference, window_medians

__all__ = [
    "diagnose",
    "measure",
    "decide",
    "calibrated",
    "not_levelled",
    "Measurements",
    "DiagnosePolicy",
    "LIVE_POLICY",
    "DIRECTIONS",
    "Diagnosis",
    "Evidence",
    "VERDICTS",
    "MIN_POINTS",
    "Monitor",
    "History",
    "read_history",
    "column_key",
    "LOSS_NAMES",
    "VAL_NAMES",
    "running_median",
    "running_median_reference",
    "window_medians",
    "effective_time",
    "synthetic",
]
