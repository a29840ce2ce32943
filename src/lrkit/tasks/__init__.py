"""Built-in real training tasks and the training harness.

Every task is a reproducible, download-free workload that follows the user task
protocol of ``docs/architecture.md``: ``task.build(seed)`` (or simply ``task(seed)``) returns
``model``, ``optimizer``, ``loss_fn``, ``train_loader`` and ``val_loader``. The
registry holds them by name; :func:`train` runs any of them (or a user's protocol
function) at a rate or schedule and returns a :class:`TrainResult`.

============== ========================================== ========== =========
name           model / data                                metric     optimizer
============== ========================================== ========== =========
digits-mlp     MLP 64-128-10, sklearn digits               val_acc    sgd
digits-cnn     small CNN, digits as 1x8x8 images           val_acc    adam
diabetes-linear nn.Linear(10, 1) + MSE, sklearn diabetes   val_mse    sgd-plain
wine-logreg    multinomial logistic regression, wine       train_obj. sgd-plain
charlm         2-layer char transformer, stdlib source     val_loss   adamw
charlm-small   the same, tiny (for tests)                  val_loss   adamw
============== ========================================== ========== =========

Importing this package requires the ``torch`` extra (torch and scikit-learn).

Example:
    >>> from lrkit.tasks import get_task, train
    >>> task = get_task("digits-mlp")
    >>> sorted(task(seed=0))
    ['loss_fn', 'model', 'optimizer', 'train_loader', 'val_loader']
    >>> train(task, lr=0.05, budget=20).metric_name
    'val_acc'
"""

from lrkit.tasks._base import Task, TaskInfo, get_task, registry
from lrkit.tasks._loader import ArrayLoader
from lrkit.tasks._loop import loader_length, one_thread
from lrkit.tasks._optimizers import OPTIMIZERS, make_optimizer, optimizer_name
from lrkit.tasks import _charlm, _convex, _digits  # noqa: F401  (register the built-in tasks)
from lrkit.tasks._arrays import from_arrays
from lrkit.tasks._charlm import CharCorpus, CharLM, CharLMTask, WindowLoader, load_corpus, lm_loss
from lrkit.tasks._convex import ConvexTask, Curvature
from lrkit.tasks._protocol import PROTOCOL_KEYS, check_parts
from lrkit.tasks._result import TrainResult, write_history_rows
from lrkit.tasks._supervised import Arrays, SupervisedTask, split, standardize
from lrkit.tasks._train import (HISTORY_BYTES_PER_STEP, LENGTH_FACTOR, ScheduleLengthWarning,
                               resolve_schedule, train)
from lrkit.tasks._autopilot_train import train_autopilot

__all__ = [
    "write_history_rows",
    "HISTORY_BYTES_PER_STEP",
    "LENGTH_FACTOR",
    "OPTIMIZERS",
    "PROTOCOL_KEYS",
    "ArrayLoader",
    "Arrays",
    "CharCorpus",
    "CharLM",
    "CharLMTask",
    "ConvexTask",
    "Curvature",
    "ScheduleLengthWarning",
    "SupervisedTask",
    "Task",
    "TaskInfo",
    "TrainResult",
    "check_parts",
    "WindowLoader",
    "from_arrays",
    "get_task",
    "lm_loss",
    "load_corpus",
    "loader_length",
    "make_optimizer",
    "optimizer_name",
    "one_thread",
    "registry",
    "resolve_schedule",
    "split",
    "standardize",
    "train",
    "train_autopilot",
]
