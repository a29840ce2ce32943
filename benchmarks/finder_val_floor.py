"""In validation mode, how large must a rise be, relative to the loss level, to end the sweep as a blow-up?

The stop rule's bar is ``best + tau * max(progress, noise_sigmas * noise, floor * |level|)``. A sweep reading
the validation loss (``find_lr(validation=Validation(val_loader))``: a fixed subset, read after each update)
is nearly noiseless, so on a plateau before its descent the bar is the floor alone, and the curve wanders by
1e-5 to 1e-3 of its level there (the weights move a little at each update): with the training read's floor
(``level_floor`` = 1e-6) the rule called that wander a blow-up, decades under the descent (a BatchNorm 1-D
CNN at 2e-7, a deep tanh MLP at 2e-6). ``FinderPolicy.val_level_floor`` is the floor validation mode uses;
the question is how large. (The training read keeps ``level_floor``: a training loss carries batch noise,
whose term dominates the floor, and a small floor keeps the rule invariant to a constant added to the loss.)

1. **Candidates**: :data:`FLOORS`, from the training read's 1e-6 to a tenth of the loss level.
2. **Data** (cached, ``dev.finder_val_data``): per zoo workload and seed, ``find_lr``'s answer with
   ``validation=Validation(val_loader)`` (4 batches, every update) and each candidate floor.
3. **Score**: the zoo's selection proxy (gap regret of the grid's mean validation metric at the suggestion),
   every family weighing the same.
4. **Leave one family out**: on the other 11 families, the one-standard-error rule, its tie broken towards
   the *larger* floor: a false stop costs the whole answer (the reading ends before the descent), a late
   stop a step or two (a blow-up soon clears any floor), so among floors the zoo cannot tell apart the
   safer one is kept. The chosen floor is scored on the held-out family; the figure reported is that one.
5. **Held out entirely**: the probe's nine workloads and the three plateau workloads (seeds 0-2), gap regret
   on a 300-update cosine grid's validation loss (``dev.finder_probe``), the floor chosen on all zoo
   families against 1e-6.

::

    flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/finder_val_floor.py [--no-record]
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
from dev.record import arguments, markdown_table, print_table, record  # noqa: E402
from lrkit.finder import FinderPolicy  # noqa: E402

#: The candidate floors, relative to the loss level (1e-6: the training read's ``level_floor``).
FLOORS = (1e-6, 1e-4, 1e-3, 1e-2)
PREVIOUS = 1e-6


def zoo_regrets(names: list[str]) -> np.ndarray:
    """``(floors, cells)`` proxy regrets of each floor's validation-read answer per zoo cell."""
    return np.array([[cv.proxy(n, val_answer("zoo", n, s, FinderPolicy(val_level_floor=f)))
                      for n, s in cv.cells(names)] for f in FLOORS])


def select(score: np.ndarray) -> int:
    """The one-SE rule over families (columns of ``score``), ties broken towards the larger floor."""
    mean = score.mean(axis=1)
    best = int(np.argmin(mean))
    se = (score - score[best]).std(axis=1, ddof=1) / np.sqrt(score.shape[1])
    return int(max(np.flatnonzero(mean <= mean[best] + se)))


def zoo_rows(means: np.ndarray, fams: list[str]) -> tuple[list[list[str]], int]:
    """Per held-out family: the floor chosen on the others and its regret (and 1e-6's); the in-sample pick."""
    prev, rows, held = FLOORS.index(PREVIOUS), [], []
    for j, f in enumerate(fams):
        i = select(means[:, [k for k in range(len(fams)) if k != j]])
        held.append(means[i, j])
        rows.append([f, f"{FLOORS[i]:g}", f"{means[prev, j]:.1f}", f"{means[i, j]:.1f}"])
    rows.append(["mean of families", "", f"{means[prev].mean():.2f}", f"{np.mean(held):.2f} (CV)"])
    return rows, select(means)


def outside_rows(floor: float) -> list[list[str]]:
    """The probe's and the plateau workloads' validation-read regret (cosine grid), 1e-6 against ``floor``."""
    rows, every = [], ([], [])
    for name in probe.BUILDS:
        pair = [[probe.regret(name, val_answer("probe", name, s, FinderPolicy(val_level_floor=f)), "cosine")
                 for s in probe.SEEDS] for f in (PREVIOUS, floor)]
        for k in (0, 1):
            every[k].extend(pair[k])
        rows.append([name, f"{np.mean(pair[0]):.1f}", f"{np.mean(pair[1]):.1f}"])
    rows.append(["all", f"{np.mean(every[0]):.1f}", f"{np.mean(every[1]):.1f}"])
    return rows


def main() -> None:
    parser = arguments(__doc__)
    args = parser.parse_args()
    cpu = time.process_time()
    names = [n for n in data.workloads() if zoo_grid.status(n) == "ok"]
    means, fams = cv.family_means(zoo_regrets(names), names)
    z, pick = zoo_rows(means, fams)
    z_head = ["held-out family", "floor chosen on the others", "regret at 1e-6", "regret at the chosen floor"]
    c = [[f"{f:g}", f"{means[i].mean():.2f}"] + [f"{v:.1f}" for v in means[i]] for i, f in enumerate(FLOORS)]
    c_head = ["val_level_floor", "mean of families", *fams]
    o = outside_rows(FLOORS[pick])
    o_head = ["workload", "regret at 1e-6", f"regret at {FLOORS[pick]:g}"]
    cpu = time.process_time() - cpu
    for rows, head in ((z, z_head), (c, c_head), (o, o_head)):
        print_table(rows, head)
    print(f"floor chosen on every family: {FLOORS[pick]:g}; CPU time {cpu:.0f} s")
    body = ("**The zoo, held out by family** (validation read; selection proxy, gap regret of the grid's "
            "mean validation metric at the suggestion, mean per family; the floor chosen on the other 11 "
            "families by the one-SE rule, ties towards the larger floor):\n\n" + markdown_table(z, z_head)
            + f"\n\n**Every candidate, in sample** (chosen on all families: `{FLOORS[pick]:g}`):\n\n"
            + markdown_table(c, c_head)
            + "\n\n**Outside the zoo, held out** (validation read; the probe's nine and the three plateau "
            "workloads, seeds 0-2; gap regret on a 300-update cosine grid's validation loss):\n\n"
            + markdown_table(o, o_head)
            + f"\n\nCPU time {cpu:.0f} s (cached answers and full runs not counted).")
    if not args.no_record:
        command = "flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/finder_val_floor.py"
        record("finder_val_floor", "Finder: the stop rule's floor in validation mode", body, command=command)


if __name__ == "__main__":
    main()
