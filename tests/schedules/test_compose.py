"""Composition (>>, scale, clip, per_epoch) and the named composites (warmup, warmup_cosine, wsd)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrkit.errors import LRKitError
from lrkit.schedules import (
    Sequence,
    clip,
    constant,
    cosine,
    cosine_restarts,
    exponential,
    geometric,
    linear,
    one_minus_sqrt,
    parse,
    per_epoch,
    scale,
    sequence,
    step,
    warmup,
    warmup_cosine,
    wsd,
)

from ._golden import assert_closed_form


def test_sequence_runs_each_phase_for_its_horizon_with_a_fresh_clock():
    a, b, c = linear(start=0.0, end=1.0, steps=10), cosine(lr=1.0, steps=20), constant(lr=0.05)
    s = a >> b >> c
    assert isinstance(s, Sequence) and s.phases == (a, b, c)
    assert s.horizon is None and (a >> b).horizon == 30
    np.testing.assert_array_equal(s.boundaries, [10.0, 30.0])

    def piecewise(t):
        return a(t) if t < 10 else b(t - 10) if t < 30 else c(t - 30)

    assert_closed_form(s, piecewise, range(100), rel=0.0)


def test_sequence_is_associative_and_equals_the_function_form():
    a, b, c = linear(start=0.0, end=1.0, steps=3), cosine(lr=1.0, steps=4), step(lr=0.5, step_size=2)
    assert (a >> b) >> c == a >> (b >> c) == sequence(a, b, c)


def test_sequence_of_sequences_has_the_combined_horizon():
    s = (linear(start=0.0, end=1.0, steps=3) >> cosine(lr=1.0, steps=4)) >> (
        cosine(lr=1.0, steps=5) >> constant(lr=0.0, steps=6)
    )
    assert s.horizon == 18 and len(s.phases) == 4


def test_right_shift_with_a_non_schedule_is_a_type_error():
    with pytest.raises(TypeError):
        cosine(lr=0.1, steps=5) >> 3  # noqa: B018


def test_scale_clip_and_per_epoch():
    base = exponential(lr=1.0, gamma=0.5)
    assert_closed_form(scale(base, 0.1), lambda t: 0.1 * 0.5**t, range(50))
    assert_closed_form(clip(base, lo=0.01, hi=0.4), lambda t: min(max(0.5**t, 0.01), 0.4), range(50))
    epochs = per_epoch(step(lr=1.0, step_size=2, gamma=0.1), steps_per_epoch=100)
    assert_closed_form(epochs, lambda t: 0.1 ** ((t // 100) // 2), range(1000), rel=1e-15)
    assert per_epoch(cosine(lr=1.0, steps=3), steps_per_epoch=10).horizon == 30
    assert scale(cosine(lr=1.0, steps=3), 2.0).horizon == clip(cosine(lr=1.0, steps=3)).horizon == 3


@pytest.mark.parametrize("shape", ["linear", "exponential"])
def test_warmup_is_a_ramp_joined_with_the_schedule(shape):
    target = cosine(lr=0.1, steps=900, min_lr=0.001)
    s = warmup(target, steps=100, start=1e-4, shape=shape)
    ramp = linear if shape == "linear" else geometric
    assert s == ramp(start=1e-4, end=0.1, steps=100) >> target
    assert s.phases[1] is target
    assert s(0) == 1e-4 and s(100) == target(0) and s(1000) == target(900)
    assert parse(repr(s)) == s


def test_linear_warmup_closed_form():
    s = warmup(constant(lr=0.2), steps=8, start=0.04)
    assert_closed_form(s, lambda t: 0.04 + (0.2 - 0.04) * t / 8 if t < 8 else 0.2, range(40))


def test_exponential_warmup_closed_form():
    s = warmup(constant(lr=0.1), steps=4, start=0.1 / 16, shape="exponential")
    assert_closed_form(s, lambda t: 0.1 / 16 * 2 ** min(t, 4), range(20))


def test_warmup_of_zero_steps_is_the_schedule_itself():
    target = cosine(lr=0.1, steps=10)
    assert warmup(target, steps=0) is target


def test_warmup_wraps_a_sequence_by_flattening_it():
    inner = cosine(lr=0.1, steps=10) >> constant(lr=0.001)
    s = warmup(inner, steps=5)
    assert len(s.phases) == 3 and s(5) == 0.1


def test_exponential_warmup_needs_a_positive_target():
    with pytest.raises(LRKitError, match=r"must start above 0 for shape='exponential'"):
        warmup(constant(lr=0.0), steps=5, start=0.0 + 1e-9, shape="exponential")


@pytest.mark.parametrize(("w", "total"), [(10, 100), (1, 5), (0, 50)])
def test_warmup_cosine_is_warmup_of_cosine(w, total):
    s = warmup_cosine(lr=0.1, warmup=w, steps=total, min_lr=0.01)
    assert s == warmup(cosine(lr=0.1, steps=total - w, min_lr=0.01), steps=w)
    assert s.horizon == total and s(total) == 0.01 and s(10**9) == 0.01


def test_wsd_phases_are_primitives():
    s = wsd(lr=0.1, warmup=10, stable=20, decay=30, min_lr=0.001, shape="1-sqrt")
    assert s.phases == (
        linear(start=0.001, end=0.1, steps=10),
        constant(lr=0.1, steps=20),
        one_minus_sqrt(lr=0.1, steps=30, min_lr=0.001),
    )
    assert wsd(lr=0.1, warmup=0, stable=0, decay=30, shape="cosine") == cosine(lr=0.1, steps=30)
    assert wsd(lr=0.1, warmup=0, stable=5, decay=30).phases[0] == constant(lr=0.1, steps=5)


@pytest.mark.parametrize(
    "schedule",
    [
        warmup(cosine(lr=0.1, steps=500), steps=100),
        warmup(cosine(lr=0.1, steps=500), steps=100, start=1e-5, shape="exponential"),
        warmup_cosine(lr=0.3, warmup=200, steps=2000, min_lr=0.003),
        wsd(lr=0.1, warmup=100, stable=300, decay=200, shape="linear"),
        wsd(lr=0.1, warmup=100, stable=300, decay=200, shape="cosine"),
        warmup(cosine_restarts(lr=0.1, period=50), steps=20),
    ],
    ids=repr,
)
def test_joins_are_continuous(schedule):
    # Each phase starts exactly where the previous one was heading: the value the
    # previous phase holds at its horizon. So the jump at a join is one ordinary
    # step of the ramp, never a discontinuity.
    for prev, nxt, b in zip(schedule.phases, schedule.phases[1:], schedule.boundaries.astype(int)):
        assert nxt(0) == pytest.approx(prev(prev.horizon), rel=1e-12), f"discontinuous join at t={b}"
        assert schedule(b) == nxt(0) and schedule(b - 1) == prev(prev.horizon - 1)
        jump = abs(schedule(b) - schedule(b - 1))
        ramp_step = abs(prev(prev.horizon) - prev(prev.horizon - 1))
        assert jump == pytest.approx(ramp_step, rel=1e-9, abs=1e-15)


def test_warmup_join_lands_exactly_on_the_schedule_start():
    s = warmup_cosine(lr=0.25, warmup=37, steps=400)
    ramp_next = 0.25 * 37 / 37  # the ramp's value one step past its end
    assert s(37) == ramp_next == cosine(lr=0.25, steps=363)(0)
    assert math.isclose(s(36), 0.25 * 36 / 37, rel_tol=1e-15)


def test_sequence_gives_the_same_values_for_sorted_and_shuffled_steps():
    # Sorted steps take a slicing fast path; any order takes the masked path.
    s = wsd(lr=0.1, warmup=10, stable=20, decay=30, shape="cosine") >> constant(lr=0.002)
    t = np.concatenate([np.arange(100), [10**9]])
    perm = np.random.default_rng(0).permutation(t.size)
    np.testing.assert_array_equal(s(t[perm]), s(t)[perm])
    np.testing.assert_array_equal(s(t[:100].reshape(10, 10)), s(t[:100]).reshape(10, 10))
    np.testing.assert_array_equal(s(np.array([59, 60, 60, 61])), [s(59), s(60), s(60), s(61)])
