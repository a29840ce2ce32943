"""A study under its default name (``lrkit-`` + the function's name) belongs to the function that made it:
another function of the same name is refused, naming both and the way out (ux10 D13; the CLI's case:
``tests/tuning/test_ux10_tune_two_scripts_one_folder.py``)."""

from __future__ import annotations

import pytest

from lrkit import LRKitError
from lrkit.tuning import Storage, tune
from lrkit.tuning._objective import source_of

_SPACE = {"lr": [1e-4, 1], "schedules": ["constant"]}


def _objectives():
    def objective(p):
        return (p["lr"] - 0.01) ** 2

    first = objective

    def objective(p):  # noqa: F811 - another function of the same name, as two scripts' `build`
        return (p["lr"] - 0.3) ** 2

    return first, objective


def test_another_function_of_the_same_name_is_refused_naming_both(tmp_path):
    first, second = _objectives()
    assert source_of(first) == source_of(second)  # one file, one qualified name: the same source
    second.lrkit_source = "other.py:objective"  # as the CLI's --script wrapper names its script
    tune(first, n_trials=2, storage=Storage(out=tmp_path), space=_SPACE, pruner="none")
    with pytest.raises(LRKitError, match=r"lrkit-objective.*test_tune_study_source\.py:_objectives"
                                         r".*other\.py:objective.*--study"):
        tune(second, n_trials=3, storage=Storage(out=tmp_path), space=_SPACE, pruner="none")
    again = tune(first, n_trials=3, storage=Storage(out=tmp_path), space=_SPACE, pruner="none")
    assert again.n_complete == 3  # its own function resumes it


def test_a_study_named_on_purpose_is_joined_by_any_function(tmp_path):
    first, second = _objectives()
    second.lrkit_source = "other.py:objective"
    where = Storage(out=tmp_path, study_name="shared")
    tune(first, n_trials=2, storage=where, space=_SPACE, pruner="none")
    r = tune(second, n_trials=3, storage=where, space=_SPACE, pruner="none")
    assert r.n_complete == 3


def test_source_of_names_the_file_and_the_qualified_name():
    assert source_of(_objectives) == "test_tune_study_source.py:_objectives"
    assert source_of(_objectives()[0]) == "test_tune_study_source.py:_objectives.<locals>.objective"
    assert source_of(len) == "builtins:len"


def test_the_command_lines_script_wrapper_names_the_script_not_itself(tmp_path):
    from lrkit.cli._tune import _target

    (tmp_path / "mlp.py").write_text("def build(seed):\n    return {}\n")
    wrapper = _target(None, f"{tmp_path / 'mlp.py'}:build", 0)
    assert source_of(wrapper) == "mlp.py:build"
