"""``find_lr`` and the Autopilot refuse an optimizer whose update does not follow the rate they write
(``lrkit.torch._rate_response``; ux15 D9: a user's fixed step was read ``high``), tried on a copy, so
nothing of the user's is touched; every optimizer family lrkit is used with is accepted.

The reference for "reads the rate": each optimizer's own update rule (torch's code, the peers' packages),
whose step is proportional to ``lr``; the refused ones step by a number of their own.
"""

from __future__ import annotations

import copy
import threading

import pytest
import torch
from torch import nn

from lrkit import LRKitError
from lrkit.torch import Autopilot, RateResponse, find_lr, rate_response
from lrkit.torch._finder_rule import RATE_READ_EVERY_UPDATE, check_reads_rate
from lrkit.torch._rate_response import MIN_RATE_EXPONENT, RATE_TEST_RATES, RATE_TEST_SIDE, RATE_TEST_UPDATES

_X = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))
_LOADER = [(_X[i:i + 32], (_X[i:i + 32, 0] > 0).long()) for i in range(0, 64, 32)]


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))


class _FixedStep(torch.optim.Optimizer):
    """Has an ``lr`` and steps by a fixed 0.05 whatever it says (the probe's optimizer)."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-0.05)


class _RateOnSelf(_FixedStep):
    """Copies its rate at construction and steps by the copy: the groups' ``lr`` is never read again."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, lr)
        self.rate = lr

    @torch.no_grad()
    def step(self, closure=None):
        for p in self.param_groups[0]["params"]:
            p.add_(p.grad, alpha=-self.rate)


class _Lion(torch.optim.Optimizer):
    """Lion as a user writes it (a sign step of size lr)."""

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99)):
        super().__init__(params, {"lr": lr, "betas": betas})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                m = self.state[p].setdefault("m", torch.zeros_like(p))
                p.add_(torch.sign(b1 * m + (1 - b1) * p.grad), alpha=-group["lr"])
                m.mul_(b2).add_(p.grad, alpha=1 - b2)


class _NoisySGD(torch.optim.SGD):
    """SGD plus noise of the rate's size, drawn from torch's global stream."""

    @torch.no_grad()
    def step(self, closure=None):
        super().step(closure)
        for group in self.param_groups:
            for p in group["params"]:
                p.add_(torch.randn_like(p), alpha=group["lr"] * 1e-3)


class _Locked(torch.optim.SGD):
    """Holds a lock, which cannot be copied: the check cannot try its step."""

    def __init__(self, params, lr=0.1):
        super().__init__(params, lr=lr)
        self.lock = threading.Lock()


def _peer(module: str, build):
    def make(params):
        return build(pytest.importorskip(module), params)
    return make


def _train_mode(opt):
    opt.train()
    return opt


O = torch.optim
#: One optimizer of each family lrkit is used with (lrkit.tasks.OPTIMIZERS, torch's others, the LR-free
#: peers as benchmarks/dev/peers_lrfree.py builds them, Hugging Face's Adafactor, a user's Lion).
FAMILIES = {
    "sgd": lambda p: O.SGD(p, lr=0.1),
    "sgd-momentum": lambda p: O.SGD(p, lr=0.1, momentum=0.9, weight_decay=5e-4),
    "nesterov": lambda p: O.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "adam": lambda p: O.Adam(p),
    "adamw": lambda p: O.AdamW(p),
    "adam-tensor-lr": lambda p: O.Adam(p, lr=torch.tensor(1e-3)),
    "adam-foreach": lambda p: O.Adam(p, foreach=True),
    "rmsprop": lambda p: O.RMSprop(p, momentum=0.9),
    "adagrad": lambda p: O.Adagrad(p),
    "adadelta": lambda p: O.Adadelta(p),
    "adamax": lambda p: O.Adamax(p),
    "nadam": lambda p: O.NAdam(p),
    "radam": lambda p: O.RAdam(p),
    "asgd": lambda p: O.ASGD(p),  # applies a rate one update late
    "sparse-adam": lambda p: O.SparseAdam(list(p)),  # takes sparse gradients only
    **({"adafactor": lambda p: O.Adafactor(p)} if hasattr(O, "Adafactor") else {}),
    "hf-adafactor": _peer("transformers.optimization", lambda m, p: m.Adafactor(
        p, lr=1e-3, relative_step=False, warmup_init=False)),
    "schedule-free-sgd": _peer("schedulefree", lambda m, p: _train_mode(m.SGDScheduleFree(p, lr=1.0))),
    "schedule-free-adamw": _peer("schedulefree", lambda m, p: _train_mode(m.AdamWScheduleFree(p))),
    "prodigy": _peer("prodigyopt", lambda m, p: m.Prodigy(p, lr=1.0)),
    "dadapt-sgd": _peer("dadaptation", lambda m, p: m.DAdaptSGD(p, lr=1.0, momentum=0.9)),
    "dadapt-adam": _peer("dadaptation", lambda m, p: m.DAdaptAdam(p, lr=1.0)),
    "lion": lambda p: _Lion(p),
    "noisy-sgd": lambda p: _NoisySGD(p, lr=0.1),
}


