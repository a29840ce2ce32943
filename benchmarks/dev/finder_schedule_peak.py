"""Should the advice's schedule peak sit above the suggestion? The best WSD peak vs the best constant rate.

The finder's suggestion is calibrated against the zoo's constant-rate grids, and the advice prints a
schedule (WSD below 1,000 updates: 5% warmup, the peak held, a 20% cool-down to 1%) peaking at it. The
Autopilot's tuned-schedule grids (``dev.autopilot_grid``, the same WSD shape, cached full runs, seeds
0-2) give each zoo workload's best WSD peak. Per workload: the best peak's distance above the
grid-best constant rate; and, per offset ``d`` in decades, the WSD grid's mean gap regret (interpolated
in log-rate) at ``10^d`` times ``find_lr``'s default answer (``dev.finder_confidence_data``), with ``d``
chosen by leave-one-family-out. Reads cached runs only::

    nice -n 10 .venv/bin/python benchmarks/dev/finder_schedule_peak.py
"""

from __future__ import annotations

import hashlib
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev import autopilot_grid as ag  # noqa: E402
from dev import finder_confidence_data as cd  # noqa: E402
from dev import zoo_grid as zg  # noqa: E402
from dev.zoo_runs import read_npz, unpack  # noqa: E402
from lrkit import zoo  # noqa: E402

#: The offsets (decades above the suggestion) compared.
OFFSETS = (0.0, 0.1, 0.2, 0.25, 0.33, 0.4, 0.5, 0.67)


def wsd_curve(name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(log10 peaks, mean gap regret)`` of the cached WSD runs with all three seeds."""
    spec = ag.shape_spec("wsd", zoo.get(name).info.budget)
    digest = hashlib.sha1(spec.encode()).hexdigest()[:12]
    runs: dict[float, dict[int, Path]] = defaultdict(dict)
    for f in (zg.RUNS_DIR / name).glob(f"*_{digest}.npz"):
        lr, seed, _ = f.stem.split("_")
        runs[float(lr)][int(seed)] = f
    peaks = sorted(lr for lr, v in runs.items() if len(v) == len(zg.SEEDS))
    regret = [np.mean([zg.regret(name, unpack(read_npz(p)).metric, "gap") for p in runs[lr].values()])
              for lr in peaks]
    return np.log10(peaks), np.array(regret)


def main() -> None:
    records = cd.collect("zoo")
    names = sorted({r["name"] for r in records})
    curves = {n: wsd_curve(n) for n in names}
    above = [float(x[np.argmin(y)] - np.log10(zg.best(n)[0])) for n, (x, y) in curves.items()]
    print(f"best WSD peak above the best constant rate: mean {np.mean(above):+.2f} decades, "
          f"median {np.median(above):+.2f}, {len(above)} workloads")
    table: dict[str, dict[float, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        if r["lr"] is not None:
            x, y = curves[r["name"]]
            for d in OFFSETS:
                table[r["family"]][d].append(float(np.interp(np.log10(r["lr"]) + d, x, y)))
    fams = sorted(table)
    means = {f: {d: float(np.mean(v)) for d, v in table[f].items()} for f in fams}
    print("in-sample mean over families: "
          + ", ".join(f"d={d:g} {np.mean([means[f][d] for f in fams]):.2f}" for d in OFFSETS))
    picks, held, at_zero = [], [], []
    for f in fams:
        d = min(OFFSETS, key=lambda d: np.mean([means[g][d] for g in fams if g != f]))
        picks.append(d)
        held.append(means[f][d])
        at_zero.append(means[f][0.0])
    print(f"leave one family out: d picked {picks}; held-out WSD regret {np.mean(held):.2f} "
          f"vs {np.mean(at_zero):.2f} at the suggestion itself")


if __name__ == "__main__":
    main()
