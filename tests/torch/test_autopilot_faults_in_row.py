"""The guard's rule for a fault from finite weights: skipped until ``faults_in_row`` come in a row.

One bad sample (a NaN feature, a ``log(0)``) makes its whole batch's loss NaN, and the next batch
is clean; a rate too high faults again on the next batch, from the same weights. So a NaN/inf loss
or gradient from finite weights is skipped as one spiking batch is, and the second fault in a row
(or non-finite weights) rolls back (``tests/torch/test_ux10_autopilot_bad_batch.py`` is the bad
sample's end-to-end case; docs/evidence.md#autopilot-the-guard).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrkit.torch import Autopilot, AutopilotPolicy  # noqa: E402
from lrkit.torch._autopilot_guard import Guard  # noqa: E402

from ._autopilot_run import regression, run  # noqa: E402


def test_a_rate_too_high_that_first_shows_as_one_nan_is_rolled_back_at_the_next_update():
    # f(w) = w^2 with rate 5.5: w grows 10x an update; its float32 loss overflows to inf while w is
    # still finite, so the first fault is a non-finite loss from finite weights, and the next batch
    # (the same weights: nothing was applied) faults again.
    w = torch.nn.Parameter(torch.ones(1))
    guard = Guard(torch.optim.SGD([w], lr=5.5), None, AutopilotPolicy(snapshot_every=5))
    guard.reset(0)
    events = []
    for t in range(40):
        w.grad = None
        loss = w.pow(2).sum()
        loss.backward()
        event = guard.update(float(loss.detach()), t)
        if event is not None:
            events.append(event)
            if event["action"] == "rolled back":
                break
    first, second = events
    assert first["fault"] == "non-finite loss" and first["action"] == "skipped"
    assert second["t"] == first["t"] + 1 and second["action"] == "rolled back"
    assert torch.equal(w.detach(), guard.snapshot["tensors"][0]) and second["restored_to"] < first["t"]


def test_a_policy_of_one_fault_in_a_row_rolls_back_at_once():
    def nan_once(step, ap, model, loss):
        return loss * float("nan") if step == ap.probe_steps + 50 else loss

    ap = run(budget=200, on_step=nan_once, policy=AutopilotPolicy(faults_in_row=1))[0]
    faults = [(e["fault"], e["action"]) for e in ap.events if "fault" in e]
    assert faults == [("non-finite loss", "rolled back")]


def test_skipped_updates_are_paid_from_the_budget_as_skipped_spikes_are():
    # a NaN batch every 10th call: each is skipped, the clock runs on, the budget is the number of calls
    calls = []

    def every_tenth(step, ap, model, loss):
        calls.append(step)
        return loss * float("nan") if step % 10 == 9 and ap.phase == "main" else loss

    ap = run(budget=150, on_step=every_tenth)[0]
    skipped = [e for e in ap.events if e.get("action") == "skipped"]
    assert len(skipped) >= 5 and not any(e.get("action") == "rolled back" for e in ap.events)
    assert len(calls) == ap.total_steps == 150 and ap.done


def test_an_older_state_without_the_pending_fault_count_loads_as_none_pending():
    torch.manual_seed(0)
    x, y = regression()
    model = torch.nn.Linear(8, 1)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    ap = Autopilot(opt, budget=100, model=model)
    g = torch.Generator().manual_seed(1)
    for _ in range(60):
        opt.zero_grad()
        i = torch.randint(0, len(x), (32,), generator=g)
        loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
        loss.backward()
        ap.step(loss)
    state = ap.state_dict()
    assert state["guard"]["faults_in_row"] == 0 and state["probe"]["run"] == 0
    old = {**state, "guard": {k: v for k, v in state["guard"].items() if k != "faults_in_row"},
           "probe": {k: v for k, v in state["probe"].items() if k != "run"}}
    old["guard"]["spikes_in_row"] = 0  # what older states saved
    fresh = Autopilot(opt, budget=100, model=model)
    fresh.load_state_dict(old)
    again = fresh.state_dict()
    assert again["guard"]["faults_in_row"] == 0 and again["probe"]["run"] == 0
