"""A run that skipped its NaN batches and trained on was told it broke and to cut the rate (session-12
new-user probe, ux; ``/work/notes/ux12/REPORT.md``, D11; ``diagnostics/_diagnose.py``, ``_skipped.py``).

One corrupt row in a user's training data (``X[700, 10] = nan``, shuffled batches): the Autopilot skips the
batch that holds it, once an epoch, and trains its 400 updates to val_loss 0.289 (``lrkit train --autopilot
--script task.py:build --steps 400 --history run.csv``). The history has 18 NaN rows, each between finite
losses that keep falling. ``lrkit diagnose run.csv``: "verdict: nan ... Training broke at step 108: restore
a checkpoint from before it, divide the rate to about 0.00826 and clip gradients; if it happened early,
add 500 warmup steps." Nothing broke, and a rate ten times lower still meets the NaN row every epoch: the
cause is the data. (A plain loop that skips non-finite batches, ``if not torch.isfinite(loss): continue``,
writes the same history.) Expected: NaN losses with finite, falling losses after them are read as skipped
bad batches and the advice names the data, not a rate cut. Now NaN rows that each lie between finite losses
are read as skipped batches: the rest of the history gets the reading it gets without them (here the
plateau's decay, as the same run without the NaN rows), and a note names the data.
"""

from __future__ import annotations

import numpy as np
import pytest

import lrkit


def _history():
    rng = np.random.default_rng(0)
    t = np.arange(400.0)
    y = 2.3 * np.exp(-t / 60) + 0.05 + 0.02 * rng.standard_normal(400)  # a healthy descent
    skipped = [8, 38, 45, 82, 108, 113, 134, 170, 186, 198, 221, 261, 272, 289, 329, 337, 357, 376]
    y[skipped] = np.nan  # the steps the corrupt row's batch came round (the Autopilot run's own)
    return y


def test_nan_batches_the_run_trained_past_are_not_a_rate_to_cut():
    y = _history()
    d = lrkit.diagnose(y, lrs=np.full(400, 0.08))
    words = d.recommendation.lower()
    assert "divide the rate" not in words and "training broke" not in words and "warmup" not in words, words
    assert "data" in words and "18 losses are nan or infinite" in words, d.recommendation
    finite = np.isfinite(y)
    clean = lrkit.diagnose(y[finite], lrs=np.full(int(finite.sum()), 0.08), steps=np.flatnonzero(finite))
    assert d.verdict == clean.verdict != "nan" and d.n_steps == 400  # the rest read as it reads alone
    assert d.statistics["skipped_non_finite"] == 18


@pytest.mark.parametrize("y", [[1.0, 0.9, float("nan"), float("nan")] + [0.8] * 20,  # two in a row
                               [1.0 - 0.01 * i for i in range(30)] + [float("inf")]])  # the run ended broken
def test_a_run_that_stayed_broken_is_still_nan(y):
    assert lrkit.diagnose(y).verdict == "nan"
