"""Tune the learning rate and its schedule with Optuna (extra ``lrkit[tune]``).

Optuna does the sampling, pruning and storage; lrkit brings what it knows about
learning rates: a log-uniform rate range centred on the range test's suggestion
(which is also the first trial), schedule families from the registry with their
own shape parameters, pruning on the task's validation metric, and the best
result as a schedule spec. Storage is an SQLite file under ``out`` by default (resumable); a
``postgresql://`` URL lets many workers on many machines share one study
(``docs/tune.md``).

Example:
    >>> from lrkit.tuning import SearchSpace, schedule_from_params
    >>> space = SearchSpace(lr=(1e-3, 1e-1), schedules=("warmup_cosine",))
    >>> space.schedules
    ('warmup_cosine',)
"""

from lrkit.tuning._objective import MIN_BUDGET, TrialParams
from lrkit.tuning._policy import TunePolicy
from lrkit.tuning._plots import plot_lr_scatter, plot_history, tune_report
from lrkit.tuning._result import TuneResult
from lrkit.tuning._space import (
    OPTIMIZERS,
    TUNABLE_SCHEDULES,
    WIDE_LR_RANGE,
    SearchSpace,
    lr_range_from_finder,
)
from lrkit.tuning._space_file import load_space
from lrkit.tuning._to_schedule import first_trial, schedule_from_params, spec_from_params
from lrkit.tuning._storage import default_worker_id, open_storage, worker_seed
from lrkit.tuning._urls import mask_url
from lrkit.tuning._study import PRUNERS, SAMPLERS, make_pruner, make_sampler
from lrkit.tuning._tune import MAX_CONSECUTIVE_FAILURES, tune
from lrkit.tuning._where import Storage

__all__ = [
    "tune",
    "TunePolicy",
    "Storage",
    "TuneResult",
    "SearchSpace",
    "TrialParams",
    "load_space",
    "lr_range_from_finder",
    "schedule_from_params",
    "spec_from_params",
    "first_trial",
    "open_storage",
    "mask_url",
    "worker_seed",
    "default_worker_id",
    "make_sampler",
    "make_pruner",
    "plot_lr_scatter",
    "plot_history",
    "tune_report",
    "SAMPLERS",
    "PRUNERS",
    "TUNABLE_SCHEDULES",
    "OPTIMIZERS",
    "WIDE_LR_RANGE",
    "MAX_CONSECUTIVE_FAILURES",
    "MIN_BUDGET",
]
