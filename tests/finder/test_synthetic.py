"""The synthetic curves and problems, checked against closed forms and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.finder import synthetic


def test_curve_shape_scale_offset_and_seeded_noise():
    lrs = np.geomspace(1e-7, 1.0, 50)
    base = synthetic.curve(lrs, noise=0.0)
    np.testing.assert_allclose(synthetic.curve(lrs, noise=0.0, scale=3.0, offset=-7.0), 3.0 * base - 7.0)
    assert base[0] == pytest.approx(1.0, abs=1e-4)  # the plateau
    x = np.log10(lrs)
    np.testing.assert_allclose(base, 1 - 0.8 / (1 + np.exp(-(x + 3) / 0.3)) + np.exp((x + 1) / 0.15))
    a, b = synthetic.curve(lrs, seed=3), synthetic.curve(lrs, seed=3)
    assert np.array_equal(a, b) and not np.array_equal(a, synthetic.curve(lrs, seed=4))
    assert np.std(a - base) == pytest.approx(0.02, rel=0.3)


def test_curve_bad_arguments():
    with pytest.raises(LRKitError, match=r"`width` of curve must be a finite number > 0; got 0"):
        synthetic.curve([1e-3], width=0)


def test_quadratic_gd_follows_the_closed_form():
    p = synthetic.quadratic(dim=5, condition=10.0, lipschitz=2.0, seed=1)
    lam = 2.0 / np.logspace(0, 1, 5)
    w0 = p.weights.copy()
    assert p.step(0.3) == pytest.approx(0.5 * np.sum(lam * w0**2))
    np.testing.assert_allclose(p.weights, (1 - 0.3 * lam) * w0)
    assert p.lipschitz == 2.0 and p.stability_limit == 1.0


def test_quadratic_diverges_exactly_above_two_over_l():
    for lr, grows in ((0.99, False), (1.01, True)):
        p = synthetic.quadratic(lipschitz=2.0)
        first = p.step(lr)
        for _ in range(3000):
            last = p.step(lr)
        assert (last > first) is grows


def test_logistic_lipschitz_is_the_hessian_at_zero_by_finite_differences():
    p = synthetic.logistic(n=200, dim=6, batch=200, seed=2)  # full batch: the step is exact GD
    eps, lr = 1e-5, 1.0
    # Gradient at w from one GD step with lr = 1: g = w - w_new.
    def grad_at(w):
        q = synthetic.logistic(n=200, dim=6, batch=200, seed=2)
        q.weights[:] = w
        q.step(lr)
        return w - q.weights
    H = np.stack([(grad_at(eps * e) - grad_at(-eps * e)) / (2 * eps) for e in np.eye(6)])
    assert np.linalg.eigvalsh((H + H.T) / 2)[-1] == pytest.approx(p.lipschitz, rel=1e-5)
    assert p.step(0.1) == pytest.approx(np.log(2.0))


def test_logistic_objective_is_the_full_data_loss():
    p = synthetic.logistic(seed=0)
    assert p.objective() == pytest.approx(np.log(2.0))
    for _ in range(50):
        p.step(1.0)
    assert p.objective() < 0.5
