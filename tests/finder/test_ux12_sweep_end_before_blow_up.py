"""A sweep that ends before the blow-up answered a rate set by its `end`, headed "how sure: high"
(session-12 new-user probe, ux; ``/work/notes/ux12/REPORT.md``, D6; ``finder/_confidence.py``).

``lrkit find`` on digits-mlp (SGD momentum 0.9) with the default ``--end 10`` blows up near 1 and
suggests 0.053 (interval 0.023-0.12). With ``--end`` 1 / 0.3 / 0.1 / 0.03 / 0.01 the sweep never blows
up and the suggestion follows the end: 0.122 / 0.081 / 0.0050 / 0.0017 / 0.0006, every one "how sure:
high - ... about 9 in 10 readings like this one lost at most a tenth of what the best rate gains". The
momentum anchor reads the sweep's last rate as the blow-up ("the loss never blew up: a lower bound")
and pulls the reading 2.25 decades below it, so the less of the curve the sweep saw, the lower the
answer. Trained as advised (wsd, 920 updates): val_acc 0.889 at end=0.01's 0.0006 and 0.947 at
end=0.03's 0.0017, against 0.975 at 0.053 (the task's near-best band is 0.0046-0.1). One note line says
"a sweep to a higher `end` may move the suggestion up", under a headline that claims the zoo's
calibration, which holds for sweeps that saw their blow-up. Expected: a sweep that never saw its
blow-up is not "high" (or its answer does not move with `end`). Now such a sweep (stopped below
``CALIBRATED_END``, every calibrated sweep's end, without blowing up) is a ``short`` reading: ``low``,
its words saying it lies outside the calibration and to sweep to the default end.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from lrkit.finder import (CONFIDENCE_WORDS, FinderResult, Sweep, advise, confidence_features, range_test,
                          synthetic)
from lrkit.finder._confidence import short_of_blow_up
from lrkit.torch import find_lr


def _find(end):
    X, y = load_digits(return_X_y=True)
    X = torch.tensor((X - X.mean(0)) / (X.std(0) + 1e-6), dtype=torch.float32)
    y = torch.tensor(y)
    batches = [(X[i:i + 64], y[i:i + 64]) for i in range(0, 1408, 64)]
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    return find_lr(model, opt, nn.functional.cross_entropy, batches * 5, sweep=Sweep(end=end))


def test_a_sweep_that_never_blew_up_is_not_high_on_an_answer_set_by_its_end():
    whole, short = _find(10.0), _find(0.01)
    assert whole.stop_reason in ("diverged", "nan") and short.stop_reason == "completed"
    lo, hi = whole.interval
    moved = not lo <= short.suggestion <= hi
    assert np.log10(whole.suggestion / short.suggestion) > 1  # what happens: a decade and more lower
    assert not (moved and advise(short).confidence == "high"), (short.suggestion, advise(short).confidence)
    assert confidence_features(short)["kind"] == "short"
    assert "Outside the calibration" in advise(short).confidence_words
    assert confidence_features(whole)["kind"] != "short"


def _curve(lr):
    return float(synthetic.curve(np.array([lr]), noise=0.0)[0])  # falls near 1e-3, blows up near 0.1


@pytest.mark.parametrize("end", [1e-3, 0.05])
def test_a_short_sweep_of_a_closed_form_is_low_and_says_why(end):
    r = range_test(_curve, sweep=Sweep(start=1e-6, end=end, num_steps=80))
    assert r.stop_reason == "completed"
    assert confidence_features(r)["kind"] == "short" and CONFIDENCE_WORDS["short"] == "low"
    words = advise(r).confidence_words
    assert f"stopped at {end:g} before the loss blew up" in words and "end=10" in words, words


def test_a_sweep_that_blew_up_below_its_end_is_read_as_before():
    r = range_test(_curve, sweep=Sweep(start=1e-6, end=1.0, num_steps=80))  # the end below 10: blew up
    assert r.stop_reason in ("diverged", "nan") and confidence_features(r)["kind"] == "tight"
    assert advise(r).confidence == "high"


def test_a_second_sweep_below_a_first_that_never_blew_up_is_short():
    lrs = np.geomspace(1e-4, 1e-3, 100)
    losses = np.r_[np.full(50, 2.3), np.linspace(2.3, 1.0, 50)]
    meta = {"source": "second sweep",
            "passes": [{"start": 1e-7, "end": 1e-3, "stop_reason": "completed"},
                       {"start": 1e-4, "end": 1e-3, "stop_reason": "completed"}]}
    r = FinderResult(lrs=lrs, losses=losses, smoothed=losses, stop_reason="completed", suggestion=5e-4,
                     interval=None, rule="default", reason="falls", steps=100, wall_time=0.0, meta=meta)
    assert short_of_blow_up(r) and confidence_features(r)["kind"] == "short"
    blew = {**meta, "passes": [{**meta["passes"][0], "stop_reason": "diverged"}, meta["passes"][1]]}
    assert not short_of_blow_up(dataclasses.replace(r, meta=blew))  # ran below a blow-up it saw
