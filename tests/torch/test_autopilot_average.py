"""The Autopilot's tail average of the weights (``AutopilotPolicy.average_tail``, ``average_max_budget``).

Checked against an independent record of the run: the loop itself keeps a copy of the weights
before every update the Autopilot applies in the tail, and the weights left in the model when the
budget is spent must be their plain mean. Also: only healthy iterates count (a NaN's rollback and
a skipped spike leave the average finite and without them), BatchNorm's running statistics are
averaged and its batch counter is not, the switch by budget, the state check, and bad values.
"""

from __future__ import annotations

import io

import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.torch import Autopilot, AutopilotPolicy  # noqa: E402
from lrkit.torch import TailAverage  # noqa: E402

from ._autopilot_run import regression  # noqa: E402


def _train(policy: AutopilotPolicy, budget: int = 120, model: torch.nn.Module | None = None,
           fault_at: dict[int, str] | None = None):
    """Train ``model`` (a linear regression by default) to the end of the budget; returns the Autopilot,
    the model, and the weights the loop saw before every main-phase update the Autopilot applied,
    with that update's main-phase index."""
    torch.manual_seed(0)
    x, y = regression()
    model = model if model is not None else torch.nn.Linear(8, 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ap = Autopilot(opt, budget=budget, model=model, policy=policy)
    g = torch.Generator().manual_seed(1)
    seen, step = [], 0
    while not ap.done:
        opt.zero_grad()
        i = torch.randint(0, len(x), (32,), generator=g)
        loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
        loss.backward()
        fault = (fault_at or {}).get(step)
        if fault == "nan":
            next(model.parameters()).grad[0, 0] = float("nan")
        elif fault == "spike":
            loss = loss * 1e6
        before = ([p.detach().clone() for p in model.parameters()], ap.t) if ap.phase == "main" else None
        if ap.step(loss) and before is not None:
            seen.append(before)
        step += 1
    return ap, model, seen


def _tail_mean(ap: Autopilot, seen: list, tail: float) -> list[torch.Tensor]:
    start = TailAverage.for_tail(ap.main_steps, tail).start
    kept = [w for w, t in seen if t >= start]
    return [torch.stack(ws).mean(0) for ws in zip(*kept)], len(kept)


def test_the_weights_left_are_the_mean_of_the_tails_healthy_iterates() -> None:
    ap, model, seen = _train(AutopilotPolicy(average_tail=0.5))
    mean, n = _tail_mean(ap, seen, 0.5)
    for p, m in zip(model.parameters(), mean):
        torch.testing.assert_close(p.detach(), m, rtol=1e-5, atol=1e-6)
    event = ap.events[-1]
    start = TailAverage.for_tail(ap.main_steps, 0.5).start
    assert event == {"t": ap.main_steps, "averaged": n, "from": start}
    assert n == ap.main_steps - event["from"]  # every tail update was applied


def test_no_tail_leaves_the_last_iterate_and_logs_nothing() -> None:
    policy = AutopilotPolicy(average_tail=0.0)
    ap, model, _ = _train(policy)
    _, reference, _ = _train(policy.replace(average_tail=0.5, average_max_budget=119))  # budget 120 > 119
    assert not any("averaged" in e for e in ap.events)
    for p, q in zip(model.parameters(), reference.parameters()):
        assert torch.equal(p, q)  # the same run: averaging switched off by budget changes nothing


def test_the_average_changes_nothing_before_the_budget_is_spent() -> None:
    """The trajectory is the last-iterate run's: only the weights written at the end differ."""
    off, model_off, seen_off = _train(AutopilotPolicy(average_tail=0.0))
    on, model_on, seen_on = _train(AutopilotPolicy(average_tail=0.5))
    assert len(seen_off) == len(seen_on)
    for (a, _), (b, _) in zip(seen_off, seen_on):
        assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert off.events == on.events[:-1]


def test_a_rolled_back_nan_and_a_skipped_spike_stay_out_of_the_average() -> None:
    policy = AutopilotPolicy(average_tail=0.5, snapshot_every=10)
    ap, model, seen = _train(policy, fault_at={100: "nan", 101: "nan", 110: "spike"})  # 2 NaNs: rolled back
    actions = [e.get("action") for e in ap.events if "fault" in e]
    assert actions == ["skipped", "rolled back", "skipped"]
    mean, n = _tail_mean(ap, seen, 0.5)
    assert ap.events[-1]["averaged"] == n == ap.main_steps - ap.events[-1]["from"] - 3
    for p, m in zip(model.parameters(), mean):
        assert torch.isfinite(p).all()
        torch.testing.assert_close(p.detach(), m, rtol=1e-5, atol=1e-6)


class _BNRegression(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bn = torch.nn.BatchNorm1d(8)
        self.lin = torch.nn.Linear(8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.lin(self.bn(x))


def test_batchnorm_running_statistics_are_averaged_and_its_counter_is_not() -> None:
    ap, model, _ = _train(AutopilotPolicy(average_tail=0.25), model=_BNRegression())
    torch.manual_seed(0)
    _, live, _ = _train(AutopilotPolicy(), model=_BNRegression())
    # the counter counts forward passes in training mode: the live value, not a mean
    assert torch.equal(model.bn.num_batches_tracked, live.bn.num_batches_tracked)
    assert not torch.equal(model.bn.running_mean, live.bn.running_mean)
    assert ap.events[-1]["averaged"] > 0 and torch.isfinite(model.bn.running_mean).all()


def test_batchnorm_buffers_hold_the_mean_of_their_tail_values() -> None:
    torch.manual_seed(0)
    model = _BNRegression()
    x, y = regression()
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    ap = Autopilot(opt, budget=60, model=model, policy=AutopilotPolicy(average_tail=0.5))
    g = torch.Generator().manual_seed(1)
    running = []
    while not ap.done:
        opt.zero_grad()
        i = torch.randint(0, len(x), (32,), generator=g)
        loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()  # the forward pass updates the buffers
        loss.backward()
        before = (model.bn.running_var.clone(), ap.t) if ap.phase == "main" else None
        if ap.step(loss) and before is not None:
            running.append(before)
    start = ap.events[-1]["from"]
    expected = torch.stack([v for v, t in running if t >= start]).mean(0)
    torch.testing.assert_close(model.bn.running_var, expected, rtol=1e-5, atol=1e-6)


def test_a_checkpoint_of_another_models_average_is_refused_before_anything_changes() -> None:
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 1)
    opt = torch.optim.Adam(model.parameters())
    ap = Autopilot(opt, budget=120, model=model, policy=AutopilotPolicy(average_tail=0.5))
    x, y = regression()
    while ap.phase != "main" or ap.t < 80:
        opt.zero_grad()
        loss = ((model(x[:32]).squeeze(1) - y[:32]) ** 2).mean()
        loss.backward()
        ap.step(loss)
    state = ap.state_dict()
    assert state["average"]["count"] > 0
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    assert torch.load(buffer, weights_only=True)["average"]["count"] == state["average"]["count"]
    wide = torch.nn.Linear(9, 1)
    other = Autopilot(torch.optim.Adam(wide.parameters()), budget=120, model=wide)
    bad = {**state, "guard": {**state["guard"], "snapshot": None}}
    before = other.state_dict()
    with pytest.raises(LRKitError, match="saved for 2 tensors of shapes \\[1, 8\\]"):
        other.load_state_dict(bad)
    assert other.state_dict()["phase"] == before["phase"] == "probe"


def test_tail_average_keeps_integer_tensors_and_accumulates_half_precision_in_float32() -> None:
    w = torch.zeros(3, dtype=torch.float16)
    n = torch.zeros((), dtype=torch.long)
    avg = TailAverage(start=0)
    for t in range(1000):
        w.fill_(1.0 + (t % 2) * 1e-3)
        n.fill_(t)
        avg.observe([w, n], t)
    assert avg.mean[0].dtype == torch.float32 and avg.mean[1] is None
    assert avg.write([w, n]) and int(n) == 999
    assert abs(float(w[0]) - 1.0005) < 1e-3


def test_tail_average_state_round_trip() -> None:
    w = torch.nn.Parameter(torch.arange(3.0))
    avg = TailAverage(start=2)
    for t in range(5):
        with torch.no_grad():
            w.add_(1.0)
        avg.observe([w], t)
    back = TailAverage.from_state(avg.state_dict(), [w])
    assert (back.start, back.count) == (2, 3) and torch.equal(back.mean[0], avg.mean[0])
    assert not TailAverage(start=0).write([w])


@pytest.mark.parametrize("field,value", [("average_tail", -0.1), ("average_tail", 1.5),
                                         ("average_tail", "half"), ("average_max_budget", 0),
                                         ("average_max_budget", 2.5)])
def test_bad_average_settings_are_refused(field: str, value: object) -> None:
    with pytest.raises(LRKitError, match=f"`{field}` of AutopilotPolicy"):
        AutopilotPolicy(**{field: value})
