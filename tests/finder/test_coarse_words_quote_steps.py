"""The ``coarse`` confidence words told every coarse sweep to "sweep with more steps (num_steps=100, the
default)", a number written into the text (session-13 finder lane; ``finder/_confidence.py``).

A sweep is coarse when its rates lie more than ``LOOSE_SPREAD`` apart, which 100 steps reach over any range
wider than about 48 decades: ``Sweep(start=1e-30, end=1e30, num_steps=100)`` read "coarse" and was told to use
the 100 steps it had. Expected: the words quote the sweep's own ``num_steps`` and range, and the steps this
range needs for the calibrated density (``CALIBRATED_STEPS`` rates per decade).
"""

from __future__ import annotations

import math

import pytest

from lrkit.finder import Sweep, advise, confidence_features, range_test, synthetic
from lrkit.finder._confidence import CALIBRATED_STEPS, coarse_steps


@pytest.mark.parametrize(("start", "end", "num_steps"),
                         [(1e-30, 1e30, 100), (1e-20, 1e10, 30), (1e-7, 10.0, 10)])
def test_the_coarse_words_quote_this_sweeps_steps_and_the_steps_its_range_needs(start, end, num_steps):
    sweep = Sweep(start=start, end=end, num_steps=num_steps)
    r = range_test(synthetic.quadratic(lipschitz=4.0).step, sweep=sweep)
    assert confidence_features(r)["kind"] == "coarse"
    needed = math.ceil(round(math.log10(end / start) * CALIBRATED_STEPS, 6)) + 1
    words = advise(r).confidence_words
    assert f"num_steps={num_steps} " in words and f"num_steps={needed} or more" in words, words
    assert f"--num-steps {needed}" in words and coarse_steps(r) == needed
    assert "num_steps=100, the default" not in words


def test_the_default_range_needs_the_default_steps():
    r = range_test(synthetic.quadratic(lipschitz=4.0).step, sweep=Sweep(num_steps=10))
    assert coarse_steps(r) == Sweep().num_steps
