"""The Autopilot in a DDP loop: real ``torch.distributed`` (gloo, 2 CPU processes), each rank its own
shard, ``ap.step(loss)`` where the loop called ``optimizer.step()`` (ux8 probe).

DDP keeps the replicas identical only if every rank applies the same update. ``find_lr`` under DDP
decides on the mean loss over ranks (``test_ddp_finder.py``); the Autopilot decides on each rank's local
loss: its probe, its peak, its skips and rollbacks. Measured (`/work/notes/ux8/p5_autopilot_ddp.py`, an
MLP 4-32-1, SGD momentum 0.9, budget 200): with shards of different scale (rank 1's inputs 3x) rank 0
chose a peak of 3.8e-4 and rank 1 8.5e-3 (175 of 200 updates at different rates), the weights 5.3 apart
at the end; with like shards and one corrupted batch on rank 1 only, rank 1 skipped an update rank 0
took and the two rolled back at different steps, the weights 0.057 apart. No word on any rank: each
rank's checkpoint is another model. The docs say nothing of DDP for the Autopilot (docs/watch.md).
Either all ranks decide together (the mean loss, as find_lr) or the Autopilot refuses a process group
with a clear error; the tests ask for the first. Owner: auto (``torch/_autopilot*``).
"""

from __future__ import annotations

import textwrap

import pytest

WORKER = textwrap.dedent(
    """
    import json, os, sys
    import torch, torch.distributed as dist
    from torch import nn
    from lrkit.torch import Autopilot

    torch.set_num_threads(1)
    rank, out = int(os.environ["RANK"]), sys.argv[1]
    dist.init_process_group("gloo", rank=rank, world_size=2)

    def run(scale, bad_at):
        g = torch.Generator().manual_seed(100 + rank)  # each rank its shard
        X = torch.randn(2048, 4, generator=g) * (1 + scale * rank)
        y = X @ torch.tensor([1.0, -1.0, 2.0, 0.5]) + 0.3 * torch.randn(2048, generator=g)
        batches = [(X[i:i + 32], y[i:i + 32]) for i in range(0, 2048, 32)]
        torch.manual_seed(0)
        model = nn.parallel.DistributedDataParallel(
            nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 1)))
        ap = Autopilot(torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.9), budget=200, model=model)
        rates, i = [], 0
        while not ap.done:
            x, t = batches[i % len(batches)]
            i += 1
            if rank == 1 and i == bad_at:
                t = t * 30  # one corrupted batch on one rank
            ap.optimizer.zero_grad()
            loss = ((model(x).squeeze(1) - t) ** 2).mean()
            loss.backward()
            ap.step(loss)
            rates.append(ap.optimizer.param_groups[0]["lr"])
        w = torch.cat([p.detach().flatten() for p in model.parameters()])
        events = json.loads(json.dumps(ap.events, default=str))
        return {"rates": rates, "weights": w.tolist(), "events": events}

    record = {"scaled_shards": run(2, -1), "one_bad_batch": run(0, 150)}
    with open(out, "w") as f:
        json.dump(record, f)
    dist.barrier()
    dist.destroy_process_group()
    sys.stdout.flush(); sys.stderr.flush()
    os._exit(0)  # as test_ddp_finder.py: no static destructors of gloo's threads
    """
)


@pytest.fixture(scope="module")
def ranks(gloo_ranks) -> list[dict]:
    return gloo_ranks("ux8_autopilot_ddp", WORKER)


def test_every_rank_uses_the_same_rate_at_every_update(ranks):
    a, b = (r["scaled_shards"]["rates"] for r in ranks)
    assert len(a) == len(b) == 200
    first = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), None)
    assert a == b, f"first update at different rates: {first}"


@pytest.mark.parametrize("case", ["scaled_shards", "one_bad_batch"])
def test_the_replicas_stay_identical(ranks, case):
    a, b = (r[case]["weights"] for r in ranks)
    assert max(abs(x - y) for x, y in zip(a, b)) == 0.0


def test_every_rank_takes_the_same_decisions_on_the_mean_loss(ranks):
    # The corrupted batch is on rank 1 only; the mean over ranks spikes on both, so both act on it.
    a, b = (r["one_bad_batch"]["events"] for r in ranks)
    assert a == b
    assert any(e.get("fault") for e in a), a  # the bad batch was seen as a fault, on every rank
