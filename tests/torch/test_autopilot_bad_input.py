"""Bad input to the Autopilot (issue 15): each is one LRKitError line, and the model is left as it was."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.torch import Autopilot  # noqa: E402
from lrkit.torch._autopilot_checks import MIN_BUDGET  # noqa: E402


def _model() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))


def _same(model: torch.nn.Module, before: list[torch.Tensor]) -> bool:
    return all(torch.equal(p, b) for p, b in zip(model.parameters(), before))


def _one_line_and_untouched(error: LRKitError, model: torch.nn.Module, before: list[torch.Tensor],
                            opt: torch.optim.Optimizer, lr: float | None) -> None:
    """The issue's promise for bad input: one line, the model's weights, the rate and the optimizer's state
    as they were."""
    assert "\n" not in str(error)
    assert _same(model, before)
    assert opt.state_dict()["state"] == {}
    if lr is not None:
        assert opt.param_groups[0]["lr"] == lr


class NoRate(torch.optim.Optimizer):
    """An optimizer whose groups have no ``lr`` (it steps by a fixed fraction of the gradient)."""

    def __init__(self, params):
        super().__init__(params, {"fraction": 0.1})

    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is not None:
                    p.data.add_(p.grad, alpha=-g["fraction"])


@pytest.mark.parametrize("budget", [1, 5, MIN_BUDGET - 1])
def test_a_budget_below_what_a_probe_needs(budget):
    model = _model()
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(LRKitError, match=rf"^`budget` of Autopilot must be an integer >= {MIN_BUDGET} .*got "
                                         rf"{budget}\.$") as e:
        Autopilot(opt, budget=budget, model=model)
    _one_line_and_untouched(e.value, model, before, opt, 0.1)


def test_the_smallest_budget_runs():
    model = _model()
    ap = Autopilot(torch.optim.SGD(model.parameters(), lr=0.1), budget=MIN_BUDGET, model=model)
    assert ap.probe_steps >= 8


def test_an_optimizer_without_lr():
    model = _model()
    before = [p.detach().clone() for p in model.parameters()]
    opt = NoRate(model.parameters())
    with pytest.raises(LRKitError, match=r"^`optimizer` of Autopilot must have an 'lr' in every parameter "
                                         r"group .*NoRate whose group 0 has none\.$") as e:
        Autopilot(opt, budget=100, model=model)
    assert "lr" not in opt.param_groups[0]
    _one_line_and_untouched(e.value, model, before, opt, None)


def test_model_parameters_the_optimizer_does_not_update():
    model = _model()
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.Adam(model[0].parameters(), lr=1e-3)  # the last layer is left out
    with pytest.raises(LRKitError, match=r"^`model` of Autopilot has 2 trainable parameters the optimizer "
                                         r"does not update \(first: '2.weight', shape \(1, 8\)\)") as e:
        Autopilot(opt, budget=100, model=model)
    _one_line_and_untouched(e.value, model, before, opt, 1e-3)
    for p in model[2].parameters():  # frozen on purpose: fine
        p.requires_grad_(False)
    Autopilot(opt, budget=100, model=model)


@pytest.mark.parametrize("probe", ["ramp", "rollback"])
@pytest.mark.parametrize("fault", ["loss", "gradient"])
def test_a_non_finite_loss_at_the_first_update(probe, fault):
    model = _model()
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ap = Autopilot(opt, budget=100, model=model, probe=probe)
    loss = model(torch.randn(16, 4)).pow(2).mean()
    loss.backward()
    if fault == "loss":
        loss = loss * float("nan")
    else:
        next(model.parameters()).grad[0, 0] = float("inf")
    msg = (r"at the first update, before any rate is tried; got .* \(nothing was applied: the model and the "
           r"optimizer's rates are as they were\)\.$")
    with pytest.raises(LRKitError, match=msg) as e:
        ap.step(loss)
    _one_line_and_untouched(e.value, model, before, opt, 0.1)


def test_a_non_finite_loss_later_in_the_probe_is_a_divergence_not_an_error():
    model = _model()
    ap = Autopilot(torch.optim.SGD(model.parameters(), lr=0.1), budget=100, model=model)
    x = torch.randn(16, 4)
    rates = []
    for k in range(4):  # NaN at updates 2 and 3: the first is skipped (a bad batch?), the second ends it
        ap.optimizer.zero_grad()
        loss = model(x).pow(2).mean()
        loss.backward()
        rates.append(ap.lr)
        ap.step(loss * float("nan") if k >= 2 else loss)
    assert ap.phase in ("race", "main") and ap.events[0]["probe"] == 4
    assert ap.events[0]["diverged_at"] == pytest.approx(rates[2])  # read at the first of the two


def test_an_optimizer_that_reads_its_rate_only_once():
    model = _model()
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.Rprop(model.parameters(), lr=0.01)
    with pytest.raises(LRKitError, match=r"^`optimizer` of Autopilot must read the rate it is given "
                                         r".*got Rprop, which sets each weight's step size to lr") as e:
        Autopilot(opt, budget=100, model=model)
    _one_line_and_untouched(e.value, model, before, opt, 0.01)


def test_an_overflowing_first_gradient_names_the_grad_scaler():
    model = _model()
    ap = Autopilot(torch.optim.SGD(model.parameters(), lr=0.1), budget=100, model=model)
    model(torch.randn(16, 4)).pow(2).mean().backward()
    next(model.parameters()).grad[0, 0] = float("inf")
    with pytest.raises(LRKitError, match=r"if a GradScaler scales the loss, its first updates overflow by "
                                         r"design .*Autopilot\(\.\.\., scaler=scaler\)"):
        ap.step(1.0)
