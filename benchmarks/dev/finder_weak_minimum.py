"""Where a weak reading's minimum lies against its valley: the zoo's weak first sweeps and the probe's.

A weak drop (between ``weak_sigmas`` and ``weak_rule_sigmas`` noise SDs) is read by ``minimum/10``: a decade
under the minimum of fastai's EMA curve. That reading assumes the minimum is the descent's. Printed for
every such sweep: the minimum's log-rate, the valley's falling and rising crossings (``x_fast``,
``x_edge``), the signal, and ``find_lr``'s answer; ``before`` marks a minimum before the valley begins.
The zoo's sweeps are the cached first sweeps replayed with the shipped stop rule
(``dev.finder_zoo_data``); the probe's and the plateau workloads' are the curves of the pass that
answered (``dev.finder_probe.suggestion``)::

    nice -n 10 .venv/bin/python benchmarks/dev/finder_weak_minimum.py
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev import finder_probe as probe  # noqa: E402
from dev import finder_zoo_cv as cv  # noqa: E402
from dev import finder_zoo_data as data  # noqa: E402
from dev import zoo_grid  # noqa: E402
from dev.finder_plateau_workloads import WORKLOADS as PLATEAU  # noqa: E402
from dev.finder_probe_workloads import WORKLOADS as PROBE  # noqa: E402
from dev.record import print_table  # noqa: E402
from lrkit.finder import FinderPolicy, suggest, valley_geometry  # noqa: E402

__all__ = ["weak_minimum"]

HEAD = ["sweep", "minimum (log10)", "x_fast", "x_edge", "signal", "answer", "source", ""]


def weak_minimum(lrs: np.ndarray, losses: np.ndarray,
                 policy: FinderPolicy = FinderPolicy()) -> tuple | None:
    """``(minimum, x_fast, x_edge, signal)`` (log10 rates) of a weak drop read by ``minimum/10``, or None."""
    v = valley_geometry(lrs, losses, policy=policy)
    if isinstance(v, str) or not policy.weak_sigmas <= v.signal < policy.weak_rule_sigmas:
        return None
    m = suggest(lrs, losses, "minimum/10", policy=policy)
    return None if m.lr is None else (math.log10(m.lr * 10.0), v.x_fast, v.x_edge, v.signal)


def _row(label: str, found: tuple, lr: float | None, source: str | None) -> list[str]:
    return [label, *(f"{x:.2f}" for x in found[:3]), f"{found[3]:.1f}", "-" if lr is None else f"{lr:.3g}",
            str(source), "before" if found[0] < found[1] else ""]


def main() -> None:
    shipped = next(c for c in cv.CANDIDATES if c.policy.descent_floor == FinderPolicy().descent_floor
                   and c.policy.descent_floor_reading == FinderPolicy().descent_floor_reading)
    rows = []
    for n, s in cv.cells([n for n in data.workloads() if zoo_grid.status(n) == "ok"]):
        c = shipped.policy.memoryless_decades if data.memoryless(n) else shipped.policy.anchor_decades
        policy = shipped.policy.replace(anchor_decades=c, memoryless_decades=c)
        lrs, losses = data.replay(*data.sweep(n, s), policy)
        found = weak_minimum(lrs, losses)
        if found is not None:
            lr, _, source = cv.read(n, s, shipped)
            rows.append(_row(f"zoo {n} {s}", found, lr, source))
    for n in [*PROBE, *PLATEAU]:
        for s in probe.SEEDS:
            a = probe.suggestion(n, s)
            found = weak_minimum(np.asarray(a["lrs"]), np.asarray(a["losses"]))
            if found is not None:
                rows.append(_row(f"probe {n} {s}", found, a["lr"], a["source"]))
    print_table(rows, HEAD)


if __name__ == "__main__":
    main()
