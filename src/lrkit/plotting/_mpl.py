"""Lazy, headless matplotlib access shared by every plot."""

from __future__ import annotations

from typing import Any


def pyplot() -> Any:
    """Import ``matplotlib.pyplot`` with a non-interactive backend."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def figure_and_axes(ax: Any = None, *, figsize: tuple[float, float] = (6.4, 4.0)) -> tuple[Any, Any]:
    """Return ``(fig, ax)``: the given axes' figure, or a new figure."""
    if ax is not None:
        return ax.figure, ax
    plt = pyplot()
    fig, new_ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, new_ax
