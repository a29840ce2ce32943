"""The convex tasks, where step-size theory is exact: ``diabetes-linear`` and ``wine-logreg``.

For a twice-differentiable objective :math:`F` with minimiser :math:`\\theta^*` and
Hessian :math:`H = \\nabla^2 F(\\theta^*)`, full-batch plain gradient descent
:math:`\\theta_{k+1} = \\theta_k - \\eta \\nabla F(\\theta_k)` linearises near the optimum to

.. math::  \\theta_{k+1} - \\theta^* \\approx (I - \\eta H)(\\theta_k - \\theta^*),

which contracts exactly when every eigenvalue of :math:`I - \\eta H` lies in
:math:`(-1, 1)`, i.e. :math:`\\eta < 2 / L` with :math:`L = \\lambda_{max}(H)`. For the
quadratic (least squares) :math:`H` is constant and the threshold is global and exact:
above it the iterates grow without bound. For the logistic loss the gradient of the data
term is bounded, so above :math:`2/L` the iterates do not blow up: they stop converging
and oscillate around :math:`\\theta^*`.

Both tasks also report ``train_objective`` (the full-batch training objective at the final
weights); it is ``wine-logreg``'s main metric: above :math:`2/L` the oscillating iterate
makes the validation loss of the last step a matter of luck, while the objective shows
plainly whether GD converged.

How :func:`curvature` gets :math:`L`: the full-batch training objective is written in
float64 as a function of the flattened parameters ``(weight, bias)``; :math:`\\theta^*` is
found by damped Newton steps (backtracking on the objective) until the gradient norm is
below :data:`NEWTON_GRAD_TOL`; :math:`H` is the exact autograd Hessian there and :math:`L, \\mu` are its
largest and smallest eigenvalues (``torch.linalg.eigvalsh``).
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lrkit.tasks._base import register
from lrkit.tasks._supervised import VAL_FRACTION, Arrays, SupervisedTask, split, standardize

__all__ = ["Curvature", "ConvexTask", "PenalizedCrossEntropy", "diabetes_arrays", "wine_arrays", "WINE_L2"]

#: L2 strength of wine-logreg: the data are linearly separable, so without it the logistic
#: loss has no minimiser (the weights grow forever and the Hessian tends to zero); with it
#: the objective is lambda-strongly convex (mu >= lambda).
WINE_L2 = 0.01
#: Gradient norm at which Newton's iterate is the optimum: float64 round-off of these objectives'
#: gradients is ~1e-15 (diabetes-linear stops there after 1 step, wine-logreg at ~5e-11 after 7).
NEWTON_GRAD_TOL = 1e-10
#: Newton steps at most: a guard against a non-convex objective, never reached on a convex one.
NEWTON_MAX_STEPS = 100
#: Smallest backtracking fraction of a Newton step: below it the step is lost in float64 round-off.
NEWTON_MIN_STEP = 1e-8


@dataclasses.dataclass(frozen=True)
class Curvature:
    """Curvature of a convex task's full-batch training objective at its optimum.

    Attributes:
        L: largest Hessian eigenvalue at the optimum (the smoothness constant there).
        mu: smallest Hessian eigenvalue (strong convexity).
        max_stable_lr: ``2 / L``, the largest rate at which full-batch plain GD converges.
        optimum_loss: the training objective at the optimum.
        optimum: the flattened optimal parameters ``(weight.ravel(), bias)`` in float64.

    Example:
        >>> from lrkit.tasks import get_task
        >>> c = get_task("diabetes-linear").curvature()
        >>> 0 < c.mu <= c.L, c.max_stable_lr == 2 / c.L
        (True, True)
    """

    L: float
    mu: float
    max_stable_lr: float
    optimum_loss: float
    optimum: tuple[float, ...]


class PenalizedCrossEntropy:
    """Cross-entropy plus :math:`\\frac{\\lambda}{2}\\lVert \\theta \\rVert^2` over the model's parameters.

    A module-level callable holding the parameters (not a closure), so the objective is the
    same for every optimizer (unlike ``weight_decay``, which AdamW decouples) and pickles.
    The bias is penalised too: softmax is unchanged by adding a constant to every bias,
    so without it the Hessian would be singular along that direction.
    """

    def __init__(self, params: list[torch.nn.Parameter], l2: float) -> None:
        self.params, self.l2 = list(params), l2

    def __call__(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        penalty = sum(p.pow(2).sum() for p in self.params)
        return F.cross_entropy(output, target) + 0.5 * self.l2 * penalty


class ConvexTask(SupervisedTask):
    """A linear model whose full-batch objective is convex; adds :meth:`curvature`.

    Args:
        l2: strength of the L2 penalty on the weight (``0`` for none).
        **kwargs: as :class:`~lrkit.tasks._supervised.SupervisedTask`.

    Example:
        >>> from lrkit import tasks
        >>> task = tasks.get_task("diabetes-linear")
        >>> isinstance(task, tasks.ConvexTask), task.l2, task.info.metric
        (True, 0.0, 'val_mse')
    """

    def __init__(self, name: str, *, l2: float = 0.0, **kwargs: object) -> None:
        super().__init__(name, **kwargs)  # type: ignore[arg-type]
        self.l2 = float(l2)

    def loss_fn(self, model: torch.nn.Module):  # type: ignore[override]
        if self.task_type == "classification" and self.l2 > 0:
            return PenalizedCrossEntropy(list(model.parameters()), self.l2)
        return super().loss_fn(model)

    def evaluate(self, model: torch.nn.Module, val_loader: object) -> dict[str, float]:
        """The validation metrics plus ``train_objective``: the full-batch training objective
        (what :meth:`curvature` and the step-size theory are about) at the model's weights."""
        metrics = super().evaluate(model, val_loader)
        with torch.no_grad():
            theta = torch.cat([p.detach().double().ravel() for p in model.parameters()])
            metrics["train_objective"] = float(self.objective(theta))
        return metrics

    def worst(self) -> dict[str, float]:
        """As the supervised task, plus an infinite ``train_objective``."""
        return {**super().worst(), "train_objective": math.inf}

    def objective(self, theta: torch.Tensor) -> torch.Tensor:
        """The full-batch training loss at flat parameters ``theta = (W.ravel(), b)``, in float64."""
        xtr, ytr, _, _ = self.tensors()
        x = xtr.double()
        n_out = self.n_classes if self.task_type == "classification" else ytr.shape[1]
        w = theta[: n_out * x.shape[1]].reshape(n_out, x.shape[1])
        out = x @ w.T + theta[n_out * x.shape[1]:]
        if self.task_type == "regression":
            return F.mse_loss(out, ytr.double())
        return F.cross_entropy(out, ytr) + 0.5 * self.l2 * theta.pow(2).sum()

    @functools.cached_property
    def _curvature(self) -> Curvature:
        n = sum(p.numel() for p in self._model_fn().parameters())
        theta = torch.zeros(n, dtype=torch.float64)
        hess = torch.autograd.functional.hessian
        for _ in range(NEWTON_MAX_STEPS):
            th = theta.clone().requires_grad_(True)
            f = self.objective(th)
            f0 = float(f.detach())
            (g,) = torch.autograd.grad(f, th)
            if float(g.norm()) < NEWTON_GRAD_TOL:
                break
            direction = torch.linalg.solve(hess(self.objective, theta), g)
            step = 1.0
            # Backtracking keeps damped Newton monotone far from the optimum.
            while float(self.objective(theta - step * direction)) > f0 and step > NEWTON_MIN_STEP:
                step *= 0.5
            theta = (theta - step * direction).detach()
        eig = torch.linalg.eigvalsh(hess(self.objective, theta))
        L, mu = float(eig[-1]), float(eig[0])
        return Curvature(L, mu, 2.0 / L, float(self.objective(theta)), tuple(theta.tolist()))

    def curvature(self) -> Curvature:
        """Hessian spectrum at the optimum of the full-batch objective and ``2/L`` (cached).

        Example:
            >>> from lrkit.tasks import get_task
            >>> c = get_task("diabetes-linear").curvature()
            >>> round(c.max_stable_lr * c.L, 12), c.mu > 0
            (2.0, True)
        """
        return self._curvature


