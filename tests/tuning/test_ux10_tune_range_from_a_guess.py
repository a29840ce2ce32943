"""``tune`` centres its rate range on a finder "guess, not a measurement" without a word (session-10
new-user probe, ux; ``/work/notes/ux10/REPORT.md``; owner: whoever owns ``tuning/_space.py``).

``lrkit tune --script badbatch.py:build --budget 100 --trials 4`` (digits, one NaN sample in batch 20):
the range test meets the NaN at update 21 and answers 2.3e-08 with the reason "a guess, not a
measurement: neither sweep showed a descent beyond its noise ...; 1/10^2.25 of 4.13e-06, where the loss
blew up" (``meta["source"] == "blow-up fallback"``). ``tune`` takes it as a measured suggestion: range
7.3e-10 .. 2.3e-07, ``lr_source`` "finder", no note; all 4 trials PRUNED as diverged, and the command
ends "no trial of study 'lrkit-build' completed yet". docs/tune.md: "If the finder cannot run (no torch
runner, or the sweep found no suggestion) the range is the documented fallback 1e-5 .. 1, and
``result.notes`` says so." A guess from a flat curve is no measured suggestion either. Expected: a note
saying the range comes from a guess (or the wide fallback range, with its note). The test's task is a
small regression with one NaN sample in its 7th batch; the test first checks that ``find_lr`` gives a
guess there.

Fixed: a range test that answers from its blow-up fallback (``meta["source"]``) gives ``tune`` no
measured rate: the wide range, with a note quoting the guess's reason (``tuning/_start.run_finder``).
"""

from __future__ import annotations

import pytest
import torch

from lrkit.torch import find_lr
from lrkit.tuning import WIDE_LR_RANGE, Storage, tune


def build(seed):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(640, 4, generator=g)
    y = X @ torch.tensor([1.0, -2.0, 0.5, 3.0])
    X[200, 1] = float("nan")  # one bad sample, in batch 6
    torch.manual_seed(seed)
    model = torch.nn.Linear(4, 1)
    batches = [(X[i:i + 32], y[i:i + 32]) for i in range(0, 640, 32)]
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.01),
            "loss_fn": lambda out, t: ((out.squeeze(1) - t) ** 2).mean(),
            "train_loader": batches[:16], "val_loader": batches[16:]}


def test_a_range_centred_on_a_guess_is_said(tmp_path):
    p = build(0)
    guess = find_lr(p["model"], p["optimizer"], p["loss_fn"], p["train_loader"], interval=False)
    # the premise: no measured rate (a guess before ux12 D12; since, no suggestion, naming the data)
    assert guess.suggestion is None or (guess.is_guess and "a guess" in guess.reason)
    r = tune(build, n_trials=1, budget=12, pruner="none", storage=Storage(out=str(tmp_path)))
    said = [n for n in r.notes if "guess" in n]
    assert said or tuple(r.lr_range) == tuple(WIDE_LR_RANGE), (r.lr_range, r.notes)


def test_the_guess_source_is_one_find_lr_names():
    from lrkit.finder import GUESS_SOURCE, SOURCES

    assert GUESS_SOURCE in SOURCES and GUESS_SOURCE == "blow-up fallback"
