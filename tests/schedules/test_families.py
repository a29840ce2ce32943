"""Golden values of every primitive family against closed forms written here, independently.

Each closed form is a plain-Python transcription of the formula (for the torch
families, of torch's own documented recurrence or closed form), evaluated per
step; failures name the step, the expected and the actual value.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrkit.schedules import (
    constant,
    cosine,
    cosine_restarts,
    cyclic,
    exp_sweep,
    exponential,
    geometric,
    inverse_sqrt,
    inverse_time,
    linear,
    linear_sweep,
    multistep,
    one_cycle,
    one_minus_sqrt,
    polynomial,
    step,
)

from ._golden import assert_closed_form

T = range(0, 2500)


def test_constant():
    assert_closed_form(constant(lr=0.3), lambda t: 0.3, [0, 1, 10**9])
    assert constant(lr=0.3, steps=5).horizon == 5 and constant(lr=0.3).horizon is None


@pytest.mark.parametrize(("lr", "steps", "min_lr"), [(0.1, 1000, 0.0), (1.0, 7, 0.25), (0.5, 1, 0.1)])
def test_cosine(lr, steps, min_lr):
    def ref(t):
        return min_lr + (lr - min_lr) * (1 + math.cos(math.pi * min(t, steps) / steps)) / 2

    assert_closed_form(cosine(lr=lr, steps=steps, min_lr=min_lr), ref, T)
    assert cosine(lr=lr, steps=steps, min_lr=min_lr)(steps) == min_lr


@pytest.mark.parametrize(("step_size", "gamma"), [(1, 0.99), (30, 0.1), (7, 0.5)])
def test_step(step_size, gamma):
    assert_closed_form(
        step(lr=0.2, step_size=step_size, gamma=gamma), lambda t: 0.2 * gamma ** (t // step_size), T
    )


def test_step_boundary_applies_from_the_multiple():
    s = step(lr=1.0, step_size=10, gamma=0.5)
    assert [s(9), s(10), s(19), s(20)] == [1.0, 0.5, 0.5, 0.25]


@pytest.mark.parametrize("milestones", [[10], [300, 30, 1000], [5, 5, 6]])
def test_multistep(milestones):
    def ref(t):
        return 0.1 * 0.3 ** sum(1 for m in milestones if t >= m)

    assert_closed_form(multistep(lr=0.1, milestones=milestones, gamma=0.3), ref, T)


def test_multistep_milestone_applies_from_t_equal_m_and_is_stored_sorted():
    s = multistep(lr=1.0, milestones=[20, 10], gamma=0.5)
    assert s.milestones == (10, 20)
    assert [s(9), s(10), s(19), s(20), s(10**9)] == [1.0, 0.5, 0.5, 0.25, 0.25]


@pytest.mark.parametrize("gamma", [0.5, 0.999, 1.0])
def test_exponential(gamma):
    assert_closed_form(exponential(lr=0.4, gamma=gamma), lambda t: 0.4 * gamma**t, T)


@pytest.mark.parametrize(
    ("start", "end", "steps"), [(0.0, 0.1, 100), (0.1, 0.001, 1000), (0.5, 0.5, 3), (1.0, 0.0, 1)]
)
def test_linear_including_kohonen_decay(start, end, steps):
    def ref(t):
        return end if t >= steps else start + (end - start) * t / steps

    s = linear(start=start, end=end, steps=steps)
    assert_closed_form(s, ref, T)
    assert s(0) == start and s(steps) == end and s(10**9) == end


def test_linear_is_the_kohonen_learning_rate_decay():
    # SOM: alpha(t) = alpha0 * (1 - t / T), reaching 0 at T (Kohonen 2001, eq. 3.7's linear form).
    alpha0, big_t = 0.5, 400
    assert_closed_form(
        linear(start=alpha0, end=0.0, steps=big_t), lambda t: alpha0 * (1 - min(t, big_t) / big_t), T
    )


@pytest.mark.parametrize(("power", "end"), [(1.0, 0.0), (2.0, 0.0), (0.5, 0.01), (3.0, 0.05)])
def test_polynomial(power, end):
    lr, steps = 0.1, 1000

    def ref(t):
        return (lr - end) * (1 - min(t, steps) / steps) ** power + end

    assert_closed_form(polynomial(lr=lr, steps=steps, power=power, end=end), ref, T)


def test_one_minus_sqrt():
    lr, steps, floor = 0.2, 300, 0.02
    assert_closed_form(
        one_minus_sqrt(lr=lr, steps=steps, min_lr=floor),
        lambda t: floor + (lr - floor) * (1 - math.sqrt(min(t, steps) / steps)),
        T,
    )


def test_geometric_multiplies_by_a_constant_factor():
    s = geometric(start=1e-5, end=1e-1, steps=400)
    assert_closed_form(s, lambda t: 1e-5 * 10 ** (4 * min(t, 400) / 400), T)
    ratios = s(np.arange(1, 400)) / s(np.arange(0, 399))
    np.testing.assert_allclose(ratios, 10 ** (4 / 400), rtol=1e-12)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_matches_keras(staircase):
    lr, rate, k = 0.1, 0.5, 100

    def ref(t):
        u = math.floor(t / k) if staircase else t / k
        return lr / (1 + rate * u)

    assert_closed_form(inverse_time(lr=lr, decay_rate=rate, decay_steps=k, staircase=staircase), ref, T)


@pytest.mark.parametrize(("warmup", "timescale"), [(100, None), (0, None), (50, 200), (1, None)])
def test_inverse_sqrt(warmup, timescale):
    tau = timescale or warmup or 10_000

    def ref(t):
        if t < warmup:
            return 0.01 * t / warmup
        return 0.01 / math.sqrt((t - warmup + tau) / tau)

    assert_closed_form(inverse_sqrt(lr=0.01, warmup=warmup, timescale=timescale), ref, T)


def test_inverse_sqrt_default_is_the_noam_decay():
    s = inverse_sqrt(lr=1.0, warmup=400)
    ts = np.arange(400, 5000)
    np.testing.assert_allclose(s(ts), np.sqrt(400 / ts), rtol=1e-14)


def _sgdr_reference(lr, period, mult, min_lr, decay):
    """SGDR as torch's CosineAnnealingWarmRestarts.step() recurrence, plus the peak decay."""

    def ref(t):
        cur, length, cycle = t, period, 0
        while cur >= length:
            cur -= length
            length *= mult
            cycle += 1
        return min_lr + (lr - min_lr) * decay**cycle * (1 + math.cos(math.pi * cur / length)) / 2

    return ref


