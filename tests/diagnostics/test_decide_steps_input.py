"""`decide` checks its `steps` as `diagnose` does (regression: session 6 review).

`diagnose(y, steps=...)` rejects steps out of order, of the wrong length or not numbers with one
`LRKitError`; `decide(measure(y), steps=...)` took them as given (`np.asarray(steps, dtype=int64)`),
so the evidence quoted steps running backwards, or failed later with an IndexError or a TypeError.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrkit
from lrkit.diagnostics import decide, measure

Y = np.exp(-np.arange(200) / 50) + 0.01 * np.random.default_rng(0).standard_normal(200)


@pytest.mark.parametrize("steps, message", [
    (np.arange(200)[::-1],
     r"`steps` of decide must be strictly increasing finite numbers; got \[199\.0, 198\.0"),
    ([0, 1, 2], r"`steps` of decide must have one value per loss \(200\); got 3\."),
    (["a"] * 200, r"`steps` of decide must be a sequence of numbers; got \['a'"),
    (np.full(200, np.nan), r"`steps` of decide must be strictly increasing finite numbers"),
])
def test_bad_steps_are_one_error_naming_the_parameter_and_value(steps, message):
    with pytest.raises(lrkit.LRKitError, match=message):
        decide(measure(Y), steps=steps)


def test_good_steps_give_what_diagnose_gives():
    steps = 10 * np.arange(200) + 5
    assert decide(measure(Y), steps=steps).to_dict() == lrkit.diagnose(Y, steps=steps).to_dict()
    assert decide(measure(Y), steps=list(steps)).to_dict() == lrkit.diagnose(Y, steps=steps).to_dict()
