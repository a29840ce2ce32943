"""The spec parser's bounds (issue 19): any input ends in a schedule or one LRKitError, quickly.

A ``>>`` chain of any length within the size bound parses (the chain is split before Python's
recursive parser sees it); huge integers, huge specs, deep nesting and lone surrogates are each
one clear error, never RecursionError, OverflowError, UnicodeEncodeError or minutes of work.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from lrkit.errors import LRKitError
from lrkit.schedules import constant, parse
from lrkit.schedules._spec import MAX_NESTING, MAX_SPEC_CHARS


@pytest.mark.parametrize("n", [983, 4000])
def test_long_chains_parse_iteratively(n):
    spec = ">>".join(["constant(lr=0.1,steps=1)"] * (n - 1) + ["constant(lr=0.2)"]).replace("0.1", ".1")
    assert len(spec) <= MAX_SPEC_CHARS
    s = parse(spec)
    assert len(s.phases) == n and s(n - 2) == 0.1 and s(n - 1) == 0.2
    assert parse(s.to_spec()) == s if len(s.to_spec()) <= MAX_SPEC_CHARS else True


def test_chain_inside_parentheses_and_strings_with_shift_signs():
    s = parse("(linear(start=0, end=0.1, steps=2) >> (constant(lr=0.1, steps=3) >> constant(lr=0.01)))")
    assert s(np.arange(6)).tolist() == pytest.approx([0.0, 0.05, 0.1, 0.1, 0.1, 0.01])
    with pytest.raises(LRKitError, match="shape"):  # a '>>' inside quotes is not a join
        parse("warmup(constant(lr=0.1), steps=3, shape='a>>b')")


def test_joined_non_schedule_keeps_its_message():
    with pytest.raises(LRKitError, match="'>>' joins schedules, but 3 is not a schedule"):
        parse("constant(lr=0.1, steps=2) >> 3")


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("cosine(lr=0.1, steps=0x" + "f" * 1000 + ")", "an integer of 4000 bits is larger than"),
        ("cosine(lr=0.1, steps=" + "9" * 5000 + ")", "Exceeds the limit"),
        ("cosine(lr=0.1, steps=100)\udc80", "lone surrogate '\\\\udc80'"),
        ("cosine(lr=0.1\ud800, steps=10)", "character 13 is a lone surrogate"),
        ("warmup(" * 300 + "constant(lr=0.1)" + ", steps=1)" * 300, "too many nested parentheses"),
        ("scale(" * (MAX_NESTING + 2) + "constant(lr=0.1)" + ", 1.0)" * (MAX_NESTING + 2),
         "nested more than 50 levels deep"),
        ("multistep(lr=0.1, milestones=[" + ",".join(map(str, range(1, 10**6))) + "])",
         f"at most {MAX_SPEC_CHARS} characters"),
        ("cosine(lr=0.1,\x00 steps=10)", "null bytes"),
        ("constant(lr=0.1) >> >> constant(lr=0.1)", "invalid syntax"),
        ("constant(lr=0.1) >>", "invalid schedule spec"),
    ],
)
def test_hostile_specs_are_one_quick_error(spec, match):
    start = time.process_time()
    with pytest.raises(LRKitError, match=match) as info:
        parse(spec)
    assert time.process_time() - start < 1.0
    assert len(str(info.value)) < 400  # the spec is quoted cut short, not echoed whole


def test_a_thousand_milestones_still_parse():
    s = parse("multistep(lr=1.0, milestones=[" + ",".join(map(str, range(1, 1001))) + "], gamma=0.5)")
    assert s(1000) == 0.5**1000 and s(0) == 1.0


def test_constant_spec_unchanged():
    assert parse("constant(lr=0.1)") == constant(lr=0.1)
