"""A tuning worker process for the multi-worker and crash tests.

Runs ``lrkit.tuning.tune`` on a cheap objective whose trials take a known time:
each trial touches ``MARKERS/w<worker>-t<trial>.start`` when it begins (so a test
can kill it mid-trial) and reports five intermediate values.

    python _worker.py STORAGE STUDY N_TRIALS WORKER_ID SECONDS_PER_TRIAL MARKERS [PAUSE_AFTER [GRACE]]

With ``PAUSE_AFTER`` = k, the worker stops between trials once k have finished (no trial of its
own running): it touches ``MARKERS/w<worker>-between`` and waits for ``MARKERS/resume`` (up to
:data:`PAUSE_LIMIT` seconds: the test decides when it resumes, not a clock). ``PAUSE_AFTER`` = 0
never pauses.

Heartbeats come every second, and a trial counts as dead after ``GRACE`` seconds without one
(default :data:`GRACE`). Before each of its trials every worker fails the trials whose last beat
is older than its grace (Optuna does), so a short grace lets one *live* worker fail another's
trial whenever the OS starves that process for longer (its tune then stops: 'Cannot tell a FAIL
trial'). Only a test that wants a killed worker's trial found by its stale heartbeat passes a
short one, to the worker that should find it.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

from lrkit.tuning import Storage, tune

#: Longest wait for ``MARKERS/resume`` in seconds: the tests' own limit on a worker's run.
PAUSE_LIMIT = 600
#: Default grace period in seconds: longer than any run of a test, so no live worker is ever taken
#: for a dead one however long a loaded machine stalls it.
GRACE = 600


def main() -> None:
    storage, study, n_trials, worker, seconds, markers = sys.argv[1:7]
    pause_after = int(sys.argv[7]) if len(sys.argv) > 7 and int(sys.argv[7]) > 0 else None
    grace = int(sys.argv[8]) if len(sys.argv) > 8 else GRACE
    marker_dir = Path(markers)

    def between(trial, n_finished, n_total):
        if n_finished == pause_after:
            (marker_dir / f"w{worker}-between").touch()
            deadline = time.monotonic() + PAUSE_LIMIT
            while not (marker_dir / "resume").exists() and time.monotonic() < deadline:
                time.sleep(0.02)

    def objective(params):
        (marker_dir / f"w{worker}-t{params.number}.start").touch()
        value = (math.log10(params["lr"]) + 2.0) ** 2  # best at lr = 0.01
        for step in range(1, 6):
            time.sleep(float(seconds) / 5)
            params.report(value + 1.0 / step, step)
        return value

    # Start together: on a loaded machine imports alone can take seconds, and a late worker
    # would find the study already finished. The test touches MARKERS/go once all are ready.
    (marker_dir / f"ready-w{worker}").touch()
    deadline = time.monotonic() + 60
    while not (marker_dir / "go").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    where = Storage(url=storage, study_name=study, worker_id=int(worker), heartbeat_interval=1,
                    grace_period=grace)
    result = tune(objective, n_trials=int(n_trials), storage=where,
                  space={"lr": [1e-4, 1.0], "schedules": ["constant"]}, pruner="none", on_trial=between)
    print(f"worker {worker} done: {result.n_complete} complete, sampler seed {result.sampler_seed}")


if __name__ == "__main__":
    main()
