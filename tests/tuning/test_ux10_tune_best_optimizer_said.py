"""With ``optimizers`` in the space, ``lrkit tune`` answers a rate without the optimizer it was measured
for (session-10 new-user probe, ux; ``/work/notes/ux10/REPORT.md``; owner: whoever owns ``cli/_tune.py``
and ``tuning/_report.py``).

``lrkit tune --script mytask.py:build --budget 100 --trials 4 --space space.yaml`` with ``optimizers: [sgd,
adam]`` (docs/tune.md: "also tune the optimizer"), on a script whose own optimizer is SGD with momentum:
the best trial ran Adam (``best_params["optimizer"] == "adam"`` in ``tune.json``), but the command prints
"best lr = 0.06519 / best schedule = cosine(lr=0.06519, ...)" and ``tune.html``'s "Next step" says
"build the optimizer with lr=0.06519", neither naming Adam. The user's script builds SGD: a rate measured
for Adam pasted into SGD (or the reverse) is typically a decade or two off. Expected: when the space
samples optimizers, the printed answer and the report's next step name the best trial's optimizer.

Fixed: ``best optimizer = NAME`` is printed and the report's code says to build that optimizer, whenever
the best trial's parameters hold one.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lrkit.cli import app

BASE = ["tune", "--task", "diabetes-linear", "--budget", "20", "--no-finder", "--pruner", "none"]


def test_the_answer_names_the_optimizer_it_was_measured_for(tmp_path):
    space = tmp_path / "space.json"
    space.write_text(json.dumps({"lr": [1e-3, 0.3], "schedules": ["constant"],
                                 "optimizers": ["sgd", "adam"]}))
    out = tmp_path / "o"
    args = [*BASE, "--trials", "4", "--space", str(space), "--out", str(out), "--seed", "0"]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    best = json.loads((tmp_path / "o" / "tune.json").read_text())["best_params"]["optimizer"]
    names = {"sgd": ("sgd", "SGD"), "adam": ("adam", "Adam")}[best]
    printed = res.stdout
    page = (tmp_path / "o" / "tune.html").read_text(encoding="utf-8")
    step = page[page.find("Next step"):page.find("Next step") + 800]
    assert any(n in printed for n in names), printed
    assert any(n in step for n in names), step
