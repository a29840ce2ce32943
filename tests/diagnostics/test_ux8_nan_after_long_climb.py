"""A NaN at the end of a long climb: the advice says where to restart from, which is before the climb,
not just before the NaN (ux8 probe).

`lrkit train --task digits-mlp --lr 2.0 --json > t.json; lrkit diagnose t.json`: the loss fell for 3
steps (2.32 -> 0.86), rose from step 3 on (742 at step 15, 4.6e9 at 50, 1.7e35 at 180) and was NaN at
step 185. `diagnose` says "Training broke at step 185: restore a checkpoint from before it, divide the
rate to about 0.2 and clip gradients; if it happened early, add 500 warmup steps", its evidence "after
rising to 5.08e+36 (median before: 7.55e+17)". A checkpoint from before step 185 holds a loss of 1e35:
the run broke at step 3, and nothing in the advice names it (`advise_nan` reads only the first
non-finite step). The test rebuilds that history's shape. Owner: diag (``diagnostics/_advice.py``
``advise_nan``).
"""

from __future__ import annotations

import re

import numpy as np

import lrkit


def _history() -> tuple[np.ndarray, np.ndarray]:
    head = [2.316, 1.659, 0.862, 1.018]
    climb = 1.018 * 1.55 ** np.arange(1, 182)  # 1.5 at step 4 ... ~1e34 at step 184
    y = np.concatenate([head, climb, [np.nan]])
    return y, np.full(y.size, 2.0)


def test_the_history_has_the_shape_of_the_real_run():
    y, _ = _history()
    assert y.size == 186 and np.isnan(y[185]) and np.argmin(y[:185]) == 2 and y[184] > 1e33


def test_nan_after_a_long_climb_names_where_the_climb_began():
    y, lrs = _history()
    d = lrkit.diagnose(y, lrs=lrs)
    assert d.verdict == "nan"
    named = [int(s) for s in re.findall(r"step (\d+)", d.recommendation)]
    assert any(s <= 10 for s in named), d.recommendation


def test_the_restore_point_is_the_lowest_loss_and_a_nan_without_a_climb_keeps_its_words():
    y, lrs = _history()
    d = lrkit.diagnose(y, lrs=lrs)
    assert "restore a checkpoint from step 2 or before" in d.recommendation, d.recommendation
    assert "0.862 at step 2" in d.evidence[0].detail
    sudden = np.r_[np.linspace(2.0, 1.0, 300), np.inf]  # no climb: the step before the NaN is the one
    assert "restore a checkpoint from before it" in lrkit.diagnose(sudden).recommendation
