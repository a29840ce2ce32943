"""One NaN value in the data was read as the blow-up: "try 2.49e-09" (session-12 new-user probe, ux;
``/work/notes/ux12/REPORT.md``, D12; ``finder/_retry.py`` ``settle``, ``finder/_advice.py``).

``lrkit find --script task.py:build`` where the training data holds one NaN value (row 700 of digits,
shuffled batches): the batch that carries it comes at sweep step 9, rate 4.4e-07, where the loss has not
moved; the sweep stops ("nan"), a second sweep below it sees a flat curve, and the answer is "A guess, not a
measurement: the sweep saw no descent, so try 2.49e-09 (1/10^2.25 of where the loss blew up)". Nothing blew
up: no rate of 4.4e-07 moves this model, and the best rate is near 0.05. The Autopilot skips such a batch
("one faulty batch from finite weights is skipped", ux10 D14); ``find_lr`` reads it as the edge of
stability and sends the user seven decades down. Expected: a lone NaN batch in a sweep whose loss had not
moved is not read as the blow-up (skipped as the Autopilot does, or no suggestion, naming the data). Now
a sweep whose loss turned non-finite with no descent in either pass and no rise before it (the stop rule
never fired) gives no suggestion, and the advice names a batch or the loss, not the rate.
"""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from lrkit.finder import advise
from lrkit.torch import find_lr


def test_a_nan_sample_early_in_the_sweep_is_not_the_blow_up():
    X, y = load_digits(return_X_y=True)
    X = torch.tensor((X - X.mean(0)) / (X.std(0) + 1e-6), dtype=torch.float32)
    y = torch.tensor(y)
    X[9 * 64 + 5, 10] = float("nan")  # one corrupt value, in the sweep's 10th batch
    batches = [(X[i:i + 64], y[i:i + 64]) for i in range(0, 1408, 64)]
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    r = find_lr(model, opt, nn.functional.cross_entropy, batches * 5)
    a = advise(r)
    assert r.suggestion is None or r.suggestion > 1e-4, (r.suggestion, a.headline)
    assert "blew up" not in a.headline, a.headline
    assert r.suggestion is None and "the data" in a.confidence_words, a.confidence_words
