"""``result_from_study`` reads the best trial from the one snapshot of the trials it reports.

Found by CI (two ``lrkit tune`` workers on PostgreSQL): the rows were read, then ``study.best_trial``;
a trial of the other worker that completed in between was the best but RUNNING in the rows, so the
result carried its schedule with ``best_value = None`` and the report's formatting crashed
("unsupported format string passed to NoneType.__format__").
"""

from __future__ import annotations

from typing import Any

import optuna

from lrkit.tuning import SearchSpace
from lrkit.tuning._result import result_from_study


class _OtherWorkerFinishesMeanwhile:
    """A study whose running trial completes (value 0.5, the new best) the moment ``best_trial`` is read,
    as another worker's does between two reads of a shared storage."""

    def __init__(self, study: optuna.Study, running: optuna.trial.Trial) -> None:
        self._study, self._running = study, running

    def __getattr__(self, name: str) -> Any:
        return getattr(self._study, name)

    @property
    def best_trial(self) -> optuna.trial.FrozenTrial:
        if self._running is not None:
            self._study.tell(self._running, 0.5)
            self._running = None
        return self._study.best_trial


def test_the_best_trial_is_one_the_rows_hold_as_complete() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize")
    for value, lr in ((1.0, 0.01), (None, 0.1)):
        trial = study.ask()
        trial.suggest_float("lr", 1e-5, 1.0, log=True)
        trial.set_user_attr("schedule_spec", f"constant(lr={lr})")
        if value is not None:
            study.tell(trial, value)
        else:
            running = trial
    racing = _OtherWorkerFinishesMeanwhile(study, running)
    result = result_from_study(racing, n_trials=2, metric="val_loss", storage="memory",
                               space=SearchSpace(), finder=None, sampler="tpe", pruner="none", seed=0,
                               sampler_seed=0, worker_id=0, notes=[])
    assert result.best_trial == 0 and result.best_value == 1.0
    assert result.best_schedule == "constant(lr=0.01)"
    result.report().html()  # the page formats the best value: no TypeError
