"""The Watchdog's opt-in weight norm (``Watchdog(weight_norms=True)``, ``observe(weight_norm=...)``,
``Monitor.observe(weight_norm=...)``).

With ``weight_norms=True`` the Watchdog reads ``|w|`` from its optimizer at the first step and at each
refresh (one pass over the weights, no copy); the monitor holds it beside the loss (averaged into the same
buckets, saved and restored with its state) and passes it to ``diagnose``. A Watchdog without it, or
without an optimizer to read, works as before: a history that lacks the signal reads as it did.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import lrkit
from lrkit.diagnostics import LIVE_POLICY, Monitor
from lrkit.torch import Watchdog


def _loop(wd: Watchdog, steps: int = 120, lr: float = 0.05) -> torch.nn.Linear:
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    wd._meet(opt)
    x, y = torch.randn(64, 4), torch.randn(64, 1)
    for t in range(steps):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        wd.observe(t, loss, lr=lr)
    return model


def _norm(model: torch.nn.Module) -> float:
    return math.sqrt(sum(float(p.detach().double().pow(2).sum()) for p in model.parameters()))


def test_the_weight_norm_is_read_at_the_first_step_and_each_refresh():
    wd = Watchdog(every=50, weight_norms=True)
    model = _loop(wd)
    w = wd.monitor.history()["weight_norms"]
    assert np.flatnonzero(np.isfinite(w)).tolist() == [0, 49, 99]
    assert wd.diagnosis.statistics["weight_growth"] == pytest.approx(w[99] / w[0])
    assert w[99] == pytest.approx(_norm(model), rel=1e-2)  # read before the 100th update


def test_off_by_default_and_without_an_optimizer_nothing_is_read():
    plain = Watchdog(every=50)
    _loop(plain)
    assert np.isnan(plain.monitor.history()["weight_norms"]).all()
    assert "weight_growth" not in plain.diagnosis.statistics
    bare, before = Watchdog(every=50, weight_norms=True), Watchdog(every=50)  # no optimizer met
    for t in range(60):
        bare.observe(t, 1.0 / (1 + t))
        before.observe(t, 1.0 / (1 + t))
    assert bare.diagnosis.to_dict() == before.diagnosis.to_dict()  # the losses alone, as before
    assert "weight_growth" not in bare.diagnosis.statistics


def test_a_plain_loop_may_pass_its_own_weight_norm():
    wd = Watchdog(every=20)
    for t in range(40):
        wd.observe(t, 1.0 / (1 + t), lr=0.1, weight_norm=torch.tensor(2.0 + t / 39))
    assert wd.diagnosis.statistics["weight_growth"] == pytest.approx(1.5)
    with pytest.raises(lrkit.LRKitError, match="weight_norm"):
        wd.observe(40, 0.1, weight_norm="big")


def test_the_live_policy_holds_a_lower_reading_whose_weights_held_still():
    y = 1.0 + 0.04 * np.random.default_rng(0).standard_normal(60)
    y[1:4], y[4:] = [8.0, 10.0, 5.0], y[4:] + 2.0  # a jump, then settled far above the start
    held, grew = Watchdog(every=60), Watchdog(every=60)
    for t, v in enumerate(y):
        held.observe(t, float(v), lr=0.1, weight_norm=3.0)
        grew.observe(t, float(v), lr=0.1, weight_norm=3.0 * (1 + t))
    assert grew.diagnosis.direction == "lower" and LIVE_POLICY.weight_growth_hold == 1.1
    assert held.diagnosis.verdict == "uncertain" and held.diagnosis.runner_up == grew.diagnosis.verdict
    assert "weights did not grow" in held.diagnosis.recommendation


def test_the_weight_norms_are_saved_and_restored():
    wd = Watchdog(every=50, weight_norms=True)
    _loop(wd, steps=70)
    back = Watchdog(every=50, weight_norms=True)
    back.load_state_dict(wd.state_dict())
    np.testing.assert_array_equal(back.monitor.history()["weight_norms"],
                                  wd.monitor.history()["weight_norms"])
    old = wd.state_dict()["monitor"]
    old.pop("weights")
    old["acc"] = old["acc"][:5]  # a state saved before weight norms were kept
    m = Monitor(every=50)
    m.load_state_dict(old)
    assert np.isnan(m.history()["weight_norms"]).all() and len(m.history()["losses"]) == 70


def test_weight_norms_must_be_a_flag():
    with pytest.raises(lrkit.LRKitError, match="weight_norms"):
        Watchdog(weight_norms="yes")


def test_a_train_callback_reads_the_weights_of_the_optimizer_it_is_given():
    from lrkit.tasks import train

    wd = Watchdog(every=50, weight_norms=True)
    train("wine-logreg", lr=0.1, budget=100, seed=0, callbacks=[wd])
    assert np.isfinite(wd.diagnosis.statistics["weight_growth"])


@pytest.mark.usefixtures("quiet_lightning")
def test_the_lightning_callback_reads_the_weights_of_the_fits_optimizer(quiet_trainer):
    pytest.importorskip("lightning.pytorch")
    from .test_watchdog_frozen_group import FineTune

    data = torch.utils.data.TensorDataset(torch.randn(80, 2, generator=torch.Generator().manual_seed(0)))
    wd = Watchdog(every=10, weight_norms=True)
    quiet_trainer(max_epochs=1, callbacks=[wd.lightning_callback()]).fit(
        FineTune(), torch.utils.data.DataLoader(data, batch_size=4))
    w = wd.monitor.history()["weight_norms"]
    assert np.flatnonzero(np.isfinite(w)).tolist() == [0, 9, 19]
    assert np.isfinite(wd.diagnosis.statistics["weight_growth"])
