"""A failed trial is one line, not Optuna's traceback (session-6 new-user probe, /work/notes/ux6/).

``tune`` records a trial whose objective raises as FAIL, with its cause in the trial's ``error``, and
goes on. Optuna's own logger also printed the whole chained traceback of each such trial on stderr
(twenty lines naming lrkit's private ``_TrialFailed``, in the middle of the CLI's progress bar),
though nothing was wrong with the study. The cause is now said once, as a note.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from lrkit.tuning import MAX_CONSECUTIVE_FAILURES, Storage, tune

SPACE = {"lr": [1e-3, 0.1], "schedules": ["constant"]}


def _flaky(p):
    if p.number % MAX_CONSECUTIVE_FAILURES == 1:  # never MAX_CONSECUTIVE_FAILURES in a row
        raise RuntimeError("flaky batch")
    return (p["lr"] - 0.01) ** 2


def test_a_failed_trial_prints_no_traceback_and_is_one_note(tmp_path):
    # in a fresh process: Optuna's handler writes to the stderr it found at import, which pytest's
    # capture does not see
    code = textwrap.dedent(f"""
        import json
        from lrkit.tuning import Storage, tune
        def flaky(p):
            if p.number % 3 == 1:
                raise RuntimeError("flaky batch")
            return (p["lr"] - 0.01) ** 2
        r = tune(flaky, n_trials=4, storage=Storage(out={str(tmp_path)!r}), pruner="none",
                 space={SPACE!r})
        print(json.dumps({{"failed": [t["number"] for t in r.trials if t["state"] == "FAIL"],
                          "notes": r.notes}}))
    """)
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr and "_TrialFailed" not in run.stderr, run.stderr
    out = json.loads(run.stdout)
    notes = [n for n in out["notes"] if "failed" in n]
    assert out["failed"] and len(notes) == len(out["failed"]), out
    assert all(f"trial {n} failed (RuntimeError: flaky batch)" in note
               for n, note in zip(out["failed"], notes))


def test_optuna_logging_is_as_the_user_left_it(tmp_path):
    import logging

    import optuna

    logger = logging.getLogger("optuna")
    filters = list(logger.filters)
    optuna.logging.set_verbosity(logging.INFO)
    try:
        tune(_flaky, n_trials=2, storage=Storage(out=tmp_path), pruner="none", space=SPACE)
        assert optuna.logging.get_verbosity() == logging.INFO
        assert list(logger.filters) == filters
    finally:
        optuna.logging.set_verbosity(logging.WARNING)
