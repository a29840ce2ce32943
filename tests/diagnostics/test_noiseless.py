"""Noise-free curves (issue 19): an exactly linear loss is a crawl or a rise, never a zig-zag.

The zig-zag statistic divided two MADs of rounding error (one exactly 0): a straight line read
``too_high_oscillating`` with confidence 1.00.
"""

from __future__ import annotations

import numpy as np
import pytest

from lrkit.diagnostics import DiagnosePolicy, diagnose


@pytest.mark.parametrize("n", [50, 300, 1000])
@pytest.mark.parametrize(("start", "slope"), [(0.1, 0.37), (0.5, 0.001), (3.0, 0.01), (10.0, 0.1)])
def test_exact_lines(n, start, slope):
    t = np.arange(n)
    down = diagnose(start - slope * t)
    if n >= DiagnosePolicy().slow_min_updates:
        assert down.verdict == "too_low_slow", (down.verdict, down.confidence)
    else:  # too short against an optimizer's transient to read the pace: the crawl is the runner-up
        assert (down.verdict, down.runner_up) == ("healthy", "too_low_slow"), (down.verdict, down.runner_up)
    zigzag = next(e for e in down.evidence if e.statistic == "zigzag_ratio")
    assert zigzag.value == 1.0 and not zigzag.fired
    assert diagnose(start + slope * t).verdict == "too_high_diverging"
