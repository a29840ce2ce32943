"""A task function whose optimizer has no ``lr`` (its rate is called ``step_size``): ``train`` and ``tune``
answer with one ``LRKitError`` naming the optimizer (session-15 new-user probe, ux;
``/work/notes/ux15/REPORT.md`` D2, medium).

``lrkit.tasks.train(task, budget=50)`` and ``train(task, lr=0.1, ...)`` raise a bare ``KeyError: 'lr'``
(``default_lr = float(parts["optimizer"].param_groups[0]["lr"])``); ``lrkit train --script f.py:FUNC`` prints
"error: unexpected KeyError: 'lr' (LRKIT_DEBUG=1 shows the traceback; please report it)", exit 1; ``lrkit tune
--script`` runs three trials that each fail, then "tune stopped: 3 trials in a row failed ...; the last:
KeyError: 'lr'". The Autopilot and ``find_lr`` on the same task refuse in one line ("`optimizer` of Autopilot
must have an 'lr' in every parameter group ..."). Expected: one LRKitError naming `optimizer`, what it lacks
and what is allowed, before anything trains; tune refuses before its first trial.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import lrkit  # noqa: E402
from lrkit.tasks import train  # noqa: E402


class _StepSize(torch.optim.Optimizer):
    """A user's optimizer whose rate is called ``step_size``."""

    def __init__(self, params, step_size=0.05):
        super().__init__(params, dict(step_size=step_size))

    @torch.no_grad()
    def step(self, closure=None):
        for g in self.param_groups:
            for p in g["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-g["step_size"])


def _task(seed: int) -> dict:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(128, 4, generator=g)
    y = (x[:, 0] > 0).long()
    torch.manual_seed(seed)
    model = torch.nn.Linear(4, 2)
    return dict(model=model, optimizer=_StepSize(model.parameters()), loss_fn=torch.nn.CrossEntropyLoss(),
                train_loader=[(x[i:i + 32], y[i:i + 32]) for i in range(0, 96, 32)],
                val_loader=[(x[96:], y[96:])])


@pytest.mark.parametrize("lr", [None, 0.1])
def test_train_of_an_optimizer_without_lr_is_one_line(lr):
    torch.set_num_threads(1)
    with pytest.raises(lrkit.LRKitError, match="`optimizer`.*'lr'"):
        train(_task, lr=lr, budget=20)


def test_tune_of_an_optimizer_without_lr_refuses_before_any_trial(tmp_path):
    from lrkit.tuning import Storage, tune

    torch.set_num_threads(1)
    with pytest.raises(lrkit.LRKitError, match="`optimizer`") as info:
        tune(_task, n_trials=2, budget=20, storage=Storage(out=str(tmp_path)), pruner="none")
    assert "KeyError" not in str(info.value) and "trials in a row" not in str(info.value), str(info.value)


class _NoneRate(_StepSize):
    """Its groups hold ``lr=None`` (as transformers' Adafactor with its defaults: it sets its own steps)."""

    def __init__(self, params):
        torch.optim.Optimizer.__init__(self, params, dict(lr=None, step_size=0.05))


def test_train_of_an_optimizer_whose_lr_is_none_is_one_line():
    """ux15 D14's train part: a group's ``lr=None`` is refused before anything trains, naming the way out."""

    def task(seed: int) -> dict:
        parts = _task(seed)
        parts["optimizer"] = _NoneRate(parts["model"].parameters())
        return parts

    torch.set_num_threads(1)
    with pytest.raises(lrkit.LRKitError, match=r"`optimizer` of .* must have a number as 'lr'.*lr=None.*"
                                               r"relative_step=False"):
        train(task, budget=20)


def test_group_rate_problem_names_the_first_group_without_a_number_rate():
    from lrkit.errors import group_rate_problem

    assert group_rate_problem([{"params": [], "lr": torch.tensor(0.1)}]) is None  # a tensor rate is a number
    assert group_rate_problem([{"params": [], "lr": 0.1}, {"params": [], "lr": "0.1"}])[:2] == (1, True)
