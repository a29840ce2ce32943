"""The optimizer's step age (``AutopilotPolicy.age_correction``, ``lrkit.torch._autopilot_age``).

References: torch's RMSprop without bias correction moves update k by 1/sqrt(1 - alpha^k) times its settled
size under a constant gradient (closed form), and with the rate divided by that factor it is Adam with
beta1 = 0 and beta2 = alpha (RMSprop with bias correction: torch's own class); the Adam family needs no
correction (its step is bias-corrected), and one that never settles (Adagrad) keeps its own schedule.
"""

from __future__ import annotations

import io
import math

import pytest

torch = pytest.importorskip("torch")

from lrkit.torch import Autopilot, AutopilotPolicy, age_factors  # noqa: E402
from lrkit.torch._autopilot_age import state_age, step_ages  # noqa: E402

AGED = AutopilotPolicy(age_correction=True)


def _w() -> list[torch.nn.Parameter]:
    return [torch.nn.Parameter(torch.zeros(3, 2))]


@pytest.mark.parametrize("alpha", [0.9, 0.99])
def test_rmsprops_step_age_is_its_missing_bias_correction(alpha):
    a = age_factors(torch.optim.RMSprop(_w(), alpha=alpha))
    closed = [1.0 / math.sqrt(1.0 - alpha ** k) for k in range(1, len(a) + 1)]
    settled = 1.0 / math.sqrt(1.0 - alpha ** 1000)
    assert a == pytest.approx([c / settled for c in closed], rel=1e-6)
    assert a[-1] > 1.1 >= 1.0 / math.sqrt(1.0 - alpha ** (len(a) + 1)) / settled  # the last one past 10%


@pytest.mark.parametrize("cls", [torch.optim.Adam, torch.optim.AdamW, torch.optim.Adamax, torch.optim.Adagrad,
                                 torch.optim.RAdam, torch.optim.Adadelta, torch.optim.SGD])
def test_a_bias_corrected_step_or_one_that_never_settles_gets_no_correction(cls):
    assert age_factors(cls(_w(), lr=0.01)) is None


def test_nadams_momentum_warmup_is_a_step_age():
    a = age_factors(torch.optim.NAdam(_w()))
    assert a is not None and min(a) < 0.8 and len(a) < 50


def test_the_copy_touches_nothing_of_the_users():
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.RMSprop(model.parameters(), lr=0.05)
    model.weight.grad = torch.ones(2, 3)
    opt.step()
    before = ([p.detach().clone() for p in model.parameters()], {k: dict(v) for k, v in opt.state.items()},
              model.weight.grad.clone(), torch.get_rng_state())
    assert step_ages(opt, horizon=50) is not None
    assert all(torch.equal(a, b) for a, b in zip(before[0], model.parameters()))
    assert opt.param_groups[0]["lr"] == 0.05 and torch.equal(before[2], model.weight.grad)
    assert all(torch.equal(before[1][p]["square_avg"], opt.state[p]["square_avg"]) for p in opt.state)
    assert torch.equal(before[3], torch.get_rng_state())


def test_the_state_age_is_the_optimizers_own_count():
    w = torch.nn.Parameter(torch.zeros(2))
    frozen = torch.nn.Parameter(torch.zeros(2), requires_grad=False)
    opt = torch.optim.RMSprop([frozen, w])
    assert state_age(opt) == 0
    for _ in range(3):
        w.grad = torch.ones(2)
        opt.step()
    assert state_age(opt) == 3  # the frozen first parameter has no state: the next one's count

    class Counted(torch.optim.SGD):  # a state with no step count
        pass

    opt = Counted([w], lr=0.1, momentum=0.9)
    opt.step()
    assert state_age(opt) is None


