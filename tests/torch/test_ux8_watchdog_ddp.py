"""The Watchdog in a DDP loop stops every rank at the same step (ux8 probe).

docs/watch.md's loop breaks when ``wd.observe(step, loss)`` returns True, before ``backward``. Under DDP
(gloo, 2 CPU processes, each rank its shard) a NaN in one rank's batch makes only that rank's loss NaN:
that rank leaves the loop, the other goes on into ``backward``, whose all-reduce waits for a rank that
is gone: the run hangs (`/work/notes/ux8/p11_watchdog_ddp.py`: rank 1 stopped at step 5, rank 0 never
returned; killed after 90 s; gloo's default timeout is 30 minutes). ``find_lr`` under DDP stops all ranks
at the same step (``max_across_ranks``); the Watchdog decides per rank. An automatic collective in every
``observe`` would hang a loop that observes on rank 0 only, so the fix may well be opt-in (e.g. a
``Watchdog`` argument); edit the ``Watchdog(...)`` line below to the chosen API. Owner: none this session
(``torch/_watchdog.py``): for the fix helper or the lead.
"""

from __future__ import annotations

import textwrap

import pytest

WORKER = textwrap.dedent(
    """
    import datetime, json, os, sys
    import torch, torch.distributed as dist
    from torch import nn
    from lrkit.torch import Watchdog

    torch.set_num_threads(1)
    rank, out = int(os.environ["RANK"]), sys.argv[1]
    dist.init_process_group("gloo", rank=rank, world_size=2, timeout=datetime.timedelta(seconds=20))
    g = torch.Generator().manual_seed(100 + rank)
    X = torch.randn(640, 3, generator=g)
    y = X @ torch.tensor([1.0, -2.0, 0.5])
    if rank == 1:
        X[5 * 64 + 3, 0] = float("nan")  # one bad sample in rank 1's sixth batch
    loader = [(X[i:i + 64], y[i:i + 64]) for i in range(0, 640, 64)]
    torch.manual_seed(0)
    model = nn.parallel.DistributedDataParallel(nn.Linear(3, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    wd = Watchdog(every=50, on_nan="stop", report=None, across_ranks=True)
    stopped = None
    try:
        for step, (x, target) in enumerate(loader * 2):
            loss = ((model(x).squeeze(1) - target) ** 2).mean()
            if wd.observe(step, loss, lr=opt.param_groups[0]["lr"]):
                stopped = step
                break
            opt.zero_grad()
            loss.backward()
            opt.step()
        outcome = "stopped" if stopped is not None else "finished"
    except Exception as e:  # gloo's timeout: the other rank left
        outcome = f"{type(e).__name__}"
    with open(out, "w") as f:
        json.dump({"outcome": outcome, "stopped_at": stopped}, f)
    sys.stdout.flush(); sys.stderr.flush()
    os._exit(0)
    """
)


@pytest.fixture(scope="module")
def ranks(gloo_ranks) -> list[dict]:
    return gloo_ranks("ux8_watchdog_ddp", WORKER)


def test_a_nan_on_one_rank_stops_every_rank_at_the_same_step(ranks):
    assert [r["outcome"] for r in ranks] == ["stopped", "stopped"], ranks
    assert ranks[0]["stopped_at"] == ranks[1]["stopped_at"] == 5


def test_across_ranks_is_a_switch_and_a_no_op_in_one_process():
    import torch

    from lrkit import LRKitError
    from lrkit.torch import Watchdog

    with pytest.raises(LRKitError, match="`across_ranks` of Watchdog"):
        Watchdog(across_ranks="yes")
    wd = Watchdog(across_ranks=True)
    assert wd.observe(0, torch.tensor(1.0)) is False and wd.observe(1, float("nan")) is True
