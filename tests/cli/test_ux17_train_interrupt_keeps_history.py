"""Ctrl-C of ``lrkit train --history run.csv`` loses the history (thirteenth new-user probe, ux;
``/work/notes/ux17/REPORT.md``, L6; ``cli/_tasks.py``).

``lrkit train [--autopilot] --script F:f --steps 600000 --history run.csv`` interrupted 15 s in (SIGINT to
the process group, ``c1_sigint.py``): exit 130, nothing on stderr, no ``run.csv``, so the history that would
tell what the run was doing (the file ``lrkit diagnose`` reads) is lost; ``lrkit tune`` says "interrupted;
run the same command again". Here the interrupt lands in the 25th update's loss (as a signal handler
raises it). Expected: exit 130, one line saying where the run stopped, and the rows so far in ``run.csv``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

TASK = textwrap.dedent('''
    import torch

    CALLS = []

    def build(seed):
        g = torch.Generator().manual_seed(seed)
        X = torch.randn(256, 3, generator=g)
        y = X @ torch.tensor([1.0, -1.0, 0.5])
        model = torch.nn.Linear(3, 1)
        batches = [(X[i:i + 16], y[i:i + 16]) for i in range(0, 256, 16)]

        def loss_fn(out, t):
            if model.training:
                CALLS.append(1)
                if len(CALLS) == 25:
                    raise KeyboardInterrupt  # Ctrl-C in the 25th update
            return ((out.squeeze(1) - t) ** 2).mean()

        return {"model": model, "optimizer": torch.optim.SGD(model.parameters(), lr=0.05),
                "loss_fn": loss_fn, "train_loader": batches, "val_loader": batches[:4]}
''')


@pytest.mark.parametrize("autopilot", [False, True], ids=["train", "autopilot"])
def test_an_interrupted_run_keeps_its_history(tmp_path, autopilot):
    (tmp_path / "task.py").write_text(TASK)
    code = "import sys; from lrkit.cli import main; sys.argv[0] = 'lrkit'; main()"
    args = ["train", "--script", "task.py:build", "--steps", "100000", "--history", "run.csv",
            *(["--autopilot"] if autopilot else [])]
    res = subprocess.run([sys.executable, "-c", code, *args], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert res.returncode == 130, res.stderr[-2000:]
    assert "interrupted after 24 of 100000 updates" in res.stderr, res.stderr[-2000:]
    assert "Traceback" not in res.stderr
    rows = (tmp_path / "run.csv").read_text().splitlines()
    assert rows[0].startswith("step,loss,lr") and len(rows) == 1 + 24
    assert rows[-1].startswith("23,")


def test_the_rows_are_written_as_train_result_writes_its_history(tmp_path):
    from lrkit import LRKitError
    from lrkit.tasks import train, write_history_rows

    result = train("diabetes-linear", lr=0.1, budget=20, eval_every=10)
    whole = result.write_history(tmp_path / "whole.csv").read_text()
    assert write_history_rows(result.history, tmp_path / "rows.csv").read_text() == whole
    with pytest.raises(LRKitError, match=r"`path` of --history must end in .csv; got 'run.txt'"):
        write_history_rows(result.history, "run.txt", "--history")
