"""A rate column that is 0 at every step (a frozen group 0 logged) is read as no rates and said
(``diagnostics/_rate_column.py``); the user-level case: ``test_ux9_zero_rate_column.py``."""

from __future__ import annotations

import numpy as np

from lrkit import diagnose

_N = 300
_SLOW = 2.0 - 0.001 * np.arange(_N) + 0.02 * np.random.default_rng(0).standard_normal(_N)


def test_a_zero_rate_column_is_read_as_no_rates_and_said():
    d, without = diagnose(_SLOW, lrs=np.zeros(_N)), diagnose(_SLOW)
    assert (d.verdict, d.statistics["decade_ratio"]) == (without.verdict, without.statistics["decade_ratio"])
    assert d.statistics["zero_lrs"] == 1.0 and "zero_lrs" not in without.statistics
    assert "frozen" in d.recommendation


def test_a_nan_in_a_history_logged_at_rate_zero_does_not_quote_a_rate_of_zero():
    d = diagnose(np.concatenate([_SLOW[:50], [np.nan]]), lrs=np.zeros(51))
    assert d.verdict == "nan" and "to about 0" not in d.recommendation and "frozen" in d.recommendation


def test_a_column_zero_only_in_part_is_a_rate():
    lrs = np.concatenate([np.zeros(10), np.full(_N - 10, 1e-4)])
    assert "zero_lrs" not in diagnose(_SLOW, lrs=lrs).statistics
