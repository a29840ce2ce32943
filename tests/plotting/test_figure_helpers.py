"""The helpers every figure is built with (``lrkit.plotting``, used by the tuning plots and the CLI):
headless pyplot, the ``ax=None`` convention, a figure as PNG bytes."""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib")

from lrkit.plotting import figure_and_axes, figure_png, pyplot  # noqa: E402


def test_a_figure_drawn_on_given_axes_is_theirs_and_renders_to_png():
    plt = pyplot()
    fig, ax = plt.subplots()
    try:
        assert figure_and_axes(ax) == (fig, ax)  # no new figure when the caller gives axes
        png = figure_png(fig, dpi=50)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(figure_png(fig, dpi=100)) > len(png)  # dpi reaches the renderer
    finally:
        plt.close(fig)
    new, new_ax = figure_and_axes(figsize=(3.0, 2.0))
    try:
        assert new is not fig and new_ax.figure is new and new.get_size_inches().tolist() == [3.0, 2.0]
    finally:
        plt.close(new)
