"""Does raising a reading that lands on the plateau to the descent that follows hold out?

**The miss.** On a tanh MLP with Huber loss and SGD momentum (``dev.finder_plateau_workloads``, outside
the zoo) the sweep's loss sits flat for decades and falls only about a decade under the blow-up, with a
weak signal; ``find_lr`` lands 1.2-1.8 decades under the best peak rate, because the weak rule's
``minimum/10`` and the blow-up anchor (``anchor_decades`` under the blow-up) are fixed offsets below a
landmark that both land on the plateau, where the sweep measured no progress.

**The candidate rule** (``FinderPolicy.descent_floor`` = k): a reading below the valley's falling
crossing :math:`x_{fast}` is raised to it when the valley spans at least k smoothing windows
(:math:`x_{edge} - x_{fast} \\ge k\\,h`): a descent the smoother resolves, not a dip at the cliff. k = 1
(the kernel's half-width) or 2 (its full width); the second pass is never floored (it spans one decade
under the blow-up: no plateau before its valley).

1. **The zoo, held out**: the leave-one-family-out selection of ``finder_zoo.py`` (``dev.finder_zoo_cv``,
   its proxy: the grid's mean metric interpolated at the suggestion, ``gap`` regret) run twice, on its
   candidates and on them plus the floored ones: the cross-validated regret per family of each
   selection, and each family's in-sample regret of the shipped rule with and without the floor.
2. **Outside the zoo** (held out from every choice): the probe's nine workloads and the three plateau
   ones, seeds 0-2, ``find_lr`` with every default and with the floor; distance in decades from the best
   peak rate of a 300-update cosine grid (``dev.finder_probe``) and the gap regret there.

::

    flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/finder_plateau.py [--no-record]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev import finder_probe as probe  # noqa: E402
from dev import finder_zoo_cv as cv  # noqa: E402
from dev import finder_zoo_data as data  # noqa: E402
from dev import zoo_grid  # noqa: E402
from dev.finder_plateau_workloads import WORKLOADS as PLATEAU  # noqa: E402
from dev.finder_probe_workloads import WORKLOADS as PROBE  # noqa: E402
from dev.record import markdown_table, print_table, record  # noqa: E402
from lrkit.finder import FinderPolicy  # noqa: E402

#: The floor the held-out check runs (the kernel's full width: the one the zoo's in-sample pick).
FLOOR = 2.0


def zoo_rows() -> tuple[list[list[str]], list[str]]:
    """Per family: the CV regret of the selection without and with the floored candidates, and the shipped
    rule's in-sample regret without and with the floor; the last row the means, then the picks."""
    names = [n for n in data.workloads() if zoo_grid.status(n) == "ok"]
    cands = cv.CANDIDATES + cv.floor_candidates()
    table = cv.regret_table(cands, names)
    base = len(cv.CANDIDATES)
    means, fams = cv.family_means(table, names)
    picks_before = cv.lofo(table[:base], names, cv.CANDIDATES)
    picks_after = cv.lofo(table, names, cands)
    shipped = cv.in_sample(table[:base], names, cv.CANDIDATES)
    floored = next(i for i, c in enumerate(cands) if c.policy.descent_floor == FLOOR)
    cols = {"CV, candidates as shipped": [means[picks_before[f], j] for j, f in enumerate(fams)],
            "CV, with the floored ones": [means[picks_after[f], j] for j, f in enumerate(fams)],
            "shipped rule, in-sample": list(means[shipped]),
            f"shipped + floor k={FLOOR:g}, in-sample": list(means[floored])}
    rows = [[f, *[f"{v[j]:.1f}" for v in cols.values()], cands[picks_after[f]].label]
            for j, f in enumerate(fams)]
    rows.append(["mean of families", *[f"{np.mean(v):.2f}" for v in cols.values()],
                 f"in-sample pick with the floored ones: {cands[cv.in_sample(table, names, cands)].label}"])
    return rows, ["family", *cols, "picked without the family (with the floored ones)"]


def held_out_rows() -> list[list[str]]:
    """Per workload: the mean distance (decades) from the cosine grid's best and the gap regret, seeds 0-2,
    of find_lr's default and with the floor."""
    rows = []
    for name in [*PROBE, *PLATEAU]:
        g = probe.grid(name, "cosine")
        best = probe.GRID[int(np.argmin(g))]
        row = [name, f"{best:.3g}"]
        for policy in (FinderPolicy(), FinderPolicy(descent_floor=FLOOR)):
            lrs = [probe.suggestion(name, s, policy)["lr"] for s in probe.SEEDS]
            far = [abs(math.log10(lr / best)) for lr in lrs if lr is not None]
            reg = [probe.regret(name, lr, "cosine") for lr in lrs]
            row += [f"{np.mean(far):.2f}" if far else "-", f"{np.mean(reg):.1f}"]
        rows.append(row)
    means = [np.mean([float(r[i]) for r in rows if r[i] != "-"]) for i in range(2, 6)]
    rows.append(["mean", "", *[f"{m:.2f}" for m in means]])
    return rows


HELD_HEAD = ["workload", "best peak (cosine)", "default: |decades|", "default: regret",
             f"floor k={FLOOR:g}: |decades|", f"floor k={FLOOR:g}: regret"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-record", action="store_true", help="print only; leave BENCHMARKS.md alone")
    args = parser.parse_args()
    cpu = time.process_time()
    z_rows, z_head = zoo_rows()
    print_table(z_rows, z_head)
    h_rows = held_out_rows()
    print_table(h_rows, HELD_HEAD)
    cpu = time.process_time() - cpu
    print(f"CPU time {cpu:.0f} s")
    body = ("**The zoo, leave one family out** (the selection proxy of `finder_zoo.py`: gap regret of the "
            "grid's mean metric interpolated at the suggestion; per family, and the mean of families):\n\n"
            + markdown_table(z_rows, z_head)
            + "\n\n**Outside the zoo** (probe's nine and the three plateau workloads, seeds 0-2; distance "
            "from the best peak of a 300-update cosine grid, mean |decades|, and gap regret there):\n\n"
            + markdown_table(h_rows, HELD_HEAD)
            + f"\n\nCPU time {cpu:.0f} s (cached full runs not counted).")
    if not args.no_record:
        record("finder_plateau", "Finder: a reading on the plateau raised to the descent, held out", body,
               command="flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/finder_plateau.py")


if __name__ == "__main__":
    main()
