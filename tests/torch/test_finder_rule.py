"""``find_lr``'s ``rule="auto"``: the rule follows the optimizer's kind, and is recorded."""

from __future__ import annotations

import pytest
import torch

from lrkit import LRKitError
from lrkit.finder import FinderPolicy, Sweep, rules, suggest
from lrkit.torch import find_lr
from lrkit.torch._autopilot_probe import probe_range
from lrkit.torch._finder_rule import (
    ADAPTIVE_OPTIMIZERS, is_adaptive, momentum_of, resolve_policy, resolve_rule,
)


def _params() -> list[torch.nn.Parameter]:
    return [torch.nn.Parameter(torch.zeros(2))]


@pytest.mark.parametrize("cls", ADAPTIVE_OPTIMIZERS)
def test_adaptive_optimizers_get_the_falling_rule(cls):
    opt = cls(_params(), lr=0.01) if cls is not torch.optim.SparseAdam else cls([torch.nn.Parameter(
        torch.zeros(2))], lr=0.01)
    assert resolve_rule("auto", opt) == "falling"


def test_sgd_and_subclasses_of_adaptive_ones_resolve_by_kind():
    class MyAdam(torch.optim.Adam):
        pass

    assert resolve_rule("auto", torch.optim.SGD(_params(), lr=0.1, momentum=0.9)) == "default"
    assert resolve_rule("auto", MyAdam(_params())) == "falling"


