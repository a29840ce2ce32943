"""One NaN sample in the training data leaves the Autopilot's model at chance, reported as done
(session-10 new-user probe, ux; ``/work/notes/ux10/REPORT.md``; owner auto).

digits MLP 64-64-10, SGD momentum 0.9, batch 32, an epoch of 43 fixed batches replayed, ``budget=300``.
Clean (42 batches): validation loss 0.343, peak 0.052. With one sample's first pixel NaN in one batch
(position 35; a NaN feature in real data, a ``log(0)`` of one sample in a custom loss), the Autopilot:

* reads the NaN the ramp meets at update 35 as the blow-up, so the peak is 2.3e-4 (200x below the clean
  run's), with the loss not yet risen (a NaN at the loss's starting level is the batch's, not the
  rate's; at position 20 the peak is 3e-5);
* meets the batch again every epoch (43 updates, fewer than ``snapshot_every = 50`` healthy updates), so
  every fault rolls back to the snapshot of update 0 and halves the rate: 6 rollbacks, all
  ``restored_to 0``, scale 1 -> 1/32;

and ends at validation loss 2.32 (chance, ln 10 = 2.30) with ``ap.done`` and ``total_steps == 300``, no
error, no warning. ``lrkit.tasks.train`` on the same data stops at the NaN with ``diverged=True``;
docs/watch.md sells the Autopilot on "rollback on NaN or spikes". The NaN is seen in ``ap.step(loss)``
before ``optimizer.step()``, so skipping that update (as one spiking batch is skipped) would lose nothing.
Expected: within 2x of the clean run's validation loss, or an ``LRKitError`` naming the non-finite loss;
never a model at chance reported as done.
"""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot

_X, _Y = (torch.tensor(a) for a in load_digits(return_X_y=True))
_X = _X.float() / 16.0
_CLEAN = [(_X[i:i + 32], _Y[i:i + 32]) for i in range(0, 1344, 32)]  # 42 batches
_BAD_X = _CLEAN[20][0].clone()
_BAD_X[0, 0] = float("nan")


def _val_loss_after(batches) -> float:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    ap = Autopilot(torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9), budget=300, model=model)
    t = 0
    while not ap.done:
        xb, yb = batches[t % len(batches)]
        ap.optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(xb), yb)
        loss.backward()
        ap.step(loss)
        t += 1
    with torch.no_grad():
        return float(nn.functional.cross_entropy(model(_X[1400:]), _Y[1400:]))


def test_one_nan_sample_does_not_leave_the_model_at_chance():
    clean = _val_loss_after(_CLEAN)
    assert clean < 0.5  # the clean run trains (0.343)
    try:
        bad = _val_loss_after(_CLEAN[:35] + [(_BAD_X, _CLEAN[20][1])] + _CLEAN[35:])
    except LRKitError as e:
        assert "finite" in str(e) or "NaN" in str(e), str(e)
        return
    assert bad <= 2 * clean, (bad, clean)
