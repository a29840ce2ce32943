"""A healthy run that has not begun to level off says that a rate too low looks the same.

The built-in corpus (``benchmarks/diagnose_then_now.py``) reads 45 of its 180 runs at 1/300 of the good
rate ``healthy``, "keep the rate": 36 of them wine-logreg, a noiseless logistic regression whose curve at
that rate is the good rate's first step stretched over 300 (1.45 -> 0.19, still falling as much per decade
of steps at the end as the decade before). On the zoo a good rate on a short budget ends the same way as
often, and no sign measured there tells them apart held out (docs/evidence.md), so the verdict stays; its
words and runner-up now say what the history cannot tell, and name the side run that would.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import lrkit
from lrkit.diagnostics import DiagnosePolicy, not_levelled


def _wine(factor: float, seed: int) -> tuple[list[float], list[float]]:
    from lrkit.tasks import get_task, train

    torch.set_num_threads(1)
    rate = get_task("wine-logreg").info.default_lr * factor
    run = train("wine-logreg", lr=rate, seed=seed)
    return [h["train_loss"] for h in run.history], [h["lr"] for h in run.history]


@pytest.mark.parametrize("seed", [0, 1])
def test_a_rate_300x_too_low_read_healthy_says_a_rate_too_low_looks_the_same(seed):
    losses, lrs = _wine(1 / 300, seed)
    d = lrkit.diagnose(losses, lrs=lrs)
    assert d.direction != "lower"
    if d.verdict == "healthy":
        assert "a rate too low" in d.recommendation and d.runner_up == "too_low_slow", d.recommendation
        assert "side run at 3x this rate" in d.recommendation


def test_the_good_rate_says_nothing_of_the_kind():
    losses, lrs = _wine(1.0, 0)
    d = lrkit.diagnose(losses, lrs=lrs)
    assert d.verdict in ("healthy", "plateau") and "rate too low" not in d.recommendation


def test_the_words_follow_the_policy():
    t = np.arange(300.0)
    losses = 1.5 - 0.25 * np.log1p(t / 2) + np.random.default_rng(0).normal(0, 1e-4, 300)  # log-linear
    said = lrkit.diagnose(losses, lrs=np.full(300, 0.01))
    quiet = lrkit.diagnose(losses, lrs=np.full(300, 0.01), policy=DiagnosePolicy(levelling_ratio=100.0))
    assert said.verdict == quiet.verdict == "healthy"
    assert "not begun to level off" in said.recommendation and said.runner_up == "too_low_slow"
    assert "level off" not in quiet.recommendation


def test_not_levelled_reads_the_decade_ratio_beyond_noise():
    p = DiagnosePolicy()
    assert not_levelled({"decade_ratio": p.levelling_ratio, "last_decade_z": p.progress_z + 1}, p)
    assert not not_levelled({"decade_ratio": p.levelling_ratio, "last_decade_z": p.progress_z}, p)  # noise
    assert not not_levelled({"decade_ratio": 0.5 * p.levelling_ratio, "last_decade_z": 1e3}, p)
    assert not_levelled({"decade_ratio": float("inf"), "last_decade_z": 1e3}, p)
