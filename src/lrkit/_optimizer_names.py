"""The lrkit optimizer names, without torch: one list for the built-in tasks' factory and the tuner.

:func:`lrkit.tasks.make_optimizer` builds each name's torch optimizer; :class:`lrkit.tuning.SearchSpace`
samples among the same names (a trial passes its name to the task's ``train``), so a name the factory
knows is a name the tuner may sample, and the tuner's space is checked without importing torch.

Example:
    >>> from lrkit._optimizer_names import OPTIMIZERS
    >>> "sgd-plain" in OPTIMIZERS and "adamw" in OPTIMIZERS
    True
"""

from __future__ import annotations

__all__ = ["OPTIMIZERS"]

#: Optimizer names every task accepts, each a torch optimizer with fixed hyperparameters (the rate
#: aside); a task may override any of them through ``make_optimizer``'s keyword options:
#:
#: ============ ====================================================================================
#: name         torch optimizer
#: ============ ====================================================================================
#: sgd          ``SGD(momentum=0.9)`` (heavy-ball momentum, the usual deep-learning SGD)
#: sgd-plain    ``SGD()``: plain gradient descent, the step-size theory's optimizer
#: nesterov     ``SGD(momentum=0.9, nesterov=True)``: Nesterov's accelerated gradient
#: adam         ``Adam()`` (betas 0.9, 0.999; eps 1e-8)
#: adamw        ``AdamW()`` (decoupled weight decay, 0.01 by default)
#: rmsprop      ``RMSprop()`` (alpha 0.99, no momentum)
#: adagrad      ``Adagrad()`` (per-coordinate rates that only decay)
#: nadam        ``NAdam()`` (Adam with Nesterov momentum)
#: radam        ``RAdam()`` (Adam with a rectified, warmup-free variance estimate)
#: ============ ====================================================================================
OPTIMIZERS: tuple[str, ...] = (
    "sgd", "sgd-plain", "nesterov", "adam", "adamw", "rmsprop", "adagrad", "nadam", "radam"
)
