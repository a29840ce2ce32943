"""The documented quality of the defaults: each task learns what it should at its default rate."""

from __future__ import annotations

import numpy as np
import pytest

from lrkit.tasks import get_task, train


def test_digits_mlp_default_run_reaches_97_percent():
    # The bar: >= 97% validation accuracy at the best rate with the default budget.
    lr = get_task("digits-mlp").info.default_lr
    accs = [train("digits-mlp", lr=lr, seed=s).final["val_acc"] for s in range(3)]
    assert np.mean(accs) >= 0.97 and min(accs) >= 0.96


def test_convex_defaults_reach_their_optimum():
    wine = get_task("wine-logreg")
    r = train(wine, lr=wine.info.default_lr)
    assert r.metric == pytest.approx(wine.curvature().optimum_loss, abs=1e-6)
    diabetes = get_task("diabetes-linear")
    r = train(diabetes, lr=diabetes.info.default_lr)
    # Mini-batch SGD at a constant rate stalls at a noise floor just above the optimum.
    assert r.final["train_objective"] < 1.02 * diabetes.curvature().optimum_loss


@pytest.mark.slow
def test_digits_cnn_default_run_reaches_98_percent():
    lr = get_task("digits-cnn").info.default_lr
    accs = [train("digits-cnn", lr=lr, seed=s).final["val_acc"] for s in range(3)]
    assert np.mean(accs) >= 0.98


@pytest.mark.slow
def test_charlm_full_run_learns_the_language():
    # Uniform guessing is ln(vocab) ~ 5.1 nats/char; character unigram statistics give ~3.3.
    task = get_task("charlm")
    r = train(task, lr=task.info.default_lr)
    assert not r.diverged and r.final["val_loss"] < 1.9  # measured: 1.77 at seed 0
