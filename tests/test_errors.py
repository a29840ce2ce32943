import math

import pytest

from lrkit import LRKitError
from lrkit.errors import (MAX_INT, MAX_SHOWN, check_choice, check_finite, check_instance, check_int,
                          check_positive, check_range, unknown_name)


def test_error_is_a_value_error():
    assert issubclass(LRKitError, ValueError)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_positive("lr", -1, "cosine"), "`lr` of cosine must be a finite number > 0; got -1."),
        (lambda: check_positive("lr", 0, "cosine"), "`lr` of cosine must be a finite number > 0; got 0."),
        (lambda: check_positive("lr", math.nan, "x", allow_zero=True),
         "`lr` of x must be a finite number >= 0; got nan."),
        (lambda: check_int("steps", -5, "cosine"), "`steps` of cosine must be a positive integer; got -5."),
        (lambda: check_int("steps", 2.5, "cosine"), "`steps` of cosine must be a positive integer; got 2.5."),
        (lambda: check_int("steps", True, "cosine"),
         "`steps` of cosine must be a positive integer; got True."),
        (lambda: check_int("k", 9, "x", low=0, high=5), "`k` of x must be an integer in [0, 5]; got 9."),
        (lambda: check_range("p", 1.5, "x", 0, 1, low_open=True),
         "`p` of x must be a number in (0, 1]; got 1.5."),
        (lambda: check_finite("v", "a", "x"), "`v` of x must be a finite number; got 'a'."),
        (lambda: check_choice("mode", "tri", "cyclic", ["triangular", "exp_range"]),
         "`mode` of cyclic must be one of 'triangular', 'exp_range'; got 'tri'."),
        (lambda: check_instance("policy", 0.5, "diagnose", dict),
         "`policy` of diagnose must be a dict; got 0.5."),
        (lambda: check_instance("policy", None, "tune", IndexError),
         "`policy` of tune must be an IndexError; got None."),
        (lambda: check_int("steps", MAX_INT + 1, "x"),
         "`steps` of x must be an integer <= 9223372036854775807 (2**63 - 1); got 9223372036854775808."),
    ],
)
def test_messages_name_parameter_owner_allowed_and_value(call, message):
    with pytest.raises(LRKitError) as info:
        call()
    assert str(info.value) == message


def test_valid_values_pass_through():
    assert check_positive("lr", 0, "x", allow_zero=True) == 0.0
    assert check_int("steps", 100.0, "x") == 100
    assert check_range("p", 1, "x", 0, 1) == 1.0
    assert check_choice("m", "a", "x", ["a"]) == "a"


def test_unknown_name_suggests_close_match():
    err = unknown_name("task", "digits-mpl", ["digits-mlp", "charlm"])
    assert "did you mean 'digits-mlp'?" in str(err)
    assert "Valid: charlm, digits-mlp." in str(err)


def test_check_flag_takes_only_true_or_false():
    from lrkit.errors import check_flag

    assert check_flag("retry", True, "find_lr") is True
    assert check_flag("retry", False, "find_lr") is False
    for bad in (1, 0, "yes", None, 1.0):
        with pytest.raises(LRKitError, match=r"`retry` of find_lr must be True or False; got "):
            check_flag("retry", bad, "find_lr")


def test_available_memory_is_positive_and_within_physical_memory():
    import os

    from lrkit.errors import available_memory

    free = available_memory()
    assert free is not None and free > 0
    physical = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    assert free <= physical


def test_check_count_refuses_what_free_memory_cannot_hold():
    from lrkit.errors import available_memory, check_count

    free = available_memory()
    assert free is not None
    fits = max(1, free // 2**20)  # 1 MiB each: about all of free memory, but not more
    assert check_count("rows", 100, "demo", bytes_each=2**20) == 100
    assert check_count("rows", 2.0, "demo", bytes_each=8) == 2  # integral floats pass, as in check_int
    capped = r"`rows` of demo must be an integer in \[1, \d+\] \(at 1.04858e\+06 bytes"
    with pytest.raises(LRKitError, match=capped):
        check_count("rows", 4 * fits, "demo", bytes_each=2**20)
    with pytest.raises(LRKitError, match="`rows` of demo must be a positive integer; got 0"):
        check_count("rows", 0, "demo", bytes_each=8)  # check_int's rules come first


def test_a_long_value_is_cut_and_a_huge_integer_named_by_its_width():
    with pytest.raises(LRKitError) as caught:
        check_finite("v", "x" * 1000, "demo")
    shown = str(caught.value).split("; got ", 1)[1][:-1]
    assert len(shown) == MAX_SHOWN and shown.endswith("...")
    with pytest.raises(LRKitError, match=r"; got an integer of 4001 bits\.$"):
        check_int("k", 2**4000, "demo", high=5)
    with pytest.raises(LRKitError, match=rf"; got {2**199}\.$"):
        check_int("k", 2**199, "demo", high=5)  # 200 bits are written out


def test_exception_line_quotes_an_exception_on_one_line():
    from lrkit.errors import exception_line

    quoted = exception_line(RuntimeError("shape\n  mismatch:\t(2, 3)"))
    assert quoted == "RuntimeError: shape mismatch: (2, 3)"
    assert exception_line(KeyError("lr")) == "KeyError: 'lr'"


def test_scalar_value_unwraps_0d_arrays_and_tensors_only_and_shown_cuts():
    import numpy as np
    import torch

    from lrkit.errors import scalar_value, shown

    assert scalar_value(np.array(2.5)) == 2.5 and type(scalar_value(torch.tensor(3))) is int
    assert isinstance(scalar_value(torch.tensor([1.0])), torch.Tensor)  # one element, but a list
    assert scalar_value(np.array(None)) is None and scalar_value("x") == "x"
    assert shown(10**5000) == "an integer of 16610 bits" and len(shown("y" * 500)) == MAX_SHOWN
