"""``lrkit tune`` whose every trial diverged says so (session-12 new-user probe, ux;
``/work/notes/ux12/REPORT.md``, D3; ``cli/_tune.py``, ``tuning/_plots.py``, ``TuneResult.why_no_best``).

A space whose rates are all too high (``lr: [50, 100]`` on digits-mlp, or any task): every trial's loss
turns NaN, each is recorded PRUNED with ``diverged`` (the trial table of tune.html marks them). The
command printed "no trial of study 'lrkit-...' completed yet; see .../tune.html" and tune.html's
answer box "No trial completed yet. 3 pruned, 0 failed": nothing said that every trial diverged, and
"yet" pointed the wrong way: re-running the same command runs no trial (``--trials`` counts pruned
trials as finished). The line now says the trials diverged and to search below the lowest rate tried
in a new study.
"""

from __future__ import annotations

import tempfile
import textwrap

import optuna
from typer.testing import CliRunner

from lrkit.cli import app
from lrkit.tuning import Storage, tune

SCRIPT = textwrap.dedent('''
    import torch

    def build(seed):
        g = torch.Generator().manual_seed(0)
        X = torch.randn(256, 4, generator=g)
        y = X.sum(1)
        torch.manual_seed(seed)
        model = torch.nn.Linear(4, 1)
        batches = [(X[i:i + 32], y[i:i + 32]) for i in range(0, 256, 32)]
        return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.01),
                "loss_fn": lambda out, t: ((out.squeeze(1) - t) ** 2).mean(),
                "train_loader": batches[:6], "val_loader": batches[6:]}
''')


def test_a_study_whose_every_trial_diverged_says_so(tmp_path):
    script = tmp_path / "task.py"
    script.write_text(SCRIPT)
    space = tmp_path / "space.json"
    space.write_text('{"lr": [1000, 10000], "schedules": ["constant"]}')  # every rate blows up
    args = ["tune", "--script", f"{script}:build", "--budget", "30", "--trials", "3", "--space", str(space),
            "--out", str(tmp_path / "o")]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    html = (tmp_path / "o" / "tune.html").read_text()
    assert html.count("(diverged)") == 3  # the trial table knows (it does, today)
    said = res.stdout
    assert "diverged" in said and "yet" not in said, said
    assert "search a range below it" in said and "new study" in said, said
    assert "diverged" in html.split('id="answer"')[1].split("</div>")[0]


def test_why_no_best_counts_what_happened_to_the_trials():
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    space = {"lr": [1e-3, 1.0], "schedules": ["constant"]}
    r = tune(lambda p: float("nan"), n_trials=3, storage=Storage(out=tempfile.mkdtemp()), space=space,
             pruner="none")
    assert r.best_trial is None and r.n_pruned == 3
    lowest = min(t["lr"] for t in r.trials)
    assert r.why_no_best.startswith(f"no trial of study {r.study_name!r} completed: 3 diverged")
    assert f"the lowest rate tried, {lowest:.3g}, diverged too" in r.why_no_best
    ok = tune(lambda p: (p["lr"] - 0.01) ** 2, n_trials=2, storage=Storage(out=tempfile.mkdtemp()),
              space=space, pruner="none")
    assert ok.why_no_best is None
