"""Ctrl-C in the study's first trial loses the finder's suggestion for good (session-12 new-user probe, ux;
``/work/notes/ux12/REPORT.md``, D10; ``tuning/_trials.py`` / ``tuning/_study.py``).

docs/tune.md: a new study's first trial is queued, not sampled: the range test's suggestion ``s`` itself,
with the schedule the budget chooses, "so the search starts from the finder's answer"; and "re-running an
interrupted command runs only the missing trials". ``lrkit tune --script task.py:build --trials 4``
interrupted (SIGINT) while trial 0 trains: it is recorded FAIL ("interrupted; run the same command again
to resume the study."), and the re-run samples four new trials; the queued suggestion (lr 0.2434, wsd)
is never trained, since a resumed study does not queue it again. A process killed with ``kill -9`` in the
same place has its trial re-queued with the same parameters ("re-queued 1 trial(s) left running by a
killed process"). Now an interrupted trial is queued again the way a killed one is
(``tuning._study.requeue``), so its parameters run on the re-run.
"""

from __future__ import annotations

import inspect

import optuna
import pytest
import torch
from torch import nn

from lrkit.tuning import Storage, tune

_ARMED = {"left": 1}  # interrupt the first update a trial trains (not the range test's sweep): trial 0's


def _in_a_trial() -> bool:
    return any(f.filename.replace("\\", "/").endswith("lrkit/tasks/_train.py") for f in inspect.stack())


def _build(seed):
    X = torch.randn(256, 3, generator=torch.Generator().manual_seed(seed))
    y = X @ torch.tensor([1.0, -2.0, 0.5])
    batches = [(X[i:i + 32], y[i:i + 32]) for i in range(0, 256, 32)]
    torch.manual_seed(seed)
    model = nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def loss_fn(out, target):
        if _ARMED["left"] and _in_a_trial():
            _ARMED["left"] -= 1
            raise KeyboardInterrupt
        return ((out.squeeze(1) - target) ** 2).mean()

    return {"model": model, "optimizer": opt, "loss_fn": loss_fn, "train_loader": batches[:6],
            "val_loader": batches[6:]}


def test_the_finders_first_trial_runs_after_an_interrupted_first_attempt(tmp_path):
    where = Storage(out=str(tmp_path))
    with pytest.raises(KeyboardInterrupt):
        tune(_build, n_trials=3, budget=60, storage=where)
    result = tune(_build, n_trials=3, budget=60, storage=where)
    study = optuna.load_study(study_name="lrkit-_build", storage=f"sqlite:///{tmp_path}/lrkit-tune.db")
    queued = [t for t in study.trials if t.user_attrs.get("first") == "finder"]
    assert queued and queued[0].state.name == "FAIL"  # what the interrupt left
    ran = [t for t in study.trials if t.params == queued[0].params and t.state.name in ("COMPLETE", "PRUNED")]
    assert ran, [(t.number, t.state.name, t.params.get("lr")) for t in study.trials]
    assert ran[0].system_attrs["failed_trial"] == queued[0].number  # Optuna's retry copy, as a kill's
    assert result.n_complete + result.n_pruned == 3
