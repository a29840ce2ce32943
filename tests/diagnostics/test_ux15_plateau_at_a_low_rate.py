"""``diagnose`` does not tell a run at a tenth of its best rate to cut the rate by 10x (session-15 new-user
probe, ux; ``/work/notes/ux15/REPORT.md`` D10, medium).

A regression MLP on raw friedman1 targets, trained as a user writes it: SGD momentum 0.9, gradient
clipping at 1.0, 4 micro-batches of 16 accumulated per update, 300 updates at a constant rate
(``/work/notes/ux15/workloads.py`` ``clip_accum``). Grid (seeds 0-1, half decades): val MSE 216 / 198 /
104 / 10.6 / 7.17 / 7.16 / 5.55 / **2.92** / 21.0 at 5.6e-5 ... 0.178 ... 0.56 (untrained 224). The
history at 0.0178, a tenth of the grid-best 0.178 (``data/ux15_clip_accum_tenth_of_best.csv``, seed 0),
reads ``plateau`` (confidence 0.35, runner-up ``too_high_oscillating``): "Decay: you are at a plateau
since about step 41. Cut the rate by 10x now (or anneal it to zero ...)"; the history at 1/32 of the best
the same. Both candidates point down; the one that would help (a higher rate: 7.16 -> 2.92) is not named,
and nothing says the history cannot tell. The zoo counts the same thing without saying it: of 620 runs
labelled ``too_low_slow`` 16 read ``plateau`` (BENCHMARKS.md, diagnosis on the zoo, confusion table), and
the safety count the README quotes ("'lower the rate' on 15 of 1,194 whole runs at or below the grid-best
rate") counts ``direction == "lower"`` only, so a plateau's "Cut the rate by 10x now" on a run at or below
the best is not in it. Expected: no advice to cut the rate on this history (``uncertain`` naming a rate
too low as a possibility, or ``too_low_slow``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import lrkit

DATA = Path(__file__).resolve().parent / "data" / "ux15_clip_accum_tenth_of_best.csv"


@pytest.mark.xfail(strict=True, reason="ux15 D10: 'cut the rate by 10x' at a tenth of the best rate")
def test_a_run_at_a_tenth_of_its_best_rate_is_not_told_to_cut_it():
    rows = np.loadtxt(DATA, delimiter=",", skiprows=1)
    d = lrkit.diagnose(rows[:, 1], lrs=rows[:, 2])
    assert d.direction not in ("lower", "decay"), (d.verdict, d.recommendation)


GN = Path(__file__).resolve().parent / "data" / "ux15_gn_cnn_thirtieth_of_best.csv"


@pytest.mark.xfail(strict=True, reason="ux15 D10: a first live report tells a run at 1/32 of its best to cut")
def test_a_first_live_report_at_a_thirtieth_of_the_best_rate_is_not_told_to_cut():
    pytest.importorskip("torch")
    from lrkit.torch import Watchdog

    rows = np.loadtxt(GN, delimiter=",", skiprows=1)
    wd = Watchdog(every=50)
    for step, loss, lr in rows[:50]:
        wd.observe(int(step), float(loss), float(lr))
    d = wd.diagnosis
    assert d is not None
    assert d.direction not in ("lower", "decay"), (d.verdict, d.recommendation)
