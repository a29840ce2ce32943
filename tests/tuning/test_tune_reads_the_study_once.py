"""``tune`` of an objective without a budget or a space checks the space of the study it resumes from the
read that joins the study, not from one of its own (session-14 review: the check loaded the stored study,
then ``open_study`` loaded it again).

The reads are counted in the statements SQLAlchemy logs (its ``sqlalchemy.engine.Engine`` logger at INFO
logs each one), against the same resume with the same space given, which needs no check.
"""

from __future__ import annotations

import logging
from collections import Counter

import pytest

pytest.importorskip("optuna")

from lrkit.tuning import Storage, tune  # noqa: E402

SPACE = {"lr": [1e-3, 1e-2], "schedules": ["constant"]}


class _Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        sql = record.getMessage()
        if sql.startswith("SELECT") and "studies.study_name =" in sql:
            self.reads["study by name"] += 1
        if sql.startswith("SELECT") and "FROM study_user_attributes" in sql:
            self.reads["study attributes"] += 1


def _reads(**kw) -> Counter[str]:
    log = logging.getLogger("sqlalchemy.engine.Engine")
    level, propagate, handler = log.level, log.propagate, _Statements()
    log.setLevel(logging.INFO)
    log.propagate = False
    log.addHandler(handler)
    try:
        tune(lambda p: p["lr"], n_trials=1, pruner="none", **kw)
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
        log.propagate = propagate
    return handler.reads


def test_resuming_without_a_space_reads_the_study_as_often_as_with_it(tmp_path):
    kw = dict(storage=Storage(out=str(tmp_path), study_name="s"))
    tune(lambda p: p["lr"], n_trials=1, pruner="none", space=SPACE, **kw)  # a constant study, no budget
    given = _reads(space=SPACE, **kw)
    checked = _reads(**kw)  # no space: the study's is checked (constant: it needs no budget)
    assert given["study by name"] > 0 and given["study attributes"] > 0, given  # the statements are seen
    assert checked == given


def test_a_new_study_without_budget_or_space_is_still_refused_before_it_is_written(tmp_path):
    import optuna

    from lrkit import LRKitError

    with pytest.raises(LRKitError, match="^`budget` of tune is required"):
        tune(lambda p: p["lr"], n_trials=1, pruner="none", storage=Storage(out=str(tmp_path), study_name="t"))
    assert optuna.get_all_study_names(f"sqlite:///{tmp_path / 'lrkit-tune.db'}") == []