@functools.lru_cache(maxsize=1)
def diabetes_arrays() -> Arrays:
    """sklearn diabetes, random 80/20 split, inputs and target z-scored (training statistics)."""
    from sklearn.datasets import load_diabetes

    bunch = load_diabetes()
    a = split(bunch.data.astype(np.float64), bunch.target.astype(np.float64), VAL_FRACTION,
              stratify=False)
    return standardize(a, targets=True)


@functools.lru_cache(maxsize=1)
def wine_arrays() -> Arrays:
    """sklearn wine, stratified 80/20 split, z-scored inputs."""
    from sklearn.datasets import load_wine

    bunch = load_wine()
    x, y = bunch.data.astype(np.float64), bunch.target.astype(np.int64)
    return standardize(split(x, y, VAL_FRACTION, stratify=True))


def _diabetes_model() -> nn.Module:
    return nn.Linear(10, 1)


def _wine_model() -> nn.Module:
    return nn.Linear(13, 3)


register(
    ConvexTask(
        "diabetes-linear",
        summary="nn.Linear(10, 1) + MSE on diabetes progression (the primer's example; convex)",
        data="sklearn load_diabetes, random 80/20 split, z-scored inputs and target",
        arrays=diabetes_arrays,
        model=_diabetes_model,
        task_type="regression",
        defaults=dict(default_optimizer="sgd-plain", default_lr=0.01, budget=300, batch_size=32, cost=0.05),
    )
)

register(
    ConvexTask(
        "wine-logreg",
        summary=f"multinomial logistic regression, L2={WINE_L2}, full-batch GD (convex; 2/L known)",
        data="sklearn load_wine, stratified 80/20 split, z-scored inputs; full batch",
        arrays=wine_arrays,
        model=_wine_model,
        task_type="classification",
        l2=WINE_L2,
        defaults=dict(
            default_optimizer="sgd-plain", default_lr=4.0, budget=300, batch_size=10**6, cost=0.1,
            metric="train_objective",
        ),
    )
)
