"""Lazy, headless matplotlib access shared by every plot."""

from __future__ import annotations

from typing import Any

__all__ = ["pyplot", "figure_and_axes"]


def pyplot() -> Any:
    """Import ``matplotlib.pyplot`` with a non-interactive backend (Agg, unless one was chosen already).

    Example:
        >>> plt = pyplot()
        >>> plt.__name__
        'matplotlib.pyplot'
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def figure_and_axes(ax: Any = None, *, figsize: tuple[float, float] = (6.4, 4.0)) -> tuple[Any, Any]:
    """Return ``(fig, ax)``: the given axes' figure, or a new figure (the ``ax=None`` convention).

    Example:
        >>> fig, ax = figure_and_axes()
        >>> figure_and_axes(ax) == (fig, ax), fig.get_size_inches().tolist()
        (True, [6.4, 4.0])
        >>> pyplot().close(fig)
    """
    if ax is not None:
        return ax.figure, ax
    plt = pyplot()
    fig, new_ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, new_ax
