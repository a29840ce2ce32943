"""ux17 L3, L10: the lab's figures say what their records say, and every mark has a legend entry.

L3: the divergence figure's legend read "lr = 1.1 x 2/L" for the run at 2.1 = 1.05 x 2/L (``.2g``);
docs/see.md and the record say 1.05. L10: the finder figure drew a black dashed line at the stability
limit 2/L with no legend entry (see.md: "every annotation ... is a legend entry").
"""

from __future__ import annotations

import pytest

pytest.importorskip("matplotlib")

from lrkit.lab import run_demo  # noqa: E402
from lrkit.plotting import plot_demo  # noqa: E402
from lrkit.plotting._mpl import pyplot  # noqa: E402


def _legend_texts(ax) -> list[str]:
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


def test_the_divergence_legend_gives_each_rate_as_the_record_does():
    r = run_demo("divergence")
    fig = plot_demo(r)
    try:
        texts = _legend_texts(fig.axes[1])
        assert any("1.05 x 2/L" in t for t in texts), texts
        assert not any("1.1 x 2/L" in t for t in texts), texts
    finally:
        pyplot().close(fig)


def test_the_finder_figure_names_its_stability_limit_line():
    r = run_demo("finder_explained")
    fig = plot_demo(r)
    try:
        ax = fig.axes[0]
        dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--" and ln.get_color() == "k"]
        assert dashed and all(not ln.get_label().startswith("_") for ln in dashed)
        assert any(ln.get_label() in _legend_texts(ax) for ln in dashed), _legend_texts(ax)
    finally:
        pyplot().close(fig)
