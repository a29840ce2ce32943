"""Many worker processes on one PostgreSQL study, and a worker killed with SIGKILL.

Needs a real server: ``.ci/run`` installs and starts PostgreSQL on loopback and
exports ``LRKIT_TEST_POSTGRES_URL``; without it these tests skip.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

from lrkit.tuning import Storage, spec_from_params, tune

URL = os.environ.get("LRKIT_TEST_POSTGRES_URL")
WORKER = Path(__file__).with_name("_worker.py")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not URL, reason="LRKIT_TEST_POSTGRES_URL is not set (.ci/run starts PostgreSQL)"),
]


def _spawn(study: str, n_trials: int, worker: int, seconds: float, markers: Path,
           grace: int | None = None) -> subprocess.Popen:
    """A worker process; ``grace`` (s) only for one that must find a killed worker's stale trial (the
    worker's default never takes a live, if stalled, worker for a dead one)."""
    extra = [] if grace is None else ["0", str(grace)]
    return subprocess.Popen([sys.executable, str(WORKER), URL, study, str(n_trials), str(worker),
                             str(seconds), str(markers), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _start_together(procs: list[subprocess.Popen], markers: Path) -> None:
    end = time.monotonic() + 60
    while len(list(markers.glob("ready-w*"))) < len(procs):
        assert time.monotonic() < end and all(p.poll() is None for p in procs), "a worker did not start"
        time.sleep(0.05)
    (markers / "go").touch()


def _finish(procs: list[subprocess.Popen]) -> list[str]:
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        outs.append(out)
    return outs


def _load(study: str) -> optuna.Study:
    return optuna.load_study(study_name=study, storage=URL.replace("postgresql://", "postgresql+psycopg2://"))


def test_three_workers_share_one_study(tmp_path):
    study, n = f"three-{uuid.uuid4().hex[:8]}", 9
    procs = [_spawn(study, n, w, 0.2, tmp_path) for w in range(3)]
    _start_together(procs, tmp_path)
    outs = _finish(procs)
    trials = _load(study).trials
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(done) == n, [(t.number, t.state.name) for t in trials]  # exactly the requested number
    numbers = [t.number for t in trials]
    assert sorted(numbers) == list(range(len(trials)))  # no duplicate, no gap
    # Two workers asking at the same instant for the last slot: the loser is a FAIL marked
    # `surplus` that sampled nothing and never trained (see lrkit/tuning/_tune.py).
    for t in trials:
        if t.state != TrialState.COMPLETE:
            assert t.state == TrialState.FAIL and t.user_attrs == {"surplus": True} and not t.params
    for t in done:  # parameters, values and the intermediate reports are all stored
        assert 1e-4 <= t.params["lr"] <= 1.0 and t.value is not None
        assert sorted(t.intermediate_values) == [1, 2, 3, 4, 5]
        # the spec is the schedule the trial ran: its rate rounded to 4 significant digits
        assert t.user_attrs["schedule_spec"] == spec_from_params(t.params, 1)
    # every worker ran some trials, each with its own sampler seed
    ran = {m.name.split("-")[0] for m in tmp_path.glob("w*-t*.start")}
    assert ran == {"w0", "w1", "w2"}, sorted(m.name for m in tmp_path.glob("w*"))
    seeds = {o.strip().rsplit(" ", 1)[-1] for o in outs}
    assert len(seeds) == 3, outs
    # the first rate each worker sampled differs (the point of per-worker seeds)
    firsts = {}
    for m in sorted(tmp_path.glob("w*-t*.start"), key=lambda m: int(m.stem.split("-t")[1])):
        firsts.setdefault(m.name.split("-")[0], int(m.stem.split("-t")[1]))
    assert len({trials[i].params["lr"] for i in firsts.values()}) == 3


def test_killed_worker_trial_is_failed_and_rerun(tmp_path):
    study, n = f"crash-{uuid.uuid4().hex[:8]}", 6
    procs = [_spawn(study, n, w, 0.6, tmp_path) for w in range(3)]
    _start_together(procs, tmp_path)
    end = time.monotonic() + 60
    while not list(tmp_path.glob("w1-t*.start")):  # worker 1 is inside a trial
        assert time.monotonic() < end, "worker 1 never started a trial"
        assert procs[1].poll() is None, procs[1].communicate()
        time.sleep(0.05)
    time.sleep(0.2)
    os.kill(procs[1].pid, signal.SIGKILL)
    procs[1].wait()
    killed = int(next(tmp_path.glob("w1-t*.start")).stem.split("-t")[1])
    _finish([procs[0], procs[2]])
    st = _load(study)  # the study stays readable
    dead = st.trials[killed]
    assert dead.state in (TrialState.FAIL, TrialState.RUNNING)  # RUNNING until a worker sees it is stale
    time.sleep(3)  # past the 2 s grace period of the next worker: the heartbeat is stale for sure
    # re-running the command completes whatever is missing
    _finish([_spawn(study, n, 5, 0.3, tmp_path, grace=2)])
    trials = _load(study).trials
    assert trials[killed].state == TrialState.FAIL
    done = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(done) == n and not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    retries = [t for t in done if t.system_attrs.get("failed_trial") == killed]
    assert len(retries) == 1 and retries[0].params == trials[killed].params
    assert all(t.value is not None for t in done)


def test_interrupted_trial_is_queued_again_for_any_worker(tmp_path):
    study, calls = f"sigint-{uuid.uuid4().hex[:8]}", []

    def objective(p):
        calls.append(p["lr"])
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C in trial 1
        return (math.log10(p["lr"]) + 2) ** 2

    kw = dict(n_trials=4, storage=Storage(url=URL, study_name=study), pruner="none",
              space={"lr": [1e-4, 1.0], "schedules": ["constant"]})
    with pytest.raises(KeyboardInterrupt):
        tune(objective, **kw)
    assert [t.state.name for t in _load(study).trials] == ["COMPLETE", "FAIL", "WAITING"]
    r = tune(objective, **kw)  # a re-run (or any other worker) runs the interrupted parameters
    assert r.n_complete == 4 and r.trials[2]["retry_of"] == 1
    assert r.trials[2]["params"] == r.trials[1]["params"]
    assert calls[2] == calls[1]


@pytest.mark.slow  # two CLI processes importing torch: ~40 s on a loaded 2-core machine
def test_lrkit_tune_cli_workers_on_a_real_task(tmp_path):
    study = f"cli-{uuid.uuid4().hex[:8]}"
    cmd = [str(Path(sys.executable).with_name("lrkit")), "tune", "--task", "diabetes-linear", "--trials",
           "4", "--budget", "20",
           "--storage", URL, "--study", study, "--no-finder", "--pruner", "none", "--json"]
    procs = [subprocess.Popen(cmd + ["--out", str(tmp_path / f"w{w}"), "--worker-id", str(w)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(2)]
    _finish(procs)
    # --trials counts finished trials: a draw of --no-finder's range above 1 diverges on this task and is
    # pruned (recorded, not lost), so the two workers finish 4 between them, complete or pruned
    finished = [t for t in _load(study).trials if t.state in (TrialState.COMPLETE, TrialState.PRUNED)]
    assert len(finished) == 4
    assert all(t.state == TrialState.COMPLETE or t.user_attrs.get("diverged") for t in finished)
    # a later worker joining a finished study runs nothing and reports the whole study
    r = tune("diabetes-linear", n_trials=4, storage=Storage(url=URL, study_name=study), budget=20,
             use_finder=False)
    assert r.n_complete + r.n_pruned == 4
    assert r.storage.startswith("postgresql+psycopg2://") and "***" in r.storage
