"""A one-shot ``val_loader`` is refused, not scored as a perfect ``val_loss`` of 0.0
(session-14 new-user probe, ux; ``/work/notes/ux14/REPORT.md`` D5).

A user's task function returns ``val_loader=((X[i:i+128], y[i:i+128]) for i in ...)``, a generator:
the first evaluation reads it, every later one finds it empty, and ``evaluate_val_loss`` returns
``total / max(n, 1)`` = 0.0. ``lrkit train --script f.py:FUNC --steps 200 --eval-every 50`` reported
"val_loss (main) 0" (history 0.546, 0.0, 0.0, 0.0); at ``--lr 50`` too; ``lrkit tune`` would rank every
such trial best. A one-shot ``train_loader`` already gets "ran out after 44 batches and yielded nothing
on its second pass: a one-shot iterator cannot be cycled; pass a list or a DataLoader", and an empty
``val_loader`` is refused before training. Expected: the same kind of one ``LRKitError`` for the
validation loader, never a metric from no batch.
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from lrkit import LRKitError  # noqa: E402
from lrkit.tasks import train  # noqa: E402
from lrkit.tasks._protocol import evaluate_val_loss  # noqa: E402


def _task(seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randn(256, 8, generator=g), torch.randint(0, 3, (256,), generator=g)
    torch.manual_seed(seed)
    model = torch.nn.Linear(8, 3)
    return dict(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
                loss_fn=torch.nn.CrossEntropyLoss(),
                train_loader=[(x[i:i + 32], y[i:i + 32]) for i in range(0, 192, 32)],
                val_loader=((x[i:i + 32], y[i:i + 32]) for i in range(192, 256, 32)))


def test_a_one_shot_val_loader_is_not_a_perfect_score():
    torch.set_num_threads(1)
    try:
        result = train(_task, lr=0.1, budget=40, eval_every=10)
    except LRKitError as e:
        assert "val_loader" in str(e)
        return
    losses = [row["val_loss"] for row in result.history if "val_loss" in row]
    assert result.metric > 0 and all(v > 0 and math.isfinite(v) for v in losses), (result.metric, losses)


class _RunsDry:
    """A re-iterable loader whose second pass yields nothing (a wrapper around one generator)."""

    def __init__(self, batches: list) -> None:
        self._batches = iter(batches)

    def __iter__(self):
        return (b for b in self._batches)


def test_a_loader_that_runs_dry_later_is_an_error_not_a_zero():
    torch.set_num_threads(1)
    model = torch.nn.Linear(2, 1)
    batches = [(torch.ones(4, 2), torch.ones(4, 1))] * 2
    assert evaluate_val_loss(model, torch.nn.functional.mse_loss, batches)["val_loss"] > 0
    dry = _RunsDry(batches)
    first = evaluate_val_loss(model, torch.nn.functional.mse_loss, dry)["val_loss"]
    assert first > 0 and model.training
    with pytest.raises(LRKitError, match="val_loader.*yielded no batches"):
        evaluate_val_loss(model, torch.nn.functional.mse_loss, dry)
    assert model.training  # the model's mode is restored


def test_the_refusal_names_the_loader_and_what_to_pass_before_any_update():
    torch.set_num_threads(1)
    parts = _task(0)
    before = [p.detach().clone() for p in parts["model"].parameters()]
    with pytest.raises(LRKitError, match="`val_loader` of .* one-shot iterator \\(generator\\).*a list or a "
                                         "DataLoader"):
        train(lambda seed: parts, lr=0.1, budget=40, eval_every=10)
    assert all(torch.equal(a, b) for a, b in zip(before, parts["model"].parameters()))
    # a list or a DataLoader over the same batches trains and scores > 0 at every evaluation
    parts = _task(0)
    parts["val_loader"] = list(parts["val_loader"])
    result = train(lambda seed: parts, lr=0.1, budget=40, eval_every=10)
    assert all(row["val_loss"] > 0 for row in result.history if "val_loss" in row) and result.metric > 0


def test_tune_refuses_it_before_any_trial():
    pytest.importorskip("optuna")
    from lrkit.tuning import tune

    with pytest.raises(LRKitError, match="`val_loader` of the task function _task is a one-shot iterator"):
        tune(_task, n_trials=2, budget=20)
