"""Can the zoo decide a rule for the built-in `healthy` reads at 1/300 of the good rate (wine-logreg: a
noiseless descent that has not levelled off)? Counts, by label, the zoo runs ``diagnose`` reads ``healthy``
(loss and rate only, its defaults) whose step noise is under a share of their spread and which have not
begun to level off (``lrkit.diagnostics.not_levelled``): the runs a rule "noiseless and not levelled ->
too_low_slow" would turn. The built-in wine-logreg runs are printed beside them. docs/evidence.md
"Diagnose: too low on the built-in tasks, what the zoo cannot decide" quotes the figures.

Run::

    nice -n 10 .venv/bin/python benchmarks/dev/diagnose_noiseless.py
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from dev import diagnose_corpus as dc  # noqa: E402
from dev.diagnose_builtin import load as load_builtin  # noqa: E402
from dev.record import print_table  # noqa: E402

from lrkit.diagnostics import diagnose, not_levelled  # noqa: E402

#: Step noise as a share of the curve's 5-95% spread (wine-logreg's is the 0.001 floor).
SHARES = (0.01, 0.02, 0.05)


def main() -> None:
    zoo = []
    for e in dc.load():
        if np.all(np.isfinite(e.loss)):
            d = diagnose(e.loss, e.lr)
            if d.verdict == "healthy" and not_levelled(d.statistics):
                zoo.append((e.record["label"] or "unlabelled", d.statistics["noise_to_spread"]))
    labels = sorted({k for k, _ in zoo})
    rows = [[f"< {s:g}", *(Counter(k for k, n in zoo if n < s).get(k, 0) for k in labels)] for s in SHARES]
    print("zoo runs read healthy and not levelled, by label")
    print_table(rows, ["step noise / spread", *labels])
    wine = Counter()
    for c in load_builtin():
        if c["source"] == "wine-logreg" and c["setting"] in ("good", "good+schedule", "too_low"):
            d = diagnose(c["losses"], c["lrs"])
            s = d.statistics
            wine[(c["setting"], d.verdict, not_levelled(s), bool(s["noise_to_spread"] < SHARES[0]))] += 1
    print("\nbuilt-in wine-logreg")
    print_table([[*k, n] for k, n in sorted(wine.items())],
                ["setting", "verdict", "not levelled", f"step noise / spread < {SHARES[0]:g}", "runs"])


if __name__ == "__main__":
    main()
