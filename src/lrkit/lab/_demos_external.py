"""Demos that use more than a quadratic: batch size on a real task, the LR finder.

(The Kohonen map demo, also beyond quadratics, is in ``_demos_som.py``.)

``batch_size_scaling`` trains a real torch task from :mod:`lrkit.tasks` (imported
only when the demo runs, so ``lrkit.lab`` itself never imports torch);
``finder_explained`` runs :func:`lrkit.finder.range_test` over a NumPy problem.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from lrkit.errors import LRKitError, check_int, check_positive
from lrkit.lab._demo_base import DemoRecord, register_demo
from lrkit.lab._problems import Noisy, Quadratic
from lrkit.lab._run import Trajectory, minimize
from lrkit.lab._sgd import SGD
from lrkit.schedules import linear

__all__ = ["BatchScalingRecord", "FinderRecord"]

RULES = {"none": lambda k: 1.0, "sqrt": math.sqrt, "linear": float}


@dataclasses.dataclass(frozen=True, eq=False)
class BatchScalingRecord(DemoRecord):
    """Validation loss after a fixed number of epochs, by batch size and rate-scaling rule.

    Attributes:
        task: the lrkit task trained (plain SGD).
        base_batch, base_lr: the reference batch size and its rate.
        factors: batch-size multipliers k (batch = k * base_batch).
        rules: ("none", "sqrt", "linear"): rate = base_lr * (1, sqrt(k), k).
        val_loss: ``(len(factors), 3)``; for k = 1 the three rules coincide.
        updates: optimizer steps per run (epochs * ceil(n / batch)).
        curves: training-loss history per (factor, rule).
    """

    demo = "batch_size_scaling"
    task: str
    base_batch: int
    base_lr: float
    epochs: int
    factors: tuple[int, ...]
    rules: tuple[str, ...]
    val_loss: np.ndarray
    updates: tuple[int, ...]
    curves: dict[str, list[float]]

    def checks(self) -> dict[str, bool]:
        none, sqrt, lin = self.val_loss[1:, 0], self.val_loss[1:, 1], self.val_loss[1:, 2]
        return {
            "with a larger batch and the same rate (fewer updates) the loss is worse": bool(
                np.all(none > self.val_loss[0, 0])
            ),
            "scaling the rate with the batch helps: none > sqrt > linear at every larger batch": bool(
                np.all((none > sqrt) & (sqrt > lin))
            ),
            "linear scaling keeps the loss within 25% of the small-batch run": bool(
                np.all(lin < 1.25 * self.val_loss[0, 0])
            ),
        }


@register_demo(
    "batch_size_scaling",
    "Batch size interacts with the learning rate: a larger batch takes fewer, less noisy steps, "
    "so the rate must grow with it (linear or square-root scaling).",
    "the Russian article ('Batch size: the number of samples used in each iteration'; "
    "warmup 'with large batch sizes')",
    needs=("torch",),
)
def batch_size_scaling(
    *,
    task: str = "digits-mlp",
    base_batch: int = 16,
    base_lr: float = 0.05,
    factors: tuple[int, ...] = (1, 4, 16),
    epochs: int = 2,
    seed: int = 0,
) -> BatchScalingRecord:
    """Train ``task`` with plain SGD at batch ``k * base_batch`` and rate ``base_lr * rule(k)``.

    Needs the ``torch`` extra. Every run sees the same number of epochs, so a
    ``k`` times larger batch makes ``k`` times fewer updates.

    Args:
        task: an ``lrkit.tasks`` supervised task name.
        base_batch: the reference batch size.
        base_lr: the rate at ``base_batch``.
        factors: batch-size multipliers.
        epochs: passes over the training set per run.
        seed: weights and batch order.

    Returns:
        A :class:`BatchScalingRecord`.

    Raises:
        LRKitError: for an unknown task or a non-positive argument.

    Example:
        >>> r = batch_size_scaling(task="wine-logreg", factors=(1, 4), epochs=1)
        >>> r.updates, r.rules  # a 4x larger batch makes a quarter of the updates
        ((9, 3), ('none', 'sqrt', 'linear'))
        >>> bool(r.val_loss[1, 2] < r.val_loss[1, 0])  # here the linear rule makes up for them
        True
    """
    from lrkit.tasks import ArrayLoader, get_task, train

    spec = get_task(task)
    if not hasattr(spec, "tensors"):  # the batch size is re-chosen here, so the data must be in memory
        raise LRKitError(
            f"`task` of batch_size_scaling must be a supervised task with in-memory data "
            f"(digits-mlp, digits-cnn, diabetes-linear, wine-logreg); got {task!r}."
        )
    base_batch = check_int("base_batch", base_batch, "batch_size_scaling")
    base_lr = check_positive("base_lr", base_lr, "batch_size_scaling")
    epochs = check_int("epochs", epochs, "batch_size_scaling")
    ks = tuple(check_int("factors", k, "batch_size_scaling") for k in factors)
    x_train, y_train, _, _ = spec.tensors()
    losses = np.empty((len(ks), len(RULES)))
    updates, curves = [], {}
    for i, k in enumerate(ks):
        batch = base_batch * k
        for j, (rule, fn) in enumerate(RULES.items()):
            lr = base_lr * fn(k)

            def build(s: int, batch: int = batch, lr: float = lr) -> dict:
                parts = spec.build(s, optimizer="sgd-plain", lr=lr)
                parts["train_loader"] = ArrayLoader(x_train, y_train, batch, seed=s)
                return parts

            if j > 0 and k == 1:  # every rule gives base_lr at k = 1: reuse the run
                losses[i, j] = losses[i, 0]
                continue
            res = train(build, lr=lr, budget=epochs * math.ceil(len(x_train) / batch), seed=seed)
            losses[i, j] = res.final.get("val_loss", math.inf)
            curves[f"batch {batch}, {rule}"] = [row["train_loss"] for row in res.history]
        updates.append(epochs * math.ceil(len(x_train) / batch))
    return BatchScalingRecord(
        task, base_batch, base_lr, epochs, ks, tuple(RULES), losses, tuple(updates), curves
    )


@dataclasses.dataclass(frozen=True, eq=False)
class FinderRecord(DemoRecord):
    """A range test on a noisy quadratic, then training at its suggestion and around it.

    Attributes:
        stability_limit: 2 / L of the problem.
        finder: the :class:`lrkit.finder.FinderResult` (lrs, losses, suggestion, all rules).
        rates: (suggestion / 100, suggestion, rate where the sweep blew up).
        runs: training at each of ``rates``.
    """

    demo = "finder_explained"
    stability_limit: float
    finder: Any  # a lrkit.finder.FinderResult (lab imports the finder only when the demo runs)
    rates: np.ndarray
    runs: tuple[Trajectory, ...]

    def checks(self) -> dict[str, bool]:
        tiny, good, blown = self.runs
        return {
            "the suggested rate is below the stability limit 2/L": bool(self.rates[1] < self.stability_limit),
            "the sweep's loss blows up only past 2/L": bool(self.rates[2] > self.stability_limit),
            "training at the suggestion beats 1/100 of it by 10x in loss": bool(
                good.final_loss * 10 < tiny.final_loss
            ),
            "training at the blow-up rate diverges": blown.diverged_at is not None,
        }


@register_demo(
    "finder_explained",
    "The learning-rate finder: a short run with increasing rates, plotting loss against rate; "
    "a good rate is where the loss falls fastest, before it blows up.",
    "the Russian article ('Learning rate finder ... plotting the loss against the learning rate')",
)
def finder_explained(
    *, num_steps: int = 100, sigma: float = 0.05, train_steps: int = 100, seed: int = 0
) -> FinderRecord:
    """Range test (``lrkit.finder.range_test``) with one SGD step per rate on a noisy quadratic.

    Then trains from the start at the suggestion, at 1/100 of it, and at the rate
    where the sweep blew up.

    Args:
        num_steps: rates in the sweep (geometric, 1e-4 to 10).
        sigma: gradient noise.
        train_steps: updates of each training run.
        seed: noise and bootstrap seed.

    Returns:
        A :class:`FinderRecord`.

    Raises:
        LRKitError: for a non-positive argument.

    Example:
        >>> r = finder_explained()
        >>> bool(r.rates[1] < 2.0 < r.rates[2])
        True
    """
    from lrkit.finder import Sweep, range_test

    q = Noisy(
        Quadratic(condition=10.0, L=1.0, x0=(-3.0, 3.0)),
        sigma=check_positive("sigma", sigma, "finder_explained"),
    )
    rng = np.random.default_rng(seed)
    x = q.start()

    def step_fn(lr: float) -> float:
        # one real SGD update at lr; the loss reported is the one its gradient came from
        nonlocal x
        loss = q.loss(x)
        x = x - lr * q.grad(x, rng)
        return float(loss)

    sweep = Sweep(start=1e-4, end=10.0, num_steps=check_int("num_steps", num_steps, "finder_explained"))
    result = range_test(step_fn, sweep=sweep, interval=False, seed=seed)
    if result.suggestion is None:  # only with settings that leave too few points before the blow-up
        raise LRKitError(
            f"the range test of finder_explained gave no suggestion ({result.reason}); raise `num_steps`."
        )
    rates = np.array([result.suggestion / 100, result.suggestion, float(result.lrs[-1])])
    runs = tuple(minimize(q, SGD(lr=float(r)), steps=train_steps, seed=seed) for r in rates)
    return FinderRecord(q.problem.stability_limit, result, rates, runs)
