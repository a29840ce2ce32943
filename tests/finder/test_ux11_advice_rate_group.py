"""The advice puts the suggestion on group 0, which is not the group it was found for (session-11
new-user probe, ux; ``/work/notes/ux11/REPORT.md``, D5).

A fine-tune script with discriminative rates, head listed first: ``SGD([{head, lr 0.1}, {backbone,
lr 0.001}], momentum=0.9)`` (digits MLP 64-256-10). ``find_lr``'s suggestion is the reference group's
rate (the backbone: the most trainable parameters; ``meta["rate_group"] == 1``), 0.00257, but the
advice said "2 param groups (group 0 gets the rate, the others keep their ratios)" and wrote it into
``LRScheduler(optimizer, "wsd(lr=0.00257, ...)")`` and ``lrkit train --script ... --schedule
"wsd(lr=0.00257, ...)"``, which set group 0, the head: both groups 100x below the rates the sweep
measured. ``lrkit train`` with the advice's own line: validation loss 1.73; with the suggestion on the
backbone (head peak 0.257): 0.326 (300 updates). ``tune`` centred its ``lr`` range (the rate ``train``
gives group 0) on the same number, so its range ([s/31.6, 10 s]) missed the head's rate by a decade.
Expected: the advice's Python and CLI lines, and tune's range, give each group the rate the sweep
measured for it.
"""

from __future__ import annotations

import pytest
import torch
from sklearn.datasets import load_digits
from torch import nn

from lrkit.finder import advise
from lrkit.schedules import parse
from lrkit.torch import LRScheduler, find_lr
from lrkit.tuning import Storage, tune

_X, _Y = (torch.tensor(a) for a in load_digits(return_X_y=True))
_X = _X.float() / 16.0
_BATCHES = [(_X[i:i + 32], _Y[i:i + 32]) for i in range(0, 1280, 32)]


def head_first(seed: int = 0) -> dict:
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.SGD([{"params": model[2].parameters(), "lr": 0.1},
                           {"params": model[0].parameters(), "lr": 0.001}], lr=0.1, momentum=0.9)
    return {"model": model, "optimizer": opt, "loss_fn": nn.functional.cross_entropy,
            "train_loader": _BATCHES, "val_loader": [(_X[1280:], _Y[1280:])]}


def _peak(schedule) -> float:
    return float(max(schedule(range(schedule.horizon))))


@pytest.fixture(scope="module")
def found():
    parts = head_first()
    r = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"],
                interval=False)  # the default sweep, as tune runs it
    assert r.meta["rate_group"] == 1 and r.meta["group_scales"] == [100.0, 1.0]
    return r


def test_the_python_line_gives_the_suggestion_to_the_group_it_was_found_for(found):
    a = advise(found, budget=300)
    opt = head_first()["optimizer"]
    scope = {"optimizer": opt}
    exec(a.python, scope)  # the advice's own code, as a user pastes it
    sched = scope["scheduler"]
    assert isinstance(sched, LRScheduler)
    peaks = [_peak(sched.schedule) * c for c in sched.group_scales]
    assert peaks[1] == pytest.approx(a.lr, rel=1e-9)  # the backbone: the suggestion
    assert peaks[0] == pytest.approx(100 * a.lr, rel=1e-9)  # the head keeps its ratio
    assert "group 0 gets the rate" not in a.headline


def test_the_train_line_gives_group_0_its_share_of_the_suggestion(found):
    a = advise(found, budget=300, script="task.py:build")
    spec = a.cli.split('--schedule "', 1)[1].split('"', 1)[0]
    assert _peak(parse(spec)) == pytest.approx(100 * a.lr, rel=1e-9)  # train sets group 0: the head


def test_tune_centres_the_rate_it_searches_on_group_0s_share(found, tmp_path):
    result = tune(head_first, n_trials=1, budget=20, storage=Storage(out=str(tmp_path)), pruner="none")
    lo, hi = result.lr_range
    head = 100 * found.suggestion  # the sweep's reading for the head, group 0, whose rate train sets
    assert lo < head < hi
    assert result.finder["suggestion"] == pytest.approx(head, rel=1e-9)


def frozen_first(seed: int = 0) -> dict:
    parts = head_first(seed)
    model = parts["model"]
    parts["optimizer"] = torch.optim.SGD([{"params": model[0].parameters(), "lr": 0.0},
                                          {"params": model[2].parameters(), "lr": 0.1}], lr=0.1, momentum=0.9)
    return parts


def test_a_frozen_group_0_gets_a_python_line_that_runs_and_no_train_line_that_cannot():
    parts = frozen_first()
    r = find_lr(parts["model"], parts["optimizer"], parts["loss_fn"], parts["train_loader"], interval=False)
    a = advise(r, budget=300, script="task.py:build")
    assert a.cli is None  # `lrkit train` refuses a group 0 at lr=0 ("list a group with lr > 0 first")
    assert any("group 0 is frozen" in c for c in a.caveats)
    opt = frozen_first()["optimizer"]
    scope = {"optimizer": opt}
    exec(a.python, scope)
    peaks = [_peak(scope["scheduler"].schedule) * c for c in scope["scheduler"].group_scales]
    assert peaks == pytest.approx([0.0, a.lr], rel=1e-9)