@pytest.mark.parametrize(
    ("period", "mult", "decay"),
    [(100, 1, 1.0), (10, 2, 1.0), (7, 3, 1.0), (1, 2, 1.0), (1, 1, 1.0), (50, 2, 0.7)],
)
def test_cosine_restarts(period, mult, decay):
    s = cosine_restarts(lr=0.2, period=period, mult=mult, min_lr=0.01, decay=decay)
    assert_closed_form(s, _sgdr_reference(0.2, period, mult, 0.01, decay), T)


def test_cosine_restarts_cycle_index_is_exact_at_huge_steps():
    s = cosine_restarts(lr=1.0, period=3, mult=2)
    starts = 3 * (2 ** np.arange(1, 28) - 1)  # restart steps up to ~4e8
    np.testing.assert_array_equal(s(starts), 1.0)
    # One step before a restart is the last, lowest step of the previous cycle.
    assert_closed_form(s, _sgdr_reference(1.0, 3, 2, 0.0, 1.0), np.concatenate([starts - 1, starts + 1]))


def _clr_reference(base, top, up, down, mode, gamma):
    """CLR as in Smith (2017) / torch CyclicLR.get_lr, written per step."""
    total = up + down
    ratio = up / total

    def ref(t):
        cycle = math.floor(1 + t / total)
        x = 1.0 + t / total - cycle
        h = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        # 0.5**k rather than torch's 1 / 2.0**k, which overflows after 1024 cycles.
        g = {"triangular": 1.0, "triangular2": 0.5 ** (cycle - 1), "exp_range": gamma**t}[mode]
        return base + (top - base) * h * g

    return ref


@pytest.mark.parametrize(
    ("up", "down", "mode", "gamma"),
    [
        (200, None, "triangular", 1.0),
        (150, 250, "triangular2", 1.0),
        (100, 37, "exp_range", 0.999),
        (1, 1, "triangular", 1.0),
    ],
)
def test_cyclic(up, down, mode, gamma):
    s = cyclic(base_lr=0.01, max_lr=0.3, step_size_up=up, step_size_down=down, mode=mode, gamma=gamma)
    assert_closed_form(s, _clr_reference(0.01, 0.3, up, down or up, mode, gamma), T)


def test_cyclic_triangle_corners():
    s = cyclic(base_lr=1.0, max_lr=3.0, step_size_up=4, step_size_down=2)
    assert [s(t) for t in (0, 2, 4, 5, 6, 10, 12)] == pytest.approx(
        [1.0, 2.0, 3.0, 2.0, 1.0, 3.0, 1.0], rel=1e-15
    )


