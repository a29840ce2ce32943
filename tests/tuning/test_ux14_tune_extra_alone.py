"""``lrkit[tune]`` alone runs ``tune``, and an objective's default space is checked before any trial
(session-14 new-user probe, ux; ``/work/notes/ux14/REPORT.md`` D2, D3).

D2: ``pip install 'lrkit[tune]'`` (optuna, sqlalchemy, pyyaml: no scikit-learn) and ``tune``'s own
docstring example: every trial runs and is stored, then ``result_from_study`` asks optuna for fANOVA
importances, whose random forest imports scikit-learn: "ImportError: Tried to import 'sklearn' but
failed". The call never returns its ``TuneResult``; re-running fails the same way. Expected: the
result, with ``importances`` None and a note saying why (or scikit-learn in the extra). The missing
package is simulated with ``sys.modules['sklearn'] = None`` in a child process. Fixed both ways:
the ``tune`` extra lists scikit-learn, and without it the result comes back with the note.

D3: ``tune(objective, n_trials=...)`` with the default space and no ``budget``: trial 0 samples
``warmup_cosine``, fails with "`budget` of tune is required ...", optuna prints its traceback, and the
failed trial stays in the study (a later ``budget=`` run "resumed study ... with 1 stored trial(s)").
``tune``'s docstring promises a bad space raises "before any study is written". Fixed: ``tune`` checks
the space's families with :func:`lrkit.tuning._objective.check_horizon` before opening the storage.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import optuna
import pytest

from lrkit import LRKitError
from lrkit.tuning import Storage, tune
from lrkit.tuning._objective import check_horizon
from lrkit.tuning._result import IMPORTANCES_NEED_SKLEARN

_DOC_EXAMPLE = """
import sys, tempfile
sys.modules['sklearn'] = None
from lrkit.tuning import Storage, tune
r = tune(lambda p: (p["lr"] - 0.01) ** 2, n_trials=6, storage=Storage(out=tempfile.mkdtemp()),
         space={"lr": [1e-4, 1], "schedules": ["constant"]}, pruner="none")
print("RESULT", r.n_complete, r.importances is None)
print("NOTE", r.importance_note in r.notes, r.importance_note)
"""


def test_tune_returns_its_result_without_scikit_learn(tmp_path):
    res = subprocess.run([sys.executable, "-c", _DOC_EXAMPLE], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0 and "RESULT 6 True" in res.stdout, res.stderr[-2000:]
    assert f"NOTE True {IMPORTANCES_NEED_SKLEARN}" in res.stdout, res.stdout


def test_the_tune_extra_installs_scikit_learn():
    """The other half of D2: ``lrkit[tune]`` installs what fANOVA's importances import."""
    pyproject = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text("utf-8"))
    assert any(r.startswith("scikit-learn") for r in pyproject["project"]["optional-dependencies"]["tune"])


def test_an_objective_without_budget_is_refused_before_any_trial(tmp_path):
    with pytest.raises(LRKitError, match="budget"):
        tune(lambda p: (p["lr"] - 0.01) ** 2, n_trials=2, storage=Storage(out=str(tmp_path)), pruner="none")
    db = tmp_path / "lrkit-tune.db"
    stored = sum(s.n_trials for s in optuna.get_all_study_summaries(f"sqlite:///{db}")) if db.exists() else 0
    assert stored == 0


def test_a_constant_space_needs_no_budget_and_a_given_shaped_space_is_refused(tmp_path):
    r = tune(lambda p: (p["lr"] - 0.01) ** 2, n_trials=2, storage=Storage(out=str(tmp_path)), pruner="none",
             space={"lr": [1e-3, 0.1], "schedules": ["constant"]})
    assert r.n_complete == 2
    with pytest.raises(LRKitError, match=r"^`budget` of tune is required .* holds wsd \("):
        tune(lambda p: 0.0, n_trials=1, storage=Storage(out=str(tmp_path / "b")), pruner="none",
             space={"schedules": ["constant", "wsd"]})
    assert not (tmp_path / "b").exists()
    check_horizon(("constant",), None)  # nothing to refuse


def test_a_resumed_constant_study_needs_no_space_again(tmp_path):
    """No space given: the check reads the space the study holds (a constant-only study resumes)."""
    kw = dict(storage=Storage(out=str(tmp_path), study_name="s"), pruner="none")
    tune(lambda p: p["lr"], n_trials=1, space={"lr": [1e-3, 1e-2], "schedules": ["constant"]}, **kw)
    assert tune(lambda p: p["lr"], n_trials=2, **kw).n_complete == 2
    with pytest.raises(LRKitError, match="budget"):  # another study of the same storage: the default space
        tune(lambda p: p["lr"], n_trials=1, storage=Storage(out=str(tmp_path), study_name="t"), pruner="none")
    assert optuna.get_all_study_names(f"sqlite:///{tmp_path / 'lrkit-tune.db'}") == ["s"]  # no study "t"
