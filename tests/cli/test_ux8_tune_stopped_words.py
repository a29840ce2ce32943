"""``lrkit tune --script`` stopped by failing trials says so (ux8 probe).

docs/tune.md: after ``MAX_CONSECUTIVE_FAILURES`` failed trials in a row the study "stops with one line
naming the last cause. The failed trials stay in the study: fix the cause and run the same command
again to resume." ``tune`` raises exactly that (``tune stopped: 3 trials in a row failed (the study
keeps them; fix the cause and re-run to resume); the last: ...``), but the CLI's ``script_errors``
replaces it with its cause, so the user reads a script crash (``error: `--script` ... raised
RuntimeError at task.py:12 in loss_fn: ...``), the line a script that fails when it is built gets:
nothing says the study stopped, that its finished trials are kept, or that re-running resumes.
Owner: health (``cli/_script.py``).
"""

from __future__ import annotations

import textwrap

from typer.testing import CliRunner

from lrkit.cli import app

SCRIPT = textwrap.dedent('''
    import torch

    def build(seed):
        g = torch.Generator().manual_seed(0)
        X = torch.randn(256, 4, generator=g)
        y = X.sum(1)
        torch.manual_seed(seed)
        model = torch.nn.Linear(4, 1)

        calls = []

        def loss_fn(out, target):
            calls.append(model.training)
            if sum(calls) > 3:  # past the first updates (a failed first update is a usage error)
                raise RuntimeError("simulated failure in training")
            return ((out.squeeze(1) - target) ** 2).mean()

        batches = [(X[i:i + 32], y[i:i + 32]) for i in range(0, 256, 32)]
        return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.01),
                "loss_fn": loss_fn, "train_loader": batches[:6], "val_loader": batches[6:]}
''')


def test_tune_stopped_by_failing_trials_says_it_stopped_and_how_to_resume(tmp_path):
    script = tmp_path / "task.py"
    script.write_text(SCRIPT)
    space = tmp_path / "space.json"
    space.write_text('{"lr": [0.001, 0.1]}')  # no range test: the trials are what fails
    res = CliRunner().invoke(app, ["tune", "--script", f"{script}:build", "--budget", "12", "--trials", "5",
                                   "--space", str(space), "--pruner", "none", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2, res.output
    err = res.stderr
    assert "simulated failure in training" in err  # the cause is named (it is, today)
    assert "3 trials in a row failed" in err and "re-run" in err, err
    assert "raised RuntimeError at task.py:" in err and "in loss_fn" in err, err  # where, in the script