def _one_cycle_reference(max_lr, total, pct, anneal, div, final_div, three):
    """OneCycleLR.get_lr phase logic transcribed from torch's source, one step at a time."""
    lo = max_lr / div
    floor = lo / final_div
    if three:
        phases = [(pct * total - 1, lo, max_lr), (2 * pct * total - 2, max_lr, lo), (total - 1, lo, floor)]
    else:
        phases = [(pct * total - 1, lo, max_lr), (total - 1, max_lr, floor)]

    def ref(t):
        t = min(t, total - 1)
        start = 0.0
        for i, (end, a, b) in enumerate(phases):
            if t <= end or i == len(phases) - 1:
                p = (t - start) / (end - start)
                if anneal == "cos":
                    return b + (a - b) / 2.0 * (math.cos(math.pi * p) + 1)
                return (b - a) * p + a
            start = end
        raise AssertionError("unreachable")

    return ref


@pytest.mark.parametrize(
    ("total", "pct", "anneal", "three"),
    [
        (2500, 0.3, "cos", False),
        (2501, 0.25, "linear", False),
        (2500, 0.4, "cos", True),
        (2333, 0.123, "linear", True),
        (2500, 0.0, "cos", False),
        (2500, 1.0, "linear", False),
        (2500, 0.5, "cos", True),
        (100, 0.005, "cos", False),  # pct * total < 1: no warmup phase
    ],
)
def test_one_cycle(total, pct, anneal, three):
    s = one_cycle(
        max_lr=0.5,
        steps=total,
        pct_start=pct,
        anneal=anneal,
        three_phase=three,
        div_factor=20.0,
        final_div_factor=500.0,
    )
    assert_closed_form(s, _one_cycle_reference(0.5, total, pct, anneal, 20.0, 500.0, three), T)


def test_one_cycle_endpoints():
    s = one_cycle(max_lr=1.0, steps=1000, pct_start=0.3)
    assert s(0) == pytest.approx(1.0 / 25.0, rel=1e-14) and s.initial_lr == 1.0 / 25.0
    assert s(299) == 1.0  # e1 = 0.3 * 1000 - 1 = 299: the peak
    assert s(999) == pytest.approx(s.min_lr, rel=1e-12) and s.min_lr == 1.0 / 25.0 / 1e4
    assert s(10**9) == s(999)


@pytest.mark.parametrize(("start", "end", "n"), [(1e-7, 10.0, 100), (1e-3, 1.0, 2), (1.0, 1e-4, 37)])
def test_exp_sweep_is_geomspace_with_exact_ends(start, end, n):
    s = exp_sweep(start=start, end=end, steps=n)
    np.testing.assert_allclose(s(np.arange(n)), np.geomspace(start, end, n), rtol=1e-12)
    assert s(0) == start and s(n - 1) == end and s(n + 5) == end and s(10**9) == end


@pytest.mark.parametrize(("start", "end", "n"), [(0.0, 1.0, 100), (0.5, 0.1, 2), (1e-4, 3.0, 51)])
def test_linear_sweep_is_linspace_with_exact_ends(start, end, n):
    s = linear_sweep(start=start, end=end, steps=n)
    np.testing.assert_allclose(s(np.arange(n)), np.linspace(start, end, n), rtol=1e-12, atol=1e-300)
    assert s(0) == start and s(n - 1) == end and s(10**9) == end


def test_sweeps_include_their_end_while_ramps_stop_one_short():
    n = 50
    np.testing.assert_allclose(
        exp_sweep(start=1e-4, end=1.0, steps=n)(np.arange(2 * n)),
        geometric(start=1e-4, end=1.0, steps=n - 1)(np.arange(2 * n)),
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        linear_sweep(start=0.0, end=1.0, steps=n)(np.arange(2 * n)),
        linear(start=0.0, end=1.0, steps=n - 1)(np.arange(2 * n)),
        rtol=1e-13,
    )


def test_triangular2_stays_finite_after_a_thousand_cycles():
    # torch's 1 / 2.0 ** (cycle - 1) overflows past cycle 1025; the limit is base_lr.
    s = cyclic(base_lr=0.01, max_lr=0.3, step_size_up=1, mode="triangular2")
    assert s(3000) == 0.01 and s(10**9 + 1) == 0.01


@pytest.mark.parametrize("three", [False, True])
def test_one_cycle_with_a_zero_length_warmup_starts_at_the_initial_rate(three):
    # pct_start * steps == 1 puts torch's first phase end at step 0 (a division by zero there).
    s = one_cycle(max_lr=1.0, steps=100, pct_start=0.01, div_factor=10.0, three_phase=three)
    assert s(0) == pytest.approx(0.1, rel=1e-14)
    ref = _one_cycle_reference(1.0, 100, 0.01, "cos", 10.0, 1e4, three)
    assert_closed_form(s, ref, range(1, 150))
    assert np.all(np.isfinite(s(np.arange(200))))
