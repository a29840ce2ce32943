"""A steady descent at a rate far too low is never told to lower it (regression: ux finding, session 5).

make_moons (600 points, noise 0.2), a 2-16-2 ReLU MLP, plain SGD at lr=0.01 for 300 updates over a
list of 15 fixed-order batches (the loader layout of the docs' own examples). The best constant
rate for this budget is about 1-3; at 0.01 the loss falls steadily the whole run (late_share 39%,
which fires `too_low_slow`). The fixed batch order makes the step-to-step changes larger than the
two-step ones (zigzag 1.59, seed 2) or the residuals from a decreasing curve large (seed 3), so the
oscillation tests fire first: `too_high_oscillating`, "Divide the rate by about 3", at a calibrated
confidence of 0.00 (that verdict was never right often enough on a held-out family to earn more).
A verdict below `DiagnosePolicy.advice_floor` is now said `uncertain`, with it as the runner-up.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

import lrkit


def _moons(seed: int) -> dict:
    from sklearn.datasets import make_moons

    x, y = make_moons(n_samples=600, noise=0.2, random_state=seed)
    idx = np.random.default_rng(seed).permutation(len(x))
    x, y = torch.tensor(x[idx], dtype=torch.float32), torch.tensor(y[idx])
    batches = [(x[i:i + 32], y[i:i + 32]) for i in range(0, 600, 32)]
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
            "loss_fn": torch.nn.CrossEntropyLoss(), "train_loader": batches[:15], "val_loader": batches[15:]}


def test_a_steady_descent_at_a_rate_far_too_low_is_never_told_to_lower_it():
    from lrkit.tasks import train

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = [train(_moons, lr=0.01, budget=300, seed=s) for s in (2, 3)]
    for run in runs:
        losses = [h["train_loss"] for h in run.history]
        assert np.median(losses[-30:]) < np.median(losses[120:150]) < np.median(losses[:30])  # still falling
        d = lrkit.diagnose(losses, lrs=[h["lr"] for h in run.history])
        assert d.direction != "lower", (run.seed, d.verdict, d.confidence)
        assert d.verdict in ("uncertain", "too_low_slow"), (run.seed, d.verdict)
        if d.verdict == "uncertain":  # "I can't tell", naming what it would otherwise say
            assert d.runner_up is not None and "I can't tell" in d.recommendation
