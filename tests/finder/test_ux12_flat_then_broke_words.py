"""A sweep whose loss stayed flat until it broke is told to raise `end` (session-12 new-user probe, ux;
``/work/notes/ux12/REPORT.md``, L9; ``finder/_advice.py``).

``range_test`` over a loss that does not move at any rate until it turns NaN at 1e-3 (or blows up):
"No suggestion: the loss did not change during the sweep ... the sweep's rates were all too small, or
the model does not learn: check the loss and the data, or raise `end`". The sweep never reached its
`end` (10): it broke at 1e-3, so a higher end changes nothing. Now the way out names where it broke and
drops `end`; a flat sweep that ran to its end still says to raise it.
"""

from __future__ import annotations

import math

from lrkit import range_test
from lrkit.finder import advise


def test_a_flat_sweep_that_broke_is_not_told_to_raise_end():
    r = range_test(lambda lr: 1.0 if lr < 1e-3 else math.nan)
    a = advise(r)
    assert r.stop_reason == "nan" and a.lr is None
    assert "raise `end`" not in a.confidence_words, a.confidence_words
    assert "broke at 0.0011" in a.confidence_words, a.confidence_words


def test_a_flat_sweep_that_ran_to_its_end_is_still_told_to_raise_it():
    r = range_test(lambda lr: 1.0)
    assert r.stop_reason == "completed"
    assert "raise `end`" in advise(r).confidence_words
