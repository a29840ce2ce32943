"""A sweep of the fewest steps allowed (10) answered a rate that diverges, "how sure: high" (session-12
new-user probe, ux; ``/work/notes/ux12/REPORT.md``, D8; ``finder/_confidence.py``, ``finder/_sweep.py``).

``lrkit find --num-steps 10`` on digits-mlp (SGD momentum 0.9): ten rates over eight decades, one update
each; the loss only moves at the last two (1.29 and 10), the sweep never blows up, and the answer is
"Use a peak learning rate of 2.41 ... how sure: high - Fair reading: the loss fell 30 times its
batch-to-batch noise ... about 9 in 10 readings like this one lost at most a tenth of what the best rate
gains". Trained as advised (``wsd(lr=2.41, ...)``, 920 updates) the run diverges (val_acc 0.10); the
default 100-step sweep says 0.053 (val_acc 0.975). ``Sweep`` accepts ``num_steps=10`` without a word,
and the confidence word is calibrated on 100-step sweeps that saw their blow-up. Expected: a sweep this
coarse is refused, or its answer is "low" (the test's 64-unit MLP reads 2.4-2.7, "medium" on 7 of 8
seed/width pairs: "the order of magnitude is sound", for a rate that diverges). Now a sweep whose rates lie
more than ``LOOSE_SPREAD`` apart is a ``coarse`` reading: ``low``, its words saying it lies outside the
calibration.
"""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from lrkit import LRKitError
from lrkit.finder import Sweep, advise, confidence_features, range_test, synthetic
from lrkit.finder._confidence import CALIBRATED_STEPS, coarse_grid
from lrkit.torch import find_lr


def test_a_ten_step_sweep_claims_no_confidence_in_a_rate_that_diverges():
    X, y = load_digits(return_X_y=True)
    X = torch.tensor((X - X.mean(0)) / (X.std(0) + 1e-6), dtype=torch.float32)
    y = torch.tensor(y)
    batches = [(X[i:i + 64], y[i:i + 64]) for i in range(0, 1408, 64)]
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    try:
        r = find_lr(model, opt, nn.functional.cross_entropy, batches, sweep=Sweep(num_steps=10))
    except LRKitError:
        return  # refusing a sweep this coarse is one acceptable answer
    assert r.stop_reason == "completed" and r.suggestion > 1.0  # the top decade, no blow-up seen
    assert advise(r).confidence == "low", (r.suggestion, advise(r).confidence)  # it diverges: not "sound"
    assert confidence_features(r)["kind"] == "coarse" and "num_steps=100" in advise(r).confidence_words


def test_a_sweep_as_fine_as_the_calibrated_ones_is_not_coarse():
    r = range_test(synthetic.quadratic(lipschitz=4.0).step, sweep=Sweep())
    assert coarse_grid(r) == pytest.approx(10 ** (8 / 99)) and confidence_features(r)["kind"] != "coarse"
    assert CALIBRATED_STEPS == pytest.approx(99 / 8)