def _regression_run(make, policy, budget=200, seed=0):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(512, 8, generator=g) * torch.linspace(0.3, 3.0, 8)
    y = x @ torch.randn(8, generator=g) + 0.1 * torch.randn(512, generator=g)
    model = torch.nn.Linear(8, 1)
    opt = make(model.parameters())
    ap = Autopilot(opt, budget=budget, model=model, policy=policy)
    rates = []
    while not ap.done:
        opt.zero_grad()
        i = torch.randint(0, 512, (32,), generator=g)
        loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
        loss.backward()
        rates.append(float(opt.param_groups[0]["lr"]))
        ap.step(loss)
    return ap, model, rates


def test_corrected_rmsprop_reads_and_runs_as_rmsprop_with_bias_correction():
    """The twin: Adam(betas=(0, alpha)) is RMSprop with bias correction; they differ only in where eps
    sits, so the probe reads the same curve: the same blow-up, the peak within 1%."""
    rms, _, rates = _regression_run(lambda p: torch.optim.RMSprop(p), AGED)
    twin, _, _ = _regression_run(lambda p: torch.optim.Adam(p, betas=(0.0, 0.99)), AutopilotPolicy())
    plain, _, _ = _regression_run(lambda p: torch.optim.RMSprop(p), AutopilotPolicy())
    assert rms.events[0]["diverged_at"] == twin.events[0]["diverged_at"]
    assert rms.peak == pytest.approx(twin.peak, rel=0.01) and rms.peak != plain.peak
    assert rms.probe_lrs == plain.probe_lrs[:len(rms.probe_lrs)]  # the ramp's nominal rates are read
    a = age_factors(torch.optim.RMSprop(_w()))
    assert rates[0] == pytest.approx(rms.probe_lrs[0] / a[0])
    said = rms.events[0]["step_age"]
    assert said["first"] == pytest.approx(a[0]) and said["updates"] == len(a)
    assert "step_age" not in plain.events[0]


@pytest.mark.parametrize("make", [lambda p: torch.optim.Adam(p), lambda p: torch.optim.SGD(p, lr=1.0),
                                  lambda p: torch.optim.Adagrad(p)], ids=["adam", "sgd", "adagrad"])
def test_without_a_step_age_the_run_is_the_defaults_bit_for_bit(make):
    a, ma, ra = _regression_run(make, AGED)
    b, mb, rb = _regression_run(make, AutopilotPolicy())
    assert ra == rb and a.events == b.events
    assert all(torch.equal(p, q) for p, q in zip(ma.parameters(), mb.parameters()))


def test_a_corrected_run_resumes_bit_for_bit():
    def run(stop=None, state=None):
        torch.manual_seed(0)
        g = torch.Generator().manual_seed(0)
        x = torch.randn(256, 4, generator=g)
        y = x @ torch.tensor([1.0, -2.0, 0.5, 3.0])
        model = torch.nn.Linear(4, 1)
        opt = torch.optim.RMSprop(model.parameters())
        ap = Autopilot(opt, budget=150, model=model, policy=AGED)
        step = 0
        if state is not None:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["opt"])
            ap.load_state_dict(state["ap"])
            g.set_state(state["g"])
            step = state["step"]
        while not ap.done and step != stop:
            opt.zero_grad()
            i = torch.randint(0, 256, (16,), generator=g)
            loss = ((model(x[i]).squeeze(1) - y[i]) ** 2).mean()
            loss.backward()
            ap.step(loss)
            step += 1
        return model, opt, ap, g, step

    whole = run()
    for at in (5, 30, 90):
        m, o, a, g, step = run(stop=at)
        buffer = io.BytesIO()
        torch.save({"model": m.state_dict(), "opt": o.state_dict(), "ap": a.state_dict(), "g": g.get_state(),
                    "step": step}, buffer)
        buffer.seek(0)
        m, o, a, _, _ = run(state=torch.load(buffer, weights_only=True))
        assert a.events == whole[2].events and a.lr == whole[2].lr, at
        assert all(torch.equal(p, q) for p, q in zip(m.parameters(), whole[0].parameters())), at


def test_the_correction_is_a_policy_flag():
    assert AutopilotPolicy().age_correction is False and AGED.age_horizon == 1000
    with pytest.raises(ValueError, match="age_correction"):
        AutopilotPolicy(age_correction="yes")
