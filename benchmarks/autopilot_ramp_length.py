"""Does a shorter ramp pay? The ramp's length, chosen by leave-one-family-out on the zoo.

The ramp is the Autopilot's range test and its warmup: :math:`P = \\min(100, B/2, \\max(16, B/4))`
updates over the optimizer kind's band (six decades for SGD, four for the Adam family), paid from the
budget; the updates above the peak it reads are undone, and those far below it train at rates that
barely move the weights (at the grid-best peak the whole structure cost 0.37% on the built-in tasks,
``docs/evidence.md#autopilot-the-main-phase``). The ramp's length also sets its pace, and with it
where the loss answers the rates (a faster ramp reads higher). Candidates
(``AutopilotPolicy`` fields on top of the default; each a full run, nothing can be scored offline):

* **the default**: a quarter of the budget, at most 100 updates (its runs of ``autopilot_shape.py``
  on this machine);
* **an eighth of the budget** (``ramp_fraction=0.125``; still at least 16 and at most 100 updates):
  nearer the usual 5-10% warmup, shorter at budgets under 800;
* **at most 50 updates** (``max_probe=50``): shorter at long budgets only (300 updates and more),
  where a 100-update ramp reads the band at its finest;
* **a quarter at every budget** (``max_probe=1000``, above every zoo budget's quarter; at most half
  the budget as before): longer at budgets over 400, so the ramp's pace per decade scales with the
  run (the shorter ramps lost, so the other direction);
* **the same pace per decade for every kind** (``ramp_pace="decades"``): the length above is for the
  SGD band's six decades, and the Adam family's four take two thirds of it (67 updates from a budget
  of 400): with one length for every kind an adaptive ramp runs at two thirds of SGD's pace, and the
  shorter ramps' gains were adaptive optimizers' (SGD's runs are unchanged).

Every zoo workload (37, 12 families) and every built-in task (held out), seeds 0, 1, 2, each at its own
budget, the Autopilot told it. Regret in the zoo's gap unit against the grid-best constant rate, mean
over families; **leave-one-family-out**: each family is scored with the candidate that has the lowest
mean over the other eleven. A bit-identity check first: the default run again here on three
workloads (one per optimizer kind, seed 0) against its stored runs.

Run: ``flock /tmp/lrkit-heavy.lock nice -n 10 .venv/bin/python benchmarks/autopilot_ramp_length.py``
(``--cached-only``: the tables from the store; only the three bit-identity runs are made).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from autopilot_shape import BEFORE_12, SHAPES  # noqa: E402
from dev import autopilot_candidates as candidates  # noqa: E402

DEFAULT_NAME = next(iter(SHAPES))
#: Measured in session 11, on the default of then (``autopilot_shape.BEFORE_12``).
CANDIDATES = {k: {**v, "base": BEFORE_12} for k, v in {
    DEFAULT_NAME: SHAPES[DEFAULT_NAME],
    "ramp an eighth of the budget": {"ramp_fraction": 0.125},
    "ramp at most 50 updates": {"max_probe": 50},
    "ramp a quarter at every budget": {"max_probe": 1000},
    "ramp at SGD's pace per decade": {"ramp_pace": "decades"}}.items()}


def main() -> None:
    candidates.main(CANDIDATES, section="autopilot_ramp_length",
                    title="The Autopilot's ramp length, chosen by leave-one-family-out", doc=__doc__,
                    script="benchmarks/autopilot_ramp_length.py")


if __name__ == "__main__":
    main()
