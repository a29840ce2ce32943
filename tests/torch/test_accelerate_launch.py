"""lrkit under a real ``accelerate launch`` with 2 CPU processes (gloo).

accelerate's launcher for several local processes is its torchrun path
(``--multi_gpu``); the worker builds ``Accelerator(cpu=True)``, so both
processes run on the CPU (``DistributedType.MULTI_CPU``, backend gloo).

Oracles:
* the schedule: the rates the inner optimizer really used (a step pre-hook)
  must be ``schedule(0..N-1)`` and ``t == N`` on every process, for every
  combination of ``step_scheduler_with_optimizer`` and ``split_batches``, with
  gradient accumulation; the same scheduler with the guard off runs
  ``num_processes`` times too fast (the bug of huggingface/accelerate#2318, #2926);
* ``lrkit.hf.find_lr`` on a ``transformers.Trainer`` run by the launch: the sweep
  goes through the Trainer's DDP-prepared model (replicas equal after each
  update), its losses are the processes' mean, and the Trainer is unwrapped after;
  with ``apply=True`` and no suggestion, rank zero alone warns that there is none to apply;
* the finder: every loss it records is the mean of the two processes' own
  losses, both return the same record, a non-finite loss on one process stops
  both at the same step, and the model, the loader's epoch and accelerate's
  gradient state are as before (the next epoch draws the batches it would have
  drawn without the sweep).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("accelerate")
from lrkit.schedules import parse  # noqa: E402

WORKER = Path(__file__).with_name("_accelerate_worker.py")
SPEC = "linear(start=0.01, end=0.1, steps=4) >> cosine(lr=0.1, steps=12)"
CASES = ["True-False", "True-True", "False-False", "False-True"]  # step_with_optimizer-split_batches


@pytest.fixture(scope="module")
def ranks(run_once, free_port) -> list[dict]:
    def launch(out: Path) -> None:
        cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
               "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
               "--main_process_port", str(free_port()), str(WORKER), str(out)]
        env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path))
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]

    out = run_once("accelerate_launch", launch)  # one launch per session, however many xdist workers
    return [json.loads((out / f"rank{r}.json").read_text()) for r in range(2)]


def test_two_processes_really_ran(ranks):
    assert [r["rank"] for r in ranks] == [0, 1] and all(r["world"] == 2 for r in ranks)


@pytest.mark.parametrize("case", CASES)
def test_the_schedule_is_at_step_n_after_n_updates_on_every_process(ranks, case):
    want = parse(SPEC)
    for r in ranks:
        run = r["schedule"][case]
        assert run["batches"] == 12 and run["updates"] == 6  # accumulation over 2 batches
        assert run["t"] == 6
        assert run["used"] == [want(t) for t in range(6)]


def test_without_the_guard_accelerate_steps_the_schedule_once_per_process(ranks):
    for r in ranks:
        assert r["unguarded"]["updates"] == 6 and r["unguarded"]["t"] == 12


def test_find_lr_losses_are_the_mean_over_processes_and_both_agree(ranks):
    a, b = (r["find"]["result"] for r in ranks)
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    n = len(a["losses"])
    local = np.array([r["find"]["local"][:n] for r in ranks])
    np.testing.assert_allclose(a["losses"], local.mean(axis=0), rtol=1e-12)
    assert not np.allclose(local[0], local[1])  # each process had its own shard
    assert a["meta"]["world_size"] == 2


def test_a_blow_up_on_one_process_stops_both_at_the_same_step(ranks):
    a, b = (r["find_blowup"]["result"] for r in ranks)
    assert a["stop_reason"] == b["stop_reason"] == "nan"
    assert len(a["losses"]) == len(b["losses"]) == 10
    assert len(ranks[0]["find_blowup"]["local"]) == len(ranks[1]["find_blowup"]["local"]) == 10


def test_find_lr_restores_the_model_the_loader_epoch_and_accelerates_state(ranks):
    for r in ranks:
        assert r["find"]["restored"] and not r["find"]["registered"]
        assert r["find"]["first_batch"] == r["no_find"]["first_batch"]


def test_hf_find_lr_on_a_trainer_sweeps_through_ddp_and_unwraps_after(ranks):
    a, b = (r["hf"] for r in ranks)
    assert json.dumps(a["result"], sort_keys=True) == json.dumps(b["result"], sort_keys=True)
    n = len(a["result"]["losses"])
    # 2 micro-batches per update; training_step returns each loss / 2, the update's loss is their sum
    per_update = [np.array(r["local"][: 2 * n]).reshape(n, 2).mean(axis=1) for r in (a, b)]
    np.testing.assert_allclose(a["result"]["losses"], (per_update[0] + per_update[1]) / 2, rtol=1e-6)
    assert not np.allclose(per_update[0], per_update[1])  # the Trainer's sampler gave each its shard
    assert a["after"] == b["after"] and len(a["after"]) == n  # DDP kept the replicas equal, update by update
    assert a["restored"] and b["restored"] and a["unwrapped"] and b["unwrapped"]


def test_hf_find_lr_with_no_suggestion_to_apply_warns_on_rank_zero_alone(ranks):
    """The warning fired once per process before 894d8a5; tested single-process only until now."""
    a, b = (r["hf"]["unsuggested"] for r in ranks)
    assert a["suggestion"] is None and b["suggestion"] is None
    (line,) = a["warnings"]
    assert "lrkit.hf.find_lr has no suggestion to apply" in line and "learning_rate stays 0.001" in line
    assert b["warnings"] == []
    assert a["learning_rate"] == b["learning_rate"] == 1e-3  # unchanged on every process
