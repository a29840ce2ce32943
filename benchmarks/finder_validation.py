"""Does a sweep that reads the validation loss suggest a better rate than one that reads the training loss?

``find_lr`` reads the training loss of each sweep batch by default; with
``validation=Validation(val_loader)`` (``lrkit find --val``) it reads the mean loss over a fixed subset of
validation batches after each update. A rate best on the training loss can overfit (a new-user probe's
EmbeddingBag classifier with Adam: the training-read suggestion is 0.7 decades above the validation-best
rate); does reading the validation loss pick better? Nothing is chosen here (no threshold, no default
moves), so every figure is held out.

1. **The zoo** (``lrkit.zoo``, 12 families, seeds 0-2): ``find_lr`` with the shipped policy reading the
   training loss (``dev.finder_zoo_data``'s answers, cached) and the same call with
   ``validation=Validation(val_loader)`` (4 batches, every update; ``dev.finder_val_data``, cached in
   ``benchmarks/results/finder_validation.json``); regret: the zoo's ``gap`` unit on the grid's mean
   *validation* metric interpolated at the suggestion (the selection proxy of ``finder_zoo.py``).
2. **Outside the zoo** (the probe's nine and the three plateau workloads, seeds 0-2): the same two calls;
   gap regret on a 300-update cosine grid's validation loss (``dev.finder_probe``).

::

    flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/finder_validation.py [--no-record]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import finder_probe as probe  # noqa: E402
from dev import finder_zoo_cv as cv  # noqa: E402
from dev import finder_zoo_data as data  # noqa: E402
from dev import zoo_grid  # noqa: E402
from dev.finder_val_data import val_answer  # noqa: E402
from dev.finder_plateau_workloads import WORKLOADS as PLATEAU  # noqa: E402
from dev.finder_probe_workloads import WORKLOADS as PROBE  # noqa: E402
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402
from lrkit.finder import FinderPolicy  # noqa: E402

#: The shipped candidate of ``finder_zoo.py`` (its answers are cached there): the training-read reference.
SHIPPED = next(c for c in cv.CANDIDATES if c.policy.descent_floor == FinderPolicy().descent_floor
               and c.policy.descent_floor_reading == FinderPolicy().descent_floor_reading)


def _row(label: str, train: list[float], val: list[float]) -> list[str]:
    t, v = np.asarray(train), np.asarray(val)
    d = v - t
    se = d.std(ddof=1) / np.sqrt(d.size) if d.size > 1 else 0.0
    return [label, str(d.size), f"{t.mean():.1f}", f"{v.mean():.1f}", f"{d.mean():+.1f} +- {se:.1f}",
            f"{int((d < 0).sum())} / {int((d > 0).sum())}"]


HEAD = ["family / workload", "cells", "train-read regret", "val-read regret", "val - train (+- SE)",
        "val better / worse"]


def zoo_rows() -> list[list[str]]:
    names = [n for n in data.workloads() if zoo_grid.status(n) == "ok"]
    rows, means = [], []
    for f in sorted({data.family(n) for n in names}):
        cells = [(n, s) for n in names if data.family(n) == f for s in data.SEEDS]
        train = [cv.proxy(n, cv.read(n, s, SHIPPED)[0]) for n, s in cells]
        val = [cv.proxy(n, val_answer("zoo", n, s)) for n, s in cells]
        rows.append(_row(f, train, val))
        means.append((np.mean(train), np.mean(val)))
    rows.append(["mean of families", "", f"{np.mean([m[0] for m in means]):.2f}",
                 f"{np.mean([m[1] for m in means]):.2f}", "", ""])
    return rows


def probe_rows() -> list[list[str]]:
    rows, every = [], ([], [])
    for name in [*PROBE, *PLATEAU]:
        train = [probe.regret(name, probe.suggestion(name, s)["lr"], "cosine") for s in probe.SEEDS]
        val = [probe.regret(name, val_answer("probe", name, s), "cosine") for s in probe.SEEDS]
        rows.append(_row(name, train, val))
        every[0].extend(train)
        every[1].extend(val)
    rows.append(_row("all", *every))
    return rows


def main() -> None:
    parser = arguments(__doc__)
    args = parser.parse_args()
    cpu = time.process_time()
    z = zoo_rows()
    print_table(z, HEAD)
    p = probe_rows()
    print_table(p, HEAD)
    cpu = time.process_time() - cpu
    print(f"CPU time {cpu:.0f} s")
    body = ("**The zoo** (gap regret of the grid's mean validation metric at the suggestion, per family; "
            "train-read: the shipped `find_lr`; val-read: the same with `validation=Validation(val_loader)`; "
            "paired over the same cells):\n\n" + markdown_table(z, HEAD)
            + "\n\n**Outside the zoo** (the probe's nine and the three plateau workloads; gap regret on a "
            "300-update cosine grid's validation loss):\n\n" + markdown_table(p, HEAD)
            + f"\n\nCPU time {cpu:.0f} s (cached answers and full runs not counted).")
    if not args.no_record:
        command = "flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/finder_validation.py"
        record("finder_validation", "Finder: a sweep reading the validation loss against the training loss",
               body, command=command)


if __name__ == "__main__":
    main()
