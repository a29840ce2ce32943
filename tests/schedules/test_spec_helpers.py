"""The helpers other layers build specs and compare rates with: ``spec_call`` / ``format_value`` write
what ``parse`` reads back, ``peak_rate`` is a schedule's largest value, ``rates_disagree`` lrkit's
rate rule's "more than ``RATE_TOLERANCE`` apart"."""

from __future__ import annotations

import numpy as np
import pytest

import lrkit.schedules as S
from lrkit import LRKitError
from lrkit.schedules import RATE_TOLERANCE, format_value, parse, peak_rate, rates_disagree, spec_call


@pytest.mark.parametrize("schedule", [
    S.cosine(0.1, 100, min_lr=1e-4), S.multistep(0.3, [30, 60], gamma=0.5),
    S.cyclic(1e-3, 0.1, 20, mode="exp_range", gamma=0.99), S.polynomial(1.0, 50, power=2.5, end=1e-300),
], ids=repr)
def test_spec_call_of_a_schedules_parameters_parses_back_to_it(schedule):
    params = schedule.to_dict()
    name = params.pop("name")
    assert parse(spec_call(name, params)) == schedule


def test_spec_call_leaves_out_only_the_none_values_it_is_told_to():
    assert spec_call("f", {"a": None, "b": None}, omit_if_none=("a",)) == "f(b=None)"


def test_format_value_writes_what_parse_reads_back():
    for gamma in (0.1, 1e-300, 1, np.float32(0.5), 0.1 + 0.2):
        assert parse(f"step(lr=1.0, step_size=5, gamma={format_value(gamma)})").gamma == gamma
    assert parse(f"multistep(lr=1.0, milestones={format_value((30, 60))})") == S.multistep(1.0, [30, 60])
    with pytest.raises(LRKitError, match="cannot write a value of type dict in a spec"):
        format_value({"a": 1})


def test_peak_rate_is_the_largest_value_and_rates_disagree_past_the_tolerance():
    s = parse("warmup(cosine(lr=3e-4, steps=900), steps=100)")
    assert peak_rate(s) == float(np.max(s(np.arange(1000)))) == 3e-4
    assert peak_rate(S.constant(0.05)) == 0.05  # no horizon: its first PEAK_SCAN steps
    assert not rates_disagree(1.0, 1.0 - 0.99 * RATE_TOLERANCE)
    apart = 1.0 - 1.01 * RATE_TOLERANCE
    assert rates_disagree(1.0, apart) and rates_disagree(apart, 1.0)
