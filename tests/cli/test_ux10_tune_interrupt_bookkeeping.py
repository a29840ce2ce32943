"""Ctrl-C in ``lrkit tune`` while lrkit does a trial's bookkeeping still prints Optuna's traceback
(session-10 new-user probe, ux; ``/work/notes/ux10/REPORT.md``; owner: health, ``tuning/_trials.py``).

The ux8 fix (``tests/cli/test_ux8_tune_interrupt_words.py``) mutes Optuna's "Trial N failed ...
KeyboardInterrupt()" record when the interrupt lands in the user's training; ``TrialLoop.objective``
adds the trial to ``QuietFailures`` only inside its ``try`` around ``run_trial``. The trial's first
database writes (``mark_worker``, the surplus check) run before that ``try``: measured with real Ctrl-C
(``timeout -s INT T lrkit tune --script mytask.py:build --budget 200 --trials 20``, T from 4.3 to 13 s),
2 of 15 interrupts landed there (an SQLite commit) and printed a 40-line traceback through
SQLAlchemy before lrkit's "interrupted; run the same command again to resume the study.". Here the
interrupt is delivered deterministically at the start of the second trial's ``mark_worker`` (a trace
function raising ``KeyboardInterrupt`` there, as a signal handler does); expected: the one line, exit 130.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

TASK = textwrap.dedent('''
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

RUN = textwrap.dedent('''
    import sys
    calls = []

    def tracer(frame, event, arg):
        if event == "call" and frame.f_code.co_name == "mark_worker":
            calls.append(1)
            if len(calls) == 2:  # Ctrl-C as the second trial starts its bookkeeping
                raise KeyboardInterrupt
        return None

    from lrkit.cli import main
    sys.argv = ["lrkit", *sys.argv[1:]]
    sys.settrace(tracer)
    main()
''')


def test_an_interrupt_in_the_bookkeeping_is_one_line_too(tmp_path):
    (tmp_path / "task.py").write_text(TASK)
    (tmp_path / "run.py").write_text(RUN)
    (tmp_path / "space.json").write_text('{"lr": [0.001, 0.1]}')
    args = ["tune", "--script", "task.py:build", "--budget", "12", "--trials", "4", "--space", "space.json",
            "--pruner", "none", "--out", "o"]
    res = subprocess.run([sys.executable, "run.py", *args], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert res.returncode == 130, res.stderr[-2000:]
    assert "interrupted; run the same command again to resume the study." in res.stderr
    assert "Traceback" not in res.stderr and "KeyboardInterrupt" not in res.stderr, res.stderr[-2000:]
