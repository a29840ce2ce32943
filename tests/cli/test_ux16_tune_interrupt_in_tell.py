"""Ctrl-C of ``lrkit tune`` landing while Optuna records a trial's result is "unexpected UnboundLocalError"
(twelfth new-user probe, ux; ``/work/notes/ux16/REPORT.md``, L2; ``tuning/_trials.py``).

Probe (``/work/notes/ux16/t1_tune_resume.py pg INT``, ``t2_pg_sigint.py``): 1 of 8 interrupts landed in
Optuna's tell of a finished trial and the command ended with "error: unexpected UnboundLocalError: cannot
access local variable 'updated_state' ... please report it", exit 1, not "interrupted; run the same command
again to resume the study.", exit 130. Optuna's ``_run_trial`` catches ``Exception`` around its tell and its
``finally`` reads the state the tell would have set: a ``KeyboardInterrupt`` escapes the ``except``, and the
``finally`` raises ``UnboundLocalError`` with the interrupt as its context. Here the interrupt is delivered
deterministically as the tell stores the first trial's result (a trace function raising ``KeyboardInterrupt``
there, as a signal handler does), on SQLite and, when ``LRKIT_TEST_POSTGRES_URL`` is set, on PostgreSQL.
Expected: the one line, exit 130, and the same command run again finishes the study, the interrupted
trial's parameters queued again (its result never reached the storage).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import optuna
import pytest

URL = os.environ.get("LRKIT_TEST_POSTGRES_URL")

RUN = textwrap.dedent('''
    import os
    import sys

    def tracer(frame, event, arg):
        caller = frame.f_back
        if (event == "call" and frame.f_code.co_name == "set_trial_state_values" and caller is not None
                and caller.f_code.co_name == "_tell_with_warning"):
            sys.settrace(None)
            raise KeyboardInterrupt  # Ctrl-C as the first finished trial's result is stored
        return None

    from lrkit.cli import main
    sys.argv = ["lrkit", *sys.argv[1:]]
    if os.environ.get("ARMED") == "1":
        sys.settrace(tracer)
    main()
''')

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


@pytest.mark.parametrize("where", ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not URL, reason="LRKIT_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL)"))])
def test_an_interrupt_while_a_result_is_stored_is_the_interrupt(tmp_path, where):
    (tmp_path / "task.py").write_text(TASK)
    (tmp_path / "run.py").write_text(RUN)
    (tmp_path / "space.json").write_text('{"lr": [0.001, 0.1], "schedules": ["constant"]}')
    study = f"tell-{uuid.uuid4().hex[:8]}"
    storage = ["--storage", URL] if where == "postgresql" else []
    args = ["tune", "--script", "task.py:build", "--budget", "12", "--trials", "3", "--space", "space.json",
            "--pruner", "none", "--no-finder", "--study", study, "--out", "o", *storage]

    def run(armed):
        return subprocess.run([sys.executable, "run.py", *args], cwd=tmp_path, capture_output=True, text=True,
                              timeout=300, env=dict(os.environ, OMP_NUM_THREADS="1", ARMED=armed))

    first = run("1")
    assert first.returncode == 130, first.stderr[-2000:]
    assert "interrupted; run the same command again to resume the study." in first.stderr
    assert "unexpected" not in first.stderr and "Traceback" not in first.stderr, first.stderr[-2000:]
    again = run("0")
    assert again.returncode == 0, again.stderr[-2000:]
    url = (URL.replace("postgresql://", "postgresql+psycopg2://") if where == "postgresql"
           else f"sqlite:///{tmp_path}/o/lrkit-tune.db")
    trials = optuna.load_study(study_name=study, storage=url).trials
    done = [t for t in trials if t.state.name in ("COMPLETE", "PRUNED")]
    assert len(done) == 3, [(t.number, t.state.name) for t in trials]
    assert trials[0].state.name == "FAIL"  # its result never reached the storage
    assert any(t.params == trials[0].params for t in done)  # queued again and run
