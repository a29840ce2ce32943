"""On how many families is the Autopilot ahead of each LR-free peer beyond what the seeds resolve?

#15 counts the families on which the Autopilot's mean regret is below a peer's. A count of
family means says nothing of whether a difference is larger than the seed-to-seed noise, so this
benchmark reads the same comparison as a paired test: every unit is one zoo workload at one seed,
the Autopilot (the library's default) and the peer built by ``task.build(seed)`` with the same
weights and batch order, and its value is the difference of their regrets (gap %, against the
grid-best constant rate; negative: the Autopilot ahead). Per family, a two-sided one-sample t test
on the units (workloads x seeds) says **ahead** or **behind** at p < :data:`ALPHA`, otherwise
**can't tell**. Seeds 0-5 (:data:`SEEDS`): the zoo's three and three more, which only this
benchmark and ``autopilot_sequence_peak.py --extra-seeds`` run; regret stays against the ground
truth's grid of seeds 0-2.

A candidate policy is read in the default's place with ``family_rows(..., mine_is=NAME,
candidates={NAME: fields, ...})`` (fields on top of ``autopilot_shape.DEFAULT``; the default itself may
be listed among ``peers`` to test the candidate against it, unit by unit):
``benchmarks/autopilot_no_valley.py`` does.

The peers, configured as their own documentation recommends (``benchmarks/no_tuning.py`` quotes
each source): Prodigy with cosine annealing, Schedule-Free with its warmup and ``train()`` /
``eval()``. The built-in tasks are not read here (held out of every choice; they have their own
rows in ``autopilot_shape.py``).

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_family_resolution.py``
(``--cached-only``: the tables from the store alone, seeds that are missing left out; ``--peers prodigy``:
one peer only, where the other's runs are not stored on this machine).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
import autopilot_shape as shape  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.autopilot_zoo_runs import paired  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402

from lrkit import zoo  # noqa: E402

#: Seeds of every unit: the zoo's 0-2 and three more.
SEEDS = (0, 1, 2, 3, 4, 5)
#: The peers read (the two nearest the Autopilot on the family count).
PEERS = ("prodigy", "schedule-free")
#: The test's level: a family difference is called only when p is below this.
ALPHA = 0.05
DEFAULT = next(iter(shape.SHAPES))
CANDIDATES = {DEFAULT: shape.SHAPES[DEFAULT]}


def units(name: str, method: str, run: bool, seeds: tuple[int, ...],
          candidates: dict[str, dict] = CANDIDATES) -> dict[int, float]:
    """``seed -> regret (gap %)`` of one method (a peer, or a name in ``candidates``: fields on top of
    ``autopilot_shape.DEFAULT``) on one workload; seeds not stored are left out when ``run`` is false."""
    out = {}
    for s in seeds:
        try:
            rec = shape.runs(name, method, run, candidates, (s,))[0]
        except LookupError:  # not stored, and run is false
            continue
        out[s] = truth.regret(name, rec["metric"], shape.SEEDS, "gap")
    return out


def family_rows(names: list[str], run: bool, seeds: tuple[int, ...], mine_is: str = DEFAULT,
                candidates: dict[str, dict] = CANDIDATES, peers: tuple[str, ...] = PEERS,
                read: Callable[..., dict[int, float]] = units) -> tuple[list[list[Any]], dict]:
    """Per peer and family: units, mean difference, its standard error, p, the call; and the counts.
    ``mine_is``: the Autopilot read (a name in ``candidates``; a peer may be one too, as the default
    is when a candidate is tested against it). ``read``: :func:`units`, or a function of the same
    arguments (a candidate whose runs are the default's except on some units)."""
    per: dict[str, dict[str, list[float]]] = {p: {} for p in peers}
    for n in names:
        if read is units:  # runs of two machines are never paired (``dev.autopilot_zoo_runs.paired``)
            paired({m: shape.store_key(n, m, seeds[0], candidates) for m in (mine_is, *peers)})
        mine = read(n, mine_is, run, seeds, candidates)
        for p in peers:
            theirs = read(n, p, run, seeds, candidates)
            diffs = [mine[s] - theirs[s] for s in sorted(set(mine) & set(theirs))]
            per[p].setdefault(truth.family_of(n), []).extend(diffs)
        print(f"{n}: done", file=sys.stderr)
    rows, counts = [], {}
    for p in peers:
        counts[p] = {"ahead": 0, "behind": 0, "can't tell": 0, "ahead by mean": 0}
        for f, d in sorted(per[p].items()):
            d = np.asarray(d)
            pv = float(stats.ttest_1samp(d, 0.0).pvalue)
            call = ("ahead" if d.mean() < 0 else "behind") if pv < ALPHA else "can't tell"
            counts[p][call] += 1
            counts[p]["ahead by mean"] += int(d.mean() < 0)
            rows.append([p, f, len(d), float(d.mean()), float(d.std(ddof=1) / np.sqrt(len(d))), pv,
                         int((d < 0).sum()), call])
    return rows, counts


def main() -> None:
    ap = arguments(__doc__)
    ap.add_argument("--cached-only", action="store_true", help="run nothing; tables from the store")
    ap.add_argument("--peers", nargs="+", default=list(PEERS), help="the peers read (default: both)")
    args = ap.parse_args()
    peers = tuple(args.peers)
    start = time.process_time()
    names = sorted(zoo.names())
    head = ["peer", "family", "units (workload x seed)", "mean difference (gap %)", "standard error", "p",
            "units the Autopilot is ahead on", "call"]
    tables_md = []
    for label, seeds in (("seeds 0-2 (the zoo's)", shape.SEEDS), ("seeds 0-5", SEEDS)):
        rows, counts = family_rows(names, not args.cached_only, seeds, peers=peers)
        crows = [[label, p, f"{c['ahead by mean']}/12", c["ahead"], c["behind"], c["can't tell"]]
                 for p, c in counts.items()]
        ch = ["seeds", "peer", "families ahead by mean (the issue's count)", f"ahead (p < {ALPHA})",
              f"behind (p < {ALPHA})", "can't tell"]
        print_table(crows, ch, floatfmt=".3g")
        print_table(rows, head, floatfmt=".3g")
        tables_md += [f"**{label}**", markdown_table(crows, ch, floatfmt=".3g"),
                      markdown_table(rows, head, floatfmt=".3g")]
    cpu = f"CPU seconds of this process (cached runs cost nothing): {time.process_time() - start:.0f}."
    print(cpu)
    if not args.no_record:
        record("autopilot_family_resolution",
               "The Autopilot against the LR-free peers, family by family, beyond the seeds' noise",
               __doc__.split("\n\n", 1)[1] + "\n\n" + "\n\n".join([*tables_md, cpu]),
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python "
               "benchmarks/autopilot_family_resolution.py" + (" --cached-only" if args.cached_only else "")
               + ("" if peers == PEERS else " --peers " + " ".join(peers)))


if __name__ == "__main__":
    main()
