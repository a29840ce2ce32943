"""``train`` binds a spec's run quantities it knows: ``total`` (the run's length) and ``lr`` (when given)
(session-14 new-user probe, ux; ``/work/notes/ux14/REPORT.md`` L8).

``lrkit train --script f.py:FUNC --steps 300 --schedule "cosine(lr=0.05, steps=total)"`` was refused
("'total' is a name ... bound: lrkit.schedules.for_run") though the command knows the run's length.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from lrkit import LRKitError
from lrkit.schedules import cosine
from lrkit.tasks import resolve_schedule


def test_total_is_the_runs_length():
    s = resolve_schedule(None, "cosine(lr=0.05, steps=total)", 30)
    assert [s(t) for t in range(31)] == [cosine(lr=0.05, steps=30)(t) for t in range(31)]


def test_lr_is_bound_when_given():
    s = resolve_schedule(0.2, "warmup_cosine(lr=lr, warmup=total // 10, steps=total)", 100)
    assert max(s(t) for t in range(100)) == pytest.approx(0.2)
    assert s(99) < s(50) < s(10)


def test_a_name_the_run_does_not_know_is_refused_naming_it():
    with pytest.raises(LRKitError, match="warmup"):
        resolve_schedule(0.1, "cosine(lr=lr, steps=total - warmup)", 100)
    with pytest.raises(LRKitError, match="lr"):  # a spec naming lr with no lr given
        resolve_schedule(None, "cosine(lr=lr, steps=total)", 100)


def test_lrkit_train_binds_total(tmp_path):
    args = ["train", "--task", "diabetes-linear", "--steps", "30",
            "--schedule", "cosine(lr=0.05, steps=total)", "--json"]
    res = subprocess.run([sys.executable, "-m", "lrkit", *args],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-1500:]
    assert "'total' is a name" not in res.stderr


def test_train_binds_total_and_refuses_an_unknown_name_before_building():
    from lrkit.tasks import train

    r = train("diabetes-linear", schedule="cosine(lr=0.05, steps=total)", budget=20)
    assert r.steps == 20 and r.history[-1]["lr"] == pytest.approx(cosine(lr=0.05, steps=20)(19))
    built = []

    def task(seed):
        built.append(seed)
        raise AssertionError("built before the spec was checked")

    with pytest.raises(LRKitError, match="warmup"):
        train(task, schedule="cosine(lr=0.1, steps=total - warmup)", budget=20)
    assert built == []


def test_a_spec_with_a_lone_surrogate_is_one_lrkit_error_in_run_names_and_train():
    from lrkit.schedules import run_names
    from lrkit.tasks import train

    bad = "cosine(lr=0.1, steps\udcff"
    with pytest.raises(LRKitError, match="lone surrogate"):
        run_names(bad)
    with pytest.raises(LRKitError, match="lone surrogate"):
        train("diabetes-linear", schedule=bad, budget=5)
