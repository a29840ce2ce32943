"""``tune`` with a budget of one update is refused up front (ux12 L10).

``lrkit tune --budget 1`` ran the range test, then stopped at its first ``warmup_cosine`` trial with
"`lr` of task digits-mlp must be a finite number > 0; got 0.0." after Optuna's 20-line traceback: a
family with a warmup warms up over at least one update and never the whole run
(``finder._next_step.schedule_kwargs``), which one update cannot hold (the run is its warmup's first
update, at rate 0). Two updates is the least every family runs (measured: 3 trials of each of the five
families on digits-mlp at budget 2 all complete). The budget is now one ``LRKitError`` naming it, its
value and the smallest that works, before the finder or any trial runs; on the CLI one line naming
``--budget``.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lrkit import LRKitError
from lrkit.cli import app
from lrkit.tuning import MIN_BUDGET, SearchSpace, Storage, tune
from lrkit.tuning._space import TUNABLE_SCHEDULES
from lrkit.tuning._to_schedule import schedule_from_params


@pytest.mark.parametrize("target", ["digits-mlp", "objective"])
def test_a_one_update_budget_is_one_error_before_anything_runs(target, tmp_path):
    ran = []
    given = target if target == "digits-mlp" else (lambda p: ran.append(p) or 0.5)
    with pytest.raises(LRKitError, match=r"^`budget` of tune must be an integer >= 2\b.*got 1\.$"):
        tune(given, n_trials=2, budget=1, storage=Storage(out=str(tmp_path)))
    assert ran == [] and not any(tmp_path.iterdir())  # no finder, no trial, no study file


def test_the_cli_says_it_in_one_line_naming_the_flag(tmp_path):
    res = CliRunner().invoke(app, ["tune", "--budget", "1", "--trials", "2", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "`--budget`" in lines[0] and "got 1." in lines[0], res.output
    assert ">= 2" in lines[0] and "Traceback" not in res.output


def test_two_updates_is_the_least_every_family_runs_at_a_positive_rate():
    """The smallest budget allowed is one at which every tunable family runs some update above 0."""
    assert MIN_BUDGET == 2
    shape = {"lr": 0.1, "warmup_fraction": 0.5, "decay_fraction": 0.5, "final_ratio": 0.01}
    for family in TUNABLE_SCHEDULES:
        sched = schedule_from_params({**shape, "schedule": family}, MIN_BUDGET)
        assert max(float(sched(t)) for t in range(MIN_BUDGET)) > 0, family
    assert float(schedule_from_params({**shape, "schedule": "warmup_cosine"}, 1)(0)) == 0.0
    assert "warmup_cosine" in SearchSpace().schedules  # the default space holds it
