"""Does a change to ``find_lr``'s second pass and fallback hold across families? Old and new side by side.

A change of mechanism (no tuned number) is checked as the zoo benchmark checks a rule: every candidate
of ``dev.finder_zoo_cv.CANDIDATES`` is read with ``find_lr``'s previous revision (its answers from the
cache, ``dev.finder_zoo_data.MECHANICS``) and with the current one, and the leave-one-family-out selection
(:func:`dev.finder_zoo_cv.lofo`, the revision not counted as a setting, so the one-SE rule breaks a tie by
the score) picks among all of them without each family. The table: per held-out family, the revision
and candidate picked, and the cross-validated proxy regret (gap unit) with the previous revision only,
the current only, and both in the pool; then the shipped policy's proxy per family under each revision.
Only the cells where a second pass decides can differ. Run (no training: the grid is the score)::

    nice .venv/bin/python benchmarks/dev/finder_zoo_mechanics.py [--previous 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev import finder_zoo_cv as cv  # noqa: E402
from dev import finder_zoo_data as data  # noqa: E402
from dev import zoo_grid  # noqa: E402
from dev.record import print_table  # noqa: E402


def held_out(table: np.ndarray, names: list[str], cands: list[cv.Candidate]) -> dict[str, tuple[int, float]]:
    """Per family: the candidate picked without it and that candidate's proxy regret on it."""
    means, every = cv.family_means(table, names)
    chosen = cv.lofo(table, names, cands)
    return {f: (chosen[f], float(means[chosen[f], j])) for j, f in enumerate(every)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--previous", type=int, default=data.MECHANICS - 1, 
                        help="the revision to compare with")
    args = parser.parse_args()
    names = [n for n in data.workloads() if zoo_grid.status(n) == "ok"]
    old = [dataclasses.replace(c, mechanics=args.previous) for c in cv.CANDIDATES]
    new = list(cv.CANDIDATES)
    table = cv.regret_table(old + new, names)
    k = len(old)
    only_old, only_new = held_out(table[:k], names, old), held_out(table[k:], names, new)
    both = held_out(table, names, old + new)
    shipped = cv.in_sample(table[k:], names, new)
    means, every = cv.family_means(table, names)
    rows = []
    for j, f in enumerate(every):
        i = both[f][0]
        rows.append([f, f"m{(old + new)[i].mechanics}: {(old + new)[i].label}", f"{only_old[f][1]:.1f}",
                     f"{only_new[f][1]:.1f}", f"{both[f][1]:.1f}", f"{means[shipped - 0, j]:.1f}",
                     f"{means[k + shipped, j]:.1f}"])
    rows.append(["mean of families", f"current revision picked in {sum(both[f][0] >= k for f in every)} of "
                 f"{len(every)} folds", *[f"{np.mean([d[f][1] for f in every]):.1f}" for d in
                                          (only_old, only_new, both)],
                 f"{means[shipped].mean():.1f}", f"{means[k + shipped].mean():.1f}"])
    print(f"shipped policy (in-sample, current revision): {new[shipped].label}")
    print_table(rows, ["held-out family", "picked without it (revision: candidate)",
                       f"CV, m{args.previous} only", f"CV, m{data.MECHANICS} only", "CV, both",
                       f"shipped, m{args.previous}", f"shipped, m{data.MECHANICS}"])
    cells = cv.cells(names)
    moved = [(n, s, cv.read(n, s, old[shipped])[0], cv.read(n, s, new[shipped])[0]) for n, s in cells]
    print_table([[n, s, f"{a:.3g}" if a else "-", f"{b:.3g}" if b else "-", f"{zoo_grid.best(n)[0]:.3g}",
                  f"{cv.proxy(n, a):.1f}", f"{cv.proxy(n, b):.1f}"] for n, s, a, b in moved if a != b],
                ["workload", "seed", f"m{args.previous}", f"m{data.MECHANICS}", "grid best",
                 f"proxy m{args.previous}", f"proxy m{data.MECHANICS}"])


if __name__ == "__main__":
    main()
