"""``find_lr``'s ``rule="auto"``: the rule follows the optimizer's kind, and is recorded."""

from __future__ import annotations

import pytest
import torch

from lrkit import LRKitError
from lrkit.finder import rules, suggest
from lrkit.torch import find_lr
from lrkit.torch._finder_rule import ADAPTIVE_OPTIMIZERS, resolve_rule


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
    res = find_lr(model, make_opt(list(model.parameters())), lambda o, t: ((o.squeeze(1) - t) ** 2).mean(), data,
                  start=1e-5, end=10.0, num_steps=60, interval=False)
    assert res.rule == expected and res.meta["rule_requested"] == "auto"
    assert res.suggestion == res.suggestions[expected]
    assert res.suggestion == suggest(res.lrs, res.losses, expected).lr