class _PlainAdam(torch.optim.Optimizer):
    """Adam written from scratch, as third-party fused or 8-bit Adams are: not a torch.optim.Adam."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999)):
        super().__init__(params, {"lr": lr, "betas": betas})

    def step(self, closure=None):  # the rule is read from the optimizer's kind, never by stepping
        raise NotImplementedError


class _Momentum(torch.optim.Optimizer):
    """A from-scratch heavy-ball SGD: a rate in gradient units, no betas."""

    def __init__(self, params, lr=0.1, momentum=0.9):
        super().__init__(params, {"lr": lr, "momentum": momentum})

    def step(self, closure=None):
        raise NotImplementedError


def test_an_adam_like_optimizer_outside_torch_gets_the_adaptive_rule_and_range():
    # Regression: resolve_rule checked torch classes only, so a from-scratch Adam (bitsandbytes,
    # apex, Lion, ...) got the SGD rule from find_lr while the Autopilot's probe treated it as
    # adaptive (it read `betas`): the two disagreed about the same optimizer.
    adam_like, sgd_like = _PlainAdam(_params()), _Momentum(_params())
    assert is_adaptive(adam_like) and not is_adaptive(sgd_like)
    assert resolve_rule("auto", adam_like) == "falling"
    assert resolve_rule("auto", sgd_like) == "default"
    assert probe_range(adam_like, "ramp") == probe_range(torch.optim.Adam(_params()), "ramp")
    assert probe_range(sgd_like, "ramp") == probe_range(torch.optim.SGD(_params(), lr=0.1), "ramp")


def test_is_adaptive_reads_every_param_group():
    opt = _Momentum(_params())
    opt.add_param_group({"params": _params(), "betas": (0.9, 0.99)})
    assert is_adaptive(opt)
    assert all(is_adaptive(cls([torch.nn.Parameter(torch.zeros(2))], lr=0.01)) for cls in ADAPTIVE_OPTIMIZERS)
    assert not is_adaptive(torch.optim.SGD(_params(), lr=0.1, momentum=0.9))


@pytest.mark.skipif(not hasattr(torch.optim, "Adafactor"), reason="torch.optim.Adafactor needs torch >= 2.5")
def test_torch_adafactor_is_adaptive_though_it_has_no_betas():
    # Regression: Adafactor divides by a running second moment (beta2_decay, no `betas`), so its
    # update is about lr per coordinate; is_adaptive gave it the SGD rule and the SGD probe range.
    # On the development set `falling` had the lower regret in 3 of 4 groups (finder_kind.py).
    opt = torch.optim.Adafactor(_params())
    assert "betas" not in opt.param_groups[0]
    assert is_adaptive(opt) and resolve_rule("auto", opt) == "falling"
    assert probe_range(opt, "ramp") == probe_range(torch.optim.Adam(_params()), "ramp")


def test_an_explicit_rule_is_kept_and_an_unknown_one_lists_auto_too():
    opt = torch.optim.Adam(_params())
    for name in rules:
        assert resolve_rule(name, opt) == name
    with pytest.raises(LRKitError, match=r"unknown rule 'fallng'; did you mean 'falling'\? Valid: auto, "):
        resolve_rule("fallng", opt)


@pytest.mark.parametrize(("make_opt", "expected"), [
    (lambda p: torch.optim.SGD(p, lr=0.1), "default"),
    (lambda p: torch.optim.Adam(p, lr=1e-3), "falling"),
])
def test_find_lr_default_is_auto_and_its_suggestion_is_that_rule_on_the_same_sweep(make_opt, expected):
    torch.manual_seed(0)
    X = torch.randn(2048, 4)
    y = X @ torch.tensor([1.0, -1.0, 2.0, 0.5])
    data = [(X[i:i + 64], y[i:i + 64]) for i in range(0, 2048, 64)]
    model = torch.nn.Linear(4, 1)
    opt = make_opt(list(model.parameters()))
    res = find_lr(model, opt, lambda o, t: ((o.squeeze(1) - t) ** 2).mean(),
                  data, sweep=Sweep(start=1e-5, end=10.0, num_steps=60), interval=False)
    assert res.rule == expected and res.meta["rule_requested"] == "auto"
    # 59 intervals over 6 decades: the clear reading moved to the calibrated density (lrkit.finder._density)
    factor = res.meta["density_factor"]
    assert factor == pytest.approx((59 / 6) / (99 / 8))
    assert res.suggestion == res.suggestions[expected] * factor
    policy = resolve_policy(FinderPolicy(), opt)  # the anchor's distance for the optimizer's step
    assert res.suggestion == suggest(res.lrs, res.losses, expected, policy=policy).lr * factor


@pytest.mark.parametrize(("make_opt", "decades"), [
    (lambda p: torch.optim.SGD(p, lr=0.1), 1.0),
    (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True), 2.5),
    (lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.99), 2.5),  # clamped: never beyond the measured 0.9
    (lambda p: torch.optim.RMSprop(p), 1.0),
    # momentum 0.5 lags 2 updates, 0.9 lags 10: a ninth of the way from 1.0 to 2.5
    (lambda p: torch.optim.RMSprop(p, momentum=0.5), 1.0 + 1.5 / 9),
    (lambda p: torch.optim.Adagrad(p), 1.0),
    (lambda p: torch.optim.Adadelta(p), 1.0),
    (lambda p: torch.optim.Adam(p), 2.5),
    (lambda p: torch.optim.AdamW(p, betas=(0.0, 0.99)), 1.0),
])
def test_the_anchor_distance_follows_the_momentum_of_the_step(make_opt, decades):
    policy = FinderPolicy(anchor_decades=2.5, memoryless_decades=1.0)
    assert resolve_policy(policy, make_opt(_params())).anchor_decades == pytest.approx(decades, abs=1e-12)


def test_resolve_policy_sets_the_anchor_distance_of_the_optimizers_step_and_nothing_else():
    policy = FinderPolicy(anchor_decades=2.5, memoryless_decades=1.0, retry_steps=50)
    plain = resolve_policy(policy, torch.optim.SGD(_params(), lr=0.1))
    assert plain == policy.replace(anchor_decades=1.0) and plain.retry_steps == 50
    assert resolve_policy(policy, torch.optim.Adam(_params())) is policy
    assert momentum_of(torch.optim.SGD(_params(), lr=0.1, momentum=0.9)) == pytest.approx(0.9)


def test_find_lr_anchors_a_momentum_free_sweep_with_its_own_distance():
    torch.manual_seed(0)
    X = torch.randn(2048, 4)
    y = X @ torch.tensor([1.0, -1.0, 2.0, 0.5])
    data = [(X[i:i + 64], y[i:i + 64]) for i in range(0, 2048, 64)]
    loss = lambda o, t: ((o.squeeze(1) - t) ** 2).mean()  # noqa: E731
    sweep = Sweep(start=1e-5, end=10.0, num_steps=60)
    answers = []
    for c in (1.0, 2.0):
        torch.manual_seed(1)
        model = torch.nn.Linear(4, 1)
        res = find_lr(model, torch.optim.SGD(model.parameters(), lr=0.1), loss, data, sweep=sweep,
                      interval=False, policy=FinderPolicy(memoryless_decades=c, anchor_decades=3.0))
        assert f"1/10^{c:g} of" in res.reason
        answers.append(res.suggestion)
    assert answers[0] == pytest.approx(answers[1] * 10.0 ** 0.5)  # half of the decade moved, a = 1/2
