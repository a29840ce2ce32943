"""The Kohonen map against minisom (same data, init, order and decay) and its own invariants."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.lab.som import SOM, colour_data, digits_data, quantization_error, topographic_error
from lrkit.schedules import constant, linear


def _minisom(rows, cols, dim, sigma, lr):
    minisom = pytest.importorskip("minisom")
    return minisom.MiniSom(
        rows,
        cols,
        dim,
        sigma=sigma,
        learning_rate=lr,
        decay_function="linear_decay_to_zero",  # lr * (1 - t / T)  == linear(lr -> 0 over T)
        sigma_decay_function="linear_decay_to_one",  # sigma + t (1 - sigma) / T == linear(sigma -> 1 over T)
        neighborhood_function="gaussian",
        topology="rectangular",
        random_seed=0,
    )


@pytest.mark.parametrize("dataset", ["colours", "digits"])
def test_matches_minisom_with_linear_decay(dataset):
    """Same init, sequential order and linear decays: weights agree to 1e-9, errors to 1e-9.

    Tolerance: both implementations do the same float64 arithmetic in a different
    order (minisom's Gaussian is a product of two exponentials), so agreement is
    to rounding, far inside the stated 1e-9.
    """
    if dataset == "colours":
        data, rows, cols, iterations = colour_data(300, seed=1), 8, 8, 900
    else:
        pytest.importorskip("sklearn")
        data, rows, cols, iterations = digits_data()[0][:600], 6, 6, 1200
    sigma0, lr0 = 3.0, 0.5
    init = data[np.random.default_rng(0).integers(0, len(data), rows * cols)].reshape(rows, cols, -1)

    ours = SOM(
        rows,
        cols,
        lr=linear(start=lr0, end=0.0, steps=iterations),
        sigma=linear(start=sigma0, end=1.0, steps=iterations),
    )
    res = ours.fit(data, iterations, init=init, order="sequential")

    ref = _minisom(rows, cols, data.shape[1], sigma0, lr0)
    ref._weights = init.copy()
    ref.train(data, iterations, random_order=False)

    np.testing.assert_allclose(res.weights, ref.get_weights(), rtol=0, atol=1e-9)
    assert res.quantization_error(data) == pytest.approx(ref.quantization_error(data), abs=1e-9)
    assert res.topographic_error(data) == pytest.approx(ref.topographic_error(data), abs=1e-9)


def test_error_measures_match_minisom_on_random_weights():
    data = colour_data(200, seed=3)
    w = np.random.default_rng(4).uniform(size=(5, 7, 3))
    ref = _minisom(5, 7, 3, 1.0, 0.1)
    ref._weights = w.copy()
    assert quantization_error(w, data) == pytest.approx(ref.quantization_error(data), rel=1e-12)
    assert topographic_error(w, data) == pytest.approx(ref.topographic_error(data), abs=1e-12)


def test_default_schedules_are_the_primers_linear_decay():
    lr, sigma = SOM(4, 6).schedules(100)
    assert lr == linear(start=0.5, end=0.0, steps=100)
    assert sigma == linear(start=3.0, end=1.0, steps=100)


def test_training_lowers_the_quantization_error_and_records_the_schedule():
    data = colour_data(300, seed=0)
    res = SOM(8, 8).fit(data, 1200, seed=0)
    # sample init fits well but is unordered; the wide early radius orders it (qe rises), then
    # the shrinking rate and radius fine-tune it (qe falls again)
    assert res.te[0] > 0.5 and res.te[-1] < 0.1
    assert res.qe[-1] < 0.8 * res.qe[1:].max()
    np.testing.assert_allclose(res.lrs, linear(start=0.5, end=0.0, steps=1200)(np.arange(1200)))
    assert np.all(np.diff(res.sigmas) <= 0) and res.checkpoints[0] == 0 and res.checkpoints[-1] == 1200
    assert res.winners(data).shape == (300, 2)
    assert set(res.to_dict()) == {"weights", "lrs", "sigmas", "checkpoints", "qe", "te", "snapshots"}
    assert res.snapshots.shape == (len(res.checkpoints), 8, 8, 3)
    np.testing.assert_array_equal(res.snapshots[-1], res.weights)
    assert res.drift(1200) == 0.0 and res.drift(0) > 0.1


def test_any_schedule_drives_the_rate_and_fit_is_seeded():
    data = colour_data(100, seed=0)
    som = SOM(4, 4, lr=constant(lr=0.2), sigma=1.5)
    a, b = som.fit(data, 200, seed=5), som.fit(data, 200, seed=5)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert np.all(a.lrs == 0.2) and np.all(a.sigmas == 1.5)


@pytest.mark.parametrize(
    "call,message",
    [
        (lambda: SOM(1, 1), r"at least 2 units"),
        (lambda: SOM(3, 3, sigma=-1.0), r"`sigma` of som must be a finite number > 0"),
        (lambda: SOM(3, 3).fit(np.zeros(5), 10), r"`data` of som must be a finite 2-D array"),
        (lambda: SOM(3, 3).fit(np.zeros((5, 2)), 10, order="shuffled"), r"`order` of som must be one of"),
        (
            lambda: SOM(3, 3).fit(np.zeros((5, 2)), 10, init=np.zeros((2, 2, 2))),
            r"`init` of som must have shape",
        ),
        (lambda: SOM(3, 3, sigma=linear(start=2.0, end=0.0, steps=5)).fit(np.zeros((5, 2)), 10), r"stay > 0"),
    ],
)
def test_invalid_inputs(call, message):
    with pytest.raises(LRKitError, match=message):
        call()


def test_update_rule_closed_forms():
    data = colour_data(50, seed=2)
    init = np.random.default_rng(0).uniform(size=(3, 4, 3))
    # rate 0: nothing moves
    frozen = SOM(3, 4, lr=0.0, sigma=1.0).fit(data, 30, init=init, order="sequential")
    np.testing.assert_array_equal(frozen.weights, init)
    # rate 1 with a vanishing radius: the best unit jumps onto the sample, the others stay put
    res = SOM(3, 4, lr=1.0, sigma=1e-3).fit(data[:2], 1, init=init, order="sequential")
    bmu = np.unravel_index(((init - data[0]) ** 2).sum(-1).argmin(), (3, 4))
    np.testing.assert_allclose(res.weights[bmu], data[0])
    moved = np.any(res.weights != init, axis=-1)
    assert moved.sum() == 1 and moved[bmu]
