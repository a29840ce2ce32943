"""The schedule base: step validation, evaluation helpers, registry records, spec formatting."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lrkit.errors import LRKitError
from lrkit.schedules import (
    ScheduleInfo,
    cosine,
    cosine_restarts,
    inverse_sqrt,
    lookup,
    one_cycle,
    register,
    registry,
    step,
)
from lrkit.schedules._base import format_value, plain, spec_call, steps_array
from lrkit.schedules._powers import int_power


def test_steps_array_accepts_ints_and_whole_floats():
    out = steps_array(np.array([0, 3, 10**9], dtype=np.int64), "x")
    assert out.dtype == np.float64 and list(out) == [0.0, 3.0, 1e9]
    assert steps_array(5.0, "x").ndim == 0
    assert steps_array(np.array([], dtype=float), "x").size == 0
    assert list(steps_array(range(3), "x")) == [0.0, 1.0, 2.0]


@pytest.mark.parametrize(
    "bad", [-1, 2.5, math.nan, math.inf, np.array([1.0, -0.0 - 1]), "7", None, [True], 1 + 2j]
)
def test_steps_array_rejects_non_steps(bad):
    with pytest.raises(LRKitError, match=r"`t` of owner must be an integer step in \[0, 2\*\*63 - 1\]; got "):
        steps_array(bad, "owner")


def test_error_names_the_first_bad_step_as_a_plain_float():
    with pytest.raises(LRKitError, match=r"got -3\.0\.$"):
        steps_array(np.array([1, 2, -3, -4]), "owner")


@pytest.mark.parametrize(
    "k", [np.arange(50.0), np.array([0.0, 7.0, 65536.0]), np.array([70000.0, 3.0, 10**6])]
)
def test_int_power_equals_numpy_power(k):
    # Schedules raise decay factors (<= 1) to cycle or milestone counts.
    for base in (0.1, 0.5, 0.999, 1.0):
        np.testing.assert_allclose(int_power(base, k), np.power(base, k), rtol=1e-15, atol=0)


def test_int_power_is_exact_for_integer_bases():
    k = np.array([0.0, 1.0, 30.0, 52.0])
    assert list(int_power(2.0, k)) == [1.0, 2.0, 2.0**30, 2.0**52]


def test_evaluate_is_call_without_validation():
    s = cosine(lr=0.1, steps=10)
    t = np.arange(12, dtype=np.float64)
    np.testing.assert_array_equal(s.evaluate(t), s(t))
    assert s.evaluate(t).shape == t.shape


def test_register_rejects_a_second_registration():
    with pytest.raises(LRKitError, match=r"schedule name 'cosine' is registered twice"):
        register("cosine", "again")(object)


def test_reexecuting_a_module_may_register_the_same_definition_again():
    original = registry["constant"]
    try:
        register("constant", "re-imported", example="constant(lr=1.0)")(original.factory)
        assert registry["constant"].summary == "re-imported"
    finally:
        registry["constant"] = original


def test_lookup_and_info_records():
    info = lookup("warmup_cosine")
    assert isinstance(info, ScheduleInfo) and info.composite and not info.stateful
    assert lookup("reduce_on_plateau").stateful
    assert registry["cyclic"].torch == "CyclicLR"
    with pytest.raises(
        LRKitError, match=r"unknown schedule 'cosine_restart'; did you mean 'cosine_restarts'\?"
    ):
        lookup("cosine_restart")


def test_format_value_and_spec_call():
    assert format_value(3) == "3" and format_value(np.int64(3)) == "3"
    assert format_value(0.1) == "0.1" and format_value(-math.inf) == "-inf"
    assert (
        format_value("cos") == "'cos'"
        and format_value((1, 2.5)) == "[1, 2.5]"
        and format_value(None) == "None"
    )
    with pytest.raises(LRKitError, match=r"cannot write a value of type dict in a spec"):
        format_value({"a": 1})
    assert spec_call("f", {"a": 1, "b": None}, {"b"}) == "f(a=1)"
    assert spec_call("f", {"a": 1, "b": None}) == "f(a=1, b=None)"
    assert plain((cosine(lr=1.0, steps=2), np.float64(0.5))) == [
        {"name": "cosine", "lr": 1.0, "steps": 2, "min_lr": 0.0},
        0.5,
    ]


def test_family_helpers():
    oc = one_cycle(
        max_lr=1.0, steps=100, pct_start=0.25, three_phase=True, div_factor=10.0, final_div_factor=100.0
    )
    assert oc.initial_lr == 0.1 and oc.min_lr == 0.001
    assert oc.phases() == [(24.0, 0.1, 1.0), (48.0, 1.0, 0.1), (99.0, 0.1, 0.001)]
    i, start, length = cosine_restarts(lr=1.0, period=10, mult=3).cycle(
        np.array([0.0, 9.0, 10.0, 39.0, 40.0])
    )
    assert (
        list(i) == [0, 0, 1, 1, 2]
        and list(start) == [0, 0, 10, 10, 40]
        and list(length) == [10, 10, 30, 30, 90]
    )
    assert inverse_sqrt(lr=1.0, warmup=0).tau == 10_000 and inverse_sqrt(lr=1.0, warmup=5).tau == 5
    assert inverse_sqrt(lr=1.0, warmup=5, timescale=7).tau == 7
    assert step(lr=1.0, step_size=3).horizon is None and cosine(lr=1.0, steps=3).horizon == 3
