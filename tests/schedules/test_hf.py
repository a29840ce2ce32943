"""Hugging Face ``transformers.get_scheduler`` names, matched by closed form.

Each reference below is the ``lr_lambda`` of ``transformers.optimization``
written out here (HF wraps it in ``LambdaLR``, so update ``t`` uses
``lr * lambda(t)``: the same step convention as lrkit). We compare on
``0 <= t < num_training_steps``; past it HF's cosine climbs back and its
restarts drop to 0, while lrkit holds its final value (docs/schedule.md, "Conventions": past the end).
"""

from __future__ import annotations

import math

import pytest

from lrkit.schedules import (
    constant,
    cosine,
    cosine_restarts,
    inverse_sqrt,
    linear,
    parse,
    polynomial,
    warmup,
    warmup_cosine,
    wsd,
)

from ._golden import assert_closed_form

LR = 3e-4
CASES = [(0, 1000), (1, 1000), (100, 1000), (250, 2000)]  # (num_warmup_steps, num_training_steps)


def _ramp(t: int, w: int) -> float:
    return t / max(1, w)


@pytest.mark.parametrize(("w", "total"), CASES)
def test_linear(w, total):
    def hf(t):
        return _ramp(t, w) if t < w else max(0.0, (total - t) / max(1, total - w))

    s = warmup(linear(start=LR, end=0.0, steps=total - w), steps=w)
    assert_closed_form(s, lambda t: LR * hf(t), range(total + 50), rel=1e-12)


@pytest.mark.parametrize(("w", "total"), CASES)
def test_cosine(w, total):
    def hf(t):
        if t < w:
            return _ramp(t, w)
        progress = (t - w) / max(1, total - w)
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))

    expected = lambda t: LR * hf(t)  # noqa: E731
    assert_closed_form(warmup_cosine(lr=LR, warmup=w, steps=total), expected, range(total + 1), rel=1e-12)
    assert_closed_form(warmup(cosine(lr=LR, steps=total - w), steps=w), expected, range(total + 1), rel=1e-12)


@pytest.mark.parametrize(
    ("w", "total", "cycles"), [(0, 1000, 1), (100, 900, 2), (10, 410, 4), (100, 1000, 3)]
)
def test_cosine_with_restarts(w, total, cycles):
    def hf(t):
        if t < w:
            return _ramp(t, w)
        progress = (t - w) / max(1, total - w)
        if progress >= 1.0:
            return 0.0
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * ((cycles * progress) % 1.0))))

    # Cycles of equal length (total - w) / cycles: SGDR with mult=1.
    s = warmup(cosine_restarts(lr=LR, period=(total - w) // cycles), steps=w)
    assert_closed_form(s, lambda t: LR * hf(t), range(total), rel=1e-9)


@pytest.mark.parametrize(("power", "lr_end"), [(1.0, 1e-7), (2.0, 1e-5), (0.5, 0.0)])
@pytest.mark.parametrize(("w", "total"), CASES)
def test_polynomial(w, total, power, lr_end):
    def hf(t):
        if t < w:
            return _ramp(t, w)
        if t > total:
            return lr_end / LR
        pct_remaining = 1 - (t - w) / (total - w)
        return ((LR - lr_end) * pct_remaining**power + lr_end) / LR

    s = warmup(polynomial(lr=LR, steps=total - w, power=power, end=lr_end), steps=w)
    assert_closed_form(s, lambda t: LR * hf(t), range(total + 50), rel=1e-12)


@pytest.mark.parametrize("w", [0, 1, 100])
def test_constant_with_warmup(w):
    s = warmup(constant(lr=LR), steps=w)
    assert_closed_form(s, lambda t: LR * (t / max(1.0, w) if t < w else 1.0), range(2000), rel=1e-12)


@pytest.mark.parametrize("w", [0, 1, 100, 4000])
def test_inverse_sqrt(w):
    timescale = w or 10_000

    def hf(t):
        if t < w:
            return _ramp(t, w)
        shift = timescale - w
        return 1.0 / math.sqrt((t + shift) / timescale)

    assert_closed_form(inverse_sqrt(lr=LR, warmup=w), lambda t: LR * hf(t), range(20000), rel=1e-12)


@pytest.mark.parametrize("decay_type", ["linear", "cosine", "1-sqrt"])
@pytest.mark.parametrize(
    ("w", "stable", "decay", "ratio"), [(100, 600, 300, 0.0), (0, 500, 500, 0.1), (50, 0, 100, 0.01)]
)
def test_warmup_stable_decay(w, stable, decay, ratio, decay_type):
    def hf(t):
        if t < w:
            progress = t / max(1, w)
            return max(0.0, progress * (1.0 - ratio) + ratio)
        if t < w + stable:
            return 1.0
        if t < w + stable + decay:
            progress = (t - w - stable) / max(1, decay)
            factor = {
                "linear": 1.0 - progress,
                "cosine": 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)),
                "1-sqrt": 1.0 - math.sqrt(progress),
            }[decay_type]
            return max(0.0, factor * (1.0 - ratio) + ratio)
        return ratio

    s = wsd(lr=LR, warmup=w, stable=stable, decay=decay, min_lr=ratio * LR, shape=decay_type)
    # wsd holds min_lr after the decay exactly as HF does, so compare past the end too.
    assert_closed_form(s, lambda t: LR * hf(t), range(w + stable + decay + 100), rel=1e-12)
    assert parse(repr(s)) == s
