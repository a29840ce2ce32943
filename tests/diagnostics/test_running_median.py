"""The O(n log n) running median against its readable reference, bit for bit (issue 19)."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit.diagnostics import running_median, running_median_reference, window_medians


@pytest.mark.parametrize("seed", range(40))
def test_parity_with_the_reference(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    window = int(rng.integers(1, 40)) if seed % 2 else int(rng.integers(1, 2 * n + 3))
    y = rng.normal(size=n) * 10.0 ** rng.integers(-3, 4)
    if seed % 3 == 0:
        y = np.round(y, 1)  # many ties
    if seed % 4 == 0:
        y[rng.random(n) < 0.2] = np.nan  # skipped, as nanmedian skips them
    if seed % 5 == 0:
        y[rng.random(n) < 0.1] = np.inf
    assert np.array_equal(running_median(y, window), running_median_reference(y, window), equal_nan=True)


def test_arbitrary_windows_match_nanmedian():
    rng = np.random.default_rng(7)
    y = rng.normal(size=300)
    y[::17] = np.nan
    lo = rng.integers(0, 300, 500)
    hi = np.minimum(lo + rng.integers(0, 120, 500), 300)
    got = window_medians(y, lo, hi)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        want = np.array([np.nanmedian(y[a:b]) if b > a else np.nan for a, b in zip(lo, hi)])
    assert np.array_equal(got, want, equal_nan=True)


def test_edges_and_degenerate_inputs():
    assert running_median(np.array([]), 5).size == 0
    assert running_median(np.array([3.0]), 9).tolist() == [3.0]
    assert running_median(np.array([1.0, 2.0]), 1).tolist() == [1.0, 2.0]
    assert np.isnan(running_median(np.full(4, np.nan), 3)).all()
    assert running_median(np.array([1.0, 5.0, 2.0, 8.0]), 3).tolist() == [3.0, 2.0, 5.0, 5.0]
