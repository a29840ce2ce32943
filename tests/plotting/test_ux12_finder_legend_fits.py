"""The range test figure's legend ran off both edges of the figure (session-12 new-user probe, ux;
``/work/notes/ux12/REPORT.md``, L8; ``plotting/_finder.py``).

``plot_finder`` puts one legend under both panels, four entries a row. With a small suggestion (a
fine-tune's 0.00257, a synthetic 0.00041) the entries' numbers are long and the legend is wider than the
figure: 1,265 px in a 1,200 px figure, so "smoothed loss" and "other rule 'minimum/10': 0.000628" were
cut at the saved PNG's edges (even the README's digits-mlp figure lost 8 px a side). Now the legend takes
as few entries a row as it needs to fit.
"""

from __future__ import annotations

import numpy as np
import pytest

from lrkit.finder import Sweep, range_test, synthetic
from lrkit.plotting import plot_finder


@pytest.mark.parametrize("lr_fast, lr_blow", [(3e-4, 2e-2), (1e-3, 1.0)], ids=["small-rates", "digits-like"])
def test_the_legend_lies_inside_the_figure(lr_fast, lr_blow):
    lrs = np.geomspace(1e-7, 10, 100)
    losses = iter(synthetic.curve(lrs, lr_fast=lr_fast, lr_blow=lr_blow, noise=0.05, seed=1))
    r = range_test(lambda lr: float(next(losses)), sweep=Sweep(start=1e-7, end=10, num_steps=100))
    fig = plot_finder(r)
    fig.canvas.draw()
    (legend,) = fig.legends
    box = legend.get_window_extent(fig.canvas.get_renderer())
    assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, (box.x0, box.x1, fig.bbox.x1)
    assert len(legend.get_texts()) >= 6  # every entry is still there
