"""Reference optimizers and problems: validation, closed forms, gradients against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.lab import (
    SGD,
    Adadelta,
    AdaGrad,
    Adam,
    AdamW,
    DoubleWell,
    Momentum,
    Nesterov,
    Noisy,
    Quadratic,
    Quartic,
    RMSProp,
    Rosenbrock,
    Saddle,
    make_optimizer,
    minimize,
    optimizers,
    trajectory_grid,
)
from lrkit.schedules import cosine


@pytest.mark.parametrize(
    "factory,message",
    [
        (lambda: SGD(lr=-0.1), r"`lr` of sgd must be a finite number >= 0; got -0.1\."),
        (lambda: Momentum(momentum=1.0), r"`momentum` of momentum must be a number in \[0, 1\); got 1\.0\."),
        (lambda: Nesterov(momentum=0.0), r"`momentum` of nesterov must be a number in \(0, 1\)"),
        (lambda: AdaGrad(eps=0.0), r"`eps` of adagrad must be a finite number > 0"),
        (lambda: RMSProp(alpha=-0.1), r"`alpha` of rmsprop"),
        (lambda: Adam(betas=(0.9,)), r"`betas` of adam must be a pair"),
        (lambda: AdamW(betas=(0.9, 1.5)), r"`betas\[1\]` of adamw"),
        (lambda: Adadelta(rho=2), r"`rho` of adadelta"),
        (lambda: make_optimizer("adamm", 0.1), r"unknown optimizer 'adamm'; did you mean 'adam'\?"),
        (lambda: Quadratic(condition=0.5), r"`condition` of quadratic must be a finite number >= 1"),
        (lambda: Quadratic(x0=(1.0,)), r"`x0` of quadratic must be a finite 2-D point"),
        (lambda: DoubleWell(tilt=2.0), r"`tilt` of double_well"),
        (
            lambda: Noisy(Quadratic(), batch_size=0),
            r"`batch_size` of noisy must be a positive integer; got 0\.",
        ),
        (lambda: minimize(Quadratic(), SGD(), steps=0), r"`steps` of minimize must be a positive integer"),
        (lambda: trajectory_grid(Quadratic(), rates=[]), r"`rates` of trajectory_grid"),
    ],
)
def test_invalid_inputs_raise_one_line_errors(factory, message):
    with pytest.raises(LRKitError, match=message):
        factory()


def test_grad_shape_mismatch_is_an_error():
    opt = SGD(lr=0.1)
    with pytest.raises(LRKitError, match="must have the shape of params"):
        opt.step(np.zeros(2), np.zeros(3), opt.init(np.zeros(2)))


def test_registry_has_the_eight_algorithms():
    assert set(optimizers) == {
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
        "adamw",
        "adadelta",
    }


def test_schedule_rate_follows_the_step_convention():
    s = cosine(lr=1.0, steps=4)
    opt = SGD(lr=s)
    w, state = np.array([0.0]), opt.init(np.zeros(1))
    moves = []
    for t in range(5):
        new = opt.step(w, np.array([-1.0]), state)
        moves.append(float(new[0] - w[0]))
        w = new
    np.testing.assert_allclose(moves, s(np.arange(5)))  # update t moved by schedule(t) * 1


def test_gd_on_a_quadratic_matches_the_closed_form():
    q = Quadratic(condition=4.0, L=2.0, x0=(1.0, 1.0))
    eta = 0.3
    tr = minimize(q, SGD(lr=eta), steps=20)
    t = np.arange(21)[:, None]
    expected = (
        np.array([1.0, 1.0]) * (1 - eta * np.array([2.0, 0.5])) ** t
    )  # axis-aligned: per-axis contraction
    np.testing.assert_allclose(tr.xs, expected, rtol=1e-12)


@pytest.mark.parametrize(
    "problem", [Quadratic(angle=0.7), Rosenbrock(), DoubleWell(), Saddle(), Quartic()], ids=lambda p: p.name
)
def test_gradients_match_central_differences(problem):
    rng = np.random.default_rng(1)
    for _ in range(5):
        x = rng.uniform(-1.5, 1.5, size=2)
        h = 1e-6
        fd = np.array([(problem.loss(x + h * e) - problem.loss(x - h * e)) / (2 * h) for e in np.eye(2)])
        np.testing.assert_allclose(problem.grad(x), fd, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "problem", [Quadratic(angle=0.3), Rosenbrock(), DoubleWell(), Saddle(), Quartic()], ids=lambda p: p.name
)
def test_loss_is_vectorized_over_a_grid(problem):
    xs = np.random.default_rng(0).uniform(-1, 1, size=(4, 3, 2))
    grid = problem.loss(xs)
    assert grid.shape == (4, 3)
    assert grid[2, 1] == pytest.approx(problem.loss(xs[2, 1]))


def test_rotated_quadratic_keeps_its_spectrum_and_minima():
    q = Quadratic(condition=25.0, L=5.0, angle=1.1)
    np.testing.assert_allclose(np.linalg.eigvalsh(q.hessian), [0.2, 5.0])
    assert q.best_rate == pytest.approx(2 / 5.2)
    assert Saddle().loss([0.0, -1.0]) == Saddle().min_loss
    w = DoubleWell()
    assert abs(w.grad([w.local_x, 0.0])[0]) < 1e-9 and abs(w.grad([w.global_x, 0.0])[0]) < 1e-9


def test_noisy_gradient_is_unbiased_with_variance_sigma2_over_batch():
    p = Noisy(Quadratic(), sigma=2.0, batch_size=4)
    rng = np.random.default_rng(0)
    x = np.array([0.5, -1.0])
    samples = np.array([p.grad(x, rng) for _ in range(20000)])
    np.testing.assert_allclose(samples.mean(0), Quadratic().grad(x), atol=0.03)
    np.testing.assert_allclose(samples.std(0), [1.0, 1.0], rtol=0.03)
    with pytest.raises(LRKitError, match="rng"):
        p.grad(x)


def test_minimize_is_deterministic_given_the_seed():
    p = Noisy(Rosenbrock(), sigma=0.5)
    a, b = minimize(p, Adam(lr=0.01), steps=50, seed=3), minimize(p, Adam(lr=0.01), steps=50, seed=3)
    np.testing.assert_array_equal(a.xs, b.xs)
    assert not np.array_equal(a.xs, minimize(p, Adam(lr=0.01), steps=50, seed=4).xs)


def test_trajectory_records_steps_to_target_and_plain_data():
    tr = minimize(Quadratic(L=1.0, condition=1.0), SGD(lr=0.5), steps=10)
    # isotropic: loss_t = loss_0 * 0.25^t
    assert tr.steps_to(tr.losses[0] * 0.25**3 * 1.0000001) == 3
    assert tr.steps_to(-1.0) is None
    d = tr.to_dict()
    assert d["problem"] == "quadratic" and len(d["xs"]) == 11 and len(d["lrs"]) == 10


def test_diverging_run_stops_and_records_where():
    tr = minimize(Quadratic(L=1.0), SGD(lr=3.0), steps=500)
    assert tr.diverged_at is not None and tr.diverged_at < 500
    assert np.isinf(tr.losses[-1]) and len(tr.xs) == tr.diverged_at + 1


# -- properties (Hypothesis) ------------------------------------------------------------
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

finite = st.floats(-1e3, 1e3, allow_nan=False)
vectors = st.lists(finite, min_size=1, max_size=6)


@given(name=st.sampled_from(sorted(optimizers)), w=vectors, data=st.data())
def test_a_zero_rate_never_moves_the_parameters(name, w, data):
    g = np.array(data.draw(st.lists(finite, min_size=len(w), max_size=len(w))))
    opt = make_optimizer(name, 0.0)
    state = opt.init(np.array(w))
    new = opt.step(np.array(w), g, state)
    np.testing.assert_array_equal(new, w)
    assert state["t"] == 1


@given(w=vectors, data=st.data(), lr=st.floats(0.0, 10.0), t0=st.integers(0, 50))
def test_sgd_moves_by_exactly_rate_times_gradient(w, data, lr, t0):
    g = np.array(data.draw(st.lists(finite, min_size=len(w), max_size=len(w))))
    opt = SGD(lr=cosine(lr=lr, steps=100))
    state = opt.init(np.array(w))
    state["t"] = t0
    np.testing.assert_allclose(
        opt.step(np.array(w), g, state), np.array(w) - opt.rate(t0) * g, rtol=1e-12, atol=1e-9
    )


@given(
    g=st.lists(st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3), min_size=1, max_size=6), lr=st.floats(1e-4, 1.0)
)
def test_adam_first_step_is_lr_per_coordinate_whatever_the_gradient_scale(g, lr):
    opt = Adam(lr=lr)
    w = np.zeros(len(g))
    step = opt.step(w, np.array(g), opt.init(w))
    np.testing.assert_allclose(np.abs(step), lr, rtol=1e-4)
    assert np.all(np.sign(step) == -np.sign(g))
