"""ux17 D5: the Autopilot stops training a run whose loss is negative: every main-phase update is a "fault".

Probe (``/work/notes/ux17/shift.py``): ``loss_fn + C`` has the same gradients as ``loss_fn``, so a run must
train the same. ``find_lr`` and ``diagnose`` answer the same for C = 0, -1, -5, +5 on three workloads (the
suggestion bit for bit, every verdict the same). The Autopilot does not: on a digits autoencoder
(64-32-8-32-64, SGD momentum, batch 32, ``budget=300``) with ``MSELoss() - 1`` (losses -1 .. -0.72) the
probe reads the same peak, 0.170, and then every main-phase loss is recorded as ``{'fault': "loss above the
ramp's", 'action': 'skipped' / 'rolled back', ...}``: 225 faults in 225 updates, the step scale halving to
3.9e-34, no warning; validation MSE 0.159 against 0.065 for the same run unshifted (untrained 0.28). A fine-
tune with ``CrossEntropyLoss() - 5``: 236 faults, validation 0.978 against 0.056. The ramp ceiling
(``AutopilotPolicy. ramp_ceiling = 100``: "a main-phase loss above 100x the ramp's highest loss at or below
the peak is a fault") multiplies a negative reference: 100 x (-0.72) = -72, and every loss is above it.
Objectives that are negative by construction are common: a negative log-likelihood of continuous data
(densities above 1), a negative cosine similarity (SimSiam/BYOL), a loss written relative to a baseline.
Expected: a constant shift of the loss changes nothing; here, no fault and the unshifted run's validation
loss within 10%.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
datasets = pytest.importorskip("sklearn.datasets")

from lrkit.torch import Autopilot  # noqa: E402


def _run(shift: float) -> tuple[float, list]:
    torch.set_num_threads(1)
    x = torch.tensor(datasets.load_digits().data / 16.0, dtype=torch.float32)
    train, val = x[:1350], x[1350:]
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 8),
                                torch.nn.ReLU(), torch.nn.Linear(8, 32), torch.nn.ReLU(),
                                torch.nn.Linear(32, 64))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    ap = Autopilot(opt, budget=300, model=model)
    g = torch.Generator().manual_seed(0)
    while not ap.done:
        for idx in torch.randperm(len(train), generator=g).split(32):
            loss = torch.nn.functional.mse_loss(model(train[idx]), train[idx]) + shift
            opt.zero_grad()
            loss.backward()
            ap.step(loss)
            if ap.done:
                break
    with torch.no_grad():
        return float(torch.nn.functional.mse_loss(model(val), val)), [e for e in ap.events if "fault" in e]


def test_a_loss_shifted_below_zero_trains_as_the_unshifted_one():
    plain, plain_faults = _run(0.0)
    shifted, faults = _run(-1.0)
    assert plain_faults == []
    assert faults == [], f"{len(faults)} faults, first {faults[:1]}"
    assert shifted <= 1.1 * plain, (shifted, plain)
