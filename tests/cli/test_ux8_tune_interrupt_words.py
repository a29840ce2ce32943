"""Ctrl-C in ``lrkit tune`` ends with its one line, not with Optuna's traceback first (ux8 probe).

The CLI catches the ``KeyboardInterrupt`` and says "interrupted; run the same command again to resume
the study." (exit 130), and the re-run does resume (measured on PostgreSQL, `/work/notes/ux8/tune/sigint.py`:
trials 0-3 kept, the interrupted one FAIL, 4 more run to reach 8). But before that line Optuna's logger has
printed "Trial 4 failed with parameters: {} because of the following error: KeyboardInterrupt()" and a
40-line traceback through the sampler: ``_QuietFailures`` mutes Optuna's record of a trial whose objective
raised, not of an interrupted one. Owner: health (``tuning/_tune.py``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent('''
    import torch

    BUILT = []

    def build(seed):
        BUILT.append(seed)
        g = torch.Generator().manual_seed(0)
        X = torch.randn(256, 4, generator=g)
        y = X.sum(1)
        torch.manual_seed(seed)
        model = torch.nn.Linear(4, 1)
        calls = []

        def loss_fn(out, target):
            calls.append(model.training)
            if len(BUILT) == 3 and sum(calls) > 3:  # the second trial (build 1 is the check)
                raise KeyboardInterrupt  # what Ctrl-C does in the middle of a trial
            return ((out.squeeze(1) - target) ** 2).mean()

        batches = [(X[i:i + 32], y[i:i + 32]) for i in range(0, 256, 32)]
        return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.01),
                "loss_fn": loss_fn, "train_loader": batches[:6], "val_loader": batches[6:]}
''')


def test_an_interrupted_tune_says_one_line_and_no_traceback(tmp_path):
    (tmp_path / "task.py").write_text(SCRIPT)
    (tmp_path / "space.json").write_text('{"lr": [0.001, 0.1]}')
    code = "import sys; from lrkit.cli import main; sys.argv[0] = 'lrkit'; main()"
    args = ["tune", "--script", "task.py:build", "--budget", "12", "--trials", "4", "--space", "space.json",
            "--pruner", "none", "--out", "o"]
    res = subprocess.run([sys.executable, "-c", code, *args], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert res.returncode == 130, res.stderr
    assert "interrupted; run the same command again to resume the study." in res.stderr
    assert "Traceback" not in res.stderr and "KeyboardInterrupt" not in res.stderr, res.stderr[-2000:]
