"""Hypothesis properties over drawn parameters: bounds, monotone phases, joins, scalar == vectorized."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

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
    warmup,
    warmup_cosine,
    wsd,
)

rates = st.floats(1e-6, 10.0, allow_nan=False)
lengths = st.integers(1, 3000)
fractions = st.floats(0.0, 1.0)
gammas = st.floats(0.01, 1.0)
TOL = 1e-12


def _grid(horizon: int | None) -> np.ndarray:
    h = horizon or 3000
    return np.unique(np.concatenate([np.arange(min(h + 5, 4000)), [h, 2 * h, 10**6, 10**9]]))


def _non_increasing(v: np.ndarray) -> bool:
    return bool(np.all(np.diff(v) <= TOL * np.abs(v[:-1]) + 1e-300))


def _non_decreasing(v: np.ndarray) -> bool:
    return bool(np.all(np.diff(v) >= -TOL * np.abs(v[1:]) - 1e-300))


@st.composite
def decays(draw):
    """(schedule, lo, hi) for the families that never increase."""
    lr, n = draw(rates), draw(lengths)
    floor = lr * draw(fractions)
    kind = draw(
        st.sampled_from(
            ["cosine", "step", "multistep", "exponential", "polynomial", "one_minus_sqrt", "inverse_time"]
        )
    )
    if kind == "cosine":
        return cosine(lr=lr, steps=n, min_lr=floor), floor, lr
    if kind == "step":
        return step(lr=lr, step_size=n, gamma=draw(gammas)), 0.0, lr
    if kind == "multistep":
        ms = draw(st.lists(st.integers(1, 5000), min_size=1, max_size=6))
        return multistep(lr=lr, milestones=ms, gamma=draw(gammas)), 0.0, lr
    if kind == "exponential":
        return exponential(lr=lr, gamma=draw(st.floats(0.9, 1.0))), 0.0, lr
    if kind == "polynomial":
        return polynomial(lr=lr, steps=n, power=draw(st.floats(0.1, 5.0)), end=floor), floor, lr
    if kind == "one_minus_sqrt":
        return one_minus_sqrt(lr=lr, steps=n, min_lr=floor), floor, lr
    return (
        inverse_time(
            lr=lr, decay_rate=draw(st.floats(0.0, 10.0)), decay_steps=n, staircase=draw(st.booleans())
        ),
        0.0,
        lr,
    )


@given(decays())
def test_decays_are_bounded_and_non_increasing(case):
    s, lo, hi = case
    v = s(_grid(s.horizon))
    assert np.all(v >= lo * (1 - TOL)) and np.all(v <= hi * (1 + TOL)), s
    assert _non_increasing(v), s
    assert v[0] == s(0) and abs(s(0) - hi) <= TOL * hi


@given(st.floats(0.0, 10.0), st.floats(0.0, 10.0), lengths, st.booleans())
def test_ramps_and_sweeps_are_monotone_between_their_ends(a, b, n, sweep):
    s = linear_sweep(start=a, end=b, steps=n + 1) if sweep else linear(start=a, end=b, steps=n)
    v = s(_grid(n))
    assert np.all(v >= min(a, b) * (1 - TOL)) and np.all(v <= max(a, b) * (1 + TOL))
    assert _non_decreasing(v) if b >= a else _non_increasing(v)
    assert v[0] == a and s(10**9) == b


@given(rates, rates, lengths, st.booleans())
def test_geometric_ramps_and_sweeps_are_monotone_between_their_ends(a, b, n, sweep):
    s = exp_sweep(start=a, end=b, steps=n + 1) if sweep else geometric(start=a, end=b, steps=n)
    v = s(_grid(n))
    assert np.all(v >= min(a, b) * (1 - TOL)) and np.all(v <= max(a, b) * (1 + TOL))
    assert _non_decreasing(v) if b >= a else _non_increasing(v)
    assert s(0) == a and s(n) == b


@given(rates, st.integers(0, 500), st.one_of(st.none(), st.integers(1, 500)))
def test_inverse_sqrt_rises_then_falls(lr, w, timescale):
    s = inverse_sqrt(lr=lr, warmup=w, timescale=timescale)
    v = s(np.arange(w + 2000))
    assert _non_decreasing(v[: w + 1]) and _non_increasing(v[w:])
    # After warmup t - w + tau >= tau, so the decay factor is at most 1: the peak is lr at t = w.
    assert np.all(v >= 0) and np.all(v <= lr * (1 + TOL)) and v[w] == lr


@given(rates, st.integers(1, 200), st.integers(1, 3), fractions, st.floats(0.3, 1.0))
def test_cosine_restarts_bounded_and_non_increasing_within_each_cycle(lr, period, mult, frac, decay):
    s = cosine_restarts(lr=lr, period=period, mult=mult, min_lr=lr * frac, decay=decay)
    t = np.arange(4000)
    v = s(t)
    assert np.all(v >= lr * frac * (1 - TOL)) and np.all(v <= lr * (1 + TOL))
    cycle, start, _ = s.cycle(t.astype(float))
    for c in np.unique(cycle)[:-1]:
        assert _non_increasing(v[cycle == c])
    # Each cycle starts at its (decayed) peak.
    starts = start.astype(int)
    np.testing.assert_allclose(v[starts], lr * frac + (lr - lr * frac) * decay**cycle, rtol=1e-12)


@given(
    rates,
    st.floats(1.0, 100.0),
    st.integers(1, 300),
    st.one_of(st.none(), st.integers(1, 300)),
    st.sampled_from(["triangular", "triangular2", "exp_range"]),
    st.floats(0.99, 1.0),
)
def test_cyclic_bounded_and_monotone_in_each_half_cycle(base, ratio, up, down, mode, gamma):
    s = cyclic(
        base_lr=base,
        max_lr=base * ratio,
        step_size_up=up,
        step_size_down=down,
        mode=mode,
        gamma=gamma if mode == "exp_range" else 1.0,
    )
    d = down or up
    v = s(np.arange(3 * (up + d) + 1))
    assert np.all(v >= base * (1 - TOL)) and np.all(v <= base * ratio * (1 + TOL))
    assert abs(v[up + d] - base) <= TOL * base
    if mode == "exp_range":
        # The triangle shrunk by gamma**t: below the triangular wave, never below base.
        tri = cyclic(base_lr=base, max_lr=base * ratio, step_size_up=up, step_size_down=down)(
            np.arange(v.size)
        )
        np.testing.assert_allclose(
            v - base, (tri - base) * gamma ** np.arange(v.size), rtol=1e-9, atol=1e-12 * base
        )
    else:
        assert _non_decreasing(v[: up + 1]) and _non_increasing(v[up : up + d + 1])


@given(
    rates,
    st.integers(1, 3000),
    st.one_of(st.floats(0.0, 0.5), st.just(0.01)),  # 0.01 * 100 == 1: a zero-length warmup
    st.sampled_from(["cos", "linear"]),
    st.booleans(),
    st.floats(1.5, 100.0),
    st.floats(1.5, 1e4),
)
def test_one_cycle_rises_to_max_then_falls(max_lr, n, pct, anneal, three, div, final_div):
    s = one_cycle(
        max_lr=max_lr,
        steps=n,
        pct_start=pct,
        anneal=anneal,
        three_phase=three,
        div_factor=div,
        final_div_factor=final_div,
    )
    v = s(_grid(n))
    assert np.all(v >= s.min_lr * (1 - 1e-9)) and np.all(v <= max_lr * (1 + TOL))
    peak = int(np.argmax(v))
    assert _non_decreasing(v[: peak + 1]) and _non_increasing(v[peak:])
    assert abs(s(n - 1) - s.min_lr) <= 1e-9 * s.initial_lr


schedules = st.one_of(
    decays().map(lambda c: c[0]),
    st.builds(lambda a, b, n: linear(start=a, end=b, steps=n), st.floats(0, 1), st.floats(0, 1), lengths),
    st.builds(
        lambda lr, w, n: warmup_cosine(lr=lr, warmup=w, steps=w + n), rates, st.integers(0, 300), lengths
    ),
    st.builds(
        lambda lr, w, s_, d, sh: wsd(lr=lr, warmup=w, stable=s_, decay=d, shape=sh),
        rates,
        st.integers(0, 200),
        st.integers(0, 200),
        st.integers(1, 200),
        st.sampled_from(["linear", "cosine", "1-sqrt"]),
    ),
    st.builds(lambda lr: constant(lr=lr), rates),
)
finite = schedules.filter(lambda s: s.horizon is not None)


@given(schedules, st.lists(st.integers(0, 10**9), min_size=1, max_size=30))
def test_vectorized_equals_scalar(s, ts):
    vec = s(np.array(ts))
    assert [s(t) for t in ts] == list(vec)


@given(finite, schedules, st.lists(st.integers(0, 10_000), min_size=1, max_size=50))
def test_sequence_equals_piecewise_evaluation(a, b, ts):
    s = a >> b
    h = a.horizon
    expected = [a(t) if t < h else b(t - h) for t in ts]
    assert list(s(np.array(ts))) == expected


@given(schedules, st.integers(1, 500), st.floats(0.0, 1.0), st.sampled_from(["linear", "exponential"]))
def test_warmup_join_is_continuous(s, w, start_frac, shape):
    target = s(0)
    if shape == "exponential" and target <= 0:
        return
    start = target * start_frac if shape == "linear" else target * max(start_frac, 1e-6)
    ws = warmup(s, steps=w, start=start, shape=shape)
    ramp = ws.phases[0]
    # The ramp ends exactly where the schedule starts, and stays between start and target.
    assert ramp(w) == target and ws(w) == target
    v = ws(np.arange(w))
    assert np.all(v >= start * (1 - TOL)) and np.all(v <= target * (1 + TOL)) and _non_decreasing(v)
