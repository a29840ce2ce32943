"""A journal storage URL that names a folder or a file that is no Optuna journal (session-12 new-user
probe, ux; ``/work/notes/ux12/REPORT.md``, L3; ``tuning/_storage.py``).

``lrkit tune --storage journal:///runs`` (a folder) ended "error: unexpected IsADirectoryError: ...
please report it" (exit 1), and ``journal:///run.csv`` (another file) "unexpected JSONDecodeError:
Expecting value". Now each is one ``LRKitError`` naming the storage and what to give, before any study
is written, and the file is left as it was.
"""

from __future__ import annotations

import pytest

from lrkit import LRKitError
from lrkit.tuning import tune


def _objective(params):
    return params["lr"]


def test_a_journal_url_naming_a_folder_is_one_error(tmp_path):
    with pytest.raises(LRKitError, match=r"journal:///.*is a folder; give a file"):
        tune(_objective, n_trials=1, budget=10, space={"lr": [1e-3, 1.0]}, storage=f"journal:///{tmp_path}")


def test_a_journal_url_naming_another_kind_of_file_is_one_error_and_the_file_is_kept(tmp_path):
    other = tmp_path / "run.csv"
    other.write_text("step,loss\n0,1.0\n")
    with pytest.raises(LRKitError, match=r"run.csv.*is not an Optuna journal file"):
        tune(_objective, n_trials=1, budget=10, space={"lr": [1e-3, 1.0]}, storage=f"journal:///{other}")
    assert other.read_text() == "step,loss\n0,1.0\n"
