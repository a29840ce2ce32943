"""The convex tasks: curvature against closed forms and scipy, and the 2/L threshold of plain GD."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.optimize import minimize

from lrkit.tasks import Curvature, get_task, train
from lrkit.tasks._convex import WINE_L2, PenalizedCrossEntropy


def _augmented(task):
    xtr, ytr, _, _ = task.tensors()
    x = xtr.double().numpy()
    return np.hstack([x, np.ones((len(x), 1))]), ytr.numpy()


def test_diabetes_curvature_matches_the_least_squares_closed_form():
    task = get_task("diabetes-linear")
    c = task.curvature()
    a, y = _augmented(task)
    hessian = 2.0 * a.T @ a / len(a)  # of mean((A theta - y)^2)
    eig = np.linalg.eigvalsh(hessian)
    assert isinstance(c, Curvature)
    assert c.L == pytest.approx(eig[-1], rel=1e-10) and c.mu == pytest.approx(eig[0], rel=1e-8)
    assert c.max_stable_lr == pytest.approx(2.0 / eig[-1], rel=1e-10)
    theta, *_ = np.linalg.lstsq(a, y[:, 0], rcond=None)
    # (weight, bias) order: the last entry is the bias, as in the augmented matrix.
    np.testing.assert_allclose(c.optimum, theta, rtol=1e-8, atol=1e-10)
    assert c.optimum_loss == pytest.approx(np.mean((a @ theta - y[:, 0]) ** 2), rel=1e-10)


def _wine_objective(theta, a, y, k):
    w = theta.reshape(k, a.shape[1])  # row j = (weights of class j, bias of class j)
    z = a @ w.T
    z = z - z.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(y)), y].mean() + 0.5 * WINE_L2 * np.sum(theta**2)


def test_wine_curvature_matches_an_independent_numpy_hessian_at_the_scipy_optimum():
    task = get_task("wine-logreg")
    c = task.curvature()
    a, y = _augmented(task)
    k, d = 3, a.shape[1]
    res = minimize(_wine_objective, np.zeros(k * d), args=(a, y, k), method="L-BFGS-B", tol=1e-14,
                   options={"maxiter": 10_000, "gtol": 1e-12})
    assert c.optimum_loss == pytest.approx(res.fun, rel=1e-7)
    # Softmax Hessian: mean over rows of (diag(p) - p p^T) kron (a a^T), plus lambda I.
    w = res.x.reshape(k, d)
    z = a @ w.T
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    h = sum(np.kron(np.diag(pi) - np.outer(pi, pi), np.outer(ai, ai)) for pi, ai in zip(p, a)) / len(a)
    h += WINE_L2 * np.eye(k * d)
    eig = np.linalg.eigvalsh(h)
    assert c.L == pytest.approx(eig[-1], rel=1e-5)
    assert c.mu == pytest.approx(WINE_L2, rel=1e-6) and eig[0] == pytest.approx(WINE_L2, rel=1e-4)
    assert c.max_stable_lr == pytest.approx(2.0 / eig[-1], rel=1e-5)


def test_penalized_loss_is_the_objective_the_curvature_uses():
    task = get_task("wine-logreg")
    parts = task.build(0)
    model, loss_fn = parts["model"], parts["loss_fn"]
    assert isinstance(loss_fn, PenalizedCrossEntropy)
    xtr, ytr, _, _ = task.tensors()
    theta = torch.cat([model.weight.detach().double().ravel(), model.bias.detach().double()])
    assert float(loss_fn(model(xtr), ytr).detach()) == pytest.approx(float(task.objective(theta)), rel=1e-6)


@pytest.mark.parametrize("factor", [0.5, 0.95])
def test_wine_gd_below_two_over_L_converges_to_the_optimum(factor):
    c = get_task("wine-logreg").curvature()
    r = train("wine-logreg", lr=factor * c.max_stable_lr, budget=800)
    gaps = np.array([h["train_loss"] for h in r.history[-20:]]) - c.optimum_loss
    assert not r.diverged and np.all(np.abs(gaps) < 1e-5)
    assert r.metric_name == "train_objective" and r.metric == pytest.approx(c.optimum_loss, abs=1e-6)


@pytest.mark.parametrize("factor", [1.2, 2.0])
def test_wine_gd_well_above_two_over_L_does_not_converge(factor):
    # The logistic gradient is bounded, so above 2/L plain GD oscillates instead of blowing up.
    c = get_task("wine-logreg").curvature()
    r = train("wine-logreg", lr=factor * c.max_stable_lr, budget=600)
    gaps = np.array([h["train_loss"] for h in r.history[-20:]]) - c.optimum_loss
    assert gaps.max() > 1e-2 and r.metric > c.optimum_loss + 1e-4


def _gd_distance(task, lr, steps=400):
    """Full-batch plain GD started just off the optimum along the top eigenvector."""
    c = task.curvature()
    star = torch.tensor(c.optimum, dtype=torch.float64)
    hess = torch.autograd.functional.hessian(task.objective, star)
    top = torch.linalg.eigh(hess).eigenvectors[:, -1]
    theta = star + 1e-3 * top
    for _ in range(steps):
        th = theta.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(task.objective(th), th)
        theta = (theta - lr * g).detach()
        if not torch.isfinite(theta).all():
            return float("inf")
    return float((theta - star).norm())


@pytest.mark.parametrize("name", ["diabetes-linear", "wine-logreg"])
def test_two_over_L_is_the_local_stability_threshold(name):
    task = get_task(name)
    bound = task.curvature().max_stable_lr
    assert _gd_distance(task, 0.98 * bound) < 1e-4  # contracts: |1 - 0.98 * 2| = 0.96 per step
    assert _gd_distance(task, 1.05 * bound) > 1e-2  # expands: |1 - 1.05 * 2| = 1.1 per step


def test_diabetes_gd_above_two_over_L_blows_up_from_the_default_start():
    task = get_task("diabetes-linear")
    bound = task.curvature().max_stable_lr
    assert _gd_distance(task, 1.5 * bound, steps=3000) == float("inf")
