"""A real run at a rate 3 decades too low is never told to *lower* it (session 6, ux probe).

The history is a real one (`data/huber_mlp_sgd_lr1e-4.csv`): a tanh MLP 10-64-64-1 on
sklearn's make_friedman1 (noise 1, target z-scored), Huber loss, SGD momentum 0.9, batch 64, 500
updates at a constant 1e-4, seed 1, written by `lrkit.tasks.train(...).write_history`
(`/work/notes/ux6/tasks_ux.py:huber_mlp`). The grid over constant rates (1e-4 to 3, 16 points,
seeds 0-1, `/work/notes/ux6/diag_sweep.py`) puts the best at 0.19 (val loss 0.099; here 0.423): the
loss did not move. Its first batch is easy (0.387 against a median of 0.449 over the first 50),
and "ended 1.2 standard errors above its first value" fired `too_high_diverging` ("Divide the rate
by about 3") before the tests against the first loss were measured from y_0 with one batch's
standard error (15b4cdf); the same happened with a real Lightning `Trainer` on this model at 1e-4
(`/work/notes/ux6/histories.py`). `tests/diagnostics/test_flat_history.py` holds the synthetic form;
this is the form a user meets.
"""

from __future__ import annotations

from pathlib import Path

import lrkit
from lrkit.diagnostics import read_history

DATA = Path(__file__).parent / "data" / "huber_mlp_sgd_lr1e-4.csv"


def test_the_recorded_history_is_what_the_docstring_says():
    h = read_history(DATA)
    assert len(h.losses) == 500 and set(h.lrs) == {1e-4}


def test_a_real_run_far_below_its_best_rate_is_never_told_to_lower_it():
    h = read_history(DATA)
    d = lrkit.diagnose(h.losses, lrs=h.lrs)
    assert d.direction != "lower", (d.verdict, d.recommendation)
