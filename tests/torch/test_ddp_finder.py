"""``find_lr`` under real ``torch.distributed``: gloo, 2 processes on CPU, a loopback port.

Each rank sees different data. The oracle: every loss the finder records must be the
mean of the two ranks' own losses (each rank logs its local losses independently), both
ranks must return the same record and stop at the same step (also when only one rank's
loss turns non-finite), and the curve must differ from a rank-0-only run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from lrkit.finder import Sweep
from lrkit.torch import find_lr
from lrkit.torch._ddp import is_distributed, max_across_ranks, mean_across_ranks, world_size


WORKER = textwrap.dedent(
    """
    import json, math, os, sys
    import torch, torch.distributed as dist
    from torch import nn
    from lrkit.finder import Sweep
    from lrkit.torch import find_lr

    torch.set_num_threads(1)
    rank, out = int(os.environ["RANK"]), sys.argv[1]
    dist.init_process_group("gloo", rank=rank, world_size=2)

    def data(rank):
        g = torch.Generator().manual_seed(100 + rank)  # different shards per rank
        X = torch.randn(320, 4, generator=g) * (1 + rank)
        y = X @ torch.tensor([1.0, -1.0, 2.0, 0.5]) + rank
        return [(X[i:i + 32], y[i:i + 32]) for i in range(0, 320, 32)]

    def run(blow_up_at=None):
        torch.manual_seed(0)
        model = nn.parallel.DistributedDataParallel(nn.Linear(4, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        local = []
        def loss_fn(out, target):
            loss = ((out.squeeze(1) - target) ** 2).mean()
            if blow_up_at is not None and rank == 1 and len(local) == blow_up_at:
                loss = loss * math.inf
            local.append(loss.item())
            return loss
        w = model.module.weight.clone()
        res = find_lr(model, opt, loss_fn, data(rank), sweep=Sweep(start=1e-5, end=1.0, num_steps=40),
                      interval=False, retry=False)  # one sweep: the joint stop is the point here
        assert torch.equal(model.module.weight, w)
        return {"result": res.to_dict(), "local": local}

    record = {"plain": run(), "blowup": run(blow_up_at=12)}
    with open(out, "w") as f:
        json.dump(record, f)
    dist.barrier()
    dist.destroy_process_group()
    # gloo's C++ threads can abort ("terminate called without an active exception") in the
    # interpreter's teardown on a loaded machine; the result is written and both ranks are past
    # the barrier, so leave without running static destructors.
    sys.stdout.flush(); sys.stderr.flush()
    os._exit(0)
    """
)


@pytest.fixture(scope="module")
def ranks(run_once, free_port) -> list[dict]:
    def launch(tmp: Path) -> None:
        script = tmp / "worker.py"
        script.write_text(WORKER)
        env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=str(free_port()), WORLD_SIZE="2",
                   OMP_NUM_THREADS="1")
        procs = [
            subprocess.Popen([sys.executable, str(script), str(tmp / f"rank{r}.json")],
                             env=dict(env, RANK=str(r)), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
            for r in range(2)
        ]
        for p in procs:
            output, _ = p.communicate(timeout=120)
            assert p.returncode == 0, output

    tmp = run_once("ddp_finder", launch)  # one launch per session, however many xdist workers
    return [json.loads((tmp / f"rank{r}.json").read_text()) for r in range(2)]


def _without_wall_time(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "wall_time"}


def test_both_ranks_return_the_same_result(ranks: list[dict]) -> None:
    a, b = (r["plain"]["result"] for r in ranks)
    # wall time and the loop's CPU time too: each is the slowest rank's
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert a["meta"]["world_size"] == 2 and a["meta"]["loop_cpu_time"] > 0.0


def test_every_loss_is_the_mean_over_ranks(ranks: list[dict]) -> None:
    res = ranks[0]["plain"]["result"]
    n = len(res["losses"])
    local = np.array([r["plain"]["local"][:n] for r in ranks])
    np.testing.assert_allclose(res["losses"], local.mean(axis=0), rtol=1e-12)
    assert not np.allclose(local[0], local[1])  # the shards really differ


def test_a_non_finite_loss_on_one_rank_stops_every_rank_at_the_same_step(ranks: list[dict]) -> None:
    a, b = (r["blowup"]["result"] for r in ranks)
    assert len(a["losses"]) == len(b["losses"]) == 13
    assert a["stop_reason"] == b["stop_reason"] == "nan"
    assert len(ranks[0]["blowup"]["local"]) == len(ranks[1]["blowup"]["local"]) == 13


def test_differs_from_a_rank0_only_run(ranks: list[dict]) -> None:
    torch.manual_seed(0)
    model = nn.Linear(4, 1)
    g = torch.Generator().manual_seed(100)
    X = torch.randn(320, 4, generator=g)
    y = X @ torch.tensor([1.0, -1.0, 2.0, 0.5])
    data = [(X[i : i + 32], y[i : i + 32]) for i in range(0, 320, 32)]
    solo = find_lr(model, torch.optim.SGD(model.parameters(), lr=0.1),  # the same 10 batches as rank 0
                   lambda o, t: ((o.squeeze(1) - t) ** 2).mean(), data,
                   sweep=Sweep(start=1e-5, end=1.0, num_steps=40))
    ddp = ranks[0]["plain"]["result"]
    assert solo.meta["world_size"] == 1
    n = min(len(solo.losses), len(ddp["losses"]))
    assert not np.allclose(solo.losses[:n], ddp["losses"][:n], rtol=1e-3)


def test_helpers_are_identities_outside_a_process_group() -> None:
    assert not is_distributed() and world_size() == 1
    assert mean_across_ranks(3.25) == 3.25 and max_across_ranks(-1.5) == -1.5
