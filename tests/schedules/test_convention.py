"""The step convention: ``schedule(t)`` is the rate of update ``t``; the first update uses ``schedule(0)``."""

from __future__ import annotations

import numpy as np
import pytest

import lrkit.schedules
from lrkit.schedules import (
    cosine,
    cyclic,
    exp_sweep,
    inverse_sqrt,
    linear,
    multistep,
    one_cycle,
    parse,
    step,
    warmup,
    warmup_cosine,
)


def test_the_convention_is_written_in_the_package_docstring():
    doc = " ".join(lrkit.schedules.__doc__.split())
    assert "``schedule(t)`` is the rate used by update number ``t``, counting from 0" in doc
    assert "the first ``optimizer.step()`` uses ``schedule(0)``" in doc
    assert "a milestone at ``m`` applies from ``t = m``" in doc


def _sgd_on_quadratic(schedule, n: int, x0: float = 1.0) -> tuple[float, list[float]]:
    """Plain loop: update k uses schedule(k) on f(x) = x**2 / 2 (gradient x); returns x and the rates used."""
    x, used = x0, []
    for k in range(n):
        lr = schedule(k)
        used.append(lr)
        x -= lr * x
    return x, used


def test_first_update_uses_s0_in_a_training_loop():
    # A warmup from 0: under lrkit's convention the very first update does not move x.
    s = warmup(cosine(lr=0.5, steps=20), steps=5)
    x1, used = _sgd_on_quadratic(s, 1)
    assert used == [0.0] and x1 == 1.0
    x, used = _sgd_on_quadratic(s, 25)
    np.testing.assert_array_equal(used, s(np.arange(25)))
    assert x == pytest.approx(np.prod(1 - s(np.arange(25))), rel=1e-12)


@pytest.mark.parametrize(
    ("schedule", "first"),
    [
        (warmup(cosine(lr=0.1, steps=10), steps=5, start=0.01), 0.01),
        (warmup_cosine(lr=0.1, warmup=10, steps=100), 0.0),  # HF: lambda(0) = 0 / warmup
        (cosine(lr=0.1, steps=10), 0.1),
        (linear(start=0.3, end=0.1, steps=10), 0.3),
        (one_cycle(max_lr=1.0, steps=100, div_factor=10.0, anneal="linear"), 0.1),
        (cyclic(base_lr=0.01, max_lr=0.1, step_size_up=5), 0.01),
        (exp_sweep(start=1e-7, end=10.0, steps=100), 1e-7),
        (inverse_sqrt(lr=0.1, warmup=10), 0.0),
    ],
    ids=repr,
)
def test_s0_is_the_documented_initial_rate(schedule, first):
    assert schedule(0) == pytest.approx(first, rel=1e-14, abs=0.0)


def test_boundaries_apply_from_the_boundary_step():
    assert step(lr=1.0, step_size=3, gamma=0.5)(2) == 1.0
    assert step(lr=1.0, step_size=3, gamma=0.5)(3) == 0.5
    s = multistep(lr=1.0, milestones=[4], gamma=0.5)
    assert (s(3), s(4)) == (1.0, 0.5)
    seq = parse("linear(start=0, end=1, steps=4) >> cosine(lr=1, steps=10)")
    assert seq(3) == 0.75 and seq(4) == 1.0


def test_torch_schedulers_follow_the_same_convention():
    torch = pytest.importorskip("torch")
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.1)
    sched = torch.optim.lr_scheduler.LinearLR(opt, start_factor=0.1, total_iters=5)
    used = []
    for _ in range(8):
        used.append(opt.param_groups[0]["lr"])  # the rate the next optimizer.step() uses
        opt.step()
        sched.step()
    expected = warmup(lrkit.schedules.constant(lr=0.1), steps=5, start=0.01)(np.arange(8))
    np.testing.assert_allclose(used, expected, rtol=1e-12)
