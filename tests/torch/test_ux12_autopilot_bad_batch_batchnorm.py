"""One NaN sample in a BatchNorm model left the Autopilot's model NaN in eval mode (session-12 new-user
probe, ux; ``/work/notes/ux12/REPORT.md``, D9; owner auto: ``torch/_autopilot_guard.py``).

docs/watch.md: "one faulty batch from finite weights is skipped (one NaN sample makes its whole batch's
loss NaN, and the next batch is clean ...)" and "Give it the model (``model=``), so that its snapshots
include buffers such as BatchNorm statistics". A digits MLP with ``BatchNorm1d``, SGD momentum 0.9,
``Autopilot(opt, budget=400, model=m)``, one NaN pixel in the batch of update 200: the forward in train
mode has already written NaN into ``running_mean`` / ``running_var`` when ``ap.step`` sees the NaN loss;
the update is skipped (event ``fault``), the buffers are not put back, and a running average of NaN stays
NaN. The run ends "done" with finite weights and normal training losses (train mode uses the batch's
statistics), but in eval mode every output was NaN: val_acc 0.098 (chance) where the run without the bad
sample reaches 0.92. Now the skip puts the buffers back from the last good snapshot when the bad batch
left one non-finite (the event's ``buffers_from``).
"""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from lrkit.torch import Autopilot


def test_a_skipped_bad_batch_leaves_batchnorm_usable_in_eval():
    X, y = load_digits(return_X_y=True)
    X = torch.tensor((X - X.mean(0)) / (X.std(0) + 1e-6), dtype=torch.float32)
    y = torch.tensor(y)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ap = Autopilot(opt, budget=400, model=model)
    i = 0
    while not ap.done:
        j = (i * 64) % 1344
        x = X[j:j + 64].clone()
        if i == 200:
            x[3, 5] = float("nan")  # one bad sample in the main phase
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y[j:j + 64])
        loss.backward()
        ap.step(loss)
        i += 1
    assert any("fault" in e for e in ap.events)  # the bad batch was seen and skipped
    at = 200 - ap.probe_steps - ap.race_steps  # the bad update's main-phase step
    skipped = [e for e in ap.events if e.get("action") == "skipped" and e["t"] == at]
    assert len(skipped) == 1 and skipped[0]["buffers_from"] < skipped[0]["t"], ap.events
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert all(torch.isfinite(b).all() for b in model.buffers() if b.is_floating_point())
    model.eval()
    with torch.no_grad():
        assert (model(X[1400:]).argmax(1) == y[1400:]).float().mean() > 0.8  # 0.92 without the bad sample
