"""The scale-invariant units ``benchmarks/autopilot_effective_rate.py`` reads, checked against the definition.

A unit is scale-invariant when the loss does not change as its weights are scaled: checked here directly
(the loss at 2w equals the loss at w), with Euler's identity (the gradient orthogonal to w) as the
consequence the dev code tests for, and a LayerNorm after a residual sum as the case it must reject.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from dev.autopilot_effective import held_units  # noqa: E402
from dev.autopilot_norms import invariant_units, linear_units  # noqa: E402

from lrkit.zoo import MLP  # noqa: E402


class Residual(torch.nn.Module):
    """``LayerNorm(x + Linear(x))``: the Linear is registered right before the LayerNorm, yet the loss is
    not invariant to its scale (the residual sum is not scaled with it)."""

    def __init__(self) -> None:
        super().__init__()
        self.inp, self.lin, self.norm, self.out = (torch.nn.Linear(4, 8), torch.nn.Linear(8, 8),
                                                   torch.nn.LayerNorm(8), torch.nn.Linear(8, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.inp(x)
        return self.out(self.norm(h + self.lin(h)))


def _loss(model: torch.nn.Module) -> torch.Tensor:
    torch.manual_seed(1)
    return model(torch.randn(32, 4)).pow(2).mean()


@pytest.mark.parametrize("norm", ["batch", "layer"])
def test_a_layer_before_a_norm_is_a_unit_and_its_scale_does_not_change_the_loss(norm):
    torch.manual_seed(0)
    model = MLP((4, 16, 16, 1), norm=norm)
    units = invariant_units(model)
    assert [[p.shape for p in u] for u in units] == [[(16, 4), (16,)], [(16, 16), (16,)]]
    before = float(_loss(model).detach())
    with torch.no_grad():
        for p in units[1]:
            p.mul_(2.0)
    assert float(_loss(model).detach()) == pytest.approx(before, rel=1e-4)
    _loss(model).backward()
    assert held_units(model) == units  # Euler: the gradient is orthogonal to a scale-invariant unit


def test_a_model_without_normalization_has_no_unit_and_its_linear_layers_are_the_control():
    model = MLP((4, 16, 1))
    assert invariant_units(model) == []
    assert len(linear_units(model)) == 2


def test_a_layer_before_a_layernorm_after_a_residual_sum_is_not_held():
    torch.manual_seed(0)
    model = Residual()
    assert len(invariant_units(model)) == 1  # registration order alone calls it a unit ...
    _loss(model).backward()
    assert held_units(model) == []  # ... its gradient is not orthogonal to it, so it is not held
