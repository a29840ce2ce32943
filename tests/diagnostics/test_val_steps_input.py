"""`val_steps` out of order and negative gradient norms are bad input (regression: ux finding, session 6).

`diagnose(y, steps=[...decreasing...])` is one `LRKitError` ("`steps` of diagnose must be strictly
increasing finite numbers"), but `val_steps=[100, 10]` is accepted and read in the order given, so
the guard's validation rise runs backwards in time. A negative gradient norm is accepted too.
Repro: `/work/notes/ux6/diag_inputs.py`. Both are now one `LRKitError`, from `decide` too.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrkit

Y = np.exp(-np.arange(200) / 50) + 0.01 * np.random.default_rng(0).standard_normal(200)


def test_val_steps_out_of_order_is_bad_input():
    with pytest.raises(lrkit.LRKitError, match=r"`val_steps` of diagnose"):
        lrkit.diagnose(Y, val_losses=[1.0, 0.5], val_steps=[100, 10])


def test_negative_gradient_norms_are_bad_input():
    with pytest.raises(lrkit.LRKitError, match=r"`grad_norms` of diagnose"):
        lrkit.diagnose(Y, grad_norms=-np.ones(200))


def test_decide_checks_them_too_and_nan_norms_are_fine():
    from lrkit.diagnostics import decide, measure

    m = measure(Y)
    with pytest.raises(lrkit.LRKitError, match=r"`val_steps` of decide must be strictly increasing"):
        decide(m, val_losses=[1.0, 0.5, 0.4], val_steps=[10, 10, 20])
    with pytest.raises(lrkit.LRKitError, match=r"`grad_norms` of decide must be non-negative.*index 3"):
        decide(m, grad_norms=[1.0, 1.0, 1.0, -2.0] + [1.0] * 196)
    norms = np.full(200, np.nan)  # not logged at every step
    assert lrkit.diagnose(Y, grad_norms=norms).verdict == lrkit.diagnose(Y).verdict
