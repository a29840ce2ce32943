"""``tune`` on a user's task function queues the finder's answer first when the space samples optimizers
(session-14 new-user probe, ux; ``/work/notes/ux14/REPORT.md`` D10).

docs/tune.md: a new study's first trial is the finder's suggestion ``s`` with the budget's schedule,
"with a space that samples optimizers, the task's own (the one the range test used)". For a built-in
task that is its default optimizer; for a protocol function (``lrkit tune --script f.py:FUNC --space
space.yaml`` with ``optimizers: [sgd, adam]``) ``first_params`` reads ``target.task.info.default_optimizer``,
finds none, and queues nothing: the range test runs (s = 0.051 for the script's SGD, momentum 0.9), then
trial 0 is a TPE draw (cosine, Adam at 0.052), no word. Expected: trial 0 is ``s`` with wsd (budget 60)
and the script's own optimizer, ``sgd`` (torch SGD with momentum 0.9, lrkit's ``sgd``).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from lrkit.tuning import Storage, tune  # noqa: E402


def _task(seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(320, 6, generator=g)
    y = (x[:, 0] - x[:, 1] > 0).long()
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2))
    return dict(model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9),
                loss_fn=torch.nn.CrossEntropyLoss(),
                train_loader=[(x[i:i + 32], y[i:i + 32]) for i in range(0, 256, 32)],
                val_loader=[(x[256:], y[256:])])


def test_the_first_trial_is_the_finders_answer_with_the_scripts_optimizer(tmp_path):
    torch.set_num_threads(1)
    r = tune(_task, n_trials=1, budget=60, storage=Storage(out=str(tmp_path)), pruner="none",
             space={"schedules": ["wsd", "cosine"], "optimizers": ["sgd", "adam"]})
    assert r.finder is not None and r.finder["suggestion"] is not None
    first = r.trials[0]["params"]
    assert first["schedule"] == "wsd" and first["optimizer"] == "sgd", first
    assert first["lr"] == pytest.approx(r.finder["suggestion"], rel=0.01), (first, r.finder["suggestion"])
