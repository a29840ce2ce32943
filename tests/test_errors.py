import math

import pytest

from lrkit import LRKitError
from lrkit.errors import check_choice, check_finite, check_int, check_positive, check_range, unknown_name


def test_error_is_a_value_error():
    assert issubclass(LRKitError, ValueError)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_positive("lr", -1, "cosine"), "`lr` of cosine must be a finite number > 0; got -1."),
        (lambda: check_positive("lr", 0, "cosine"), "`lr` of cosine must be a finite number > 0; got 0."),
        (lambda: check_positive("lr", math.nan, "x", allow_zero=True), "`lr` of x must be a finite number >= 0; got nan."),
        (lambda: check_int("steps", -5, "cosine"), "`steps` of cosine must be a positive integer; got -5."),
        (lambda: check_int("steps", 2.5, "cosine"), "`steps` of cosine must be a positive integer; got 2.5."),
        (lambda: check_int("steps", True, "cosine"), "`steps` of cosine must be a positive integer; got True."),
        (lambda: check_int("k", 9, "x", low=0, high=5), "`k` of x must be an integer in [0, 5]; got 9."),
        (lambda: check_range("p", 1.5, "x", 0, 1, low_open=True), "`p` of x must be a number in (0, 1]; got 1.5."),
        (lambda: check_finite("v", "a", "x"), "`v` of x must be a finite number; got 'a'."),
        (lambda: check_choice("mode", "tri", "cyclic", ["triangular", "exp_range"]),
         "`mode` of cyclic must be one of 'triangular', 'exp_range'; got 'tri'."),
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
