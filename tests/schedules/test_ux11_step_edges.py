"""Steps at the int64 limit and numbers held in 0-d arrays and tensors (ux11 observations).

ux11: ``cosine(...)(10**20)`` said "must be an integer step >= 0; got 100000000000000000000" (it is
one: the limit is int64's, which the message did not name), while ``2**63`` (a numpy uint64) was
taken; ``10**5000`` raised Python's bare ``ValueError`` writing the message; a 0-d step tensor
that requires grad or is bfloat16 raised torch's own errors; and ``cosine(lr=torch.tensor(0.1))``
was refused as "must be a finite number >= 0; got tensor(0.1000)" (``np.array(0.1)``: "got 0.1").
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from lrkit import LRKitError
from lrkit.errors import MAX_INT
from lrkit.schedules import cosine, multistep, parse, reduce_on_plateau, wsd

C = cosine(lr=0.1, steps=100)
LIMIT = r"`t` of cosine must be an integer step in \[0, 2\*\*63 - 1\]; got "


@pytest.mark.parametrize(
    ("bad", "shown"),
    [
        (10**20, "100000000000000000000"),
        (2**63, "9223372036854775808"),
        (np.uint64(2**63), "9223372036854775808"),
        (np.array([3, 2**64 - 1], dtype=np.uint64), "18446744073709551615"),
        (1e19, r"1e\+19"),
        ([10**20], r"\[100000000000000000000\]"),
        (10**5000, "an integer of 16610 bits"),
        (-1, r"-1\.0"),
    ],
    ids=["10**20", "2**63", "uint64", "uint64-array", "1e19", "list", "10**5000", "-1"],
)
def test_a_step_past_int64_is_refused_naming_the_limit(bad, shown):
    with pytest.raises(LRKitError, match=LIMIT + shown + r"\.$"):
        C(bad)


def test_steps_up_to_the_limit_hold_the_final_value():
    for t in (MAX_INT, np.int64(MAX_INT), np.uint64(MAX_INT), torch.tensor(MAX_INT), float(2**62)):
        assert C(t) == C(10**9) == 0.0
    with pytest.raises(LRKitError, match=r"`t` of reduce_on_plateau must be an integer step in \[0, 2\*\*63"):
        reduce_on_plateau(lr=0.1)(10**20)


@pytest.mark.parametrize(
    "step",
    [
        np.array(3),
        np.array(3.0),
        torch.tensor(3),
        torch.tensor(3.0),
        torch.tensor(3.0, requires_grad=True),
        torch.tensor(3, dtype=torch.bfloat16),
        torch.tensor(3, dtype=torch.uint8),
    ],
    ids=repr,
)
def test_a_0d_step_is_the_step_it_holds(step):
    got = C(step)
    assert type(got) is float and got == C(3)


def test_step_tensors_with_grad_or_bfloat16_evaluate_like_arrays():
    t = torch.arange(4.0, requires_grad=True)
    assert C(t).tolist() == C(np.arange(4)).tolist()
    assert C(t.to(torch.bfloat16)).tolist() == C(np.arange(4)).tolist()


@pytest.mark.parametrize(
    "bad", [torch.tensor(2.5), torch.tensor(-1), np.array(-1.0), torch.tensor(True)], ids=repr
)
def test_a_0d_step_that_is_no_step_is_refused(bad):
    with pytest.raises(LRKitError, match=LIMIT):
        C(bad)


@given(st.integers(0, MAX_INT))
def test_a_step_evaluates_the_same_as_int_numpy_0d_and_torch_0d(t):
    assert C(t) == C(np.array(t)) == C(torch.tensor(t)) == C(np.int64(t))


@pytest.mark.parametrize(
    "number",
    [lambda v: np.array(v), lambda v: torch.tensor(v), lambda v: torch.tensor(v, dtype=torch.float64)],
    ids=["numpy-0d", "torch-0d", "torch-0d-float64"],
)
def test_parameters_held_in_0d_arrays_and_tensors_are_numbers(number):
    s = cosine(lr=number(0.25), steps=number(100), min_lr=number(0.0))
    assert s == cosine(lr=0.25, steps=100, min_lr=0.0)  # 0.25 is exact in float32 too
    assert parse(repr(s)) == s and type(s.lr) is float and type(s.steps) is int
    assert wsd(lr=number(0.5), warmup=number(2), stable=number(3), decay=number(4)) == wsd(
        lr=0.5, warmup=2, stable=3, decay=4
    )


LR = r"`lr` of cosine must be a finite number >= 0; got "
STEPS = r"`steps` of cosine must be a positive integer; got "


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: cosine(lr=torch.tensor(-0.1), steps=10), LR + r"-0\.1"),
        (lambda: cosine(lr=np.array(np.nan), steps=10), LR + r"nan\.$"),
        (lambda: cosine(lr=0.1, steps=torch.tensor(2.5)), STEPS + "2.5"),
        (lambda: cosine(lr=torch.tensor([0.1]), steps=10), LR + "tensor"),
        (lambda: cosine(lr=torch.tensor(True), steps=10), LR + r"True\.$"),
        (lambda: multistep(lr=0.1, milestones=[torch.tensor(0)]), r"`milestones` of multistep must be a pos"),
    ],
)
def test_a_bad_0d_parameter_is_named_by_the_number_it_holds(call, message):
    with pytest.raises(LRKitError, match=message):
        call()
