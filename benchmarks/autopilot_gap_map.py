"""Where does the Autopilot trail Prodigy: in its peak, or in its schedule's ceiling?

#15's family count is behind Prodigy on four families at six seeds (embbag, norm-mlp, regression,
transformer; ``BENCHMARKS.md#autopilot_family_resolution``). For every zoo family, and every workload of
a family behind Prodigy by its mean, this splits the Autopilot's difference with Prodigy (regret, gap %,
against the grid-best constant rate, seeds 0-2) into two parts that add up to it:

* **the peak**: the Autopilot (the library's default) against **schedule, tuned**, the best peak of the
  Autopilot's own schedule shape (wsd with its 20% 1-sqrt cool-down after a 5% linear warmup,
  ``dev.autopilot_truth.tuned_schedule``: chosen on the same three seeds, so an in-sample ceiling of
  any peak rule); what a better reading of the peak could win at most;
* **the shape's ceiling**: schedule, tuned against Prodigy (cosine from a rate its ``d`` raises); what
  no peak rule can win, only another schedule (or a rate that changes during the run).

A positive part is a loss to Prodigy. Per workload, the peak's miss in decades (the Autopilot's peak,
mean of log10 over the seeds, against the tuned one). Nothing is run: every number is read from the stores
(``results/autopilot_runs.json``, the zoo grid's runs); the Autopilot's are the runs of
``benchmarks/autopilot_shape.py`` made on this machine. The built-in tasks have no Prodigy gap here
(held out: ``autopilot_zoo.py``'s rows).

Run: ``.venv/bin/python benchmarks/autopilot_gap_map.py`` (light; ``--cached-only`` is the same).
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import autopilot_shape as shape  # noqa: E402
from dev import autopilot_truth as truth  # noqa: E402
from dev.record import markdown_table, print_table, record, store_args  # noqa: E402

from lrkit import zoo  # noqa: E402

SEEDS = shape.SEEDS
DEFAULT = next(iter(shape.SHAPES))
PEER = "prodigy"
#: The schedule shape of the Autopilot and of "schedule, tuned".
SHAPE = "wsd"


def workload_row(name: str) -> dict[str, Any]:
    """The three regrets (gap %, mean over the seeds) and the peaks of one workload."""
    ap = shape.runs(name, DEFAULT, False)
    peer = shape.runs(name, PEER, False)
    lr, tuned = truth.tuned_schedule(name, SHAPE, SEEDS, run=False)

    def mean(metrics: list[float]) -> float:
        return float(np.mean([truth.regret(name, m, SEEDS, "gap") for m in metrics]))

    read = float(np.mean([math.log10(r["peak"]) for r in ap]))
    return {"family": truth.family_of(name), "autopilot": mean([r["metric"] for r in ap]),
            "tuned": mean(tuned), "peer": mean([r["metric"] for r in peer]),
            "miss": read - math.log10(lr), "read": 10 ** read, "tuned_lr": lr}


def split(a: float, tuned: float, peer: float) -> list[float]:
    """The difference with the peer, its peak part and its ceiling part (they add up).

    Example:
        >>> split(4.0, -2.0, -3.0)
        [7.0, 6.0, 1.0]
    """
    return [a - peer, a - tuned, tuned - peer]


def tables(per: dict[str, dict[str, Any]]) -> tuple[list[list[Any]], list[list[Any]]]:
    """Per family, and per workload of a family behind the peer: regrets and the split."""
    fams: dict[str, list[dict[str, Any]]] = {}
    for r in per.values():
        fams.setdefault(r["family"], []).append(r)
    frows, behind = [], []
    for f, rs in sorted(fams.items()):
        a, t, p = (float(np.mean([r[k] for r in rs])) for k in ("autopilot", "tuned", "peer"))
        frows.append([f, a, t, p, *split(a, t, p), "behind" if a > p else "ahead"])
        if a > p:
            behind.append(f)
    wrows = [[n, r["family"], r["autopilot"], r["tuned"], r["peer"], *split(r["autopilot"], r["tuned"],
              r["peer"])[1:], r["read"], r["tuned_lr"], r["miss"]]
             for n, r in sorted(per.items()) if r["family"] in behind]
    return frows, wrows


def main() -> None:
    args = store_args(__doc__)
    start = time.process_time()
    per = {n: workload_row(n) for n in sorted(zoo.names())}
    frows, wrows = tables(per)
    fh = ["family", "autopilot (gap %)", "schedule, tuned", PEER, f"autopilot - {PEER}", "the peak's part",
          "the shape's ceiling", f"by mean vs {PEER}"]
    wh = ["workload", "family", "autopilot", "schedule, tuned", PEER, "the peak's part",
          "the shape's ceiling",
          "peak read (geometric mean)", "tuned peak", "miss (decades)"]
    capped = [r for r in frows if r[-1] == "behind" and r[6] > 0]
    behind = ", ".join(r[0] for r in frows if r[-1] == "behind")
    line = (f"Families behind {PEER} by mean: {behind}; of them, "
            f"behind it even at the tuned peak (a ceiling no peak rule passes): "
            + ", ".join(f"{r[0]} (peak {r[5]:.3g}, ceiling {r[6]:.3g})" for r in capped)
            + f". Mean over families: autopilot {np.mean([r[1] for r in frows]):.3g}, schedule, tuned "
            f"{np.mean([r[2] for r in frows]):.3g}, {PEER} {np.mean([r[3] for r in frows]):.3g}.")
    print_table(frows, fh, floatfmt=".3g")
    print_table(wrows, wh, floatfmt=".3g")
    print(line)
    cpu = f"CPU seconds of this process (nothing is run): {time.process_time() - start:.0f}."
    if not args.no_record:
        record("autopilot_gap_map", "Where the Autopilot trails Prodigy: the peak or the schedule's ceiling",
               __doc__.split("\n\n", 1)[1].rsplit("\n\nRun:", 1)[0] + "\n\n"
               + "\n\n".join([markdown_table(frows, fh, floatfmt=".3g"),
                              markdown_table(wrows, wh, floatfmt=".3g"), line, cpu]),
               command=".venv/bin/python benchmarks/autopilot_gap_map.py")


if __name__ == "__main__":
    main()
