"""A loss that is NaN at the first step is blamed on the rate (session-12 new-user probe, ux;
``/work/notes/ux12/REPORT.md``, D2; owner diag: ``diagnostics/_advice.py``, ``advise_nan``).

The first loss is computed before any update, so no learning rate can have made it NaN: the cause is
the data (a NaN input, a label out of range), the loss (``log(0)``), or the model's initialisation.
``diagnose`` (and the Watchdog live, and ``lrkit diagnose``) say "Training broke at step 0: restore a
checkpoint from before it, divide the rate by about 10 (to about 0.01) and clip gradients; if it
happened early, add 100 warmup steps": three rate remedies for a fault no rate caused, and a checkpoint
"from before" the first step. Expected: the advice for a NaN at the first loss names the data, loss or
model, and does not tell the user to change the rate.
"""

from __future__ import annotations

import pytest

import lrkit


@pytest.mark.xfail(strict=True, reason="ux12 D2: a NaN first loss is blamed on the rate")
@pytest.mark.parametrize("losses", [[float("nan")] * 50, [float("nan")] + [1.0 / (1 + i) for i in range(99)]],
                         ids=["all-nan", "nan-first-only"])
def test_a_nan_first_loss_is_not_blamed_on_the_rate(losses):
    d = lrkit.diagnose(losses, lrs=[0.1] * len(losses))
    assert d.verdict == "nan"
    words = d.recommendation.lower()
    assert "divide the rate" not in words and "warmup" not in words, d.recommendation
    assert "data" in words, d.recommendation  # what can make a loss NaN before any update
