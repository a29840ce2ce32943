"""The lab's public records, problems and demo functions, against independent references.

Gradients against central finite differences of the loss; gradient descent on a quadratic against
its closed form ``x_k = (I - lr H)^k x0``; the double well's barrier against the roots of its
derivative; a Kohonen run against the update written out by hand; each demo function, called
directly, against the registry's run of the same name.
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

import numpy as np
import pytest

from lrkit import LRKitError
from lrkit.lab import (
    SGD,
    SOM,
    DemoInfo,
    DemoRecord,
    DoubleWell,
    Noisy,
    Optimizer,
    Problem,
    Quadratic,
    Quartic,
    Rosenbrock,
    Saddle,
    SOMResult,
    Trajectory,
    TrajectoryGrid,
    adaptive_per_parameter,
    batch_size_scaling,
    demos,
    divergence,
    finder_explained,
    kohonen,
    local_minimum,
    make_optimizer,
    minimize,
    oscillation,
    register_demo,
    run_demo,
    schedules_compared,
    slow_convergence,
    trajectory_grid,
    warmup_demo,
)
from lrkit.lab import som as som_module


@pytest.mark.parametrize("problem", [Quadratic(), Rosenbrock(), DoubleWell(), Saddle(), Quartic()],
                         ids=lambda p: p.name)
def test_gradients_match_central_differences(problem: Problem) -> None:
    assert isinstance(problem, Problem)
    rng = np.random.default_rng(0)
    (x_lo, x_hi), (y_lo, y_hi) = problem.bounds
    for _ in range(5):
        x = np.array([rng.uniform(x_lo, x_hi), rng.uniform(y_lo, y_hi)]) * 0.5
        h = 1e-6
        numeric = [(problem.loss(x + h * e) - problem.loss(x - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(problem.grad(x), numeric, rtol=1e-5, atol=1e-5)


def test_quadratic_bounds_frame_the_start_and_noisy_keeps_its_problems() -> None:
    q = Quadratic()
    r = 1.2 * max(abs(v) for v in q.x0)
    assert q.bounds == ((-r, r), (-r, r))
    assert all(lo < v < hi for v, (lo, hi) in zip(q.x0, q.bounds))
    noisy = Noisy(problem=q)
    assert noisy.bounds == q.bounds


def test_double_well_barrier_is_the_ridge_between_the_wells() -> None:
    w = DoubleWell(tilt=0.3)
    roots = np.sort(np.roots([4.0, 0.0, -4.0, 0.3]).real)  # d/dx (x^2 - 1)^2 + tilt x = 0
    assert w.global_x < w.barrier_x < w.local_x
    assert w.barrier_x == pytest.approx(roots[1], abs=1e-12)
    assert w.grad([w.barrier_x, 0.0])[0] == pytest.approx(0.0, abs=1e-12)
    ridge = w.loss([w.barrier_x, 0.0])
    assert ridge > w.loss([w.local_x, 0.0]) > w.loss([w.global_x, 0.0])


def test_gradient_descent_on_a_quadratic_follows_the_closed_form() -> None:
    q, lr, n = Quadratic(), 0.05, 40
    opt = SGD(lr=lr)
    assert isinstance(opt, Optimizer)
    run = minimize(q, opt, steps=n)
    assert isinstance(run, Trajectory) and run.optimizer == opt.describe() and run.diverged_at is None
    step = np.eye(2) - lr * q.hessian
    want = np.stack([np.linalg.matrix_power(step, k) @ np.asarray(q.x0) for k in range(n + 1)])
    np.testing.assert_allclose(run.xs, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(run.losses, [0.5 * x @ q.hessian @ x for x in want], rtol=1e-10, atol=1e-14)
    np.testing.assert_array_equal(run.lrs, np.full(n, lr))
    assert run.steps_to(run.gap()[10]) <= 10


def test_describe_names_every_hyperparameter() -> None:
    opt = make_optimizer("adam", 0.1, betas=(0.8, 0.99))
    assert opt.describe().startswith("adam(lr=constant(lr=0.1), betas=(0.8, 0.99)")
    for f in dataclasses.fields(opt):
        assert f"{f.name}=" in opt.describe()


def test_trajectory_grid_is_minimize_at_each_rate() -> None:
    grid = trajectory_grid(Quadratic(), ["sgd", "adam"], rates=[0.1, 1.0], steps=6)
    assert isinstance(grid, TrajectoryGrid) and grid.rates == (0.1, 1.0)
    for name in ("sgd", "adam"):
        for rate, run in zip(grid.rates, grid.runs[name]):
            alone = minimize(Quadratic(), make_optimizer(name, rate), steps=6)
            assert run.to_dict() == alone.to_dict()


def test_som_result_records_the_kohonen_update_written_out() -> None:
    rng = np.random.default_rng(1)
    data, init = rng.uniform(size=(7, 3)), rng.uniform(size=(2, 3, 3))
    result = SOM(rows=2, cols=3, lr=0.3, sigma=0.8).fit(data, 9, init=init, order="sequential",
                                                        record_every=3)
    assert isinstance(result, SOMResult) and som_module.SOMResult is SOMResult
    w = init.copy()
    gr, gc = np.meshgrid(np.arange(2), np.arange(3), indexing="ij")
    for t in range(9):
        x = data[t % 7]
        br, bc = np.unravel_index(((w - x) ** 2).sum(-1).argmin(), (2, 3))
        h = np.exp(-((gr - br) ** 2 + (gc - bc) ** 2) / (2 * 0.8**2))
        w = w + 0.3 * h[..., None] * (x - w)
    np.testing.assert_allclose(result.weights, w, rtol=1e-12)
    assert result.checkpoints.tolist() == [0, 3, 6, 9]
    nearest = np.sqrt(((data[:, None, :] - w.reshape(-1, 3)[None]) ** 2).sum(-1)).min(1)
    assert result.qe[-1] == pytest.approx(nearest.mean())


DEMO_FUNCTIONS = [divergence, slow_convergence, oscillation, schedules_compared, warmup_demo,
                  adaptive_per_parameter, local_minimum, finder_explained, kohonen]


@pytest.mark.parametrize("fn", DEMO_FUNCTIONS, ids=lambda f: f.__name__)
def test_each_demo_function_is_its_registry_entry(fn) -> None:
    name = next(n for n, info in demos.items() if info.run is fn)
    assert isinstance(demos[name], DemoInfo) and demos[name].needs == ()
    record = fn()
    assert isinstance(record, DemoRecord) and record.demo == name and record.holds()
    assert _untimed(record.to_dict()) == _untimed(run_demo(name).to_dict())


def _untimed(value):
    """A record's plain data without the clock readings a finder run carries (they differ run to run)."""
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if k not in ("wall_time", "loop_cpu_time")}
    return value


def test_batch_size_scaling_is_registered_as_needing_torch() -> None:
    (info,) = [i for i in demos.values() if i.run is batch_size_scaling]
    assert info.needs == ("torch",)  # run on a real task in test_demos.py


def test_register_demo_adds_a_runnable_demo() -> None:
    @dataclasses.dataclass(frozen=True, eq=False)
    class Halving(DemoRecord):
        demo: ClassVar[str] = "test_halving"
        value: float

        def checks(self) -> dict[str, bool]:
            return {"halved": self.value == 0.5}

    @register_demo("test_halving", "Halving a rate of 1 gives 0.5.", "this test")
    def halving(rate: float = 1.0) -> Halving:
        return Halving(value=rate / 2)

    try:
        claim = "Halving a rate of 1 gives 0.5."
        assert demos["test_halving"] == DemoInfo("test_halving", claim, "this test", halving)
        record = run_demo("test_halving")
        assert record.holds() and record.to_dict()["claim"] == "Halving a rate of 1 gives 0.5."
        assert not run_demo("test_halving", rate=3.0).holds()
        with pytest.raises(LRKitError, match="has no parameter `steps`; valid: rate"):
            run_demo("test_halving", steps=3)
    finally:
        del demos["test_halving"]
