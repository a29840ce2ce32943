"""On record (session 6, ux): `diagnose` checks `steps` but not `val_steps`.

`diagnose(y, steps=[...decreasing...])` is one `LRKitError` ("`steps` of diagnose must be strictly
increasing finite numbers"), but `val_steps=[100, 10]` is accepted and read in the order given, so
the guard's validation rise runs backwards in time. A negative gradient norm is accepted too.
Repro: `/work/notes/ux6/diag_inputs.py`. Owner: diag. Remove the xfail marks when fixed.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrkit

Y = np.exp(-np.arange(200) / 50) + 0.01 * np.random.default_rng(0).standard_normal(200)


@pytest.mark.xfail(strict=True, reason="val_steps out of order accepted (ux finding, owner diag)")
def test_val_steps_out_of_order_is_bad_input():
    with pytest.raises(lrkit.LRKitError, match=r"`val_steps` of diagnose"):
        lrkit.diagnose(Y, val_losses=[1.0, 0.5], val_steps=[100, 10])


@pytest.mark.xfail(strict=True, reason="negative grad_norms accepted (ux finding, owner diag)")
def test_negative_gradient_norms_are_bad_input():
    with pytest.raises(lrkit.LRKitError, match=r"`grad_norms` of diagnose"):
        lrkit.diagnose(Y, grad_norms=-np.ones(200))
