"""ux17 L1: a range test with no suggestion gets a figure and caption that describe what is drawn.

``range_test(lambda lr: 1.0)`` (a flat curve: no suggestion): the page's caption still said "the orange
dot is the suggestion ... Right, a zoom around the suggestion: the shaded band ... is the interval" (none
is drawn), and the right panel's title "no suggestion: flat curve: ..." ran past the figure's edge.
"""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib")

from lrkit.finder import Sweep, range_test  # noqa: E402
from lrkit.plotting import finder_report, plot_finder  # noqa: E402
from lrkit.plotting._mpl import pyplot  # noqa: E402


def _flat():
    r = range_test(lambda lr: 1.0, sweep=Sweep(start=1e-5, end=10.0, num_steps=60))
    assert r.suggestion is None
    return r


def test_the_caption_of_a_page_without_a_suggestion_promises_no_suggestion_marks():
    page = finder_report(_flat()).html()
    assert "orange dot is the suggestion" not in page
    assert "zoom around the suggestion" not in page
    assert "no rate was suggested" in page


def test_the_no_suggestion_panel_title_fits_inside_the_figure():
    fig = plot_finder(_flat())
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        box = fig.axes[1].title.get_window_extent(renderer)
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1, (box, fig.bbox)
    finally:
        pyplot().close(fig)