@pytest.mark.parametrize("owner", ["find_lr", "Autopilot"])
@pytest.mark.parametrize("kind", [_FixedStep, _RateOnSelf])
def test_a_step_that_ignores_the_rate_is_refused_and_nothing_is_touched(owner, kind):
    model = _model()
    opt = kind(model.parameters())
    for p in model.parameters():
        p.grad = torch.full_like(p, 0.5)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    grads = [p.grad.clone() for p in model.parameters()]
    rng = torch.get_rng_state()
    call = {"find_lr": lambda: find_lr(model, opt, nn.functional.cross_entropy, _LOADER),
            "Autopilot": lambda: Autopilot(opt, model=model, budget=40)}[owner]
    with pytest.raises(LRKitError, match=rf"^`optimizer` of {owner} must read the rate it is given") as info:
        call()
    text = str(info.value)
    assert kind.__name__ in text and "does not follow it" in text and "100 times higher" in text
    assert "\n" not in text
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert all(torch.equal(g, p.grad) for g, p in zip(grads, model.parameters()))
    assert torch.equal(rng, torch.get_rng_state())
    assert [g["lr"] for g in opt.param_groups] == [0.1] and not opt.state


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_follows_its_rate_and_is_accepted(family):
    model = _model()
    opt = FAMILIES[family](model.parameters())
    state = copy.deepcopy(opt.state_dict())  # Adagrad, schedule-free: state made at construction
    r = rate_response(opt)
    assert isinstance(r, RateResponse) and r.rates == RATE_TEST_RATES
    assert 0.9 <= r.exponent <= 1.1, r  # proportional to the rate: the families measured are at 0.97-1.07
    check_reads_rate(opt, "find_lr", "at every update of the sweep")
    check_reads_rate(opt, "Autopilot", "at every update")
    assert _same(state, opt.state_dict()) and all(p.grad is None for p in model.parameters())


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def test_the_measure_is_the_update_size_against_the_rate():
    """Plain SGD's third update is ``lr * g3``: its size at each rate, and the exponent 1 exactly."""
    w = nn.Parameter(torch.randn(10, 3))
    r = rate_response(O.SGD([w], lr=0.5))
    gen = torch.Generator().manual_seed(0)
    g3 = [torch.randn(min(10, RATE_TEST_SIDE), 3, generator=gen, dtype=torch.float64)
          for _ in range(RATE_TEST_UPDATES)][-1]
    assert r.moved == pytest.approx(tuple(rate * float(g3.norm()) for rate in RATE_TEST_RATES))
    assert r.exponent == pytest.approx(1.0) and r.exponent > MIN_RATE_EXPONENT and r.follows
    fixed = rate_response(_FixedStep([w]))
    assert fixed.exponent == 0.0 and fixed.moved[0] == pytest.approx(fixed.moved[1]) and not fixed.follows


def test_half_precision_parameters_are_measured_in_float64():
    """Prodigy's first steps are 1e-6 times its rate: in bfloat16 or float32 they round away."""
    prodigy = pytest.importorskip("prodigyopt")
    w = nn.Parameter(torch.randn(8, 8, dtype=torch.bfloat16))
    r = rate_response(prodigy.Prodigy([w], lr=1.0))
    assert 0.9 <= r.exponent <= 1.1 and 0 < r.moved[0] < 1e-6


def test_the_users_optimizer_hooks_and_scheduler_are_not_stepped():
    """The copy runs the class's step, without the instance's hooks, the process's global step hooks (a
    logger of every update) or an LRScheduler's wrapper."""
    from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

    model = _model()
    opt = _Lion(model.parameters())
    calls = []
    opt.register_step_post_hook(lambda *_: calls.append("post"))
    opt.register_step_pre_hook(lambda *_: calls.append("pre"))
    handles = [register_optimizer_step_pre_hook(lambda *_: calls.append("global pre")),
               register_optimizer_step_post_hook(lambda *_: calls.append("global post"))]
    try:
        sched = O.lr_scheduler.StepLR(opt, 10)
        assert rate_response(opt).exponent == pytest.approx(1.0)
        check_reads_rate(opt, "find_lr", "at every update of the sweep")
    finally:
        for h in handles:
            h.remove()
    assert calls == [] and not opt.state and sched.last_epoch == 0


def test_torchs_own_optimizers_and_their_subclasses_are_not_tried_on_a_copy():
    """A subclass that records each step and calls torch's: its code does not run for the check (torch's
    classes are known to read the rate: RATE_READ_EVERY_UPDATE, each measured at exponent 1)."""
    steps = []

    class Recorder(O.SGD):
        def step(self, closure=None):
            steps.append(1)
            return super().step(closure)

    model = _model()
    opt = Recorder(model.parameters(), lr=0.1)
    assert isinstance(opt, RATE_READ_EVERY_UPDATE) and not isinstance(O.Rprop(model.parameters()),
                                                                       RATE_READ_EVERY_UPDATE)
    check_reads_rate(opt, "find_lr", "at every update of the sweep")
    Autopilot(opt, model=model, budget=40)
    assert steps == []
    assert rate_response(opt).exponent == pytest.approx(1.0) and steps  # asked directly, it runs


def test_a_step_that_cannot_be_tried_on_a_copy_is_not_refused():
    """A lock cannot be copied, LBFGS needs a closure: the check cannot tell, so it does not refuse."""
    model = _model()
    locked = _Locked(model.parameters())
    assert rate_response(locked) is None
    check_reads_rate(locked, "find_lr", "at every update of the sweep")
    lbfgs = O.LBFGS(model.parameters())
    check_reads_rate(lbfgs, "Autopilot", "at every update")  # its closure is refused by the caller, in words
    with pytest.raises(LRKitError, match="without a closure"):
        Autopilot(lbfgs, model=model, budget=40)


def test_a_group_without_a_rate_is_left_to_the_callers_words():
    """Adafactor's lr=None (relative steps) keeps its own message, not this check's."""
    transformers = pytest.importorskip("transformers.optimization")
    model = _model()
    opt = transformers.Adafactor(model.parameters())
    check_reads_rate(opt, "find_lr", "at every update of the sweep")
    with pytest.raises(LRKitError, match="must have a number as 'lr'"):
        find_lr(model, opt, nn.functional.cross_entropy, _LOADER)
