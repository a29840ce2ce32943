"""``lrkit.lightning.LearningRateFinder`` under a real Lightning DDP run: 2 CPU processes, gloo
(Lightning-AI/pytorch-lightning#19912: Lightning's own finder fails under DDP).

Oracles: every loss the sweep records is the mean of the two ranks' own
training-step losses, both ranks get the same record and apply the same rate,
and after the sweep and the epoch the replicas are still identical (the sweep
went through DDP, so it kept them in step). On a resume (``fit(ckpt_path=...)``) rank zero alone
logs the line that says the sweep is not repeated, and a sweep with no suggestion warns on rank zero
alone. Slow: the second process imports torch and Lightning (tens of seconds on a loaded machine); CI
runs it in its slow pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("lightning.pytorch")


WORKER = Path(__file__).with_name("_lightning_ddp_worker.py")


@pytest.fixture(scope="module")
def ranks(run_once) -> list[dict]:
    def launch(out: Path) -> None:
        env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path))
        proc = subprocess.run([sys.executable, str(WORKER), str(out)], env=env, capture_output=True,
                              text=True, timeout=300, cwd=out)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]

    out = run_once("lightning_ddp", launch)  # one DDP run per session, however many xdist workers
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(2)]


@pytest.fixture(scope="module")
def resumed(run_once) -> list[dict]:
    def launch(out: Path) -> None:
        env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path))
        proc = subprocess.run([sys.executable, str(WORKER), str(out), "resume"], env=env, capture_output=True,
                              text=True, timeout=300, cwd=out)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]

    out = run_once("lightning_ddp_resume", launch)
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(2)]


@pytest.fixture(scope="module")
def unsuggested(run_once) -> list[dict]:
    def launch(out: Path) -> None:
        env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path))
        proc = subprocess.run([sys.executable, str(WORKER), str(out), "nosuggest"], env=env,
                              capture_output=True, text=True, timeout=300, cwd=out)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]

    out = run_once("lightning_ddp_nosuggest", launch)
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(2)]


@pytest.mark.slow
def test_rank_zero_alone_warns_that_there_is_no_suggestion_to_apply(unsuggested):
    """The warning fired on every rank (session-10 known risk): one line per run, as the resume lines."""
    a, b = unsuggested
    assert a["world"] == b["world"] == 2
    (line,) = a["warnings"]
    assert "has no suggestion to apply" in line
    assert b["warnings"] == []
    assert a["lr"] == b["lr"] == 1e-3  # the rate is unchanged on every rank


@pytest.mark.slow
def test_on_a_resume_rank_zero_alone_says_the_sweep_is_not_repeated(resumed):
    a, b = resumed
    assert a["world"] == b["world"] == 2
    (line,) = a["lines"]
    assert "one.ckpt" in line and "not repeated" in line
    assert b["lines"] == []
    assert a["lr"] == b["lr"]  # both ranks set the module's rate to the checkpointed suggestion


@pytest.mark.slow
def test_both_ranks_sweep_the_same_curve_the_mean_of_their_losses(ranks):
    a, b = ranks
    assert a["world"] == b["world"] == 2
    assert json.dumps(a["result"]["losses"]) == json.dumps(b["result"]["losses"])
    n = len(a["result"]["losses"])
    mean = (np.array(a["local"][:n]) + np.array(b["local"][:n])) / 2
    np.testing.assert_allclose(a["result"]["losses"], mean, rtol=1e-9)
    assert not np.allclose(a["local"][:n], b["local"][:n])  # each rank had its own shard


@pytest.mark.slow
def test_both_ranks_apply_the_same_rate_and_stay_in_step(ranks):
    a, b = ranks
    assert a["result"]["suggestion"] is not None
    assert a["lr"] == b["lr"] == a["result"]["suggestion"]
    assert a["params"] == b["params"]
