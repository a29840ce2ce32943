"""The runs ``#15``'s comparisons read, made on this machine and stored under its tag (``HERE``).

The LR-free peers' and adam-cosine's runs were first stored without a machine tag, on the AMD EPYC
machine of session 5, and 24 of 60 of them differ when made again on the Intel Xeon that made the
Autopilot's (the recall RNNs by half their accuracy). This makes each run again here, once, under
``"<peer>@xeon|workload|seed|budget"`` (``autopilot_zoo_runs.HERE``), the record carrying the machine's
line (``record.machine()``); each run is printed beside the untagged one as it ends, and a workload's
runs are stored together (a crash loses at most one workload's). ``--tuned wsd``: "schedule, tuned" at
its peak chosen on the untagged runs (``dev.autopilot_truth.tuned_at``) made here instead, its zoo runs
as ``zoo_runs/NAME/KEY@xeon.npz``. ``--retag WHY``: untagged runs known to be this machine's (made
after it replaced the AMD one, a sample of them made again bit for bit) stored under the tag, unchanged.
One invocation per lock turn: the peers, seeds and workloads of one turn.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/dev/peers_here.py --peers prodigy
--seeds 0 1 2`` (``--names`` zoo workloads or built-in tasks, ``--family`` one zoo family, ``--builtin``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_zoo_runs import HERE, STORE, _read, batched, run_peer, store  # noqa: E402
from dev.record import machine  # noqa: E402

from lrkit import zoo  # noqa: E402

PEERS = ("prodigy", "d-adapt", "schedule-free", "dog", "adam-cosine")


def run_here(name: str, peer: str, seed: int) -> tuple[str, dict[str, Any], dict[str, Any] | None]:
    """The store key of ``peer``'s run on ``name`` at ``seed`` made here (under :data:`HERE`), its
    record (stored, or made now and not yet stored) and the untagged one stored before (or None)."""
    budget = truth.budget_of(name)
    have = _read(STORE)
    old = have.get(f"{peer}|{name}|{seed}|{budget}")
    key = f"{peer}{HERE}|{name}|{seed}|{budget}"
    rec = have.get(key) or {**run_peer(name, peer, seed, budget), "machine": machine()}
    return key, rec, old


def tuned_here(name: str, shape: str, seeds: tuple[int, ...]) -> None:
    """``dev.autopilot_truth.tuned_at`` of ``shape`` on ``name``: the peak chosen on the untagged runs, its
    runs made here (under :data:`HERE`), printed beside the untagged ones; a zoo run is a file as it ends,
    a built-in task's written within a minute (``batched``)."""
    with batched():
        lr, here = truth.tuned_at(name, shape, seeds, run=True, tag=HERE)
    before = truth.tuned_at(name, shape, seeds, run=False)[1]
    print(f"tuned {shape} {name:30s} peak {lr:.4g} here {[round(v, 6) for v in here]} "
          f"stored {[round(v, 6) for v in before]}", flush=True)


def retag(peers: list[str], names: list[str], seeds: list[int], why: str) -> int:
    """Store the untagged runs of ``peers`` on ``names`` at ``seeds`` again under :data:`HERE`, unchanged but
    for ``"machine"`` (``why``: how they are known to be this machine's: the runs of seeds 3-5 of Prodigy
    and Schedule-Free were made on the Intel Xeon, after the AMD EPYC machine's runs, and a sample of them
    made again reproduces bit for bit); a run already stored under the tag is kept. Returns the count."""
    have, new = _read(STORE), {}
    for peer in peers:
        for name in names:
            for seed in seeds:
                budget = truth.budget_of(name)
                old = have.get(f"{peer}|{name}|{seed}|{budget}")
                key = f"{peer}{HERE}|{name}|{seed}|{budget}"
                if old is not None and key not in have:
                    new[key] = {**old, "machine": why}
    store(new)
    return len(new)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--peers", nargs="+", default=list(PEERS), choices=PEERS)
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--names", nargs="+", default=None, help="zoo workloads or built-in tasks")
    ap.add_argument("--family", default=None, help="one zoo family")
    ap.add_argument("--builtin", action="store_true", help="the built-in tasks only")
    ap.add_argument("--tuned", default=None, help="instead of the peers: 'schedule, tuned' of this shape")
    ap.add_argument("--retag", default=None,
                    help="instead of running: store the untagged runs under the tag, the record's machine "
                    "set to this text (how they are known to be this machine's)")
    args = ap.parse_args()
    names = args.names or ([*truth.BUILTIN] if args.builtin else
                           [n for n in zoo.registry if args.family in (None, zoo.get(n).info.family)])
    t0 = time.time()
    if args.retag:
        print(f"{retag(args.peers, names, args.seeds, args.retag)} runs stored under {HERE}")
        return
    if args.tuned:
        for name in names:
            tuned_here(name, args.tuned, tuple(args.seeds))
            print(f"  t {time.time() - t0:.0f}s", flush=True)
        return
    for peer in args.peers:
        for name in names:
            made = {}
            for seed in args.seeds:
                key, rec, old = run_here(name, peer, seed)
                made[key] = rec
                before = "-" if old is None else f"{old['raw_metric']:.6g}"
                print(f"{peer:14s} {name:30s} {seed} here {rec['raw_metric']:.6g} stored {before} "
                      f"cpu {rec['cpu_s']:.1f}s t {time.time() - t0:.0f}s", flush=True)
            store({k: r for k, r in made.items() if k not in _read(STORE)})  # one write per workload


if __name__ == "__main__":
    main()
