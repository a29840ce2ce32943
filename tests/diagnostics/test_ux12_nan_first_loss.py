"""A loss that is NaN at the first step is not blamed on the rate (session-12 new-user probe, ux;
``/work/notes/ux12/REPORT.md``, D2; ``diagnostics/_advice.py``, ``advise_nan``).

The first loss is computed before any update, so no learning rate can have made it NaN: the cause is
the data (a NaN input, a label out of range), the loss (``log(0)``), or the model's initialisation.
``diagnose`` (and the Watchdog live, and ``lrkit diagnose``) said "Training broke at step 0: restore a
checkpoint from before it, divide the rate by about 10 (to about 0.01) and clip gradients; if it
happened early, add 100 warmup steps": three rate remedies for a fault no rate caused. The advice for a
NaN at the first loss now names the data, loss or model, and does not tell the user to change the rate.
"""

from __future__ import annotations

import pytest
import torch

import lrkit
from lrkit.torch import NonFiniteLossError, Watchdog


@pytest.mark.parametrize("losses", [[float("nan")] * 50, [float("nan")] + [1.0 / (1 + i) for i in range(99)]],
                         ids=["all-nan", "nan-first-only"])
def test_a_nan_first_loss_is_not_blamed_on_the_rate(losses):
    d = lrkit.diagnose(losses, lrs=[0.1] * len(losses))
    assert d.verdict == "nan"
    words = d.recommendation.lower()
    assert "divide the rate" not in words and "warmup" not in words, d.recommendation
    assert "data" in words, d.recommendation  # what can make a loss NaN before any update
    assert d.direction == "none" and d.to_dict()["direction"] == "none"  # the advice leaves the rate alone


def test_a_nan_after_an_update_is_still_read_as_the_rate():
    d = lrkit.diagnose([1.0, float("inf")] + [float("nan")] * 20, lrs=[0.1] * 22)  # broken from step 1 on
    assert d.verdict == "nan" and d.direction == "lower"
    assert "divide the rate to about 0.01" in d.recommendation


def test_a_nan_first_logged_loss_later_than_step_0_says_what_the_history_cannot_tell():
    d = lrkit.diagnose([float("nan")] * 20, steps=range(10, 210, 10))  # e.g. logged every 10 updates
    words = d.recommendation
    assert "cannot tell" in words and "step 10" in words and "data" in words, words
    assert d.direction == "none"


def test_the_watchdog_says_the_same_live():
    wd = Watchdog(every=50, on_nan="raise", report=None)
    with pytest.raises(NonFiniteLossError, match="before any update") as caught:
        wd.observe(0, torch.tensor(float("nan")), lr=0.1)
    assert "divide the rate" not in str(caught.value)
